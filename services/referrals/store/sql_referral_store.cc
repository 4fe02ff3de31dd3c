#include "services/referrals/store/sql_referral_store.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/error_reason.h"
#include "services/referrals/domain/case_access_rules.h"
#include "services/referrals/store/referral_list_sql.h"
#include "services/referrals/store/sql_migrations.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

int64_t Micros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

// The records in `column` of every row; `what` names one in the error if it will not parse.
template <typename Message>
absl::StatusOr<std::vector<Message>> ParseRows(const SqlRows& rows, int column,
                                               absl::string_view what) {
  std::vector<Message> messages(rows.size());
  for (int row = 0; row < rows.size(); ++row) {
    if (!messages[row].ParseFromString(rows.Text(row, column))) {
      return absl::DataLossError(absl::StrCat(what, " is unreadable"));
    }
  }
  return messages;
}

// Events from rows of (sequence, body).
absl::StatusOr<std::vector<v1::ReferralEvent>> ParseEvents(const absl::StatusOr<SqlRows>& rows) {
  if (!rows.ok()) return rows.status();
  absl::StatusOr<std::vector<v1::ReferralEvent>> events =
      ParseRows<v1::ReferralEvent>(*rows, 1, "an event");
  if (!events.ok()) return events.status();
  for (int row = 0; row < rows->size(); ++row) (*events)[row].set_sequence(rows->Int(row, 0));
  return events;
}

// The id of the person's open (submitted, not closed) referral to the intervention, "?" if
// there is none now.
std::string OpenReferralOf(SqlConnection& db, const v1::Referral& referral) {
  absl::StatusOr<SqlRows> open =
      db.Query(absl::StrCat("SELECT id FROM referrals WHERE crn = ? AND intervention = ? AND ",
                            IsOpen(db.dialect()), " AND state <> 1"),
               {referral.person().crn(), referral.intervention()});
  return open.ok() && open->size() > 0 ? open->Text(0, 0) : "?";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlReferralStore>> SqlReferralStore::Open(
    std::vector<std::unique_ptr<SqlConnection>> writers,
    std::vector<std::unique_ptr<SqlConnection>> readers, MigrationMode migrate) {
  if (writers.empty() || readers.empty()) {
    return absl::InvalidArgumentError("the store needs a writer and a reader connection");
  }
  if (absl::StatusOr<int> applied = Migrate(*writers.front(), migrate); !applied.ok()) {
    return applied.status();
  }
  return std::unique_ptr<SqlReferralStore>(
      new SqlReferralStore(std::move(writers), std::move(readers)));
}

SqlReferralStore::SqlReferralStore(std::vector<std::unique_ptr<SqlConnection>> writers,
                                   std::vector<std::unique_ptr<SqlConnection>> readers)
    : writers_(std::move(writers)),
      dialect_(writers_.front()->dialect()),
      readers_(std::move(readers)) {
  GroupCommit::Options options;
  options.begin = std::string(BeginWrite(dialect_));
  options.events_lock = std::string(EventsLock(dialect_));
  options.after_events = std::string(AfterEvents(dialect_));
  for (const std::unique_ptr<SqlConnection>& writer : writers_) {
    groups_.push_back(std::make_unique<GroupCommit>(*writer, options));
  }
}

GroupCommit& SqlReferralStore::Writer(absl::string_view key) {
  return *groups_[absl::HashOf(key) % groups_.size()];
}

GroupCommit::Counts SqlReferralStore::write_counts() {
  GroupCommit::Counts total;
  for (const std::unique_ptr<GroupCommit>& group : groups_) {
    const GroupCommit::Counts counts = group->counts();
    total.commits += counts.commits;
    total.writes += counts.writes;
  }
  return total;
}

absl::StatusOr<int> SqlReferralStore::SchemaVersion() {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return referrals::SchemaVersion(*reader);
}

absl::Status SqlReferralStore::ExplainConstraint(SqlConnection& db, const v1::Referral& referral,
                                                 const absl::Status& status) {
  switch (RuleBrokenBy(db.dialect(), status)) {
    case BrokenRule::kReferenceTaken:
      return absl::AbortedError("reference already taken");
    case BrokenRule::kOneOpenReferral: {
      std::string message =
          absl::StrCat("the person already has an open referral to ", referral.intervention());
      // Where the failed statement has left the transaction readable, name the open referral
      // now; elsewhere Create names it once the write has rolled back.
      if (ReadsAfterAFailedStatement(db.dialect())) {
        absl::StrAppend(&message, ": referrals/", OpenReferralOf(db, referral));
      }
      return absl::AlreadyExistsError(message);
    }
    case BrokenRule::kNone:
      break;
  }
  return status;
}

FinalStatements SqlReferralStore::HistoryAndEvent(SqlDialect dialect, const ReferralWrite& write,
                                                  const v1::Referral& stored,
                                                  const EncodedWrite& encoded) {
  FinalStatements last;
  for (const std::string& change : encoded.changelog) {
    last.changes.push_back(
        {"INSERT INTO changelog (referral_id, position, body) VALUES (?, "
         "(SELECT COALESCE(MAX(position) + 1, 0) FROM changelog WHERE referral_id = ?), ?)",
         {stored.id(), stored.id(), Blob{change}}});
  }
  if (write.access.has_value()) {
    std::vector<SqlStatement> audit = InsertAccessRecords({*write.access});
    last.changes.insert(last.changes.end(), audit.begin(), audit.end());
  }
  EventAppend event{stored.id(),
                    stored.person().crn(),
                    int64_t{write.event_type},
                    Micros(stored.update_time()),
                    encoded.event,
                    true,
                    std::nullopt};
  if (write.history.has_value()) {
    event.history = EventAppend::History{encoded.history, int64_t{write.history->from_state()},
                                         StayMicros(*write.history)};
  }
  last.events = AppendEvent(dialect, event);
  return last;
}

absl::StatusOr<CreateResult> SqlReferralStore::Create(const ReferralWrite& write,
                                                      absl::string_view request_id) {
  CreateResult result;
  v1::Referral stored = write.referral;
  stored.set_etag("1");
  const EncodedWrite encoded = EncodeWrite(write, stored);
  GroupedWrite grouped;
  // Claim the request id first: a concurrent claim of the same id (another replica's) waits
  // here for ours (or theirs) to commit, and then sees it.
  grouped.first = {
      {"INSERT INTO request_ids (request_id, referral_id) VALUES (?, ?) "
       "ON CONFLICT (request_id) DO NOTHING",
       {std::string(request_id), stored.id()}}};
  grouped.finish = [&](SqlConnection& db, const std::vector<SqlRows>& claimed,
                       FinalStatements& last) {
    if (claimed.front().affected() == 0) {
      absl::StatusOr<SqlRows> earlier = db.Query(
          "SELECT referral_id FROM request_ids WHERE request_id = ?", {std::string(request_id)});
      if (!earlier.ok()) return earlier.status();
      if (earlier->size() == 0) return absl::AbortedError("the request id is being used; retry");
      absl::StatusOr<v1::Referral> existing = ReadReferral(db, earlier->Text(0, 0));
      if (!existing.ok()) return existing.status();
      result = CreateResult{*std::move(existing), false};
      return absl::OkStatus();
    }
    last = HistoryAndEvent(dialect_, write, stored, encoded);
    last.changes.insert(
        last.changes.begin(),
        {"INSERT INTO referrals (id, reference, crn, intervention, region, provider, state, "
         "is_open, version, create_time_us, update_time_us, created_by, assignee, "
         "submit_time_us, sex, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
         {stored.id(), stored.reference(), stored.person().crn(), stored.intervention(),
          stored.region(), stored.provider(), int64_t{stored.state()}, int64_t{write.open ? 1 : 0},
          Micros(stored.create_time()), Micros(stored.update_time()), stored.created_by(),
          stored.assignee(), Micros(stored.submit_time()), int64_t{stored.person().sex()},
          Blob{encoded.referral}}});
    result = CreateResult{stored, true};
    return absl::OkStatus();
  };
  grouped.explain = [&](SqlConnection& db, const absl::Status& error) {
    return ExplainConstraint(db, stored, error);
  };
  absl::Status status = Writer(write.referral.person().crn()).Write(grouped);
  if (status.code() == absl::StatusCode::kAlreadyExists && !ReadsAfterAFailedStatement(dialect_)) {
    // The failed write has rolled back; name the open referral, which has committed.
    SqlConnectionPool::Lease reader = readers_.Borrow();
    return absl::AlreadyExistsError(
        absl::StrCat(status.message(), ": referrals/", OpenReferralOf(*reader, write.referral)));
  }
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::Referral> SqlReferralStore::Get(absl::string_view id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return ReadReferral(*reader, id);
}

absl::StatusOr<v1::Referral> SqlReferralStore::ReadReferral(SqlConnection& db,
                                                            absl::string_view id) {
  absl::StatusOr<SqlRows> rows =
      db.Query("SELECT body FROM referrals WHERE id = ?", {std::string(id)});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return ResourceNotFoundError(kReferralType, absl::StrCat("referrals/", id),
                                 absl::StrCat("no referral referrals/", id));
  }
  v1::Referral referral;
  if (!referral.ParseFromString(rows->Text(0, 0))) {
    return absl::DataLossError(absl::StrCat("referral ", id, " is unreadable"));
  }
  return referral;
}

absl::StatusOr<v1::Referral> SqlReferralStore::Update(const ReferralWrite& write,
                                                      absl::string_view expected_etag) {
  const PreparedUpdate prepared(write, expected_etag);
  absl::Status status = Writer(prepared.stored.id()).Write(UpdateWrite(prepared));
  if (status.code() == absl::StatusCode::kAlreadyExists && !ReadsAfterAFailedStatement(dialect_)) {
    // As in Create: the failed write has rolled back; name the open referral.
    SqlConnectionPool::Lease reader = readers_.Borrow();
    return absl::AlreadyExistsError(
        absl::StrCat(status.message(), ": referrals/", OpenReferralOf(*reader, write.referral)));
  }
  if (!status.ok()) return status;
  return prepared.stored;
}

SqlReferralStore::PreparedUpdate::PreparedUpdate(const ReferralWrite& write,
                                                 absl::string_view expected_etag)
    : write(write),
      expected_etag(expected_etag),
      expected(VersionOfEtag(expected_etag)),
      stored([&] {
        v1::Referral referral = write.referral;
        referral.set_etag(absl::StrCat(VersionOfEtag(expected_etag) + 1));
        return referral;
      }()),
      encoded(EncodeWrite(write, stored)) {}

GroupedWrite SqlReferralStore::UpdateWrite(const PreparedUpdate& prepared) {
  const ReferralWrite& write = prepared.write;
  const v1::Referral& stored = prepared.stored;
  const EncodedWrite& encoded = prepared.encoded;
  const int64_t expected = prepared.expected;
  const absl::string_view expected_etag = prepared.expected_etag;
  GroupedWrite grouped;
  // Most writes are moves, which leave who, what, where and whom alone, and whether the
  // referral is open and when it took a place: this sets only the state and times, so
  // SQLite updates only the indexes that read them (it goes by the columns set, not by the
  // values). A write that changes any of the rest matches nothing here and takes the full
  // update below.
  grouped.first = {
      {"UPDATE referrals SET state = ?, version = version + 1, update_time_us = ?, body = ? "
       "WHERE id = ? AND version = ? AND crn = ? AND intervention = ? AND region = ? AND "
       "provider = ? AND assignee = ? AND is_open = ? AND start_time_us = ? AND "
       "submit_time_us = ? AND sex = ?",
       {int64_t{stored.state()}, Micros(stored.update_time()), Blob{encoded.referral}, stored.id(),
        expected, stored.person().crn(), stored.intervention(), stored.region(), stored.provider(),
        stored.assignee(), int64_t{write.open ? 1 : 0}, Micros(stored.start_time()),
        Micros(stored.submit_time()), int64_t{stored.person().sex()}}}};
  // A delivery record commits with its referral, if still at the version it was read at.
  if (write.record.has_value()) grouped.first.push_back(WriteRecordStatement(*write.record));
  grouped.finish = [this, &write, &stored, &encoded, expected, expected_etag](
                       SqlConnection& db, const std::vector<SqlRows>& moved,
                       FinalStatements& last) {
    if (write.record.has_value() && moved[1].affected() == 0) {
      return StaleRecordError(db, *write.record);
    }
    if (moved.front().affected() == 0) {
      // A draft whose person is corrected keeps its former CRN's events findable by that
      // person's subject access request.
      if (auto former =
              db.Query("INSERT INTO former_crns (crn, referral_id) SELECT crn, id FROM referrals "
                       "WHERE id = ? AND version = ? AND crn <> ? ON CONFLICT DO NOTHING",
                       {stored.id(), expected, stored.person().crn()});
          !former.ok()) {
        return former.status();
      }
      absl::StatusOr<SqlRows> updated = db.Query(
          "UPDATE referrals SET crn = ?, intervention = ?, region = ?, provider = ?, state = ?, "
          "is_open = ?, version = version + 1, update_time_us = ?, start_time_us = ?, "
          "assignee = ?, submit_time_us = ?, sex = ?, body = ? WHERE id = ? AND version = ?",
          {stored.person().crn(), stored.intervention(), stored.region(), stored.provider(),
           int64_t{stored.state()}, int64_t{write.open ? 1 : 0}, Micros(stored.update_time()),
           Micros(stored.start_time()), stored.assignee(), Micros(stored.submit_time()),
           int64_t{stored.person().sex()}, Blob{encoded.referral}, stored.id(), expected});
      if (!updated.ok()) return ExplainConstraint(db, stored, updated.status());
      if (updated->affected() == 0) {
        absl::StatusOr<v1::Referral> current = ReadReferral(db, stored.id());
        if (!current.ok()) return current.status();
        return StaleEtagError(expected_etag, current->etag());
      }
    }
    FinalStatements own = HistoryAndEvent(dialect_, write, stored, encoded);
    last.changes.insert(last.changes.end(), own.changes.begin(), own.changes.end());
    last.events.insert(last.events.end(), own.events.begin(), own.events.end());
    return absl::OkStatus();
  };
  grouped.explain = [&stored](SqlConnection& db, const absl::Status& error) {
    return ExplainConstraint(db, stored, error);
  };
  return grouped;
}

absl::StatusOr<ListPage> SqlReferralStore::List(const ListQuery& query) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  const ListStatements statements = BuildListStatements(query, dialect_);
  ListPage page;
  if (query.count) {
    absl::StatusOr<SqlRows> count = reader->Query(statements.count.sql, statements.count.values);
    if (!count.ok()) return count.status();
    page.total_capped = count->Int(0, 0) > kMaxCountedMatches;
    page.total_size = static_cast<int>(std::min<int64_t>(count->Int(0, 0), kMaxCountedMatches));
  }
  absl::StatusOr<SqlRows> rows = reader->Query(statements.page.sql, statements.page.values);
  if (!rows.ok()) return rows.status();
  absl::StatusOr<std::vector<v1::Referral>> referrals =
      ParseRows<v1::Referral>(*rows, 0, "a stored referral");
  if (!referrals.ok()) return referrals.status();
  page.referrals = *std::move(referrals);
  if (static_cast<int>(page.referrals.size()) > query.page_size) {
    page.referrals.pop_back();
    page.more = true;
  }
  return page;
}

template <typename Entry>
absl::StatusOr<std::vector<Entry>> SqlReferralStore::ReadLog(absl::string_view sql,
                                                             absl::string_view id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  if (absl::StatusOr<v1::Referral> exists = ReadReferral(*reader, id); !exists.ok()) {
    return exists.status();
  }
  absl::StatusOr<SqlRows> rows = reader->Query(sql, {std::string(id)});
  if (!rows.ok()) return rows.status();
  return ParseRows<Entry>(*rows, 0, absl::StrCat("an entry of referral ", id));
}

absl::StatusOr<std::vector<v1::HistoryEntry>> SqlReferralStore::History(absl::string_view id) {
  return ReadLog<v1::HistoryEntry>(
      "SELECT history FROM referral_events WHERE referral_id = ? AND history IS NOT NULL "
      "ORDER BY sequence",
      id);
}

absl::StatusOr<std::vector<v1::ChangelogEntry>> SqlReferralStore::Changelog(absl::string_view id) {
  return ReadLog<v1::ChangelogEntry>(
      "SELECT body FROM changelog WHERE referral_id = ? ORDER BY position", id);
}

absl::StatusOr<std::vector<v1::ReferralEvent>> SqlReferralStore::EventsAfter(int64_t after_sequence,
                                                                             int limit) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return ParseEvents(
      reader->Query("SELECT sequence, body FROM events WHERE sequence > ? ORDER BY sequence "
                    "LIMIT ?",
                    {after_sequence, int64_t{limit}}));
}

absl::StatusOr<std::vector<v1::ReferralEvent>> SqlReferralStore::EventsAt(
    const std::vector<int64_t>& sequences) {
  if (sequences.empty()) return std::vector<v1::ReferralEvent>();
  std::vector<SqlValue> values(sequences.begin(), sequences.end());
  std::vector<absl::string_view> placeholders(sequences.size(), "?");
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return ParseEvents(
      reader->Query(absl::StrCat("SELECT sequence, body FROM events WHERE sequence IN (",
                                 absl::StrJoin(placeholders, ", "), ") ORDER BY sequence"),
                    values));
}

absl::StatusOr<int64_t> SqlReferralStore::LastEventSequence() {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query("SELECT COALESCE(MAX(sequence), 0) FROM events");
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

absl::StatusOr<std::vector<v1::Referral>> SqlReferralStore::ReferralsOfPerson(
    absl::string_view crn) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      "SELECT body FROM referrals WHERE crn = ? ORDER BY create_time_us, id", {std::string(crn)});
  if (!rows.ok()) return rows.status();
  return ParseRows<v1::Referral>(*rows, 0, "a stored referral");
}

absl::StatusOr<std::vector<v1::ReferralEvent>> SqlReferralStore::EventsOfPerson(
    absl::string_view crn) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  // The events written while the referral was the person's: through the person's referrals,
  // now or before a correction, to their events, keeping those written under this CRN.
  return ParseEvents(reader->Query(
      "SELECT sequence, body FROM events WHERE crn = ?1 AND sequence IN (SELECT sequence FROM "
      "referral_events WHERE referral_id IN (SELECT id FROM referrals WHERE crn = ?1 UNION "
      "SELECT referral_id FROM former_crns WHERE crn = ?1)) ORDER BY sequence",
      {std::string(crn)}));
}

absl::StatusOr<std::vector<StateCount>> SqlReferralStore::CountByState() {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      "SELECT intervention, state, COUNT(*) FROM referrals "
      "GROUP BY intervention, state ORDER BY intervention, state");
  if (!rows.ok()) return rows.status();
  std::vector<StateCount> counts;
  for (int row = 0; row < rows->size(); ++row) {
    counts.push_back(
        {rows->Text(row, 0), static_cast<v1::ReferralState>(rows->Int(row, 1)), rows->Int(row, 2)});
  }
  return counts;
}

absl::StatusOr<ReportData> SqlReferralStore::Report(const ReportQuery& query) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  // A report its caller has given up on stops, and gives the reader back to everyone else.
  ScopedSqlDeadline deadline(*reader, query.deadline, query.cancelled);
  if (!deadline.set().ok()) return deadline.set();
  const ReportStatements statements = BuildReportStatements(query, dialect_);
  ReportData data;
  absl::StatusOr<SqlRows> groups = reader->Query(statements.groups.sql, statements.groups.values);
  if (!groups.ok()) return groups.status();
  for (int row = 0; row < groups->size(); ++row) {
    data.groups.push_back({static_cast<v1::ReferralState>(groups->Int(row, 0)),
                           groups->Text(row, 1), groups->Text(row, 2), groups->Text(row, 3),
                           groups->Int(row, 4)});
  }
  absl::StatusOr<SqlRows> sessions =
      reader->Query(statements.sessions.sql, statements.sessions.values);
  if (!sessions.ok()) return sessions.status();
  for (int row = 0; row < sessions->size(); ++row) {
    data.sessions.push_back({sessions->Text(row, 0),
                             static_cast<v1::ReferralState>(sessions->Int(row, 1)),
                             static_cast<delivery::v1::AttendanceOutcome>(sessions->Int(row, 2)),
                             sessions->Int(row, 3)});
  }
  absl::StatusOr<SqlRows> reports =
      reader->Query(statements.reports.sql, statements.reports.values);
  if (!reports.ok()) return reports.status();
  for (int row = 0; row < reports->size(); ++row) {
    ReportedOutcomes& reported = data.reports.emplace_back();
    reported.intervention = reports->Text(row, 0);
    if (!reported.report.ParseFromString(reports->Text(row, 1))) {
      return absl::DataLossError("an end-of-service report is unreadable");
    }
  }
  absl::StatusOr<SqlRows> dosage = reader->Query(statements.dosage.sql, statements.dosage.values);
  if (!dosage.ok()) return dosage.status();
  for (int row = 0; row < dosage->size(); ++row) {
    data.dosage.push_back({dosage->Text(row, 0), dosage->Text(row, 1), dosage->Int(row, 2),
                           dosage->Int(row, 3), dosage->Int(row, 4), dosage->Int(row, 5)});
  }
  absl::StatusOr<SqlRows> stays = reader->Query(statements.stays.sql, statements.stays.values);
  if (!stays.ok()) return stays.status();
  data.stays.reserve(stays->size());
  for (int row = 0; row < stays->size(); ++row) {
    data.stays.push_back({static_cast<v1::ReferralState>(stays->Int(row, 0)), stays->Int(row, 1)});
  }
  return data;
}

absl::StatusOr<int> SqlReferralStore::PurgeDraftsUntouchedSince(absl::Time cutoff) {
  return PurgeInBatches([&] { return PurgeBatch(cutoff); });
}

absl::StatusOr<int> SqlReferralStore::PurgeBatch(absl::Time cutoff) {
  int purged_count = 0;
  GroupedWrite grouped;
  grouped.finish = [&](SqlConnection& db, const std::vector<SqlRows>&,
                       FinalStatements& last) -> absl::Status {
    absl::StatusOr<SqlRows> rows = db.Query(
        absl::StrCat("SELECT body FROM referrals WHERE state = ? AND update_time_us < ? LIMIT ?",
                     ForUpdate(dialect_)),
        {int64_t{v1::REFERRAL_STATE_DRAFT}, absl::ToUnixMicros(cutoff), int64_t{kPurgeBatch}});
    if (!rows.ok()) return rows.status();
    absl::StatusOr<std::vector<v1::Referral>> drafts =
        ParseRows<v1::Referral>(*rows, 0, "a stored referral");
    if (!drafts.ok()) return drafts.status();
    const int64_t now = absl::ToUnixMicros(absl::Now());
    for (const v1::Referral& draft : *drafts) {
      const v1::Referral redacted = RedactedForRetention(draft);
      // Earlier events keep their place in the sequence but lose the person's details.
      absl::StatusOr<std::vector<v1::ReferralEvent>> events = ParseEvents(
          db.Query("SELECT sequence, body FROM events WHERE sequence IN (SELECT sequence FROM "
                   "referral_events WHERE referral_id = ?)",
                   {draft.id()}));
      if (!events.ok()) return events.status();
      for (v1::ReferralEvent& event : *events) {
        const int64_t sequence = event.sequence();
        event.clear_sequence();
        *event.mutable_referral() = redacted;
        if (auto scrubbed = db.Query("UPDATE events SET crn = '', body = ? WHERE sequence = ?",
                                     {Blob{event.SerializeAsString()}, sequence});
            !scrubbed.ok()) {
          return scrubbed.status();
        }
      }
      for (absl::string_view sql : {"DELETE FROM referrals WHERE id = ?",
                                    "DELETE FROM referral_events WHERE referral_id = ?",
                                    "DELETE FROM changelog WHERE referral_id = ?",
                                    "DELETE FROM former_crns WHERE referral_id = ?",
                                    "DELETE FROM request_ids WHERE referral_id = ?"}) {
        if (auto removed = db.Query(sql, {draft.id()}); !removed.ok()) return removed.status();
      }
      v1::ReferralEvent purged;
      purged.set_type(v1::ReferralEvent::TYPE_PURGED);
      *purged.mutable_referral() = redacted;
      *purged.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(now);
      const EventAppend event{
          draft.id(),       "",          int64_t{purged.type()}, now, purged.SerializeAsString(),
          /*linked=*/false, std::nullopt};
      for (SqlStatement& statement : AppendEvent(dialect_, event)) {
        last.events.push_back(std::move(statement));
      }
    }
    purged_count = static_cast<int>(drafts->size());
    return absl::OkStatus();
  };
  if (absl::Status status = Writer("").Write(grouped); !status.ok()) return status;
  return purged_count;
}

absl::StatusOr<v1::CaseAccess> SqlReferralStore::PutCaseAccess(const v1::CaseAccess& access,
                                                               absl::string_view expected_etag) {
  v1::CaseAccess stored = access;
  const std::string crn = CrnOfCaseAccess(access.name());
  absl::Status status = Writer(crn).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> current =
        db.Query("SELECT version FROM case_access WHERE crn = ?", {crn});
    if (!current.ok()) return current.status();
    const int64_t version = current->size() > 0 ? current->Int(0, 0) : 0;
    if (!expected_etag.empty() && VersionOfEtag(expected_etag) != version) {
      return StaleEtagError(expected_etag, absl::StrCat(version), "the case's access");
    }
    stored.set_etag(absl::StrCat(version + 1));
    // The version catches another replica writing between the read and this write.
    absl::StatusOr<SqlRows> written =
        version == 0
            ? db.Query(
                  "INSERT INTO case_access (crn, version, body) VALUES (?, 1, ?) "
                  "ON CONFLICT (crn) DO NOTHING",
                  {crn, Blob{stored.SerializeAsString()}})
            : db.Query("UPDATE case_access SET version = ?, body = ? WHERE crn = ? AND version = ?",
                       {version + 1, Blob{stored.SerializeAsString()}, crn, version});
    if (!written.ok()) return written.status();
    if (written->affected() == 0) {
      return absl::AbortedError("the case's access changed while it was being written");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::CaseAccess> SqlReferralStore::GetCaseAccess(absl::string_view crn) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows =
      reader->Query("SELECT body FROM case_access WHERE crn = ?", {std::string(crn)});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return ResourceNotFoundError(kCaseAccessType, absl::StrCat("cases/", crn, "/access"),
                                 absl::StrCat("no limited access set for cases/", crn, "/access"));
  }
  absl::StatusOr<std::vector<v1::CaseAccess>> cases =
      ParseRows<v1::CaseAccess>(*rows, 0, "a case's access");
  if (!cases.ok()) return cases.status();
  return std::move(cases->front());
}

absl::Status SqlReferralStore::DeleteCaseAccess(absl::string_view crn,
                                                absl::string_view expected_etag) {
  return Writer(crn).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> current =
        db.Query("SELECT version FROM case_access WHERE crn = ?", {std::string(crn)});
    if (!current.ok()) return current.status();
    if (current->size() == 0) {
      return ResourceNotFoundError(
          kCaseAccessType, absl::StrCat("cases/", crn, "/access"),
          absl::StrCat("no limited access set for cases/", crn, "/access"));
    }
    const int64_t version = current->Int(0, 0);
    if (!expected_etag.empty() && VersionOfEtag(expected_etag) != version) {
      return StaleEtagError(expected_etag, absl::StrCat(version), "the case's access");
    }
    absl::StatusOr<SqlRows> deleted = db.Query(
        "DELETE FROM case_access WHERE crn = ? AND version = ?", {std::string(crn), version});
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) {
      return absl::AbortedError("the case's access changed while it was being deleted");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::CaseAccess>> SqlReferralStore::AllCaseAccess() {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query("SELECT body FROM case_access ORDER BY crn");
  if (!rows.ok()) return rows.status();
  return ParseRows<v1::CaseAccess>(*rows, 0, "a case's access");
}

std::vector<SqlStatement> SqlReferralStore::InsertAccessRecords(
    const std::vector<v1::AccessRecord>& records) {
  std::vector<SqlStatement> statements;
  statements.reserve(records.size());
  for (const v1::AccessRecord& record : records) {
    statements.push_back(
        {"INSERT INTO access_records (occurred_us, id, actor, role, method, crn, referral, "
         "request_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
         {Micros(record.time()), record.id(), record.actor(), int64_t{record.role()},
          record.method(), record.crn(), record.referral(), record.request_id(),
          int64_t{record.outcome()}}});
  }
  return statements;
}

absl::Status SqlReferralStore::AppendAccessRecords(const std::vector<v1::AccessRecord>& records) {
  if (records.empty()) return absl::OkStatus();
  GroupedWrite grouped;
  grouped.first = InsertAccessRecords(records);
  return Writer(records.front().id()).Write(grouped);
}

absl::StatusOr<std::vector<v1::AccessRecord>> SqlReferralStore::ListAccessRecords(
    const AccessRecordQuery& query) {
  std::vector<std::string> conditions;
  std::vector<SqlValue> values;
  if (!query.crn.empty()) {
    conditions.push_back("crn = ?");
    values.push_back(query.crn);
  }
  if (!query.actor.empty()) {
    conditions.push_back("actor = ?");
    values.push_back(query.actor);
  }
  if (query.from_us.has_value()) {
    conditions.push_back("occurred_us >= ?");
    values.push_back(*query.from_us);
  }
  if (query.before_us.has_value()) {
    conditions.push_back("occurred_us < ?");
    values.push_back(*query.before_us);
  }
  if (query.after.has_value()) {
    conditions.push_back("(occurred_us < ? OR (occurred_us = ? AND id < ?))");
    values.push_back(query.after->first);
    values.push_back(query.after->first);
    values.push_back(query.after->second);
  }
  values.push_back(int64_t{query.page_size + 1});
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      absl::StrCat("SELECT occurred_us, id, actor, role, method, crn, referral, request_id, "
                   "outcome FROM access_records",
                   conditions.empty() ? "" : " WHERE ", absl::StrJoin(conditions, " AND "),
                   " ORDER BY occurred_us DESC, id DESC LIMIT ?"),
      values);
  if (!rows.ok()) return rows.status();
  std::vector<v1::AccessRecord> records(rows->size());
  for (int row = 0; row < rows->size(); ++row) {
    v1::AccessRecord& record = records[row];
    *record.mutable_time() = TimeUtil::MicrosecondsToTimestamp(rows->Int(row, 0));
    record.set_id(rows->Text(row, 1));
    record.set_actor(rows->Text(row, 2));
    record.set_role(static_cast<common::v1::Role>(rows->Int(row, 3)));
    record.set_method(rows->Text(row, 4));
    record.set_crn(rows->Text(row, 5));
    record.set_referral(rows->Text(row, 6));
    record.set_request_id(rows->Text(row, 7));
    record.set_outcome(static_cast<v1::AccessRecord::Outcome>(rows->Int(row, 8)));
  }
  return records;
}

absl::StatusOr<int> SqlReferralStore::PurgeAccessRecordsBefore(absl::Time cutoff) {
  return PurgeInBatches([&]() -> absl::StatusOr<int> {
    int purged = 0;
    absl::Status status = Writer("").Write([&](SqlConnection& db) -> absl::Status {
      absl::StatusOr<SqlRows> deleted = db.Query(
          "DELETE FROM access_records WHERE (occurred_us, id) IN (SELECT occurred_us, id FROM "
          "access_records WHERE occurred_us < ? ORDER BY occurred_us LIMIT ?)",
          {absl::ToUnixMicros(cutoff), int64_t{kPurgeBatch}});
      if (!deleted.ok()) return deleted.status();
      purged = static_cast<int>(deleted->affected());
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return purged;
  });
}

absl::StatusOr<v1::Capacity> SqlReferralStore::GetCapacity(absl::string_view intervention,
                                                           absl::string_view region,
                                                           absl::string_view provider) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      "SELECT body FROM capacities WHERE region = ? AND intervention = ? AND provider = ?",
      {std::string(region), std::string(intervention), std::string(provider)});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return ResourceNotFoundError(kCapacityType, CapacityName(intervention, region, provider),
                                 CapacityNotSet(intervention, region, provider));
  }
  absl::StatusOr<std::vector<v1::Capacity>> capacities =
      ParseRows<v1::Capacity>(*rows, 0, "a stored capacity");
  if (!capacities.ok()) return capacities.status();
  return std::move(capacities->front());
}

absl::StatusOr<v1::Capacity> SqlReferralStore::PutCapacity(const v1::Capacity& capacity,
                                                           absl::string_view expected_etag,
                                                           bool allow_missing) {
  v1::Capacity stored = capacity;
  absl::Status status = Writer(capacity.region()).Write([&](SqlConnection& db) -> absl::Status {
    const std::vector<SqlValue> key = {capacity.region(), capacity.intervention(),
                                       capacity.provider()};
    absl::StatusOr<SqlRows> current = db.Query(
        "SELECT version FROM capacities WHERE region = ? AND intervention = ? AND provider = ?",
        key);
    if (!current.ok()) return current.status();
    const int64_t version = current->size() > 0 ? current->Int(0, 0) : 0;
    if (absl::Status status = CheckCapacityVersion(capacity, version, expected_etag, allow_missing);
        !status.ok()) {
      return status;
    }
    stored.set_etag(absl::StrCat(version + 1));
    // Another replica may write the same capacity between the read and this write: the
    // version (or the primary key) catches it.
    std::vector<SqlValue> values;
    if (version == 0) {
      values = key;
      values.push_back(version + 1);
      values.push_back(Blob{stored.SerializeAsString()});
    } else {
      values = {version + 1, Blob{stored.SerializeAsString()}};
      values.insert(values.end(), key.begin(), key.end());
      values.push_back(version);
    }
    absl::StatusOr<SqlRows> written = db.Query(
        version == 0 ? "INSERT INTO capacities (region, intervention, provider, version, body) "
                       "VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (region, intervention, provider) DO NOTHING"
                     : "UPDATE capacities SET version = ?, body = ? WHERE region = ? AND "
                       "intervention = ? AND provider = ? AND version = ?",
        values);
    if (!written.ok()) return written.status();
    if (written->affected() == 0) {
      return absl::AbortedError("the capacity changed while it was being written: read it again");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<std::vector<v1::Capacity>> SqlReferralStore::CapacitiesInRegion(
    absl::string_view region) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows =
      reader->Query("SELECT body FROM capacities WHERE region = ? ORDER BY intervention, provider",
                    {std::string(region)});
  if (!rows.ok()) return rows.status();
  return ParseRows<v1::Capacity>(*rows, 0, "a stored capacity");
}

absl::StatusOr<RegionLoad> SqlReferralStore::LoadInRegion(absl::string_view region,
                                                          absl::Time started_since) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  RegionLoad load;
  absl::StatusOr<SqlRows> open = reader->Query(
      absl::StrCat("SELECT intervention, provider, state, COUNT(*) FROM referrals WHERE region = ? "
                   "AND ",
                   IsOpen(dialect_), " GROUP BY intervention, provider, state"),
      {std::string(region)});
  if (!open.ok()) return open.status();
  for (int row = 0; row < open->size(); ++row) {
    load.open.push_back({open->Text(row, 0), open->Text(row, 1),
                         static_cast<v1::ReferralState>(open->Int(row, 2)), open->Int(row, 3)});
  }
  absl::StatusOr<SqlRows> started = reader->Query(
      "SELECT intervention, provider, COUNT(*) FROM referrals "
      "WHERE region = ? AND start_time_us > 0 AND start_time_us >= ? "
      "GROUP BY intervention, provider",
      {std::string(region), absl::ToUnixMicros(started_since)});
  if (!started.ok()) return started.status();
  for (int row = 0; row < started->size(); ++row) {
    load.started.push_back({started->Text(row, 0), started->Text(row, 1), started->Int(row, 2)});
  }
  return load;
}

}  // namespace probation::referrals
