#include "services/referrals/store/open_referral_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sqlite_connection.h"

namespace probation::referrals {

bool IsPostgresUrl(absl::string_view database) {
  return absl::StartsWith(database, "postgres://") || absl::StartsWith(database, "postgresql://");
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenSqliteReferralStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer = SqliteConnection::Open(path);
  if (!writer.ok()) return writer.status();
  // Each grouped write runs in its own savepoint, whose journal holds every page the write
  // touches; in a temporary file that is a write call per page. It only serves rollback within
  // the transaction, so the writer keeps it in memory (readers, which sort, keep the default).
  if (absl::Status status = (*writer)->Exec("PRAGMA temp_store=MEMORY"); !status.ok()) {
    return status;
  }
  // WAL lets the reader see every committed write without waiting for the writer.
  absl::StatusOr<std::unique_ptr<SqliteConnection>> reader = SqliteConnection::Open(path);
  if (!reader.ok()) return reader.status();
  return SqlReferralStore::Open(*std::move(writer), *std::move(reader));
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenPostgresReferralStore(
    const std::string& conninfo) {
  absl::StatusOr<std::unique_ptr<PostgresConnection>> writer = PostgresConnection::Open(conninfo);
  if (!writer.ok()) return writer.status();
  // Reads get a connection of their own: they never wait for a group's commit, and never see
  // a write before it is durable.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> reader = PostgresConnection::Open(conninfo);
  if (!reader.ok()) return reader.status();
  return SqlReferralStore::Open(*std::move(writer), *std::move(reader));
}

absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenReferralStore(const std::string& database) {
  return IsPostgresUrl(database) ? OpenPostgresReferralStore(database)
                                 : OpenSqliteReferralStore(database);
}

}  // namespace probation::referrals
