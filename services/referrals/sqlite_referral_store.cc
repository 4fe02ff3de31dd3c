#include "services/referrals/sqlite_referral_store.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/referrals/referral_list_sql.h"

namespace probation::referrals {

absl::string_view SqliteMigration0001();
absl::string_view SqliteMigration0002();
absl::string_view SqliteMigration0003();
absl::string_view SqliteMigration0004();
absl::string_view SqliteMigration0005();

namespace {

using google::protobuf::util::TimeUtil;

int64_t Micros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

}  // namespace

std::vector<Migration> SqliteMigrations() {
  return {{1, "0001_referrals", SqliteMigration0001()},
          {2, "0002_amendments_and_capacity", SqliteMigration0002()},
          {3, "0003_caseloads_and_reports", SqliteMigration0003()},
          {4, "0004_history_by_referral", SqliteMigration0004()},
          {5, "0005_events_by_referral", SqliteMigration0005()}};
}

absl::StatusOr<std::unique_ptr<SqliteReferralStore>> SqliteReferralStore::Open(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer = SqliteConnection::Open(path);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = Migrate(**writer); !status.ok()) return status;
  // Each grouped write runs in its own savepoint, whose journal holds every page the write
  // touches; in a temporary file that is a write call per page. It only serves rollback within
  // the transaction, so the writer keeps it in memory (readers, which sort, keep the default).
  if (absl::Status status = (*writer)->Exec("PRAGMA temp_store=MEMORY"); !status.ok()) {
    return status;
  }
  // WAL lets the reader see every committed write without waiting for the writer.
  absl::StatusOr<std::unique_ptr<SqliteConnection>> reader = SqliteConnection::Open(path);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<SqliteReferralStore>(
      new SqliteReferralStore(*std::move(writer), *std::move(reader)));
}

SqliteReferralStore::SqliteReferralStore(std::unique_ptr<SqliteConnection> writer,
                                         std::unique_ptr<SqliteConnection> reader)
    : writer_(std::move(writer)),
      group_commit_([this](absl::string_view sql) { return writer_->Run(sql); }, "BEGIN IMMEDIATE"),
      reader_(std::move(reader)) {}

absl::Status SqliteReferralStore::Migrate(SqliteConnection& connection) {
  if (absl::Status status = connection.Exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL, applied_us INTEGER NOT NULL)");
      !status.ok()) {
    return status;
  }
  for (const Migration& migration : SqliteMigrations()) {
    SqliteTransaction transaction(connection);
    if (!transaction.begun().ok()) return transaction.begun();
    SqliteStatement applied(connection, "SELECT 1 FROM schema_migrations WHERE version = ?");
    applied.Bind({int64_t{migration.version}});
    absl::StatusOr<bool> found = applied.Step();
    if (!found.ok()) return found.status();
    if (*found) continue;
    if (absl::Status status = connection.Exec(migration.sql); !status.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", migration.name, ": ", status.message()));
    }
    if (migration.version == 3) {
      if (absl::Status status = FillCaseloadColumns(connection); !status.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", migration.name, ": ", status.message()));
      }
    }
    SqliteStatement record(connection,
                           "INSERT INTO schema_migrations (version, name, applied_us) "
                           "VALUES (?, ?, ?)");
    record.Bind(
        {int64_t{migration.version}, std::string(migration.name), absl::ToUnixMicros(absl::Now())});
    if (absl::Status status = record.Run(); !status.ok()) return status;
    if (absl::Status status = transaction.Commit(); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status SqliteReferralStore::FillCaseloadColumns(SqliteConnection& db) {
  // A page at a time, by key, so no statement reads a table while it is being written.
  std::string after;
  while (true) {
    std::vector<std::pair<std::string, v1::Referral>> rows;
    {
      SqliteStatement select(db,
                             "SELECT id, body FROM referrals WHERE id > ? ORDER BY id LIMIT 500");
      select.Bind({after});
      while (true) {
        absl::StatusOr<bool> row = select.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        auto& [id, referral] = rows.emplace_back(select.Text(0), v1::Referral());
        if (!referral.ParseFromString(select.Bytes(1))) {
          return absl::DataLossError(absl::StrCat("referral ", id, " is unreadable"));
        }
      }
    }
    if (rows.empty()) break;
    for (const auto& [id, referral] : rows) {
      SqliteStatement update(db, "UPDATE referrals SET created_by = ?, assignee = ? WHERE id = ?");
      update.Bind({referral.created_by(), referral.assignee(), id});
      if (absl::Status status = update.Run(); !status.ok()) return status;
    }
    after = rows.back().first;
  }
  int64_t after_row = 0;
  while (true) {
    std::vector<std::pair<int64_t, v1::HistoryEntry>> rows;
    {
      SqliteStatement select(
          db, "SELECT rowid, body FROM history WHERE rowid > ? ORDER BY rowid LIMIT 500");
      select.Bind({after_row});
      while (true) {
        absl::StatusOr<bool> row = select.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        auto& [rowid, entry] = rows.emplace_back(select.Int(0), v1::HistoryEntry());
        if (!entry.ParseFromString(select.Bytes(1))) {
          return absl::DataLossError("a history entry is unreadable");
        }
      }
    }
    if (rows.empty()) return absl::OkStatus();
    for (const auto& [rowid, entry] : rows) {
      SqliteStatement update(db,
                             "UPDATE history SET from_state = ?, duration_us = ? WHERE rowid = ?");
      update.Bind({int64_t{entry.from_state()}, StayMicros(entry), rowid});
      if (absl::Status status = update.Run(); !status.ok()) return status;
    }
    after_row = rows.back().first;
  }
}

absl::Status SqliteReferralStore::ExplainConstraint(SqliteConnection& db,
                                                    const v1::Referral& referral,
                                                    const absl::Status& status) {
  if (absl::StrContains(status.message(), "referrals.reference")) {
    return absl::AbortedError("reference already taken");
  }
  if (absl::StrContains(status.message(), "referrals.crn")) {
    SqliteStatement open(db,
                         "SELECT id FROM referrals WHERE crn = ? AND intervention = ? AND "
                         "is_open = 1");
    open.Bind({referral.person().crn(), referral.intervention()});
    absl::StatusOr<bool> row = open.Step();
    const std::string existing = row.ok() && *row ? open.Text(0) : "";
    return absl::AlreadyExistsError(absl::StrCat("the person already has an open referral to ",
                                                 referral.intervention(), ": referrals/",
                                                 existing));
  }
  return status;
}

absl::Status SqliteReferralStore::AppendHistoryAndEvent(SqliteConnection& db,
                                                        const ReferralWrite& write,
                                                        const v1::Referral& stored,
                                                        const EncodedWrite& encoded) {
  for (const std::string& change : encoded.changelog) {
    SqliteStatement changelog(
        db,
        "INSERT INTO changelog (referral_id, position, body) VALUES (?, "
        "(SELECT COALESCE(MAX(position) + 1, 0) FROM changelog WHERE referral_id = ?), ?)");
    changelog.Bind({stored.id(), stored.id(), Blob{change}});
    if (absl::Status status = changelog.Run(); !status.ok()) return status;
  }
  SqliteStatement event(db,
                        "INSERT INTO events (referral_id, crn, type, occurred_us, body) "
                        "VALUES (?, ?, ?, ?, ?)");
  event.Bind({stored.id(), stored.person().crn(), int64_t{write.event_type},
              Micros(stored.update_time()), Blob{encoded.event}});
  if (absl::Status status = event.Run(); !status.ok()) return status;
  const int64_t sequence = sqlite3_last_insert_rowid(db.db());
  if (!write.history.has_value()) {
    SqliteStatement link(db, "INSERT INTO referral_events (referral_id, sequence) VALUES (?, ?)");
    link.Bind({stored.id(), sequence});
    return link.Run();
  }
  SqliteStatement link(db,
                       "INSERT INTO referral_events (referral_id, sequence, history, from_state, "
                       "duration_us) VALUES (?, ?, ?, ?, ?)");
  link.Bind({stored.id(), sequence, Blob{encoded.history}, int64_t{write.history->from_state()},
             StayMicros(*write.history)});
  return link.Run();
}

absl::StatusOr<CreateResult> SqliteReferralStore::Create(const ReferralWrite& write,
                                                         absl::string_view request_id) {
  CreateResult result;
  v1::Referral stored = write.referral;
  stored.set_etag("1");
  const EncodedWrite encoded = EncodeWrite(write, stored);
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    SqliteConnection& db = *writer_;
    SqliteStatement seen(db, "SELECT referral_id FROM request_ids WHERE request_id = ?");
    seen.Bind({std::string(request_id)});
    absl::StatusOr<bool> row = seen.Step();
    if (!row.ok()) return row.status();
    if (*row) {
      absl::StatusOr<v1::Referral> existing = ReadReferral(db, seen.Text(0));
      if (!existing.ok()) return existing.status();
      result = CreateResult{*std::move(existing), false};
      return absl::OkStatus();
    }
    SqliteStatement insert(
        db,
        "INSERT INTO referrals (id, reference, crn, intervention, region, provider, state, "
        "is_open, version, create_time_us, update_time_us, created_by, assignee, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)");
    insert.Bind({stored.id(), stored.reference(), stored.person().crn(), stored.intervention(),
                 stored.region(), stored.provider(), int64_t{stored.state()},
                 int64_t{write.open ? 1 : 0}, Micros(stored.create_time()),
                 Micros(stored.update_time()), stored.created_by(), stored.assignee(),
                 Blob{encoded.referral}});
    if (absl::Status status = insert.Run(); !status.ok()) {
      return ExplainConstraint(db, stored, status);
    }
    SqliteStatement key(db, "INSERT INTO request_ids (request_id, referral_id) VALUES (?, ?)");
    key.Bind({std::string(request_id), stored.id()});
    if (absl::Status status = key.Run(); !status.ok()) return status;
    if (absl::Status status = AppendHistoryAndEvent(db, write, stored, encoded); !status.ok()) {
      return status;
    }
    result = CreateResult{stored, true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::Referral> SqliteReferralStore::Get(absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  return ReadReferral(*reader_, id);
}

absl::StatusOr<v1::Referral> SqliteReferralStore::ReadReferral(SqliteConnection& db,
                                                               absl::string_view id) {
  SqliteStatement select(db, "SELECT body FROM referrals WHERE id = ?");
  select.Bind({std::string(id)});
  absl::StatusOr<bool> row = select.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no referral referrals/", id));
  v1::Referral referral;
  if (!referral.ParseFromString(select.Bytes(0))) {
    return absl::DataLossError(absl::StrCat("referral ", id, " is unreadable"));
  }
  return referral;
}

absl::StatusOr<v1::Referral> SqliteReferralStore::Update(const ReferralWrite& write,
                                                         absl::string_view expected_etag) {
  const int64_t expected = VersionOfEtag(expected_etag);
  v1::Referral stored = write.referral;
  stored.set_etag(absl::StrCat(expected + 1));
  const EncodedWrite encoded = EncodeWrite(write, stored);
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    SqliteConnection& db = *writer_;
    // Most writes are moves, which leave who, what, where and whom alone, and whether the
    // referral is open and when it took a place: this sets only the state and times, so
    // SQLite updates only the indexes that read them (it goes by the columns set, not by the
    // values). A write that changes any of the rest matches nothing here and takes the full
    // update below.
    SqliteStatement move(db,
                         "UPDATE referrals SET state = ?, version = version + 1, "
                         "update_time_us = ?, body = ? WHERE id = ? AND version = ? AND crn = ? "
                         "AND intervention = ? AND region = ? AND provider = ? AND assignee = ? "
                         "AND is_open = ? AND start_time_us = ?");
    move.Bind({int64_t{stored.state()}, Micros(stored.update_time()), Blob{encoded.referral},
               stored.id(), expected, stored.person().crn(), stored.intervention(), stored.region(),
               stored.provider(), stored.assignee(), int64_t{write.open ? 1 : 0},
               Micros(stored.start_time())});
    if (absl::Status status = move.Run(); !status.ok()) {
      return ExplainConstraint(db, stored, status);
    }
    if (sqlite3_changes(db.db()) == 0) {
      // A draft whose person is corrected keeps its former CRN's events findable by that
      // person's subject access request.
      SqliteStatement former(db,
                             "INSERT OR IGNORE INTO former_crns (crn, referral_id) SELECT crn, id "
                             "FROM referrals WHERE id = ? AND version = ? AND crn <> ?");
      former.Bind({stored.id(), expected, stored.person().crn()});
      if (absl::Status status = former.Run(); !status.ok()) return status;
      SqliteStatement update(db,
                             "UPDATE referrals SET crn = ?, intervention = ?, region = ?, "
                             "provider = ?, state = ?, is_open = ?, version = version + 1, "
                             "update_time_us = ?, start_time_us = ?, assignee = ?, body = ? "
                             "WHERE id = ? AND version = ?");
      update.Bind({stored.person().crn(), stored.intervention(), stored.region(), stored.provider(),
                   int64_t{stored.state()}, int64_t{write.open ? 1 : 0},
                   Micros(stored.update_time()), Micros(stored.start_time()), stored.assignee(),
                   Blob{encoded.referral}, stored.id(), expected});
      if (absl::Status status = update.Run(); !status.ok()) {
        return ExplainConstraint(db, stored, status);
      }
      if (sqlite3_changes(db.db()) == 0) {
        absl::StatusOr<v1::Referral> current = ReadReferral(db, stored.id());
        if (!current.ok()) return current.status();
        return StaleEtagError(expected_etag, current->etag());
      }
    }
    return AppendHistoryAndEvent(db, write, stored, encoded);
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<ListPage> SqliteReferralStore::List(const ListQuery& query) {
  absl::MutexLock lock(&read_mu_);
  const ListStatements statements = BuildListStatements(query, SqlDialect::kSqlite);
  ListPage page;
  if (query.count) {
    SqliteStatement count(*reader_, statements.count.sql);
    count.Bind(statements.count.values);
    absl::StatusOr<bool> row = count.Step();
    if (!row.ok()) return row.status();
    page.total_capped = count.Int(0) > kMaxCountedMatches;
    page.total_size = static_cast<int>(std::min<int64_t>(count.Int(0), kMaxCountedMatches));
  }
  SqliteStatement select(*reader_, statements.page.sql);
  select.Bind(statements.page.values);
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (static_cast<int>(page.referrals.size()) == query.page_size) {
      page.more = true;
      break;
    }
    if (!page.referrals.emplace_back().ParseFromString(select.Bytes(0))) {
      return absl::DataLossError("a stored referral is unreadable");
    }
  }
  return page;
}

template <typename Entry>
absl::StatusOr<std::vector<Entry>> SqliteReferralStore::ReadLog(absl::string_view sql,
                                                                absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  if (absl::StatusOr<v1::Referral> exists = ReadReferral(*reader_, id); !exists.ok()) {
    return exists.status();
  }
  SqliteStatement select(*reader_, sql);
  select.Bind({std::string(id)});
  std::vector<Entry> entries;
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return entries;
    if (!entries.emplace_back().ParseFromString(select.Bytes(0))) {
      return absl::DataLossError(absl::StrCat("referral ", id, " has an unreadable entry"));
    }
  }
}

absl::StatusOr<std::vector<v1::HistoryEntry>> SqliteReferralStore::History(absl::string_view id) {
  return ReadLog<v1::HistoryEntry>(
      "SELECT history FROM referral_events WHERE referral_id = ? AND history IS NOT NULL "
      "ORDER BY sequence",
      id);
}

absl::StatusOr<std::vector<v1::ChangelogEntry>> SqliteReferralStore::Changelog(
    absl::string_view id) {
  return ReadLog<v1::ChangelogEntry>(
      "SELECT body FROM changelog WHERE referral_id = ? ORDER BY position", id);
}

namespace {

absl::StatusOr<std::vector<v1::ReferralEvent>> ReadEvents(SqliteStatement& select) {
  std::vector<v1::ReferralEvent> events;
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return events;
    v1::ReferralEvent& event = events.emplace_back();
    if (!event.ParseFromString(select.Bytes(1))) {
      return absl::DataLossError("an event is unreadable");
    }
    event.set_sequence(select.Int(0));
  }
}

}  // namespace

absl::StatusOr<std::vector<v1::ReferralEvent>> SqliteReferralStore::EventsAfter(
    int64_t after_sequence, int limit) {
  absl::MutexLock lock(&read_mu_);
  SqliteStatement select(*reader_,
                         "SELECT sequence, body FROM events WHERE sequence > ? "
                         "ORDER BY sequence LIMIT ?");
  select.Bind({after_sequence, int64_t{limit}});
  return ReadEvents(select);
}

absl::StatusOr<std::vector<v1::Referral>> SqliteReferralStore::ReferralsOfPerson(
    absl::string_view crn) {
  absl::MutexLock lock(&read_mu_);
  SqliteStatement select(*reader_,
                         "SELECT body FROM referrals WHERE crn = ? "
                         "ORDER BY create_time_us, id");
  select.Bind({std::string(crn)});
  std::vector<v1::Referral> referrals;
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return referrals;
    if (!referrals.emplace_back().ParseFromString(select.Bytes(0))) {
      return absl::DataLossError("a stored referral is unreadable");
    }
  }
}

absl::StatusOr<std::vector<v1::ReferralEvent>> SqliteReferralStore::EventsOfPerson(
    absl::string_view crn) {
  absl::MutexLock lock(&read_mu_);
  // The events written while the referral was the person's: through the person's referrals,
  // now or before a correction, to their events, keeping those written under this CRN.
  SqliteStatement select(
      *reader_,
      "SELECT sequence, body FROM events WHERE crn = ?1 AND sequence IN (SELECT sequence FROM "
      "referral_events WHERE referral_id IN (SELECT id FROM referrals WHERE crn = ?1 UNION "
      "SELECT referral_id FROM former_crns WHERE crn = ?1)) ORDER BY sequence");
  select.Bind({std::string(crn)});
  return ReadEvents(select);
}

absl::StatusOr<std::vector<StateCount>> SqliteReferralStore::CountByState() {
  absl::MutexLock lock(&read_mu_);
  SqliteStatement select(*reader_,
                         "SELECT intervention, state, COUNT(*) FROM referrals "
                         "GROUP BY intervention, state ORDER BY intervention, state");
  std::vector<StateCount> counts;
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return counts;
    counts.push_back(
        {select.Text(0), static_cast<v1::ReferralState>(select.Int(1)), select.Int(2)});
  }
}

absl::StatusOr<ReportData> SqliteReferralStore::Report(const ReportQuery& query) {
  absl::MutexLock lock(&read_mu_);
  const ReportStatements statements = BuildReportStatements(query, SqlDialect::kSqlite);
  ReportData data;
  SqliteStatement groups(*reader_, statements.groups.sql);
  groups.Bind(statements.groups.values);
  while (true) {
    absl::StatusOr<bool> row = groups.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    data.groups.push_back({static_cast<v1::ReferralState>(groups.Int(0)), groups.Text(1),
                           groups.Text(2), groups.Text(3), groups.Int(4)});
  }
  SqliteStatement stays(*reader_, statements.stays.sql);
  stays.Bind(statements.stays.values);
  while (true) {
    absl::StatusOr<bool> row = stays.Step();
    if (!row.ok()) return row.status();
    if (!*row) return data;
    data.stays.push_back({static_cast<v1::ReferralState>(stays.Int(0)), stays.Int(1)});
  }
}

absl::StatusOr<int> SqliteReferralStore::PurgeDraftsUntouchedSince(absl::Time cutoff) {
  return PurgeInBatches([&] { return PurgeBatch(cutoff); });
}

absl::StatusOr<int> SqliteReferralStore::PurgeBatch(absl::Time cutoff) {
  std::vector<v1::Referral> drafts;
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    SqliteConnection& db = *writer_;
    drafts.clear();
    {
      SqliteStatement select(
          db, "SELECT body FROM referrals WHERE state = ? AND update_time_us < ? LIMIT ?");
      select.Bind(
          {int64_t{v1::REFERRAL_STATE_DRAFT}, absl::ToUnixMicros(cutoff), int64_t{kPurgeBatch}});
      while (true) {
        absl::StatusOr<bool> row = select.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        if (!drafts.emplace_back().ParseFromString(select.Bytes(0))) {
          return absl::DataLossError("a stored referral is unreadable");
        }
      }
    }
    const int64_t now = absl::ToUnixMicros(absl::Now());
    for (const v1::Referral& draft : drafts) {
      const v1::Referral redacted = RedactedForRetention(draft);
      // Earlier events keep their place in the sequence but lose the person's details.
      std::vector<std::pair<int64_t, std::string>> scrubbed;
      {
        SqliteStatement select(db,
                               "SELECT sequence, body FROM events WHERE sequence IN (SELECT "
                               "sequence FROM referral_events WHERE referral_id = ?)");
        select.Bind({draft.id()});
        absl::StatusOr<std::vector<v1::ReferralEvent>> events = ReadEvents(select);
        if (!events.ok()) return events.status();
        for (v1::ReferralEvent& event : *events) {
          *event.mutable_referral() = redacted;
          const int64_t sequence = event.sequence();
          event.clear_sequence();
          scrubbed.emplace_back(sequence, event.SerializeAsString());
        }
      }
      for (auto& [sequence, body] : scrubbed) {
        SqliteStatement scrub(db, "UPDATE events SET crn = '', body = ? WHERE sequence = ?");
        scrub.Bind({Blob{std::move(body)}, sequence});
        if (absl::Status status = scrub.Run(); !status.ok()) return status;
      }
      for (absl::string_view sql : {"DELETE FROM referrals WHERE id = ?",
                                    "DELETE FROM referral_events WHERE referral_id = ?",
                                    "DELETE FROM changelog WHERE referral_id = ?",
                                    "DELETE FROM former_crns WHERE referral_id = ?",
                                    "DELETE FROM request_ids WHERE referral_id = ?"}) {
        SqliteStatement remove(db, sql);
        remove.Bind({draft.id()});
        if (absl::Status status = remove.Run(); !status.ok()) return status;
      }
      v1::ReferralEvent purged;
      purged.set_type(v1::ReferralEvent::TYPE_PURGED);
      *purged.mutable_referral() = redacted;
      *purged.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(now);
      SqliteStatement insert(db,
                             "INSERT INTO events (referral_id, crn, type, occurred_us, body) "
                             "VALUES (?, '', ?, ?, ?)");
      insert.Bind({draft.id(), int64_t{v1::ReferralEvent::TYPE_PURGED}, now,
                   Blob{purged.SerializeAsString()}});
      if (absl::Status status = insert.Run(); !status.ok()) return status;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return static_cast<int>(drafts.size());
}

absl::StatusOr<v1::Capacity> SqliteReferralStore::GetCapacity(absl::string_view intervention,
                                                              absl::string_view region,
                                                              absl::string_view provider) {
  absl::MutexLock lock(&read_mu_);
  SqliteStatement select(*reader_,
                         "SELECT body FROM capacities WHERE region = ? AND intervention = ? AND "
                         "provider = ?");
  select.Bind({std::string(region), std::string(intervention), std::string(provider)});
  absl::StatusOr<bool> row = select.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(CapacityNotSet(intervention, region, provider));
  v1::Capacity capacity;
  if (!capacity.ParseFromString(select.Bytes(0))) {
    return absl::DataLossError("a stored capacity is unreadable");
  }
  return capacity;
}

absl::StatusOr<v1::Capacity> SqliteReferralStore::PutCapacity(const v1::Capacity& capacity,
                                                              absl::string_view expected_etag,
                                                              bool allow_missing) {
  v1::Capacity stored = capacity;
  absl::Status status = group_commit_.Write([&]() -> absl::Status {
    SqliteConnection& db = *writer_;
    SqliteStatement current(db,
                            "SELECT version FROM capacities WHERE region = ? AND "
                            "intervention = ? AND provider = ?");
    current.Bind({capacity.region(), capacity.intervention(), capacity.provider()});
    absl::StatusOr<bool> row = current.Step();
    if (!row.ok()) return row.status();
    const int64_t version = *row ? current.Int(0) : 0;
    if (absl::Status status = CheckCapacityVersion(capacity, version, expected_etag, allow_missing);
        !status.ok()) {
      return status;
    }
    stored.set_etag(absl::StrCat(version + 1));
    SqliteStatement write(
        db, version == 0 ? "INSERT INTO capacities (version, body, region, intervention, "
                           "provider) VALUES (?, ?, ?, ?, ?)"
                         : "UPDATE capacities SET version = ?, body = ? WHERE region = ? AND "
                           "intervention = ? AND provider = ?");
    write.Bind({version + 1, Blob{stored.SerializeAsString()}, capacity.region(),
                capacity.intervention(), capacity.provider()});
    return write.Run();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<std::vector<v1::Capacity>> SqliteReferralStore::CapacitiesInRegion(
    absl::string_view region) {
  absl::MutexLock lock(&read_mu_);
  SqliteStatement select(*reader_,
                         "SELECT body FROM capacities WHERE region = ? "
                         "ORDER BY intervention, provider");
  select.Bind({std::string(region)});
  std::vector<v1::Capacity> capacities;
  while (true) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return capacities;
    if (!capacities.emplace_back().ParseFromString(select.Bytes(0))) {
      return absl::DataLossError("a stored capacity is unreadable");
    }
  }
}

absl::StatusOr<RegionLoad> SqliteReferralStore::LoadInRegion(absl::string_view region,
                                                             absl::Time started_since) {
  absl::MutexLock lock(&read_mu_);
  RegionLoad load;
  SqliteStatement open(*reader_,
                       "SELECT intervention, provider, state, COUNT(*) FROM referrals "
                       "WHERE region = ? AND is_open = 1 GROUP BY intervention, provider, state");
  open.Bind({std::string(region)});
  while (true) {
    absl::StatusOr<bool> row = open.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    load.open.push_back(
        {open.Text(0), open.Text(1), static_cast<v1::ReferralState>(open.Int(2)), open.Int(3)});
  }
  SqliteStatement started(*reader_,
                          "SELECT intervention, provider, COUNT(*) FROM referrals "
                          "WHERE region = ? AND start_time_us > 0 AND start_time_us >= ? "
                          "GROUP BY intervention, provider");
  started.Bind({std::string(region), absl::ToUnixMicros(started_since)});
  while (true) {
    absl::StatusOr<bool> row = started.Step();
    if (!row.ok()) return row.status();
    if (!*row) return load;
    load.started.push_back({started.Text(0), started.Text(1), started.Int(2)});
  }
}

}  // namespace probation::referrals
