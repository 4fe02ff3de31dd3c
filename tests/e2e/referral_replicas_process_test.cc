// Three referrals replicas on one PostgreSQL database, as a national deployment runs them,
// under concurrent load from clients of each: the rules the database enforces hold across
// them (one request id makes one referral, one open referral per person and intervention,
// an etag wins once), and a watcher on one replica sees every event any of them wrote, in
// order, with no gap or duplicate. The watched replica polls only once a minute, so it hears
// the others' commits by LISTEN/NOTIFY.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/referrals/store/postgres_connection.h"
#include "tests/support/referrals_processes.h"

namespace probation {
namespace {

using referrals::v1::ReferralEvent;
using testing::ReferralDependencies;
using testing::ReferralsClient;

constexpr int kReplicas = 3;

// The writes acknowledged, as the events they must have made ("<referral id>/<type>").
class Acknowledged {
 public:
  void Add(const referrals::v1::Referral& referral, ReferralEvent::Type type) {
    absl::MutexLock lock(&mu_);
    events_.insert(absl::StrCat(referral.id(), "/", type));
  }
  std::set<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// Every event a watch on one replica receives, from sequence 0, as it arrives.
class LiveWatch {
 public:
  explicit LiveWatch(int port) : client_(port) {
    client_.Prepare(context_, "admin", absl::Minutes(5));
    reader_ = client_.stub().WatchReferralEvents(&context_, {});
    thread_ = std::thread([this] {
      ReferralEvent event;
      while (reader_->Read(&event)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(event);
      }
    });
  }
  ~LiveWatch() {
    context_.TryCancel();
    thread_.join();
    reader_->Finish();
  }

  // Waits up to `timeout` until it has received `count` events; returns what it has.
  std::vector<ReferralEvent> WaitFor(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return events_;
  }

 private:
  ReferralsClient client_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<ReferralEvent>> reader_;
  absl::Mutex mu_;
  std::vector<ReferralEvent> events_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

int64_t LastCommittedSequence(const std::string& database) {
  auto db = referrals::PostgresConnection::Open(database);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return -1;
  auto rows = (*db)->Query("SELECT COALESCE(MAX(sequence), 0) FROM events");
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? rows->Int(0, 0) : -1;
}

TEST(ReferralReplicasProcess, ThreeReplicasKeepEveryRuleAndAWatcherOnOneSeesAllInOrder) {
  testing::PostgresTestDatabase database("referrals_replicas");
  if (database.url().empty()) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
  const ReferralDependencies dependencies = ReferralDependencies::Start();
  std::vector<std::unique_ptr<testing::ChildProcess>> replicas;
  std::vector<std::unique_ptr<ReferralsClient>> clients;
  int watched_port = 0;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(testing::StartProcess(
        REFERRALS_BINARY,
        dependencies.ReferralsEnvironment(
            database.url(), i == 0 ? testing::Environment{{"REFERRALS_EVENT_POLL_INTERVAL", "60s"}}
                                   : testing::Environment{})));
    const int port = testing::ServingPortOf(*replicas.back());
    ASSERT_GT(port, 0) << replicas.back()->Output();
    if (i == 0) watched_port = port;
    clients.push_back(std::make_unique<ReferralsClient>(port));
  }
  auto watch = std::make_unique<LiveWatch>(watched_port);
  Acknowledged acknowledged;

  // Background load: on every replica, people referred and submitted one after another.
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int r = 0; r < kReplicas; ++r) {
    load.emplace_back([&, r] {
      ReferralsClient& client = *clients[r];
      for (int i = 0; !stop; ++i) {
        referrals::v1::Referral draft, submitted;
        // CRNs are a capital letter and six digits.
        const std::string crn = absl::StrCat("L", 100000 * (r + 1) + i);
        if (!client.CreateDraft(absl::StrCat("load-", crn), crn, &draft).ok()) {
          ADD_FAILURE() << "create on replica " << r << " failed";
          return;
        }
        acknowledged.Add(draft, ReferralEvent::TYPE_CREATED);
        ASSERT_TRUE(client.Submit(draft, &submitted).ok());
        acknowledged.Add(submitted, ReferralEvent::TYPE_SUBMITTED);
      }
    });
  }

  // Races, each run on the three replicas at once.
  constexpr int kRaces = 8;
  for (int k = 0; k < kRaces; ++k) {
    // One request id sent to every replica makes one referral, which each is told of.
    std::vector<referrals::v1::Referral> created(kReplicas);
    std::vector<grpc::Status> create_status(kReplicas);
    // Three drafts for one person, submitted at once on different replicas: one wins.
    std::vector<referrals::v1::Referral> drafts(kReplicas), submitted(kReplicas);
    std::vector<grpc::Status> submit_status(kReplicas);
    for (int r = 0; r < kReplicas; ++r) {
      ASSERT_TRUE(clients[r]
                      ->CreateDraft(absl::StrCat("person-", k, "-", r),
                                    absl::StrCat("P", 100000 + k), &drafts[r])
                      .ok());
      acknowledged.Add(drafts[r], ReferralEvent::TYPE_CREATED);
    }
    // The same draft, with the same etag, moved at once on every replica: one wins.
    referrals::v1::Referral contested;
    ASSERT_TRUE(
        clients[0]
            ->CreateDraft(absl::StrCat("etag-", k), absl::StrCat("E", 100000 + k), &contested)
            .ok());
    acknowledged.Add(contested, ReferralEvent::TYPE_CREATED);
    std::vector<referrals::v1::Referral> moved(kReplicas);
    std::vector<grpc::Status> move_status(kReplicas);
    absl::Barrier* start = new absl::Barrier(kReplicas);
    std::vector<std::thread> racers;
    for (int r = 0; r < kReplicas; ++r) {
      racers.emplace_back([&, r] {
        ReferralsClient& client = *clients[r];
        if (start->Block()) delete start;
        create_status[r] = client.CreateDraft(absl::StrCat("same-request-", k),
                                              absl::StrCat("R", 100000 + k), &created[r]);
        submit_status[r] = client.Submit(drafts[r], &submitted[r]);
        move_status[r] = client.Submit(contested, &moved[r]);
      });
    }
    for (std::thread& racer : racers) racer.join();
    int submits_won = 0, moves_won = 0;
    for (int r = 0; r < kReplicas; ++r) {
      ASSERT_TRUE(create_status[r].ok()) << create_status[r].error_message();
      EXPECT_EQ(created[r].name(), created[0].name()) << "request id made two referrals";
      if (submit_status[r].ok()) {
        ++submits_won;
        acknowledged.Add(submitted[r], ReferralEvent::TYPE_SUBMITTED);
      } else {
        EXPECT_EQ(submit_status[r].error_code(), grpc::StatusCode::ALREADY_EXISTS)
            << submit_status[r].error_message();
      }
      if (move_status[r].ok()) {
        ++moves_won;
        acknowledged.Add(moved[r], ReferralEvent::TYPE_SUBMITTED);
      } else {
        // Refused by the store's etag check if it raced the winner, or as no longer a draft
        // if it read the referral after the winner's commit.
        EXPECT_TRUE(move_status[r].error_code() == grpc::StatusCode::ABORTED ||
                    move_status[r].error_code() == grpc::StatusCode::FAILED_PRECONDITION)
            << move_status[r].error_message();
      }
    }
    acknowledged.Add(created[0], ReferralEvent::TYPE_CREATED);
    EXPECT_EQ(submits_won, 1) << "one open referral per person and intervention, race " << k;
    EXPECT_EQ(moves_won, 1) << "one etag, one move, race " << k;
  }
  stop = true;
  for (std::thread& thread : load) thread.join();

  // Everything committed reaches the watcher on replica 0 in order, with no gap or duplicate,
  // and every acknowledged write's event is there.
  const int64_t last = LastCommittedSequence(database.url());
  ASSERT_GT(last, 0);
  std::vector<ReferralEvent> seen = watch->WaitFor(last, absl::Seconds(10));
  ASSERT_EQ(static_cast<int64_t>(seen.size()), last);
  std::set<std::string> missing = acknowledged.events();
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].sequence(), static_cast<int64_t>(i + 1));
    missing.erase(absl::StrCat(seen[i].referral().id(), "/", seen[i].type()));
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged writes have no event, e.g. "
                               << *missing.begin();

  // A write on another replica alone reaches the watcher by its NOTIFY, long before the
  // watched replica's next poll.
  referrals::v1::Referral lone;
  ASSERT_TRUE(clients[2]->CreateDraft("lone", "Z100001", &lone).ok());
  const absl::Time written = absl::Now();
  seen = watch->WaitFor(last + 1, absl::Seconds(10));
  const absl::Duration heard_after = absl::Now() - written;
  ASSERT_EQ(static_cast<int64_t>(seen.size()), last + 1);
  EXPECT_EQ(seen.back().referral().id(), lone.id());
  EXPECT_LT(heard_after, absl::Seconds(5)) << "heard only by polling";

  watch.reset();
  for (auto& replica : replicas) {
    replica->Signal(SIGTERM);
    EXPECT_EQ(*replica->Wait(absl::Seconds(15)), 0);
  }
}

}  // namespace
}  // namespace probation
