// SqlReferralStore's programme groups (group_store.h): the group as served, its sessions'
// dates, facilitators and member rows, and the waiting list read from the referrals.
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/status/error_reason.h"
#include "services/referrals/store/sql_referral_store.h"

namespace probation::referrals {
namespace {

absl::StatusOr<std::vector<delivery::v1::Group>> GroupsOfRows(const absl::StatusOr<SqlRows>& rows) {
  if (!rows.ok()) return rows.status();
  std::vector<delivery::v1::Group> groups(rows->size());
  for (int row = 0; row < rows->size(); ++row) {
    if (!groups[row].ParseFromString(rows->Text(row, 0))) {
      return absl::DataLossError("a programme group is unreadable");
    }
  }
  return groups;
}

std::string LastSessionDate(const delivery::v1::Group& group) {
  return group.sessions().empty() ? group.start_date()
                                  : group.sessions(group.sessions_size() - 1).date();
}

// "?, ?, ..." for n values.
std::string Placeholders(size_t n) {
  return absl::StrJoin(std::vector<absl::string_view>(n, "?"), ", ");
}

// The statements that make the group's session, facilitator and member rows what `write` says.
std::vector<SqlStatement> GroupRowStatements(const GroupWrite& write, bool created) {
  std::vector<SqlStatement> statements;
  statements.push_back({"DELETE FROM programme_group_sessions WHERE group_id = ?", {write.id}});
  for (const delivery::v1::GroupSession& session : write.group.sessions()) {
    statements.push_back(
        {"INSERT INTO programme_group_sessions (group_id, session_number, session_date) "
         "VALUES (?, ?, ?)",
         {write.id, int64_t{session.session_number()}, session.date()}});
  }
  if (created) {
    for (const std::string& facilitator : write.group.facilitators()) {
      statements.push_back(
          {"INSERT INTO programme_group_facilitators (actor, group_id) VALUES (?, ?) "
           "ON CONFLICT DO NOTHING",
           {facilitator, write.id}});
    }
  }
  for (const GroupMemberRow& member : write.members) {
    statements.push_back(
        {"INSERT INTO programme_group_members (group_id, referral_id, active, sessions_required, "
         "sessions_attended, sessions_missed) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (group_id, referral_id) DO UPDATE SET active = excluded.active, "
         "sessions_required = excluded.sessions_required, "
         "sessions_attended = excluded.sessions_attended, "
         "sessions_missed = excluded.sessions_missed",
         {write.id, member.referral_id, int64_t{member.active ? 1 : 0},
          int64_t{member.sessions_required}, int64_t{member.sessions_attended},
          int64_t{member.sessions_missed}}});
  }
  return statements;
}

}  // namespace

std::string GroupName(absl::string_view id) { return absl::StrCat("groups/", id); }

std::string GroupSessionName(absl::string_view group_id, int session_number) {
  return absl::StrCat("groups/", group_id, "/sessions/", session_number);
}

absl::StatusOr<delivery::v1::Group> SqlReferralStore::CreateGroup(const GroupWrite& write) {
  delivery::v1::Group stored = write.group;
  stored.set_etag("1");
  const std::string body = stored.SerializeAsString();
  delivery::v1::Group result = stored;
  GroupedWrite grouped;
  grouped.first = {
      {"INSERT INTO programme_groups (id, intervention, region, start_date, end_date, capacity, "
       "members, request_id, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
       "ON CONFLICT (request_id) DO NOTHING",
       {write.id, stored.intervention(), stored.region(), stored.start_date(),
        LastSessionDate(stored), int64_t{stored.capacity()}, int64_t{stored.members_size()},
        write.request_id, Blob{body}}}};
  grouped.finish = [&](SqlConnection& db, const std::vector<SqlRows>& inserted,
                       FinalStatements& last) -> absl::Status {
    if (inserted.front().affected() == 0) {
      // A retry: the group its request id created.
      absl::StatusOr<std::vector<delivery::v1::Group>> earlier = GroupsOfRows(
          db.Query("SELECT body FROM programme_groups WHERE request_id = ?", {write.request_id}));
      if (!earlier.ok()) return earlier.status();
      if (earlier->empty()) return absl::AbortedError("the request id is being used; retry");
      result = std::move(earlier->front());
      return absl::OkStatus();
    }
    last.changes = GroupRowStatements(write, true);
    return absl::OkStatus();
  };
  if (absl::Status status = Writer(write.id).Write(grouped); !status.ok()) return status;
  return result;
}

absl::StatusOr<delivery::v1::Group> SqlReferralStore::GetGroup(absl::string_view id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<std::vector<delivery::v1::Group>> found = GroupsOfRows(
      reader->Query("SELECT body FROM programme_groups WHERE id = ?", {std::string(id)}));
  if (!found.ok()) return found.status();
  if (found->empty()) {
    return ResourceNotFoundError(kGroupType, GroupName(id),
                                 absl::StrCat("no programme group ", GroupName(id)));
  }
  return std::move(found->front());
}

absl::StatusOr<std::vector<delivery::v1::Group>> SqlReferralStore::ListGroups(
    const GroupQuery& query) {
  std::vector<std::string> conditions;
  std::vector<SqlValue> values;
  if (!query.intervention.empty()) {
    conditions.push_back("g.intervention = ?");
    values.emplace_back(query.intervention);
  }
  if (!query.region.empty()) {
    conditions.push_back("g.region = ?");
    values.emplace_back(query.region);
  }
  if (!query.facilitator.empty()) {
    conditions.push_back(
        "EXISTS (SELECT 1 FROM programme_group_facilitators f WHERE f.group_id = g.id AND "
        "f.actor = ?) AND EXISTS (SELECT 1 FROM programme_group_sessions s WHERE "
        "s.group_id = g.id AND s.session_date >= ? AND s.session_date < ?)");
    values.emplace_back(query.facilitator);
    values.emplace_back(query.session_from);
    values.emplace_back(query.session_before);
  }
  if (query.after.has_value()) {
    conditions.push_back("(g.start_date, g.id) > (?, ?)");
    values.emplace_back(query.after->first);
    values.emplace_back(query.after->second);
  }
  values.emplace_back(int64_t{query.page_size + 1});
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return GroupsOfRows(reader->Query(
      absl::StrCat("SELECT g.body FROM programme_groups g", conditions.empty() ? "" : " WHERE ",
                   absl::StrJoin(conditions, " AND "), " ORDER BY g.start_date, g.id LIMIT ?"),
      values));
}

absl::StatusOr<delivery::v1::Group> SqlReferralStore::WriteGroup(const GroupWrite& write) {
  delivery::v1::Group stored = write.group;
  stored.set_etag(absl::StrCat(write.expected_version + 1));
  const std::string body = stored.SerializeAsString();
  // Each referral's update, prepared before the write takes the connection.
  std::vector<std::unique_ptr<PreparedUpdate>> prepared;
  std::vector<GroupedWrite> updates;
  for (const auto& [referral, etag] : write.referrals) {
    prepared.push_back(std::make_unique<PreparedUpdate>(*referral, etag));
    updates.push_back(UpdateWrite(*prepared.back()));
  }
  GroupedWrite grouped;
  grouped.first = {
      {"UPDATE programme_groups SET start_date = ?, end_date = ?, members = ?, "
       "version = version + 1, body = ? WHERE id = ? AND version = ?",
       {stored.start_date(), LastSessionDate(stored), int64_t{stored.members_size()}, Blob{body},
        write.id, write.expected_version}}};
  for (const GroupedWrite& update : updates) {
    grouped.first.insert(grouped.first.end(), update.first.begin(), update.first.end());
  }
  grouped.finish = [&](SqlConnection& db, const std::vector<SqlRows>& results,
                       FinalStatements& last) -> absl::Status {
    if (results.front().affected() == 0) {
      absl::StatusOr<SqlRows> current =
          db.Query("SELECT version FROM programme_groups WHERE id = ?", {write.id});
      if (!current.ok()) return current.status();
      if (current->size() == 0) {
        return ResourceNotFoundError(kGroupType, GroupName(write.id),
                                     absl::StrCat("no programme group ", GroupName(write.id)));
      }
      return StaleEtagError(absl::StrCat(write.expected_version), absl::StrCat(current->Int(0, 0)),
                            "the group");
    }
    size_t next = 1;
    for (const GroupedWrite& update : updates) {
      const std::vector<SqlRows> own(results.begin() + next,
                                     results.begin() + next + update.first.size());
      next += update.first.size();
      if (absl::Status status = update.finish(db, own, last); !status.ok()) {
        // A member's referral changed since it was read: not the group's etag, so the caller's
        // write is read again and retried whatever etag it named.
        if (status.code() == absl::StatusCode::kAborted) {
          return WithReason(
              absl::AbortedError("a member's referral changed while this was written"),
              reason::kConcurrentWrite);
        }
        return status;
      }
    }
    const std::vector<SqlStatement> rows = GroupRowStatements(write, false);
    last.changes.insert(last.changes.begin(), rows.begin(), rows.end());
    return absl::OkStatus();
  };
  grouped.explain = [&](SqlConnection& db, const absl::Status& error) {
    // A referral allocated to two groups at once: the second write reads again and sees it.
    if (error.code() == absl::StatusCode::kAlreadyExists &&
        absl::StrContains(error.message(), "programme_group_members")) {
      return absl::AbortedError("the referral was allocated to a group meanwhile; retry");
    }
    return updates.empty() ? error : updates.front().explain(db, error);
  };
  if (absl::Status status = Writer(write.id).Write(grouped); !status.ok()) return status;
  return stored;
}

absl::StatusOr<WaitingPage> SqlReferralStore::WaitingList(const WaitingQuery& query) {
  if (query.states.empty()) return WaitingPage();
  // The list's filter, shared by the page, the count and the positions.
  std::vector<std::string> conditions = {
      "r.region = ?", std::string(IsOpen(dialect_)).insert(0, "r."),
      absl::StrCat("r.state IN (", Placeholders(query.states.size()), ")"),
      "NOT EXISTS (SELECT 1 FROM programme_group_members m WHERE m.referral_id = r.id AND "
      "m.active = 1)"};
  std::vector<SqlValue> values = {query.region};
  for (int state : query.states) values.emplace_back(int64_t{state});
  if (!query.intervention.empty()) {
    conditions.push_back("r.intervention = ?");
    values.emplace_back(query.intervention);
  }
  if (query.sex != 0) {
    conditions.push_back("r.sex = ?");
    values.emplace_back(int64_t{query.sex});
  }
  if (!query.hidden_crns.empty()) {
    conditions.push_back(
        absl::StrCat("r.crn NOT IN (", Placeholders(query.hidden_crns.size()), ")"));
    for (const std::string& crn : query.hidden_crns) values.emplace_back(crn);
  }
  const std::string filter = absl::StrJoin(conditions, " AND ");
  SqlConnectionPool::Lease reader = readers_.Borrow();
  WaitingPage page;
  absl::StatusOr<SqlRows> count =
      reader->Query(absl::StrCat("SELECT COUNT(*) FROM referrals r WHERE ", filter), values);
  if (!count.ok()) return count.status();
  page.total_size = static_cast<int>(count->Int(0, 0));

  std::vector<SqlValue> page_values = values;
  std::string sql;
  if (!query.intervention.empty()) {
    // One intervention: positions run on from the entries before the page.
    std::string after;
    int before = 0;
    if (query.after.has_value()) {
      std::vector<SqlValue> before_values = values;
      before_values.emplace_back(query.after->first);
      before_values.emplace_back(query.after->second);
      absl::StatusOr<SqlRows> earlier =
          reader->Query(absl::StrCat("SELECT COUNT(*) FROM referrals r WHERE ", filter,
                                     " AND (r.submit_time_us, r.id) <= (?, ?)"),
                        before_values);
      if (!earlier.ok()) return earlier.status();
      before = static_cast<int>(earlier->Int(0, 0));
      after = " AND (r.submit_time_us, r.id) > (?, ?)";
      page_values.emplace_back(query.after->first);
      page_values.emplace_back(query.after->second);
    }
    page_values.emplace_back(int64_t{query.page_size + 1});
    absl::StatusOr<SqlRows> rows = reader->Query(
        absl::StrCat("SELECT r.id, r.intervention, r.submit_time_us, r.sex FROM referrals r "
                     "WHERE ",
                     filter, after, " ORDER BY r.submit_time_us, r.id LIMIT ?"),
        page_values);
    if (!rows.ok()) return rows.status();
    for (int row = 0; row < rows->size(); ++row) {
      page.rows.push_back({rows->Text(row, 0), rows->Text(row, 1), rows->Int(row, 2),
                           static_cast<int>(rows->Int(row, 3)), before + row + 1});
    }
  } else {
    // The region's longest waiting, each with its place in its own intervention's list.
    std::string after;
    if (query.after.has_value()) {
      after = " WHERE (w.submit_time_us, w.id) > (?, ?)";
      page_values.emplace_back(query.after->first);
      page_values.emplace_back(query.after->second);
    }
    page_values.emplace_back(int64_t{query.page_size + 1});
    absl::StatusOr<SqlRows> rows = reader->Query(
        absl::StrCat("SELECT w.id, w.intervention, w.submit_time_us, w.sex, w.position FROM "
                     "(SELECT r.id, r.intervention, r.submit_time_us, r.sex, ROW_NUMBER() OVER "
                     "(PARTITION BY r.intervention ORDER BY r.submit_time_us, r.id) AS position "
                     "FROM referrals r WHERE ",
                     filter, ") w", after, " ORDER BY w.submit_time_us, w.id LIMIT ?"),
        page_values);
    if (!rows.ok()) return rows.status();
    for (int row = 0; row < rows->size(); ++row) {
      page.rows.push_back({rows->Text(row, 0), rows->Text(row, 1), rows->Int(row, 2),
                           static_cast<int>(rows->Int(row, 3)),
                           static_cast<int>(rows->Int(row, 4))});
    }
  }
  if (static_cast<int>(page.rows.size()) > query.page_size) {
    page.rows.pop_back();
    page.more = true;
  }
  return page;
}

absl::StatusOr<std::vector<delivery::v1::Group>> SqlReferralStore::GroupsOfReferral(
    absl::string_view referral_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return GroupsOfRows(reader->Query(
      "SELECT g.body FROM programme_groups g JOIN programme_group_members m ON m.group_id = g.id "
      "WHERE m.referral_id = ? ORDER BY g.id",
      {std::string(referral_id)}));
}

absl::StatusOr<std::optional<GroupMembership>> SqlReferralStore::MembershipOf(
    absl::string_view referral_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      "SELECT group_id, sessions_required, sessions_attended, sessions_missed FROM "
      "programme_group_members WHERE referral_id = ? AND active = 1",
      {std::string(referral_id)});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::nullopt;
  GroupMembership membership;
  membership.group_id = rows->Text(0, 0);
  membership.row = {std::string(referral_id), true, static_cast<int>(rows->Int(0, 1)),
                    static_cast<int>(rows->Int(0, 2)), static_cast<int>(rows->Int(0, 3))};
  return membership;
}

absl::StatusOr<RegionGroups> SqlReferralStore::GroupsInRegion(
    absl::string_view region, absl::string_view today, absl::string_view before,
    const std::vector<int>& waiting_states) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  RegionGroups groups;
  // Every intervention with a group still running or to come is counted from its groups, with
  // those starting in the window giving the places.
  absl::StatusOr<SqlRows> places = reader->Query(
      "SELECT intervention, SUM(CASE WHEN start_date >= ? AND start_date < ? THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN start_date >= ? AND start_date < ? THEN capacity ELSE 0 END), "
      "SUM(CASE WHEN start_date >= ? AND start_date < ? THEN members ELSE 0 END), "
      "MIN(CASE WHEN start_date >= ? THEN start_date END) FROM programme_groups "
      "WHERE region = ? AND end_date >= ? GROUP BY intervention ORDER BY intervention",
      {std::string(today), std::string(before), std::string(today), std::string(before),
       std::string(today), std::string(before), std::string(today), std::string(region),
       std::string(today)});
  if (!places.ok()) return places.status();
  for (int row = 0; row < places->size(); ++row) {
    groups.places.push_back({places->Text(row, 0), static_cast<int>(places->Int(row, 1)),
                             places->Int(row, 2), places->Int(row, 3), places->Text(row, 4)});
  }
  if (waiting_states.empty()) return groups;
  std::vector<SqlValue> values = {std::string(region)};
  for (int state : waiting_states) values.emplace_back(int64_t{state});
  absl::StatusOr<SqlRows> allocated = reader->Query(
      absl::StrCat("SELECT r.intervention, COUNT(*) FROM programme_group_members m JOIN "
                   "referrals r ON r.id = m.referral_id WHERE m.active = 1 AND r.region = ? "
                   "AND r.state IN (",
                   Placeholders(waiting_states.size()), ") GROUP BY r.intervention"),
      values);
  if (!allocated.ok()) return allocated.status();
  for (int row = 0; row < allocated->size(); ++row) {
    groups.allocated_waiting.emplace_back(allocated->Text(row, 0), allocated->Int(row, 1));
  }
  return groups;
}

}  // namespace probation::referrals
