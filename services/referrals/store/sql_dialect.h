// What differs between the SQL engines the referral store runs on, beyond the connection:
// the one SQL store asks here wherever SQLite and PostgreSQL want different text or behave
// differently, and nowhere else.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace probation::referrals {

enum class SqlDialect { kSqlite, kPostgres };

// Opens a write transaction. SQLite takes the write lock at once, so a transaction that read
// first never fails to upgrade; PostgreSQL locks row by row.
absl::string_view BeginWrite(SqlDialect dialect);

// Conditions on is_open, written as the partial indexes of migrations/ write them, so the
// planner can use those indexes (SQLite has no boolean type and stores 0 or 1).
absl::string_view IsOpen(SqlDialect dialect);

// Appended to a SELECT of rows the transaction goes on to change: PostgreSQL locks them
// against other replicas; SQLite's write lock already covers the database.
absl::string_view ForUpdate(SqlDialect dialect);

// Appends an event, binding referral_id, crn, type, occurred_us and body; its sequence is
// the row the statement returns, or else SQLite's rowid. SQLite's writer is alone, so
// AUTOINCREMENT orders the sequences; PostgreSQL takes them from event_sequence, whose row lock
// (held to commit) makes them commit in order.
absl::string_view InsertEvent(SqlDialect dialect);

// The referrals' rules a write can break, as the engine's error names them.
enum class BrokenRule { kNone, kReferenceTaken, kOneOpenReferral };
BrokenRule RuleBrokenBy(SqlDialect dialect, const absl::Status& status);

// Whether the transaction can still be read after one of its statements failed: in
// PostgreSQL a failed statement aborts it until the write's savepoint is rolled back.
bool ReadsAfterAFailedStatement(SqlDialect dialect);

// Run first in the transaction that applies migrations: PostgreSQL replicas starting together
// take turns; SQLite's write lock does that already.
absl::string_view MigrationLock(SqlDialect dialect);

// Whether all pending migrations share one transaction (PostgreSQL, where a failure leaves the
// schema as it was) or each has its own (SQLite, where a table rebuild commits on its own).
bool MigratesInOneTransaction(SqlDialect dialect);

// The table of applied migrations, created if missing.
absl::string_view CreateSchemaMigrations(SqlDialect dialect);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_
