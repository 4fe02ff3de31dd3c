#include "services/referrals/store/open_referral_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sqlite_connection.h"

namespace probation::referrals {

bool IsPostgresUrl(absl::string_view database) {
  return absl::StartsWith(database, "postgres://") || absl::StartsWith(database, "postgresql://");
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenSqliteReferralStore(const std::string& path,
                                                                          StoreOptions options) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer = SqliteConnection::Open(path);
  if (!writer.ok()) return writer.status();
  // Each grouped write runs in its own savepoint, whose journal holds every page the write
  // touches; in a temporary file that is a write call per page. It only serves rollback within
  // the transaction, so the writer keeps it in memory (readers, which sort, keep the default).
  if (absl::Status status = (*writer)->Exec("PRAGMA temp_store=MEMORY"); !status.ok()) {
    return status;
  }
  // WAL lets the readers see every committed write without waiting for the writer.
  std::vector<std::unique_ptr<SqlConnection>> pool;
  for (int i = 0; i < std::max(options.readers, 1); ++i) {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> reader = SqliteConnection::Open(path);
    if (!reader.ok()) return reader.status();
    pool.push_back(*std::move(reader));
  }
  std::vector<std::unique_ptr<SqlConnection>> writers;
  writers.push_back(*std::move(writer));
  return SqlReferralStore::Open(std::move(writers), std::move(pool), options.migrate);
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenPostgresReferralStore(
    const std::string& conninfo, StoreOptions options) {
  std::vector<std::unique_ptr<SqlConnection>> writers;
  for (int i = 0; i < std::max(options.writers, 1); ++i) {
    absl::StatusOr<std::unique_ptr<PostgresConnection>> writer = PostgresConnection::Open(conninfo);
    if (!writer.ok()) return writer.status();
    writers.push_back(*std::move(writer));
  }
  // Reads get connections of their own: they never wait for a group's commit, and never see
  // a write before it is durable. Their statements are prepared but planned for each call's
  // values (a list filtered by a rare state wants another plan than one by a common one).
  std::vector<std::unique_ptr<SqlConnection>> pool;
  for (int i = 0; i < std::max(options.readers, 1); ++i) {
    absl::StatusOr<std::unique_ptr<PostgresConnection>> reader = PostgresConnection::Open(
        conninfo, {.session_setup = {"SET plan_cache_mode = force_custom_plan"}});
    if (!reader.ok()) return reader.status();
    pool.push_back(*std::move(reader));
  }
  return SqlReferralStore::Open(std::move(writers), std::move(pool), options.migrate);
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenReferralStore(const std::string& database,
                                                                    StoreOptions options) {
  return IsPostgresUrl(database) ? OpenPostgresReferralStore(database, options)
                                 : OpenSqliteReferralStore(database, options);
}

}  // namespace probation::referrals
