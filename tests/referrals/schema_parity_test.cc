// One migration sequence for both engines: the same versions and names, a fresh SQLite file and a
// fresh PostgreSQL database migrated to the same logical schema, and both reporting the same
// version.
#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/referrals/logical_schema.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

// A migrated store on each engine, removed afterwards; skipped without a PostgreSQL server.
class SchemaParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresServer() == nullptr) {
      GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set; scripts/test.sh sets it";
    }
    sqlite_file_ = Sqlite().fresh_location();
    postgres_database_ = Postgres().fresh_location();
    auto sqlite = OpenSqliteReferralStore(sqlite_file_);
    ASSERT_TRUE(sqlite.ok()) << sqlite.status();
    sqlite_store_ = *std::move(sqlite);
    auto postgres = OpenPostgresReferralStore(postgres_database_);
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_store_ = *std::move(postgres);
  }

  void TearDown() override {
    sqlite_store_.reset();
    postgres_store_.reset();
    if (!sqlite_file_.empty()) Sqlite().remove(sqlite_file_);
    if (!postgres_database_.empty()) Postgres().remove(postgres_database_);
  }

  std::string sqlite_file_;
  std::string postgres_database_;
  std::unique_ptr<SqlReferralStore> sqlite_store_;
  std::unique_ptr<SqlReferralStore> postgres_store_;
};

TEST(MigrationSequenceTest, BothEnginesHaveTheSameVersionsAndNames) {
  const std::vector<Migration> sqlite = Migrations(SqlDialect::kSqlite);
  const std::vector<Migration> postgres = Migrations(SqlDialect::kPostgres);
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, static_cast<int>(i + 1));
    EXPECT_EQ(sqlite[i].version, postgres[i].version);
    EXPECT_EQ(sqlite[i].name, postgres[i].name);
    for (const std::string* sql : {&sqlite[i].sql, &postgres[i].sql}) {
      EXPECT_FALSE(sql->empty());
      EXPECT_EQ(sql->find("{{"), std::string::npos) << *sql;
      EXPECT_EQ(sql->find("-- ["), std::string::npos) << *sql;
    }
  }
}

TEST(MigrationSequenceTest, RendersEachEnginesSectionsAndSpellings) {
  const std::string text =
      "CREATE TABLE t (a {{int64}}, b {{bytes}}, c {{flag}}){{without_rowid}};\n"
      "-- [sqlite]\nSELECT 'sqlite';\n-- [postgres]\nSELECT 'postgres';\n-- [both]\n"
      "CREATE INDEX i ON t (a) WHERE {{is_open}} OR {{is_closed}};\n";
  EXPECT_EQ(RenderMigration(text, SqlDialect::kSqlite),
            "CREATE TABLE t (a INTEGER, b BLOB, c INTEGER) WITHOUT ROWID;\nSELECT 'sqlite';\n"
            "CREATE INDEX i ON t (a) WHERE is_open = 1 OR is_open = 0;\n\n");
  EXPECT_EQ(RenderMigration(text, SqlDialect::kPostgres),
            "CREATE TABLE t (a BIGINT, b BYTEA, c BOOLEAN);\nSELECT 'postgres';\n"
            "CREATE INDEX i ON t (a) WHERE is_open OR NOT is_open;\n\n");
}

TEST_F(SchemaParityTest, FreshDatabasesMigrateToTheSameLogicalSchema) {
  auto sqlite = SqliteConnection::Open(sqlite_file_);
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  auto postgres = PostgresConnection::Open(postgres_database_);
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  const std::vector<std::string> sqlite_schema = LogicalSchema(**sqlite);
  const std::vector<std::string> postgres_schema = LogicalSchema(**postgres);
  std::vector<std::string> only_sqlite, only_postgres;
  std::set_difference(sqlite_schema.begin(), sqlite_schema.end(), postgres_schema.begin(),
                      postgres_schema.end(), std::back_inserter(only_sqlite));
  std::set_difference(postgres_schema.begin(), postgres_schema.end(), sqlite_schema.begin(),
                      sqlite_schema.end(), std::back_inserter(only_postgres));
  EXPECT_TRUE(only_sqlite.empty()) << "only on SQLite:\n" << absl::StrJoin(only_sqlite, "\n");
  EXPECT_TRUE(only_postgres.empty()) << "only on PostgreSQL:\n"
                                     << absl::StrJoin(only_postgres, "\n");
  // The rules the schema enforces are there to compare.
  for (const char* rule :
       {"primary key referrals (id)", "unique referrals (reference)",
        "unique referrals (crn, intervention) partial", "primary key request_ids (request_id)",
        "primary key referral_events (referral_id, sequence)",
        "primary key former_crns (crn, referral_id)", "primary key events (sequence)",
        "primary key case_access (crn)", "primary key access_records (occurred_us, id)"}) {
    EXPECT_NE(std::find(sqlite_schema.begin(), sqlite_schema.end(), rule), sqlite_schema.end())
        << rule;
  }
}

TEST_F(SchemaParityTest, BothEnginesReportTheSameMigrationVersion) {
  const int head = Migrations(SqlDialect::kSqlite).back().version;
  auto sqlite = sqlite_store_->SchemaVersion();
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  auto postgres = postgres_store_->SchemaVersion();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_EQ(*sqlite, head);
  EXPECT_EQ(*postgres, head);
}

}  // namespace
}  // namespace probation::referrals
