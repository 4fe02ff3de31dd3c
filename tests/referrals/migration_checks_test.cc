// The checks a store makes of its schema before it serves (--migrate): every applied migration
// recorded with its file's checksum; a migration changed after it was applied, or a database
// newer than the binary, stops it naming which; `verify` changes nothing; `only` migrates.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

class MigrationChecksTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam().name == "postgres" && PostgresServer() == nullptr) {
      GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set; scripts/test.sh sets it";
    }
    location_ = GetParam().fresh_location();
  }
  void TearDown() override {
    if (!location_.empty()) GetParam().remove(location_);
  }

  bool postgres() const { return GetParam().name == "postgres"; }

  absl::StatusOr<std::unique_ptr<SqlReferralStore>> Open(MigrationMode mode) {
    StoreOptions options;
    options.migrate = mode;
    return postgres() ? OpenPostgresReferralStore(location_, options)
                      : OpenSqliteReferralStore(location_, options);
  }

  // A connection of the test's own, to change the database behind the store's back.
  std::unique_ptr<SqlConnection> Connect() {
    if (postgres()) {
      auto db = PostgresConnection::Open(location_);
      EXPECT_TRUE(db.ok()) << db.status();
      return db.ok() ? std::unique_ptr<SqlConnection>(*std::move(db)) : nullptr;
    }
    auto db = SqliteConnection::Open(location_);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::unique_ptr<SqlConnection>(*std::move(db)) : nullptr;
  }

  void Run(absl::string_view sql) {
    std::unique_ptr<SqlConnection> db = Connect();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Script(sql).ok()) << sql;
  }

  int64_t Count(absl::string_view sql) {
    std::unique_ptr<SqlConnection> db = Connect();
    absl::StatusOr<SqlRows> rows = db->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->Int(0, 0) : -1;
  }

  std::string location_;
};

TEST_P(MigrationChecksTest, EveryAppliedMigrationIsRecordedWithItsFilesChecksum) {
  ASSERT_TRUE(Open(MigrationMode::kAuto).ok());
  const std::vector<Migration> migrations = Migrations(SqlDialect::kSqlite);
  std::unique_ptr<SqlConnection> db = Connect();
  absl::StatusOr<SqlRows> rows =
      db->Query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), static_cast<int>(migrations.size()));
  for (int row = 0; row < rows->size(); ++row) {
    EXPECT_EQ(rows->Int(row, 0), migrations[row].version);
    EXPECT_EQ(rows->Text(row, 1), migrations[row].name);
    EXPECT_EQ(rows->Text(row, 2), migrations[row].checksum);
    EXPECT_EQ(migrations[row].checksum.size(), 64u);
  }
  // Checksums are of the files, not of one engine's rendering of them.
  EXPECT_EQ(Migrations(SqlDialect::kPostgres)[2].checksum, migrations[2].checksum);
  EXPECT_NE(migrations[1].checksum, migrations[2].checksum);
}

TEST_P(MigrationChecksTest, AMigrationChangedAfterItWasAppliedStopsTheStoreNamingIt) {
  ASSERT_TRUE(Open(MigrationMode::kAuto).ok());
  Run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3");
  for (MigrationMode mode : {MigrationMode::kAuto, MigrationMode::kVerify, MigrationMode::kOnly}) {
    absl::StatusOr<std::unique_ptr<SqlReferralStore>> reopened = Open(mode);
    ASSERT_FALSE(reopened.ok());
    EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(reopened.status().message(), HasSubstr("0003_caseloads_and_reports"));
    EXPECT_THAT(reopened.status().message(), HasSubstr("changed after it was applied"));
  }
}

TEST_P(MigrationChecksTest, ADatabaseNewerThanTheBinaryStopsTheStoreAndIsLeftAsItWas) {
  ASSERT_TRUE(Open(MigrationMode::kAuto).ok());
  const int next = Migrations(SqlDialect::kSqlite).back().version + 1;
  Run(absl::StrCat("INSERT INTO schema_migrations (version, name, applied_us, checksum) VALUES (",
                   next, ", '000", next, "_from_the_future', 0, 'abc')"));
  absl::StatusOr<std::unique_ptr<SqlReferralStore>> reopened = Open(MigrationMode::kAuto);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.status().message(), HasSubstr("newer than this binary"));
  EXPECT_THAT(reopened.status().message(), HasSubstr("_from_the_future"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations"), next);
}

TEST_P(MigrationChecksTest, MigrationsAppliedBeforeChecksumsWereKeptAreGivenThisBinarys) {
  ASSERT_TRUE(Open(MigrationMode::kAuto).ok());
  Run("ALTER TABLE schema_migrations DROP COLUMN checksum");
  // verify writes nothing, not even the checksums it could adopt.
  ASSERT_TRUE(Open(MigrationMode::kVerify).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations WHERE checksum = ''"),
            static_cast<int64_t>(Migrations(SqlDialect::kSqlite).size()));
  ASSERT_TRUE(Open(MigrationMode::kAuto).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations WHERE checksum = ''"), 0);
  // From then on they are checked.
  Run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  EXPECT_THAT(Open(MigrationMode::kAuto).status().message(), HasSubstr("0001_referrals"));
}

TEST_P(MigrationChecksTest, VerifyChangesNothingAndRefusesADatabaseWithMigrationsMissing) {
  absl::StatusOr<std::unique_ptr<SqlReferralStore>> verified = Open(MigrationMode::kVerify);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(verified.status().message(), HasSubstr("0001_referrals"));
  EXPECT_THAT(verified.status().message(), HasSubstr("--migrate=only"));
  EXPECT_EQ(Count(postgres() ? "SELECT COUNT(*) FROM information_schema.tables WHERE "
                               "table_schema = current_schema()"
                             : "SELECT COUNT(*) FROM sqlite_master"),
            0);

  absl::StatusOr<std::unique_ptr<SqlReferralStore>> migrated = Open(MigrationMode::kOnly);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_EQ(*(*migrated)->SchemaVersion(), Migrations(SqlDialect::kSqlite).back().version);
  migrated->reset();
  EXPECT_TRUE(Open(MigrationMode::kVerify).ok());
}

TEST(MigrationMode, ReadsTheThreeNamesAndRefusesOthers) {
  EXPECT_EQ(*ParseMigrationMode("auto"), MigrationMode::kAuto);
  EXPECT_EQ(*ParseMigrationMode("only"), MigrationMode::kOnly);
  EXPECT_EQ(*ParseMigrationMode("verify"), MigrationMode::kVerify);
  EXPECT_EQ(ParseMigrationMode("AUTO").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMigrationMode("").status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Engines, MigrationChecksTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
