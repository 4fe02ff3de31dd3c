// --migrate as operators use it: `only` migrates and exits without serving, `verify` refuses
// a database that is not migrated and serves one that is, and a migration changed after it
// was applied stops the binary with the migration's name.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/support/referrals_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

class ReferralsMigrateProcess : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char path[] = "/tmp/referrals-migrate-XXXXXX";
      close(mkstemp(path));
      std::remove(path);
      database_ = absl::StrCat(path, ".db");
      return;
    }
    postgres_ = std::make_unique<testing::PostgresTestDatabase>("referrals_migrate");
    if (postgres_->url().empty()) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
    database_ = postgres_->url();
  }
  void TearDown() override {
    if (GetParam() == "sqlite") {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database_ + suffix).c_str());
    }
  }

  // Runs the referrals binary with --migrate=`mode` until it exits (or 30 s), returning its
  // exit status and output.
  std::pair<int, std::string> RunToExit(const std::string& mode) {
    auto referrals = testing::StartProcess(
        REFERRALS_BINARY,
        dependencies_.ReferralsEnvironment(database_, {{"REFERRALS_MIGRATE", mode}}));
    if (referrals == nullptr) return {-1, "not started"};
    const absl::StatusOr<int> exit_code = referrals->Wait(absl::Seconds(30));
    return {exit_code.value_or(-1), referrals->Output()};
  }

  void TamperWithMigration(int version) {
    const std::string sql =
        absl::StrCat("UPDATE schema_migrations SET checksum = 'edited' WHERE version = ", version);
    if (GetParam() == "sqlite") {
      auto db = referrals::SqliteConnection::Open(database_);
      ASSERT_TRUE(db.ok() && (*db)->Exec(sql).ok());
    } else {
      auto db = referrals::PostgresConnection::Open(database_);
      ASSERT_TRUE(db.ok() && (*db)->ExecScript(sql).ok());
    }
  }

  const testing::ReferralDependencies dependencies_ = testing::ReferralDependencies::Start();
  std::string database_;
  std::unique_ptr<testing::PostgresTestDatabase> postgres_;
};

TEST_P(ReferralsMigrateProcess, OnlyMigratesAndExitsVerifyChecksAndAChangedMigrationStopsIt) {
  // A new database is not served under verify: nothing is created.
  auto [verify_code, verify_output] = RunToExit("verify");
  EXPECT_EQ(verify_code, 1) << verify_output;
  EXPECT_THAT(verify_output, HasSubstr("--migrate=only"));
  EXPECT_THAT(verify_output, ::testing::Not(HasSubstr("\"serving\"")));

  // only: migrated, logged, exited; no port opened.
  auto [only_code, only_output] = RunToExit("only");
  EXPECT_EQ(only_code, 0) << only_output;
  EXPECT_THAT(only_output,
              HasSubstr(absl::StrCat(
                  "\"schema_version\":",
                  referrals::Migrations(referrals::SqlDialect::kSqlite).back().version)));
  EXPECT_THAT(only_output, ::testing::Not(HasSubstr("\"serving\"")));

  // verify on the migrated database serves.
  auto verified = testing::StartProcess(
      REFERRALS_BINARY,
      dependencies_.ReferralsEnvironment(database_, {{"REFERRALS_MIGRATE", "verify"}}));
  EXPECT_GT(testing::ServingPortOf(*verified), 0) << verified->Output();
  verified.reset();

  // A migration whose file changed after it was applied: the binary stops, naming it.
  TamperWithMigration(2);
  auto [changed_code, changed_output] = RunToExit("auto");
  EXPECT_EQ(changed_code, 1);
  EXPECT_THAT(changed_output, HasSubstr("0002_amendments_and_capacity"));
  EXPECT_THAT(changed_output, HasSubstr("changed after it was applied"));

  // A mode it does not know is a bad setting (exit 2), named.
  auto [bad_code, bad_output] = RunToExit("sometimes");
  EXPECT_EQ(bad_code, 2);
  EXPECT_THAT(bad_output, HasSubstr("--migrate (REFERRALS_MIGRATE)"));
}

INSTANTIATE_TEST_SUITE_P(Databases, ReferralsMigrateProcess,
                         ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace probation
