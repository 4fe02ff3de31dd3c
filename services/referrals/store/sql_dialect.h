// What differs between the SQL engines the referral store runs on, beyond the connection:
// the one SQL store asks here wherever SQLite and PostgreSQL want different text or behave
// differently, and nowhere else.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_value.h"

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

// An event to append to the log, and how its referral's entries link to it.
struct EventAppend {
  std::string referral_id;
  std::string crn;
  int64_t type = 0;
  int64_t occurred_us = 0;
  std::string body;
  // Whether the referral lists the event (not once the referral is purged).
  bool linked = true;
  // The history entry the event carries, if it moved the referral.
  struct History {
    std::string body;
    int64_t from_state = 0;
    int64_t duration_us = 0;
  };
  std::optional<History> history;
};

// The statements that append `event` (and its row in referral_events), run after EventsLock.
// Events are numbered one by one, with no gap, in commit order: SQLite's writer is alone, so
// AUTOINCREMENT does it; PostgreSQL counts on from event_sequence's row, locked from
// EventsLock to commit, so replicas' events too commit in the order of their numbers and a
// reader never sees a number before a smaller one.
std::vector<SqlStatement> AppendEvent(SqlDialect dialect, const EventAppend& event);
// Run before a transaction's first event (empty: none needed), and after its events: on
// PostgreSQL, storing the last number and a NOTIFY, which other replicas hear on commit.
absl::string_view EventsLock(SqlDialect dialect);
absl::string_view AfterEvents(SqlDialect dialect);
// The channel AfterEvents notifies.
inline constexpr absl::string_view kEventsChannel = "referral_events";

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

// One row, one count: 1 if schema_migrations has its checksum column (databases migrated
// before checksums were kept have not).
absl::string_view SchemaMigrationsHasChecksum(SqlDialect dialect);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_DIALECT_H_
