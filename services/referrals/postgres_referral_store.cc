#include "services/referrals/postgres_referral_store.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/referrals/referral_list_sql.h"

namespace probation::referrals {

absl::string_view PostgresMigration0001();
absl::string_view PostgresMigration0002();
absl::string_view PostgresMigration0003();

namespace {

using google::protobuf::util::TimeUtil;

// Any number, the same in every replica: it names the lock migrations run under.
constexpr int64_t kMigrationLock = 7243017;

int64_t Micros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ParseRows(const PostgresResult& result, int column) {
  std::vector<Message> messages(result.rows());
  for (int row = 0; row < result.rows(); ++row) {
    if (!messages[row].ParseFromString(result.Bytes(row, column))) {
      return absl::DataLossError("a stored record is unreadable");
    }
  }
  return messages;
}

}  // namespace

std::vector<Migration> PostgresMigrations() {
  return {{1, "0001_referrals", PostgresMigration0001()},
          {2, "0002_amendments_and_capacity", PostgresMigration0002()},
          {3, "0003_caseloads_and_reports", PostgresMigration0003()}};
}

bool IsPostgresUrl(absl::string_view database) {
  return absl::StartsWith(database, "postgres://") || absl::StartsWith(database, "postgresql://");
}

absl::StatusOr<std::unique_ptr<PostgresReferralStore>> PostgresReferralStore::Open(
    const std::string& conninfo) {
  absl::StatusOr<std::unique_ptr<PostgresConnection>> writer = PostgresConnection::Open(conninfo);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = Migrate(**writer); !status.ok()) return status;
  // Reads get a connection of their own: they never wait for a group's commit, and never see
  // a write before it is durable.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> reader = PostgresConnection::Open(conninfo);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<PostgresReferralStore>(
      new PostgresReferralStore(*std::move(writer), *std::move(reader)));
}

PostgresReferralStore::PostgresReferralStore(std::unique_ptr<PostgresConnection> writer,
                                             std::unique_ptr<PostgresConnection> reader)
    : writer_(std::move(writer)),
      group_commit_([this](absl::string_view sql) { return writer_->ExecScript(sql); }, "BEGIN"),
      reader_(std::move(reader)) {}

absl::Status PostgresReferralStore::Migrate(PostgresConnection& db) {
  PostgresTransaction transaction(db);
  if (!transaction.begun().ok()) return transaction.begun();
  if (auto locked = db.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}); !locked.ok()) {
    return locked.status();
  }
  if (absl::Status status = db.ExecScript(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL, applied_us BIGINT NOT NULL)");
      !status.ok()) {
    return status;
  }
  for (const Migration& migration : PostgresMigrations()) {
    absl::StatusOr<PostgresResult> applied =
        db.Exec("SELECT 1 FROM schema_migrations WHERE version = $1", {int64_t{migration.version}});
    if (!applied.ok()) return applied.status();
    if (applied->rows() > 0) continue;
    if (absl::Status status = db.ExecScript(migration.sql); !status.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", migration.name, ": ", status.message()));
    }
    if (migration.version == 3) {
      if (absl::Status status = FillCaseloadColumns(db); !status.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", migration.name, ": ", status.message()));
      }
    }
    if (auto recorded =
            db.Exec("INSERT INTO schema_migrations (version, name, applied_us) VALUES ($1, $2, $3)",
                    {int64_t{migration.version}, std::string(migration.name),
                     absl::ToUnixMicros(absl::Now())});
        !recorded.ok()) {
      return recorded.status();
    }
  }
  return transaction.Commit();
}

absl::Status PostgresReferralStore::FillCaseloadColumns(PostgresConnection& db) {
  // A page at a time, by key, so an old database is never read into memory whole.
  std::string after;
  while (true) {
    absl::StatusOr<PostgresResult> rows =
        db.Exec("SELECT id, body FROM referrals WHERE id > $1 ORDER BY id LIMIT 500", {after});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) break;
    absl::StatusOr<std::vector<v1::Referral>> referrals = ParseRows<v1::Referral>(*rows, 1);
    if (!referrals.ok()) return referrals.status();
    for (int row = 0; row < rows->rows(); ++row) {
      const v1::Referral& referral = (*referrals)[row];
      if (auto updated =
              db.Exec("UPDATE referrals SET created_by = $1, assignee = $2 WHERE id = $3",
                      {referral.created_by(), referral.assignee(), rows->Text(row, 0)});
          !updated.ok()) {
        return updated.status();
      }
    }
    after = rows->Text(rows->rows() - 1, 0);
  }
  std::string after_referral;
  int64_t after_position = -1;
  while (true) {
    absl::StatusOr<PostgresResult> rows = db.Exec(
        "SELECT referral_id, position, body FROM history WHERE (referral_id, position) > ($1, $2) "
        "ORDER BY referral_id, position LIMIT 500",
        {after_referral, after_position});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return absl::OkStatus();
    absl::StatusOr<std::vector<v1::HistoryEntry>> entries = ParseRows<v1::HistoryEntry>(*rows, 2);
    if (!entries.ok()) return entries.status();
    for (int row = 0; row < rows->rows(); ++row) {
      const v1::HistoryEntry& entry = (*entries)[row];
      if (auto updated = db.Exec(
              "UPDATE history SET from_state = $1, duration_us = $2 WHERE referral_id = $3 AND "
              "position = $4",
              {int64_t{entry.from_state()}, StayMicros(entry), rows->Text(row, 0),
               rows->Int(row, 1)});
          !updated.ok()) {
        return updated.status();
      }
    }
    after_referral = rows->Text(rows->rows() - 1, 0);
    after_position = rows->Int(rows->rows() - 1, 1);
  }
}

absl::Status PostgresReferralStore::ExplainConstraint(const v1::Referral& referral,
                                                      const absl::Status& status) {
  if (absl::StrContains(status.message(), "referrals_reference_key")) {
    return absl::AbortedError("reference already taken");
  }
  if (absl::StrContains(status.message(), "referrals_one_open_per_person")) {
    return absl::AlreadyExistsError(
        absl::StrCat("the person already has an open referral to ", referral.intervention()));
  }
  return status;
}

absl::Status PostgresReferralStore::InsertEvent(PostgresConnection& db,
                                                v1::ReferralEvent::Type type,
                                                absl::string_view body,
                                                absl::string_view referral_id,
                                                absl::string_view crn, int64_t occurred_us) {
  // The row lock on event_sequence is held to commit, so sequences commit in order.
  absl::StatusOr<PostgresResult> next =
      db.Exec("UPDATE event_sequence SET last = last + 1 RETURNING last");
  if (!next.ok()) return next.status();
  return db
      .Exec(
          "INSERT INTO events (sequence, referral_id, crn, type, occurred_us, body) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {next->Int(0, 0), std::string(referral_id), std::string(crn), int64_t{type}, occurred_us,
           Blob{std::string(body)}})
      .status();
}

absl::Status PostgresReferralStore::AppendHistoryAndEvent(PostgresConnection& db,
                                                          const ReferralWrite& write,
                                                          const v1::Referral& stored,
                                                          const EncodedWrite& encoded) {
  if (write.history.has_value()) {
    if (auto inserted = db.Exec(
            "INSERT INTO history (referral_id, position, body, from_state, duration_us) VALUES "
            "($1, (SELECT COALESCE(MAX(position) + 1, 0) FROM history WHERE referral_id = $1), "
            "$2, $3, $4)",
            {stored.id(), Blob{encoded.history}, int64_t{write.history->from_state()},
             StayMicros(*write.history)});
        !inserted.ok()) {
      return inserted.status();
    }
  }
  for (const std::string& change : encoded.changelog) {
    if (auto inserted = db.Exec(
            "INSERT INTO changelog (referral_id, position, body) VALUES ($1, "
            "(SELECT COALESCE(MAX(position) + 1, 0) FROM changelog WHERE referral_id = $1), $2)",
            {stored.id(), Blob{change}});
        !inserted.ok()) {
      return inserted.status();
    }
  }
  return InsertEvent(db, write.event_type, encoded.event, stored.id(), stored.person().crn(),
                     Micros(stored.update_time()));
}

absl::StatusOr<CreateResult> PostgresReferralStore::Create(const ReferralWrite& write,
                                                           absl::string_view request_id) {
  CreateResult result;
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    absl::StatusOr<CreateResult> created = CreateInGroup(*writer_, write, request_id);
    if (!created.ok()) return created.status();
    result = *std::move(created);
    return absl::OkStatus();
  });
  if (status.code() != absl::StatusCode::kAlreadyExists) {
    if (!status.ok()) return status;
    return result;
  }
  // The failed write has rolled back; name the open referral, which has committed.
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<PostgresResult> open =
      reader_->Exec("SELECT id FROM referrals WHERE crn = $1 AND intervention = $2 AND is_open",
                    {write.referral.person().crn(), write.referral.intervention()});
  return absl::AlreadyExistsError(
      absl::StrCat(status.message(), ": referrals/",
                   open.ok() && open->rows() > 0 ? open->Text(0, 0) : std::string("?")));
}

absl::StatusOr<CreateResult> PostgresReferralStore::CreateInGroup(PostgresConnection& db,
                                                                  const ReferralWrite& write,
                                                                  absl::string_view request_id) {
  v1::Referral stored = write.referral;
  stored.set_etag("1");
  const EncodedWrite encoded = EncodeWrite(write, stored);
  // Claim the request id first: a concurrent claim of the same id waits here for ours (or
  // theirs) to commit, and then sees it.
  absl::StatusOr<PostgresResult> claimed = db.Exec(
      "INSERT INTO request_ids (request_id, referral_id) VALUES ($1, $2) "
      "ON CONFLICT (request_id) DO NOTHING",
      {std::string(request_id), stored.id()});
  if (!claimed.ok()) return claimed.status();
  if (claimed->affected() == 0) {
    absl::StatusOr<PostgresResult> earlier = db.Exec(
        "SELECT referral_id FROM request_ids WHERE request_id = $1", {std::string(request_id)});
    if (!earlier.ok()) return earlier.status();
    if (earlier->rows() == 0) return absl::AbortedError("the request id is being used; retry");
    absl::StatusOr<v1::Referral> existing = ReadReferral(db, earlier->Text(0, 0));
    if (!existing.ok()) return existing.status();
    return CreateResult{*std::move(existing), false};
  }
  absl::StatusOr<PostgresResult> inserted = db.Exec(
      "INSERT INTO referrals (id, reference, crn, intervention, region, provider, state, "
      "is_open, version, create_time_us, update_time_us, created_by, assignee, body) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::int::boolean, 1, $9, $10, $11, $12, $13)",
      {stored.id(), stored.reference(), stored.person().crn(), stored.intervention(),
       stored.region(), stored.provider(), int64_t{stored.state()}, int64_t{write.open ? 1 : 0},
       Micros(stored.create_time()), Micros(stored.update_time()), stored.created_by(),
       stored.assignee(), Blob{encoded.referral}});
  if (!inserted.ok()) return ExplainConstraint(stored, inserted.status());
  if (absl::Status status = AppendHistoryAndEvent(db, write, stored, encoded); !status.ok()) {
    return status;
  }
  return CreateResult{std::move(stored), true};
}

absl::StatusOr<v1::Referral> PostgresReferralStore::Get(absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  return ReadReferral(*reader_, id);
}

absl::StatusOr<v1::Referral> PostgresReferralStore::ReadReferral(PostgresConnection& db,
                                                                 absl::string_view id) {
  absl::StatusOr<PostgresResult> result =
      db.Exec("SELECT body FROM referrals WHERE id = $1", {std::string(id)});
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return absl::NotFoundError(absl::StrCat("no referral referrals/", id));
  v1::Referral referral;
  if (!referral.ParseFromString(result->Bytes(0, 0))) {
    return absl::DataLossError(absl::StrCat("referral ", id, " is unreadable"));
  }
  return referral;
}

absl::StatusOr<v1::Referral> PostgresReferralStore::Update(const ReferralWrite& write,
                                                           absl::string_view expected_etag) {
  const int64_t expected = VersionOfEtag(expected_etag);
  v1::Referral stored = write.referral;
  stored.set_etag(absl::StrCat(expected + 1));
  const EncodedWrite encoded = EncodeWrite(write, stored);
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    PostgresConnection& db = *writer_;
    absl::StatusOr<PostgresResult> updated = db.Exec(
        "UPDATE referrals SET crn = $1, intervention = $2, region = $3, provider = $4, "
        "state = $5, is_open = $6::int::boolean, version = version + 1, update_time_us = $7, "
        "start_time_us = $8, assignee = $9, body = $10 WHERE id = $11 AND version = $12",
        {stored.person().crn(), stored.intervention(), stored.region(), stored.provider(),
         int64_t{stored.state()}, int64_t{write.open ? 1 : 0}, Micros(stored.update_time()),
         Micros(stored.start_time()), stored.assignee(), Blob{encoded.referral}, stored.id(),
         expected});
    if (!updated.ok()) return ExplainConstraint(stored, updated.status());
    if (updated->affected() == 0) {
      absl::StatusOr<v1::Referral> current = ReadReferral(db, stored.id());
      if (!current.ok()) return current.status();
      return StaleEtagError(expected_etag, current->etag());
    }
    return AppendHistoryAndEvent(db, write, stored, encoded);
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<ListPage> PostgresReferralStore::List(const ListQuery& query) {
  absl::MutexLock lock(&read_mu_);
  const ListStatements statements = BuildListStatements(query, SqlDialect::kPostgres);
  ListPage page;
  if (query.count) {
    absl::StatusOr<PostgresResult> count =
        reader_->Exec(statements.count.sql, statements.count.values);
    if (!count.ok()) return count.status();
    page.total_capped = count->Int(0, 0) > kMaxCountedMatches;
    page.total_size = static_cast<int>(std::min<int64_t>(count->Int(0, 0), kMaxCountedMatches));
  }
  absl::StatusOr<PostgresResult> rows = reader_->Exec(statements.page.sql, statements.page.values);
  if (!rows.ok()) return rows.status();
  absl::StatusOr<std::vector<v1::Referral>> referrals = ParseRows<v1::Referral>(*rows, 0);
  if (!referrals.ok()) return referrals.status();
  page.referrals = *std::move(referrals);
  if (static_cast<int>(page.referrals.size()) > query.page_size) {
    page.referrals.pop_back();
    page.more = true;
  }
  return page;
}

template <typename Entry>
absl::StatusOr<std::vector<Entry>> PostgresReferralStore::ReadLog(absl::string_view table,
                                                                  absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  if (absl::StatusOr<v1::Referral> exists = ReadReferral(*reader_, id); !exists.ok())
    return exists.status();
  absl::StatusOr<PostgresResult> rows = reader_->Exec(
      absl::StrCat("SELECT body FROM ", table, " WHERE referral_id = $1 ORDER BY position"),
      {std::string(id)});
  if (!rows.ok()) return rows.status();
  return ParseRows<Entry>(*rows, 0);
}

absl::StatusOr<std::vector<v1::HistoryEntry>> PostgresReferralStore::History(absl::string_view id) {
  return ReadLog<v1::HistoryEntry>("history", id);
}

absl::StatusOr<std::vector<v1::ChangelogEntry>> PostgresReferralStore::Changelog(
    absl::string_view id) {
  return ReadLog<v1::ChangelogEntry>("changelog", id);
}

absl::StatusOr<std::vector<v1::ReferralEvent>> PostgresReferralStore::QueryEvents(
    PostgresConnection& db, absl::string_view sql, const std::vector<SqlValue>& params) {
  absl::StatusOr<PostgresResult> rows = db.Exec(sql, params);
  if (!rows.ok()) return rows.status();
  absl::StatusOr<std::vector<v1::ReferralEvent>> events = ParseRows<v1::ReferralEvent>(*rows, 1);
  if (!events.ok()) return events.status();
  for (int row = 0; row < rows->rows(); ++row) (*events)[row].set_sequence(rows->Int(row, 0));
  return events;
}

absl::StatusOr<std::vector<v1::ReferralEvent>> PostgresReferralStore::EventsAfter(
    int64_t after_sequence, int limit) {
  absl::MutexLock lock(&read_mu_);
  return QueryEvents(
      *reader_, "SELECT sequence, body FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2",
      {after_sequence, int64_t{limit}});
}

absl::StatusOr<std::vector<v1::Referral>> PostgresReferralStore::ReferralsOfPerson(
    absl::string_view crn) {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<PostgresResult> rows = reader_->Exec(
      "SELECT body FROM referrals WHERE crn = $1 ORDER BY create_time_us, id", {std::string(crn)});
  if (!rows.ok()) return rows.status();
  return ParseRows<v1::Referral>(*rows, 0);
}

absl::StatusOr<std::vector<v1::ReferralEvent>> PostgresReferralStore::EventsOfPerson(
    absl::string_view crn) {
  absl::MutexLock lock(&read_mu_);
  return QueryEvents(*reader_, "SELECT sequence, body FROM events WHERE crn = $1 ORDER BY sequence",
                     {std::string(crn)});
}

absl::StatusOr<std::vector<StateCount>> PostgresReferralStore::CountByState() {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<PostgresResult> rows = reader_->Exec(
      "SELECT intervention, state, COUNT(*) FROM referrals "
      "GROUP BY intervention, state ORDER BY intervention, state",
      {});
  if (!rows.ok()) return rows.status();
  std::vector<StateCount> counts;
  for (int row = 0; row < rows->rows(); ++row) {
    counts.push_back(
        {rows->Text(row, 0), static_cast<v1::ReferralState>(rows->Int(row, 1)), rows->Int(row, 2)});
  }
  return counts;
}

absl::StatusOr<ReportData> PostgresReferralStore::Report(const ReportQuery& query) {
  absl::MutexLock lock(&read_mu_);
  const ReportStatements statements = BuildReportStatements(query, SqlDialect::kPostgres);
  ReportData data;
  absl::StatusOr<PostgresResult> groups =
      reader_->Exec(statements.groups.sql, statements.groups.values);
  if (!groups.ok()) return groups.status();
  for (int row = 0; row < groups->rows(); ++row) {
    data.groups.push_back({static_cast<v1::ReferralState>(groups->Int(row, 0)),
                           groups->Text(row, 1), groups->Text(row, 2), groups->Text(row, 3),
                           groups->Int(row, 4)});
  }
  absl::StatusOr<PostgresResult> stays =
      reader_->Exec(statements.stays.sql, statements.stays.values);
  if (!stays.ok()) return stays.status();
  data.stays.reserve(stays->rows());
  for (int row = 0; row < stays->rows(); ++row) {
    data.stays.push_back({static_cast<v1::ReferralState>(stays->Int(row, 0)), stays->Int(row, 1)});
  }
  return data;
}

absl::StatusOr<int> PostgresReferralStore::PurgeDraftsUntouchedSince(absl::Time cutoff) {
  return PurgeInBatches([&] { return PurgeBatch(cutoff); });
}

absl::StatusOr<int> PostgresReferralStore::PurgeBatch(absl::Time cutoff) {
  int purged_count = 0;
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    PostgresConnection& db = *writer_;
    absl::StatusOr<PostgresResult> rows = db.Exec(
        "SELECT body FROM referrals WHERE state = $1 AND update_time_us < $2 LIMIT $3 FOR UPDATE",
        {int64_t{v1::REFERRAL_STATE_DRAFT}, absl::ToUnixMicros(cutoff), int64_t{kPurgeBatch}});
    if (!rows.ok()) return rows.status();
    absl::StatusOr<std::vector<v1::Referral>> drafts = ParseRows<v1::Referral>(*rows, 0);
    if (!drafts.ok()) return drafts.status();
    const int64_t now = absl::ToUnixMicros(absl::Now());
    for (const v1::Referral& draft : *drafts) {
      const v1::Referral redacted = RedactedForRetention(draft);
      // Earlier events keep their place in the sequence but lose the person's details.
      absl::StatusOr<std::vector<v1::ReferralEvent>> events =
          QueryEvents(db, "SELECT sequence, body FROM events WHERE referral_id = $1", {draft.id()});
      if (!events.ok()) return events.status();
      for (v1::ReferralEvent& event : *events) {
        const int64_t sequence = event.sequence();
        event.clear_sequence();
        *event.mutable_referral() = redacted;
        if (auto scrubbed = db.Exec("UPDATE events SET crn = '', body = $1 WHERE sequence = $2",
                                    {Blob{event.SerializeAsString()}, sequence});
            !scrubbed.ok()) {
          return scrubbed.status();
        }
      }
      for (absl::string_view sql :
           {"DELETE FROM referrals WHERE id = $1", "DELETE FROM history WHERE referral_id = $1",
            "DELETE FROM changelog WHERE referral_id = $1",
            "DELETE FROM request_ids WHERE referral_id = $1"}) {
        if (auto removed = db.Exec(sql, {draft.id()}); !removed.ok()) {
          return removed.status();
        }
      }
      v1::ReferralEvent purged;
      purged.set_type(v1::ReferralEvent::TYPE_PURGED);
      *purged.mutable_referral() = redacted;
      *purged.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(now);
      if (absl::Status status =
              InsertEvent(db, purged.type(), purged.SerializeAsString(), draft.id(), "", now);
          !status.ok()) {
        return status;
      }
    }
    purged_count = static_cast<int>(drafts->size());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return purged_count;
}

absl::StatusOr<v1::Capacity> PostgresReferralStore::GetCapacity(absl::string_view intervention,
                                                                absl::string_view region,
                                                                absl::string_view provider) {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<PostgresResult> rows = reader_->Exec(
      "SELECT body FROM capacities WHERE region = $1 AND intervention = $2 AND provider = $3",
      {std::string(region), std::string(intervention), std::string(provider)});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) {
    return absl::NotFoundError(CapacityNotSet(intervention, region, provider));
  }
  absl::StatusOr<std::vector<v1::Capacity>> capacities = ParseRows<v1::Capacity>(*rows, 0);
  if (!capacities.ok()) return capacities.status();
  return std::move(capacities->front());
}

absl::StatusOr<v1::Capacity> PostgresReferralStore::PutCapacity(const v1::Capacity& capacity,
                                                                absl::string_view expected_etag,
                                                                bool allow_missing) {
  v1::Capacity stored = capacity;
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    PostgresConnection& db = *writer_;
    const std::vector<SqlValue> key = {capacity.region(), capacity.intervention(),
                                       capacity.provider()};
    absl::StatusOr<PostgresResult> current = db.Exec(
        "SELECT version FROM capacities WHERE region = $1 AND intervention = $2 AND "
        "provider = $3",
        key);
    if (!current.ok()) return current.status();
    const int64_t version = current->rows() > 0 ? current->Int(0, 0) : 0;
    if (absl::Status status = CheckCapacityVersion(capacity, version, expected_etag, allow_missing);
        !status.ok()) {
      return status;
    }
    stored.set_etag(absl::StrCat(version + 1));
    std::vector<SqlValue> values = key;
    values.push_back(version + 1);
    values.push_back(Blob{stored.SerializeAsString()});
    values.push_back(version);
    // Another replica may write the same capacity between the read and this write: the
    // version (or the primary key) catches it.
    absl::StatusOr<PostgresResult> written = db.Exec(
        version == 0 ? "INSERT INTO capacities (region, intervention, provider, version, body) "
                       "SELECT $1, $2, $3, $4, $5 WHERE $6::bigint = 0 "
                       "ON CONFLICT (region, intervention, provider) DO NOTHING"
                     : "UPDATE capacities SET version = $4, body = $5 WHERE region = $1 AND "
                       "intervention = $2 AND provider = $3 AND version = $6",
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

absl::StatusOr<std::vector<v1::Capacity>> PostgresReferralStore::CapacitiesInRegion(
    absl::string_view region) {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<PostgresResult> rows =
      reader_->Exec("SELECT body FROM capacities WHERE region = $1 ORDER BY intervention, provider",
                    {std::string(region)});
  if (!rows.ok()) return rows.status();
  return ParseRows<v1::Capacity>(*rows, 0);
}

absl::StatusOr<RegionLoad> PostgresReferralStore::LoadInRegion(absl::string_view region,
                                                               absl::Time started_since) {
  absl::MutexLock lock(&read_mu_);
  RegionLoad load;
  absl::StatusOr<PostgresResult> open = reader_->Exec(
      "SELECT intervention, provider, state, COUNT(*) FROM referrals "
      "WHERE region = $1 AND is_open GROUP BY intervention, provider, state",
      {std::string(region)});
  if (!open.ok()) return open.status();
  for (int row = 0; row < open->rows(); ++row) {
    load.open.push_back({open->Text(row, 0), open->Text(row, 1),
                         static_cast<v1::ReferralState>(open->Int(row, 2)), open->Int(row, 3)});
  }
  absl::StatusOr<PostgresResult> started = reader_->Exec(
      "SELECT intervention, provider, COUNT(*) FROM referrals "
      "WHERE region = $1 AND start_time_us > 0 AND start_time_us >= $2 "
      "GROUP BY intervention, provider",
      {std::string(region), absl::ToUnixMicros(started_since)});
  if (!started.ok()) return started.status();
  for (int row = 0; row < started->rows(); ++row) {
    load.started.push_back({started->Text(row, 0), started->Text(row, 1), started->Int(row, 2)});
  }
  return load;
}

}  // namespace probation::referrals
