#include "services/referrals/store/sql_dialect.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace probation::referrals {

absl::string_view BeginWrite(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
}

absl::string_view IsOpen(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? "is_open = 1" : "is_open";
}

absl::string_view ForUpdate(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? "" : " FOR UPDATE";
}

std::vector<SqlStatement> AppendEvent(SqlDialect dialect, const EventAppend& event) {
  std::vector<SqlValue> values = {event.referral_id, event.crn, event.type, event.occurred_us,
                                  Blob{event.body}};
  std::vector<SqlValue> link = {event.referral_id};
  std::string link_columns = "referral_id, sequence";
  if (event.history.has_value()) {
    link.push_back(Blob{event.history->body});
    link.push_back(event.history->from_state);
    link.push_back(event.history->duration_us);
    link_columns = "referral_id, sequence, history, from_state, duration_us";
  }
  if (dialect == SqlDialect::kSqlite) {
    std::vector<SqlStatement> statements = {
        {"INSERT INTO events (referral_id, crn, type, occurred_us, body) VALUES (?, ?, ?, ?, ?)",
         std::move(values)}};
    if (event.linked) {
      statements.push_back(
          {absl::StrCat("INSERT INTO referral_events (", link_columns, ") VALUES (?, ",
                        "last_insert_rowid()", event.history.has_value() ? ", ?, ?, ?)" : ")"),
           std::move(link)});
    }
    return statements;
  }
  // The next number after the transaction's last (see EventsLock).
  constexpr absl::string_view kInsert =
      "INSERT INTO events (sequence, referral_id, crn, type, occurred_us, body) "
      "VALUES (set_config('probation.last_event', "
      "(current_setting('probation.last_event')::BIGINT + 1)::TEXT, true)::BIGINT, "
      "?, ?, ?, ?, ?)";
  if (!event.linked) return {{std::string(kInsert), std::move(values)}};
  values.insert(values.end(), link.begin(), link.end());
  // The parameters are typed: in a SELECT list PostgreSQL would otherwise take them as text.
  return {{absl::StrCat("WITH event AS (", kInsert, " RETURNING sequence) INSERT INTO ",
                        "referral_events (", link_columns, ") SELECT CAST(? AS TEXT), sequence",
                        event.history.has_value()
                            ? ", CAST(? AS BYTEA), CAST(? AS INTEGER), CAST(? AS BIGINT)"
                            : "",
                        " FROM event"),
           std::move(values)}};
}

absl::string_view EventsLock(SqlDialect dialect) {
  // Locks event_sequence's row to commit, and keeps its number in a setting local to the
  // transaction (undone with a rolled-back savepoint), which each event then counts on from.
  return dialect == SqlDialect::kSqlite
             ? ""
             : "SELECT set_config('probation.last_event', last::TEXT, true) FROM event_sequence "
               "FOR UPDATE";
}

absl::string_view AfterEvents(SqlDialect dialect) {
  // One row version per transaction, however many events; the NOTIFY is sent on commit.
  return dialect == SqlDialect::kSqlite
             ? ""
             : "WITH counted AS (UPDATE event_sequence SET "
               "last = current_setting('probation.last_event')::BIGINT RETURNING last) "
               "SELECT pg_notify('referral_events', last::TEXT) FROM counted";
}

BrokenRule RuleBrokenBy(SqlDialect dialect, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return BrokenRule::kNone;
  // SQLite names a unique index's columns, PostgreSQL the index.
  const bool sqlite = dialect == SqlDialect::kSqlite;
  if (absl::StrContains(status.message(),
                        sqlite ? "referrals.reference" : "referrals_reference_key")) {
    return BrokenRule::kReferenceTaken;
  }
  if (absl::StrContains(status.message(),
                        sqlite ? "referrals.crn" : "referrals_one_submitted_per_person")) {
    return BrokenRule::kOneOpenReferral;
  }
  return BrokenRule::kNone;
}

bool ReadsAfterAFailedStatement(SqlDialect dialect) { return dialect == SqlDialect::kSqlite; }

absl::string_view MigrationLock(SqlDialect dialect) {
  // Any number, the same in every replica: it names the lock.
  return dialect == SqlDialect::kSqlite ? "" : "SELECT pg_advisory_xact_lock(7243017)";
}

bool MigratesInOneTransaction(SqlDialect dialect) { return dialect == SqlDialect::kPostgres; }

absl::string_view CreateSchemaMigrations(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite
             ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "name TEXT NOT NULL, applied_us INTEGER NOT NULL)"
             : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "name TEXT NOT NULL, applied_us BIGINT NOT NULL)";
}

absl::string_view SchemaMigrationsHasChecksum(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite
             ? "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = "
               "'checksum'"
             : "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
               "current_schema() AND table_name = 'schema_migrations' AND column_name = "
               "'checksum'";
}

}  // namespace probation::referrals
