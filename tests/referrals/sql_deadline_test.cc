// A statement run under a deadline stops at it, DEADLINE_EXCEEDED, on both engines, and the
// connection serves the next statement as before once the deadline is lifted: how a report
// whose caller has given up gives the database back. A caller that goes before its deadline
// stops it at once, CANCELLED.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

// Long enough that only a deadline ends it in time.
constexpr char kSlowSqlite[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT COUNT(*) FROM c";
constexpr char kSlowPostgres[] = "SELECT COUNT(*) FROM pg_sleep(30)";

void StopsAtTheDeadlineAndServesOnAfter(SqlConnection& connection, const char* slow) {
  const absl::Time started = absl::Now();
  {
    ScopedSqlDeadline deadline(connection, started + absl::Milliseconds(200));
    ASSERT_TRUE(deadline.set().ok()) << deadline.set();
    const absl::StatusOr<SqlRows> stopped = connection.Query(slow);
    EXPECT_EQ(stopped.status().code(), absl::StatusCode::kDeadlineExceeded) << stopped.status();
  }
  EXPECT_LT(absl::Now() - started, absl::Seconds(10)) << "stopped near its deadline";
  const absl::StatusOr<SqlRows> after = connection.Query("SELECT 1");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->Int(0, 0), 1);
}

// The caller goes 200 ms in, long before the deadline: the statement stops then, CANCELLED.
void StopsOnceItsCallerHasGone(SqlConnection& connection, const char* slow) {
  std::atomic<bool> gone{false};
  const absl::Time started = absl::Now();
  std::thread caller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    gone = true;
  });
  {
    ScopedSqlDeadline deadline(connection, started + absl::Minutes(5), [&] { return gone.load(); });
    ASSERT_TRUE(deadline.set().ok()) << deadline.set();
    const absl::StatusOr<SqlRows> stopped = connection.Query(slow);
    EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled) << stopped.status();
  }
  caller.join();
  EXPECT_LT(absl::Now() - started, absl::Seconds(10)) << "stopped once the caller went";
  const absl::StatusOr<SqlRows> after = connection.Query("SELECT 1");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->Int(0, 0), 1);
}

TEST(SqlDeadline, SqliteStopsAStatementOnceItsCallerHasGone) {
  const std::string path = TempSqliteFile();
  auto connection = SqliteConnection::Open(path);
  ASSERT_TRUE(connection.ok()) << connection.status();
  StopsOnceItsCallerHasGone(**connection, kSlowSqlite);
  connection->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST(SqlDeadline, PostgresStopsAStatementOnceItsCallerHasGone) {
  if (PostgresServer() == nullptr) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
  auto connection = PostgresConnection::Open(PostgresServer());
  ASSERT_TRUE(connection.ok()) << connection.status();
  StopsOnceItsCallerHasGone(**connection, kSlowPostgres);
}

TEST(SqlDeadline, SqliteStopsAStatementAtItsDeadline) {
  const std::string path = TempSqliteFile();
  auto connection = SqliteConnection::Open(path);
  ASSERT_TRUE(connection.ok()) << connection.status();
  StopsAtTheDeadlineAndServesOnAfter(**connection, kSlowSqlite);
  connection->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST(SqlDeadline, PostgresStopsAStatementAtItsDeadline) {
  if (PostgresServer() == nullptr) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
  auto connection = PostgresConnection::Open(PostgresServer());
  ASSERT_TRUE(connection.ok()) << connection.status();
  StopsAtTheDeadlineAndServesOnAfter(**connection, kSlowPostgres);
}

}  // namespace
}  // namespace probation::referrals
