#include "services/referrals/store/referral_list_sql.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace probation::referrals {
namespace {

// Collects conditions and their values, numbering placeholders as the dialect wants.
class WhereBuilder {
 public:
  explicit WhereBuilder(SqlDialect dialect) : dialect_(dialect) {}

  std::string Placeholder(SqlValue value) {
    values_.push_back(std::move(value));
    return dialect_ == SqlDialect::kSqlite ? "?" : absl::StrCat("$", values_.size());
  }

  void Equals(absl::string_view column, SqlValue value, bool keep_off_index = false) {
    // SQLite uses no index for "+column", so the planner takes the narrow filter's index.
    const bool hint = keep_off_index && dialect_ == SqlDialect::kSqlite;
    conditions_.push_back(
        absl::StrCat(hint ? "+" : "", column, " = ", Placeholder(std::move(value))));
  }

  void Add(std::string condition) { conditions_.push_back(std::move(condition)); }

  std::string Where() const {
    return conditions_.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(conditions_, " AND "));
  }
  std::vector<SqlValue>& values() { return values_; }

 private:
  SqlDialect dialect_;
  std::vector<std::string> conditions_;
  std::vector<SqlValue> values_;
};

}  // namespace

ListStatements BuildListStatements(const ListQuery& query, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const bool narrow = !query.crn.empty() || !query.reference.empty() || !query.created_by.empty() ||
                      (query.assignee.has_value() && !query.assignee->empty());
  WhereBuilder where(dialect);
  if (!query.crn.empty()) where.Equals("crn", query.crn);
  if (!query.reference.empty()) where.Equals("reference", query.reference);
  if (!query.created_by.empty()) where.Equals("created_by", query.created_by);
  if (query.assignee.has_value()) {
    if (query.assignee->empty()) {
      // A literal, so the planner can take the partial index of the unassigned.
      where.Add("assignee = ''");
    } else {
      where.Equals("assignee", *query.assignee);
    }
  }
  if (!query.region.empty()) where.Equals("region", query.region, narrow);
  if (!query.provider.empty()) where.Equals("provider", query.provider, narrow);
  if (!query.intervention.empty()) where.Equals("intervention", query.intervention, narrow);
  if (query.state != v1::REFERRAL_STATE_UNSPECIFIED) {
    where.Equals("state", int64_t{query.state}, narrow);
  }
  const std::string open = sqlite ? "is_open = 1" : "is_open";
  const std::string closed = sqlite ? "is_open = 0" : "NOT is_open";
  const std::string draft = absl::StrCat(v1::REFERRAL_STATE_DRAFT);
  switch (query.state_group) {
    case StateGroup::kDraft:
      where.Add(absl::StrCat("state = ", draft));
      break;
    case StateGroup::kOpen:
      where.Add(absl::StrCat(open, " AND state <> ", draft));
      break;
    case StateGroup::kClosed:
      where.Add(closed);
      break;
    case StateGroup::kAny:
      break;
  }
  if (!query.hidden_crns.empty()) {
    std::vector<std::string> crns;
    for (const std::string& crn : query.hidden_crns) crns.push_back(where.Placeholder(crn));
    where.Add(absl::StrCat("crn NOT IN (", absl::StrJoin(crns, ", "), ")"));
  }
  if (query.action_plan_submitted) {
    // Only an open referral's plan waits for anyone.
    where.Add(open);
    where.Add(absl::StrCat("id IN (SELECT referral_id FROM action_plans WHERE state = ",
                           int{delivery::v1::ACTION_PLAN_STATE_SUBMITTED}, ")"));
  }
  if (query.created_from_us.has_value()) {
    where.Add(absl::StrCat("create_time_us >= ", where.Placeholder(*query.created_from_us)));
  }
  if (query.created_before_us.has_value()) {
    where.Add(absl::StrCat("create_time_us < ", where.Placeholder(*query.created_before_us)));
  }

  // SQLite weighs the unassigned's partial index below the wider assignee index, which holds
  // every closed referral too: name it.
  std::string table = "referrals";
  if (sqlite && !narrow && query.assignee.has_value() && query.assignee->empty() &&
      query.state_group == StateGroup::kOpen) {
    if (!query.region.empty()) {
      table = "referrals INDEXED BY referrals_unassigned_in_region";
    } else if (!query.provider.empty()) {
      table = "referrals INDEXED BY referrals_unassigned_for_provider";
    }
  }

  ListStatements statements;
  statements.count.sql = absl::StrCat("SELECT COUNT(*) FROM (SELECT 1 FROM ", table, where.Where(),
                                      " LIMIT ", kMaxCountedMatches + 1, ") AS matches");
  statements.count.values = where.values();

  const bool by_update =
      query.order == ListOrder::kRecentlyUpdated || query.order == ListOrder::kLeastRecentlyUpdated;
  const bool descending =
      query.order == ListOrder::kNewest || query.order == ListOrder::kRecentlyUpdated;
  const std::string key = by_update ? "update_time_us" : "create_time_us";
  const std::string after = descending ? "<" : ">";
  if (query.after.has_value()) {
    if (sqlite) {
      // SQLite plans the expanded form as an index range. Its placeholders bind in order.
      const std::string key_value = where.Placeholder(query.after->first);
      const std::string key_again = where.Placeholder(query.after->first);
      const std::string id_value = where.Placeholder(query.after->second);
      where.Add(absl::StrCat("(", key, " ", after, " ", key_value, " OR (", key, " = ", key_again,
                             " AND id ", after, " ", id_value, "))"));
    } else {
      const std::string key_value = where.Placeholder(query.after->first);
      const std::string id_value = where.Placeholder(query.after->second);
      where.Add(absl::StrCat("(", key, ", id) ", after, " (", key_value, ", ", id_value, ")"));
    }
  }
  const std::string direction = descending ? " DESC" : "";
  const std::string limit = where.Placeholder(int64_t{query.page_size + 1});
  statements.page.sql = absl::StrCat("SELECT body FROM ", table, where.Where(), " ORDER BY ", key,
                                     direction, ", id", direction, " LIMIT ", limit);
  statements.page.values = std::move(where.values());
  return statements;
}

ReportStatements BuildReportStatements(const ReportQuery& query, SqlDialect dialect) {
  WhereBuilder where(dialect);
  where.Add(absl::StrCat("r.create_time_us >= ", where.Placeholder(query.start_us)));
  where.Add(absl::StrCat("r.create_time_us < ", where.Placeholder(query.end_us)));
  if (!query.region.empty()) where.Equals("r.region", query.region);
  if (!query.intervention.empty()) where.Equals("r.intervention", query.intervention);
  if (!query.provider.empty()) where.Equals("r.provider", query.provider);
  ReportStatements statements;
  statements.groups = {
      absl::StrCat("SELECT r.state, r.intervention, r.region, r.provider, COUNT(*) FROM "
                   "referrals r",
                   where.Where(), " GROUP BY r.state, r.intervention, r.region, r.provider"),
      where.values()};
  statements.sessions = {
      absl::StrCat("SELECT r.intervention, r.state, a.outcome, COUNT(*) FROM referrals r JOIN "
                   "appointments a ON a.referral_id = r.id",
                   where.Where(), " AND a.type = ", int{delivery::v1::APPOINTMENT_TYPE_SESSION},
                   " GROUP BY r.intervention, r.state, a.outcome"),
      where.values()};
  statements.reports = {absl::StrCat("SELECT r.intervention, e.body FROM referrals r JOIN "
                                     "end_of_service_reports e ON e.referral_id = r.id",
                                     where.Where(), " AND e.submitted = 1"),
                        where.values()};
  // One row per referral: its group rows summed (a referral in two groups counts once) and its
  // attended catch-ups counted once.
  statements.dosage = {
      absl::StrCat("SELECT r.intervention, r.region, COUNT(*), SUM(m.required), SUM(m.attended), "
                   "SUM((SELECT COUNT(*) FROM appointments a WHERE a.referral_id = r.id AND "
                   "a.type = ",
                   int{delivery::v1::APPOINTMENT_TYPE_CATCH_UP}, " AND a.outcome IN (",
                   int{delivery::v1::ATTENDANCE_OUTCOME_ATTENDED}, ", ",
                   int{delivery::v1::ATTENDANCE_OUTCOME_LATE},
                   "))) FROM referrals r JOIN (SELECT referral_id, SUM(sessions_required) AS "
                   "required, SUM(sessions_attended) AS attended FROM programme_group_members "
                   "GROUP BY referral_id) m ON m.referral_id = r.id",
                   where.Where(), " GROUP BY r.intervention, r.region"),
      where.values()};
  // Each stay is a history entry's, kept on the rows of referral_events (0 on an event that
  // added none). The create entry has no from-state.
  where.Add("h.from_state <> 0");
  statements.stays = {absl::StrCat("SELECT h.from_state, h.duration_us FROM referrals r JOIN "
                                   "referral_events h ON h.referral_id = r.id",
                                   where.Where()),
                      where.values()};
  return statements;
}

}  // namespace probation::referrals
