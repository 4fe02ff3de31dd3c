// Group commit on a real SQLite file: writes that share a transaction stand or fall alone, even
// when one fails halfway through, and every acknowledged write is on disk.
#include "services/referrals/store/group_commit.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/referrals/store/sqlite_connection.h"

namespace probation::referrals {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(::testing::TempDir(), "/group-commit-", getpid(), ".db");
    Remove();
    auto opened = SqliteConnection::Open(path_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    db_ = *std::move(opened);
    ASSERT_TRUE(db_->Exec("CREATE TABLE rows (name TEXT PRIMARY KEY)").ok());
    GroupCommit::Options options;
    options.begin = "BEGIN IMMEDIATE";
    group_ = std::make_unique<GroupCommit>(*db_, options);
  }
  void TearDown() override {
    group_.reset();
    db_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  absl::Status Insert(const std::string& name) {
    SqliteStatement insert(*db_, "INSERT INTO rows (name) VALUES (?)");
    insert.Bind({name});
    return insert.Run();
  }

  // What another connection to the file sees: only what was committed.
  std::vector<std::string> StoredNames() {
    auto reader = SqliteConnection::Open(path_);
    EXPECT_TRUE(reader.ok()) << reader.status();
    std::vector<std::string> names;
    if (!reader.ok()) return names;
    SqliteStatement select(**reader, "SELECT name FROM rows ORDER BY name");
    while (true) {
      absl::StatusOr<bool> row = select.Step();
      EXPECT_TRUE(row.ok()) << row.status();
      if (!row.ok() || !*row) break;
      names.push_back(select.Text(0));
    }
    return names;
  }

  // Runs write(i) for i in [0, writers) on as many threads at once, after a first write of the
  // name "taken"; returns each one's outcome.
  std::vector<absl::Status> WriteAtOnce(int writers,
                                        const std::function<absl::Status(int)>& write) {
    EXPECT_TRUE(group_->Write([&](SqlConnection&) { return Insert("taken"); }).ok());
    std::vector<absl::Status> results(writers);
    std::vector<std::thread> threads;
    for (int i = 0; i < writers; ++i) {
      threads.emplace_back([&, i] { results[i] = write(i); });
    }
    for (auto& thread : threads) thread.join();
    return results;
  }

  std::string path_;
  std::unique_ptr<SqliteConnection> db_;
  std::unique_ptr<GroupCommit> group_;
};

TEST_F(GroupCommitTest, AWriteThatFailsHalfwayLeavesNothingAndTheOthersStand) {
  // The first write holds the connection until the others have queued behind it, so they run
  // as one group: "half" inserts a row and then fails, between two writes that succeed.
  std::atomic<int> queued{0};
  absl::Notification all_queued;
  std::thread first([&] {
    EXPECT_TRUE(group_
                    ->Write([&](SqlConnection&) {
                      all_queued.WaitForNotificationWithTimeout(absl::Seconds(10));
                      absl::SleepFor(absl::Milliseconds(50));  // until they are in the queue
                      return Insert("a-first");
                    })
                    .ok());
  });
  std::atomic<int> half_runs{0};
  std::vector<std::thread> writers;
  absl::Status before, half, after;
  const auto queue = [&](absl::Status* result, auto work) {
    writers.emplace_back([&, result, work] {
      if (++queued == 3) all_queued.Notify();
      *result = group_->Write([&work](SqlConnection&) { return work(); });
    });
  };
  queue(&before, [&] { return Insert("b-before"); });
  queue(&half, [&] {
    ++half_runs;
    if (absl::Status inserted = Insert("c-half"); !inserted.ok()) return inserted;
    return absl::FailedPreconditionError("changed its mind");
  });
  queue(&after, [&] { return Insert("d-after"); });
  first.join();
  for (auto& writer : writers) writer.join();

  EXPECT_TRUE(before.ok()) << before;
  EXPECT_EQ(half.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(after.ok()) << after;
  EXPECT_EQ(StoredNames(), (std::vector<std::string>{"a-first", "b-before", "d-after"}));
  EXPECT_GE(half_runs.load(), 1);
}

TEST_F(GroupCommitTest, AConstraintFailureInAGroupFailsOnlyThatWrite) {
  constexpr int kWriters = 32;
  const std::vector<absl::Status> results = WriteAtOnce(kWriters, [&](int i) {
    // Every fourth writer tries the taken name after inserting its own row.
    return group_->Write([&, i](SqlConnection&) -> absl::Status {
      if (absl::Status own = Insert(absl::StrCat("w", 100 + i)); !own.ok()) return own;
      return i % 4 == 0 ? Insert("taken") : absl::OkStatus();
    });
  });
  std::vector<std::string> expected = {"taken"};
  for (int i = 0; i < kWriters; ++i) {
    if (i % 4 == 0) {
      EXPECT_FALSE(results[i].ok()) << i;
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
      expected.push_back(absl::StrCat("w", 100 + i));
    }
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(StoredNames(), expected);
  const GroupCommit::Counts counts = group_->counts();
  EXPECT_EQ(counts.writes, 1 + kWriters);
}

TEST_F(GroupCommitTest, BatchedWritesThatFailInEitherBatchFailAloneAndLeaveNothing) {
  constexpr int kWriters = 32;
  const std::vector<absl::Status> results = WriteAtOnce(kWriters, [&](int i) {
    // Writer i inserts its own row first, then (once it has seen its first row inserted) a
    // second row last: every fourth fails in its first statement, every fourth from 2 in its
    // last, and every fourth from 1 in its finish.
    const std::string own = absl::StrCat("w", 100 + i);
    GroupedWrite write;
    write.first = {{"INSERT INTO rows (name) VALUES (?)", {i % 4 == 0 ? "taken" : own}}};
    write.finish = [i, own](SqlConnection&, const std::vector<SqlRows>& inserted,
                            FinalStatements& last) {
      if (inserted.front().affected() != 1) return absl::InternalError("not inserted");
      if (i % 4 == 1) return absl::FailedPreconditionError("changed its mind");
      last.changes.push_back(
          {"INSERT INTO rows (name) VALUES (?)", {i % 4 == 2 ? "taken" : own + "-last"}});
      return absl::OkStatus();
    };
    write.explain = [](SqlConnection&, const absl::Status& error) {
      return absl::AlreadyExistsError(absl::StrCat("explained: ", error.message()));
    };
    return group_->Write(write);
  });
  std::vector<std::string> expected = {"taken"};
  for (int i = 0; i < kWriters; ++i) {
    if (i % 4 == 0 || i % 4 == 2) {
      EXPECT_EQ(results[i].code(), absl::StatusCode::kAlreadyExists) << i << ": " << results[i];
      EXPECT_TRUE(absl::StartsWith(results[i].message(), "explained: ")) << results[i];
    } else if (i % 4 == 1) {
      EXPECT_EQ(results[i].code(), absl::StatusCode::kFailedPrecondition) << i;
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
      expected.push_back(absl::StrCat("w", 100 + i));
      expected.push_back(absl::StrCat("w", 100 + i, "-last"));
    }
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(StoredNames(), expected);
}

}  // namespace
}  // namespace probation::referrals
