#include "services/referrals/store/sql_migrations.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "probation/referrals/v1/referral.pb.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

absl::string_view Migration0001();
absl::string_view Migration0002();
absl::string_view Migration0003();
absl::string_view Migration0004();
absl::string_view Migration0005();
absl::string_view Migration0006();

namespace {

// Migration 3: the caseload and report columns of rows written before it, from their records.
// A page at a time, by key, so an old database is never read into memory whole.
absl::Status FillCaseloadColumns(SqlConnection& db) {
  std::string after;
  while (true) {
    absl::StatusOr<SqlRows> rows =
        db.Query("SELECT id, body FROM referrals WHERE id > ? ORDER BY id LIMIT 500", {after});
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) break;
    for (int row = 0; row < rows->size(); ++row) {
      v1::Referral referral;
      if (!referral.ParseFromString(rows->Text(row, 1))) {
        return absl::DataLossError(absl::StrCat("referral ", rows->Text(row, 0), " is unreadable"));
      }
      if (auto updated = db.Query("UPDATE referrals SET created_by = ?, assignee = ? WHERE id = ?",
                                  {referral.created_by(), referral.assignee(), rows->Text(row, 0)});
          !updated.ok()) {
        return updated.status();
      }
    }
    after = rows->Text(rows->size() - 1, 0);
  }
  std::string after_referral;
  int64_t after_position = -1;
  while (true) {
    absl::StatusOr<SqlRows> rows = db.Query(
        "SELECT referral_id, position, body FROM history WHERE (referral_id, position) > (?, ?) "
        "ORDER BY referral_id, position LIMIT 500",
        {after_referral, after_position});
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return absl::OkStatus();
    for (int row = 0; row < rows->size(); ++row) {
      v1::HistoryEntry entry;
      if (!entry.ParseFromString(rows->Text(row, 2))) {
        return absl::DataLossError("a history entry is unreadable");
      }
      if (auto updated = db.Query(
              "UPDATE history SET from_state = ?, duration_us = ? WHERE referral_id = ? AND "
              "position = ?",
              {int64_t{entry.from_state()}, StayMicros(entry), rows->Text(row, 0),
               rows->Int(row, 1)});
          !updated.ok()) {
        return updated.status();
      }
    }
    after_referral = rows->Text(rows->size() - 1, 0);
    after_position = rows->Int(rows->size() - 1, 1);
  }
}

// Applies `migration` unless it is recorded, inside the caller's transaction.
absl::Status ApplyOnce(SqlConnection& db, const Migration& migration) {
  absl::StatusOr<SqlRows> applied =
      db.Query("SELECT 1 FROM schema_migrations WHERE version = ?", {int64_t{migration.version}});
  if (!applied.ok()) return applied.status();
  if (applied->size() > 0) return absl::OkStatus();
  absl::Status status = db.Script(migration.sql);
  if (status.ok() && migration.version == 3) status = FillCaseloadColumns(db);
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", migration.name, ": ", status.message()));
  }
  return db
      .Query("INSERT INTO schema_migrations (version, name, applied_us) VALUES (?, ?, ?)",
             {int64_t{migration.version}, std::string(migration.name),
              absl::ToUnixMicros(absl::Now())})
      .status();
}

}  // namespace

std::string RenderMigration(absl::string_view text, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const absl::string_view engine = sqlite ? "-- [sqlite]" : "-- [postgres]";
  std::string kept;
  bool in_section = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line == "-- [sqlite]" || line == "-- [postgres]" || line == "-- [both]") {
      in_section = line == engine || line == "-- [both]";
    } else if (in_section) {
      absl::StrAppend(&kept, line, "\n");
    }
  }
  return absl::StrReplaceAll(
      kept,
      {{"{{int64}}", sqlite ? "INTEGER" : "BIGINT"},
       {"{{bytes}}", sqlite ? "BLOB" : "BYTEA"},
       {"{{flag}}", sqlite ? "INTEGER" : "BOOLEAN"},
       {"{{is_open}}", IsOpen(dialect)},
       {"{{is_closed}}", sqlite ? "is_open = 0" : "NOT is_open"},
       {"{{event_sequence}}", sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT PRIMARY KEY"},
       {"{{without_rowid}}", sqlite ? " WITHOUT ROWID" : ""}});
}

std::vector<Migration> Migrations(SqlDialect dialect) {
  std::vector<Migration> migrations = {
      {1, "0001_referrals", std::string(Migration0001())},
      {2, "0002_amendments_and_capacity", std::string(Migration0002())},
      {3, "0003_caseloads_and_reports", std::string(Migration0003())},
      {4, "0004_history_by_referral", std::string(Migration0004())},
      {5, "0005_events_by_referral", std::string(Migration0005())},
      {6, "0006_access_audit_and_limited_access", std::string(Migration0006())}};
  for (Migration& migration : migrations) migration.sql = RenderMigration(migration.sql, dialect);
  return migrations;
}

absl::Status Migrate(SqlConnection& db) {
  const SqlDialect dialect = db.dialect();
  std::optional<SqlTransaction> all;
  if (MigratesInOneTransaction(dialect)) {
    all.emplace(db, BeginWrite(dialect));
    if (!all->begun().ok()) return all->begun();
    if (auto locked = db.Query(MigrationLock(dialect)); !locked.ok()) return locked.status();
  }
  if (absl::Status status = db.Script(CreateSchemaMigrations(dialect)); !status.ok()) {
    return status;
  }
  for (const Migration& migration : Migrations(dialect)) {
    std::optional<SqlTransaction> own;
    if (!all.has_value()) {
      own.emplace(db, BeginWrite(dialect));
      if (!own->begun().ok()) return own->begun();
    }
    if (absl::Status status = ApplyOnce(db, migration); !status.ok()) return status;
    if (own.has_value()) {
      if (absl::Status status = own->Commit(); !status.ok()) return status;
    }
  }
  return all.has_value() ? all->Commit() : absl::OkStatus();
}

absl::StatusOr<int> SchemaVersion(SqlConnection& db) {
  absl::StatusOr<SqlRows> rows =
      db.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int(0, 0));
}

}  // namespace probation::referrals
