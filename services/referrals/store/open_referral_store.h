// Opening the referral store on the engine a database names: a SQLite file, or a PostgreSQL
// database by URL. The connections are the engines' own; the store over them is one.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_OPEN_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_STORE_OPEN_REFERRAL_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sql_referral_store.h"

namespace probation::referrals {

// Whether `database` names a PostgreSQL database (a postgres:// or postgresql:// URL) rather
// than a SQLite file.
bool IsPostgresUrl(absl::string_view database);

// How the store is opened: its connections and what it does to the schema.
struct StoreOptions {
  // To read on: enough that a report or a watcher catching up holds up no other read.
  int readers = 4;
  // To write on, PostgreSQL only (SQLite has one writer): each commits its own groups, so the
  // server's cores share the writes.
  int writers = 2;
  // Whether opening applies missing migrations, or only checks (sql_migrations.h).
  MigrationMode migrate = MigrationMode::kAuto;
};

// The file with WAL journaling and synchronous=FULL (a write is on disk when acknowledged).
absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenSqliteReferralStore(
    const std::string& path, StoreOptions options = {});
// `conninfo` is a libpq connection string or URL.
absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenPostgresReferralStore(
    const std::string& conninfo, StoreOptions options = {});
// Whichever of the two `database` names.
absl::StatusOr<std::unique_ptr<SqlReferralStore>> OpenReferralStore(const std::string& database,
                                                                    StoreOptions options = {});

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_OPEN_REFERRAL_STORE_H_
