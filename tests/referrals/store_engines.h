// The two storage engines as a parameter for store tests: SQLite on a temporary file, and
// PostgreSQL on the throwaway server scripts/test-postgres.sh starts (a database per test).
#ifndef PROBATION_TESTS_REFERRALS_STORE_ENGINES_H_
#define PROBATION_TESTS_REFERRALS_STORE_ENGINES_H_

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"

namespace probation::referrals {

// How a test gets a fresh store, and the same store again after a restart.
struct Engine {
  std::string name;
  std::function<std::unique_ptr<ReferralStore>(const std::string& location)> open;
  std::function<std::string()> fresh_location;
  std::function<void(const std::string& location)> remove;
};

// Names the engine in test listings instead of dumping its bytes.
inline void PrintTo(const Engine& engine, std::ostream* out) { *out << engine.name; }

inline std::string TempSqliteFile() {
  char path[] = "/tmp/referrals-store-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  std::remove(path);
  return absl::StrCat(path, ".db");
}

inline Engine Sqlite() {
  return {"sqlite",
          [](const std::string& path) -> std::unique_ptr<ReferralStore> {
            auto store = OpenSqliteReferralStore(path);
            EXPECT_TRUE(store.ok()) << store.status();
            return store.ok() ? std::unique_ptr<ReferralStore>(*std::move(store)) : nullptr;
          },
          TempSqliteFile,
          [](const std::string& path) {
            for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
          }};
}

// The throwaway server scripts/test-postgres.sh starts; scripts/test.sh always sets it.
inline const char* PostgresServer() { return std::getenv("PROBATION_TEST_POSTGRES"); }

// Each test gets a database of its own on the test server.
inline Engine Postgres() {
  return {"postgres",
          [](const std::string& conninfo) -> std::unique_ptr<ReferralStore> {
            auto store = OpenPostgresReferralStore(conninfo);
            EXPECT_TRUE(store.ok()) << store.status();
            return store.ok() ? std::unique_ptr<ReferralStore>(*std::move(store)) : nullptr;
          },
          [] {
            static std::atomic<int> next{0};
            const std::string name = absl::StrCat("referrals_test_", getpid(), "_", next++);
            auto admin = PostgresConnection::Open(PostgresServer());
            EXPECT_TRUE(admin.ok()) << admin.status();
            EXPECT_TRUE((*admin)->ExecScript(absl::StrCat("CREATE DATABASE ", name)).ok());
            return absl::StrCat(PostgresServer(), " dbname=", name);
          },
          [](const std::string& conninfo) {
            auto admin = PostgresConnection::Open(PostgresServer());
            if (!admin.ok()) return;
            const std::string name = conninfo.substr(conninfo.rfind('=') + 1);
            (*admin)
                ->ExecScript(absl::StrCat("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"))
                .IgnoreError();
          }};
}

// A fresh store of the test's engine, removed afterwards; skipped without a PostgreSQL server.
class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam().name == "postgres" && PostgresServer() == nullptr) {
      GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set; scripts/test.sh sets it";
    }
    location_ = GetParam().fresh_location();
    store_ = GetParam().open(location_);
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override {
    store_.reset();
    if (!location_.empty()) GetParam().remove(location_);
  }

  void Reopen() {
    store_.reset();
    store_ = GetParam().open(location_);
    ASSERT_NE(store_, nullptr);
  }

  std::string location_;
  std::unique_ptr<ReferralStore> store_;
};

}  // namespace probation::referrals

#endif  // PROBATION_TESTS_REFERRALS_STORE_ENGINES_H_
