#include "services/referrals/store/sql_migrations.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "openssl/evp.h"
#include "probation/referrals/v1/referral.pb.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

absl::string_view Migration0001();
absl::string_view Migration0002();
absl::string_view Migration0003();
absl::string_view Migration0004();
absl::string_view Migration0005();
absl::string_view Migration0006();
absl::string_view Migration0007();
absl::string_view Migration0008();
absl::string_view Migration0009();

namespace {

// Migration 9: the waiting list's columns (submission time, the person's sex) of rows written
// before it, from their records, a page at a time by key.
absl::Status FillWaitingColumns(SqlConnection& db) {
  std::string after;
  while (true) {
    absl::StatusOr<SqlRows> rows =
        db.Query("SELECT id, body FROM referrals WHERE id > ? ORDER BY id LIMIT 500", {after});
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return absl::OkStatus();
    for (int row = 0; row < rows->size(); ++row) {
      v1::Referral referral;
      if (!referral.ParseFromString(rows->Text(row, 1))) {
        return absl::DataLossError(absl::StrCat("referral ", rows->Text(row, 0), " is unreadable"));
      }
      const int64_t submitted =
          referral.has_submit_time()
              ? google::protobuf::util::TimeUtil::TimestampToMicroseconds(referral.submit_time())
              : 0;
      if (auto updated =
              db.Query("UPDATE referrals SET submit_time_us = ?, sex = ? WHERE id = ?",
                       {submitted, int64_t{referral.person().sex()}, rows->Text(row, 0)});
          !updated.ok()) {
        return updated.status();
      }
    }
    after = rows->Text(rows->size() - 1, 0);
  }
}

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

std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

// What schema_migrations records of one applied migration.
struct AppliedMigration {
  std::string name;
  std::string checksum;
};

// The bookkeeping table, with the checksum column a database from before checksums lacks.
absl::Status PrepareSchemaMigrations(SqlConnection& db) {
  if (absl::Status status = db.Script(CreateSchemaMigrations(db.dialect())); !status.ok()) {
    return status;
  }
  absl::StatusOr<SqlRows> columns = db.Query(SchemaMigrationsHasChecksum(db.dialect()));
  if (!columns.ok()) return columns.status();
  if (columns->Int(0, 0) > 0) return absl::OkStatus();
  return db.Script("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT NOT NULL DEFAULT ''");
}

absl::StatusOr<std::map<int, AppliedMigration>> AppliedMigrations(SqlConnection& db) {
  absl::StatusOr<SqlRows> rows =
      db.Query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  if (!rows.ok()) return rows.status();
  std::map<int, AppliedMigration> applied;
  for (int row = 0; row < rows->size(); ++row) {
    applied[static_cast<int>(rows->Int(row, 0))] = {rows->Text(row, 1), rows->Text(row, 2)};
  }
  return applied;
}

// Every recorded migration is this binary's, unchanged; records this binary's checksum for
// those applied before checksums were kept (unless `adopt` is false: kVerify writes nothing).
absl::Status CheckApplied(SqlConnection& db, const std::vector<Migration>& migrations,
                          const std::map<int, AppliedMigration>& applied, bool adopt) {
  const Migration& newest = migrations.back();
  for (const auto& [version, recorded] : applied) {
    if (version > newest.version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database is at schema version ", applied.rbegin()->first, " (",
          applied.rbegin()->second.name, "), newer than this binary's ", newest.version, " (",
          newest.name,
          "): a binary that old may misread it; run a release at least as new as the one "
          "that migrated it"));
    }
    if (version < 1) {
      return absl::FailedPreconditionError(absl::StrCat("the database records migration ", version,
                                                        " (", recorded.name,
                                                        "), which no binary has"));
    }
    const Migration& migration = migrations[version - 1];
    if (recorded.name != migration.name ||
        (!recorded.checksum.empty() && recorded.checksum != migration.checksum)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", recorded.name, " (version ", version,
          ") was changed after it was applied: the database has checksum ",
          recorded.checksum.empty() ? "(none)" : recorded.checksum, " for ", recorded.name,
          ", this binary has ", migration.checksum, " for ", migration.name,
          "; restore the file as it was, and put the change in a new migration"));
    }
    if (recorded.checksum.empty() && adopt) {
      if (auto updated = db.Query("UPDATE schema_migrations SET checksum = ? WHERE version = ?",
                                  {migration.checksum, int64_t{version}});
          !updated.ok()) {
        return updated.status();
      }
    }
  }
  return absl::OkStatus();
}

// Applies `migration`, inside the caller's transaction, and records it.
absl::Status Apply(SqlConnection& db, const Migration& migration) {
  absl::Status status = db.Script(migration.sql);
  if (status.ok() && migration.version == 3) status = FillCaseloadColumns(db);
  if (status.ok() && migration.version == 9) status = FillWaitingColumns(db);
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", migration.name, ": ", status.message()));
  }
  return db
      .Query(
          "INSERT INTO schema_migrations (version, name, applied_us, checksum) VALUES (?, ?, ?, ?)",
          {int64_t{migration.version}, std::string(migration.name), absl::ToUnixMicros(absl::Now()),
           migration.checksum})
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

absl::StatusOr<MigrationMode> ParseMigrationMode(absl::string_view text) {
  if (text == "auto") return MigrationMode::kAuto;
  if (text == "only") return MigrationMode::kOnly;
  if (text == "verify") return MigrationMode::kVerify;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", absl::CHexEscape(text.substr(0, 64)), "\" is not auto, only or verify"));
}

std::vector<Migration> Migrations(SqlDialect dialect) {
  std::vector<Migration> migrations = {
      {1, "0001_referrals", std::string(Migration0001()), ""},
      {2, "0002_amendments_and_capacity", std::string(Migration0002()), ""},
      {3, "0003_caseloads_and_reports", std::string(Migration0003()), ""},
      {4, "0004_history_by_referral", std::string(Migration0004()), ""},
      {5, "0005_events_by_referral", std::string(Migration0005()), ""},
      {6, "0006_access_audit_and_limited_access", std::string(Migration0006()), ""},
      {7, "0007_event_subscriptions", std::string(Migration0007()), ""},
      {8, "0008_delivery", std::string(Migration0008()), ""},
      {9, "0009_programme_groups", std::string(Migration0009()), ""}};
  for (Migration& migration : migrations) {
    migration.checksum = Sha256Hex(migration.sql);
    migration.sql = RenderMigration(migration.sql, dialect);
  }
  return migrations;
}

absl::StatusOr<int> Migrate(SqlConnection& db, MigrationMode mode) {
  const SqlDialect dialect = db.dialect();
  const std::vector<Migration> migrations = Migrations(dialect);
  // PostgreSQL checks and migrates in one transaction, under a lock every replica takes, so
  // replicas starting together neither race nor see each other's half-applied schema.
  std::optional<SqlTransaction> all;
  if (MigratesInOneTransaction(dialect)) {
    all.emplace(db, BeginWrite(dialect));
    if (!all->begun().ok()) return all->begun();
    if (auto locked = db.Query(MigrationLock(dialect)); !locked.ok()) return locked.status();
  }
  std::optional<SqlTransaction> bookkeeping;
  if (!all.has_value()) {
    bookkeeping.emplace(db, BeginWrite(dialect));
    if (!bookkeeping->begun().ok()) return bookkeeping->begun();
  }
  if (absl::Status status = PrepareSchemaMigrations(db); !status.ok()) return status;
  absl::StatusOr<std::map<int, AppliedMigration>> applied = AppliedMigrations(db);
  if (!applied.ok()) return applied.status();
  if (absl::Status status = CheckApplied(db, migrations, *applied, mode != MigrationMode::kVerify);
      !status.ok()) {
    return status;
  }
  std::vector<const Migration*> missing;
  for (const Migration& migration : migrations) {
    if (!applied->contains(migration.version)) missing.push_back(&migration);
  }
  if (mode == MigrationMode::kVerify && !missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        missing.size(), " migration(s) not applied, from ", missing.front()->name,
        ": --migrate=verify changes nothing; run the service once with --migrate=only"));
  }
  if (bookkeeping.has_value()) {
    if (absl::Status status = bookkeeping->Commit(); !status.ok()) return status;
  }
  for (const Migration* migration : missing) {
    std::optional<SqlTransaction> own;
    if (!all.has_value()) {
      own.emplace(db, BeginWrite(dialect));
      if (!own->begun().ok()) return own->begun();
    }
    if (absl::Status status = Apply(db, *migration); !status.ok()) return status;
    if (own.has_value()) {
      if (absl::Status status = own->Commit(); !status.ok()) return status;
    }
  }
  if (all.has_value()) {
    if (absl::Status status = all->Commit(); !status.ok()) return status;
  }
  return static_cast<int>(missing.size());
}

absl::StatusOr<int> SchemaVersion(SqlConnection& db) {
  absl::StatusOr<SqlRows> rows =
      db.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int(0, 0));
}

}  // namespace probation::referrals
