#include "services/referrals/store/sql_dialect.h"

#include "absl/strings/match.h"

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

absl::string_view InsertEvent(SqlDialect dialect) {
  if (dialect == SqlDialect::kSqlite) {
    return "INSERT INTO events (referral_id, crn, type, occurred_us, body) "
           "VALUES (?, ?, ?, ?, ?)";
  }
  // The parameters are typed: in a SELECT list PostgreSQL would otherwise take them as text.
  return "WITH next AS (UPDATE event_sequence SET last = last + 1 RETURNING last) "
         "INSERT INTO events (sequence, referral_id, crn, type, occurred_us, body) "
         "SELECT last, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT), "
         "CAST(? AS BYTEA) FROM next RETURNING sequence";
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

}  // namespace probation::referrals
