// The schema migrations compiled into the binary, and applying them. Both engines have one
// sequence: one file a version under migrations/, written once with the engines' differences
// marked (see RenderMigration), so every version leaves the same logical schema on each
// (tests/referrals/schema_parity_test.cc compares them at the head). Each applied migration is
// recorded with a checksum of its file, so a file changed after it was applied, or a database
// migrated by a newer binary, stops the service before it touches anything.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_MIGRATIONS_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sql_dialect.h"

namespace probation::referrals {

// A schema migration; applied once, in version order.
struct Migration {
  int version;
  absl::string_view name;
  std::string sql;
  // SHA-256 of the migration's file as written (before rendering), in hex: the same for both
  // engines.
  std::string checksum;
};

// What starting does to the schema (--migrate).
enum class MigrationMode {
  // Checks the applied migrations, applies the missing ones, then serves.
  kAuto,
  // The same, then exits: migrating as an operator's separate step.
  kOnly,
  // Checks the applied migrations and changes nothing; refuses to start while any is missing.
  kVerify,
};

// "auto", "only" or "verify"; INVALID_ARGUMENT otherwise.
absl::StatusOr<MigrationMode> ParseMigrationMode(absl::string_view text);

// A migration's text in `dialect`'s SQL. Lines after "-- [sqlite]" or "-- [postgres]" are that
// engine's alone, up to the next such marker or "-- [both]"; and these stand for what the
// engines spell differently:
//   {{int64}}           INTEGER / BIGINT
//   {{bytes}}           BLOB / BYTEA
//   {{flag}}            INTEGER / BOOLEAN (SQLite has no boolean type and stores 0 or 1)
//   {{is_open}}         is_open = 1 / is_open, as the queries write it (partial indexes match)
//   {{is_closed}}       is_open = 0 / NOT is_open
//   {{event_sequence}}  INTEGER PRIMARY KEY AUTOINCREMENT / BIGINT PRIMARY KEY (numbered from
//                       event_sequence)
//   {{without_rowid}}   " WITHOUT ROWID" (a table kept in key order) / nothing
std::string RenderMigration(absl::string_view text, SqlDialect dialect);

// The migrations in `dialect`'s SQL, in order.
std::vector<Migration> Migrations(SqlDialect dialect);

// Checks the migrations recorded in schema_migrations against this binary's, then (unless
// `mode` is kVerify) applies the missing ones, filling in what a migration's SQL cannot
// derive. Returns how many it applied. FAILED_PRECONDITION, changing nothing, when a recorded
// migration's file has changed since (naming it), when the database is newer than the binary,
// or, under kVerify, when a migration is missing; and naming the migration that failed.
// A migration recorded before checksums were kept is given this binary's checksum.
absl::StatusOr<int> Migrate(SqlConnection& db, MigrationMode mode = MigrationMode::kAuto);

// The highest migration applied; 0 on an empty database.
absl::StatusOr<int> SchemaVersion(SqlConnection& db);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_MIGRATIONS_H_
