#include "services/relay/delivery_lanes.h"

#include <map>
#include <set>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace probation::relay {
namespace {

// What the receiver saw, shared by every lane's poster: each referral's delivered sequences
// in the order they arrived, and how often each sequence was tried.
struct Receiver {
  absl::Mutex mutex;
  std::map<std::string, std::vector<int64_t>> delivered ABSL_GUARDED_BY(mutex);
  std::map<int64_t, int> attempts ABSL_GUARDED_BY(mutex);
  std::map<std::string, std::set<std::thread::id>> threads ABSL_GUARDED_BY(mutex);
};

// Answers each attempt as `answer(event, attempt number)` says.
class ScriptedPoster : public WebhookPoster {
 public:
  using Answer = std::function<AttemptResult(const OutgoingEvent&, int)>;
  ScriptedPoster(Receiver& receiver, Answer answer) : receiver_(receiver), answer_(answer) {}

  AttemptResult Post(const OutgoingEvent& event, const absl::Notification&) override {
    int attempt;
    {
      absl::MutexLock lock(&receiver_.mutex);
      attempt = ++receiver_.attempts[event.sequence];
      receiver_.threads[event.referral].insert(std::this_thread::get_id());
    }
    AttemptResult result = answer_(event, attempt);
    if (result.http_status / 100 == 2) {
      absl::MutexLock lock(&receiver_.mutex);
      receiver_.delivered[event.referral].push_back(event.sequence);
    }
    return result;
  }

 private:
  Receiver& receiver_;
  Answer answer_;
};

RetryPolicy QuickRetries(int max_attempts) {
  return {absl::Microseconds(100), absl::Milliseconds(1), max_attempts};
}

AttemptResult Status(int http_status) { return {http_status, "", {}}; }

struct Finished {
  absl::Mutex mutex;
  std::map<int64_t, DeliveryResult> results ABSL_GUARDED_BY(mutex);
  void Add(const OutgoingEvent& event, const DeliveryResult& result) {
    absl::MutexLock lock(&mutex);
    EXPECT_TRUE(results.emplace(event.sequence, result).second) << "done twice: " << event.sequence;
  }
  size_t count() {
    absl::MutexLock lock(&mutex);
    return results.size();
  }
  bool WaitFor(size_t expected) {
    absl::MutexLock lock(&mutex);
    auto all_done = [this, expected]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) { return results.size() >= expected; };
    return mutex.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(30));
  }
};

TEST(DeliveryLanes, AReferralAlwaysGoesToTheSameLaneInRange) {
  std::set<int> used;
  for (int i = 0; i < 1000; ++i) {
    const std::string referral = absl::StrCat("referrals/", i);
    const int lane = DeliveryLanes::LaneOf(referral, 16);
    ASSERT_GE(lane, 0);
    ASSERT_LT(lane, 16);
    EXPECT_EQ(DeliveryLanes::LaneOf(referral, 16), lane);
    used.insert(lane);
  }
  EXPECT_EQ(used.size(), 16u);
  EXPECT_EQ(DeliveryLanes::LaneOf("referrals/x", 1), 0);
}

TEST(DeliveryLanes, KeepsEachReferralsOrderThroughRetriesWhileLanesRunInParallel) {
  Receiver receiver;
  Finished finished;
  // About a third of attempts fail, at random, a few of them twice in a row.
  auto answer = [](const OutgoingEvent&, int) {
    thread_local absl::BitGen random;
    return Status(absl::Bernoulli(random, 0.3) ? 503 : 204);
  };
  DeliveryLanes lanes(
      8, [&] { return std::make_unique<ScriptedPoster>(receiver, answer); }, QuickRetries(50),
      [&](const OutgoingEvent& event, const DeliveryResult& result) {
        finished.Add(event, result);
      },
      nullptr);
  // 40 referrals, their events interleaved as a stream would carry them.
  std::map<std::string, std::vector<int64_t>> expected;
  int64_t sequence = 0;
  for (int round = 0; round < 10; ++round) {
    for (int referral = 0; referral < 40; ++referral) {
      const std::string name = absl::StrCat("referrals/r", referral);
      expected[name].push_back(++sequence);
      lanes.Enqueue({sequence, name, absl::StrCat(sequence), "{}"});
    }
  }
  ASSERT_TRUE(finished.WaitFor(400));
  lanes.Stop(absl::Seconds(1));
  absl::MutexLock lock(&receiver.mutex);
  EXPECT_EQ(receiver.delivered, expected);
  std::set<std::thread::id> all_threads;
  for (const auto& [referral, threads] : receiver.threads) {
    EXPECT_EQ(threads.size(), 1u) << referral << " went through more than one lane";
    all_threads.insert(threads.begin(), threads.end());
  }
  EXPECT_GT(all_threads.size(), 1u);
  absl::MutexLock finished_lock(&finished.mutex);
  for (const auto& [sequence, result] : finished.results) {
    EXPECT_EQ(result.state, DeliveryState::kDelivered) << sequence;
    EXPECT_EQ(result.attempts, receiver.attempts[sequence]);
  }
}

TEST(DeliveryLanes, GivesUpAtOnceOnARefusalAndAfterMaxAttemptsOnFailures) {
  Receiver receiver;
  Finished finished;
  auto answer = [](const OutgoingEvent& event, int) {
    return event.sequence == 1 ? Status(400) : Status(503);
  };
  DeliveryLanes lanes(
      2, [&] { return std::make_unique<ScriptedPoster>(receiver, answer); }, QuickRetries(4),
      [&](const OutgoingEvent& event, const DeliveryResult& result) {
        finished.Add(event, result);
      },
      nullptr);
  lanes.Enqueue({1, "referrals/a", "1", "{}"});
  lanes.Enqueue({2, "referrals/b", "2", "{}"});
  ASSERT_TRUE(finished.WaitFor(2));
  absl::MutexLock lock(&finished.mutex);
  EXPECT_EQ(finished.results[1].state, DeliveryState::kGivenUp);
  EXPECT_EQ(finished.results[1].attempts, 1);
  EXPECT_EQ(finished.results[1].last_error, "HTTP 400");
  EXPECT_EQ(finished.results[2].state, DeliveryState::kGivenUp);
  EXPECT_EQ(finished.results[2].attempts, 4);
  EXPECT_EQ(finished.results[2].last_error, "HTTP 503");
}

// Blocks each attempt until the lanes abandon it.
class StuckPoster : public WebhookPoster {
 public:
  AttemptResult Post(const OutgoingEvent&, const absl::Notification& abandon) override {
    abandon.WaitForNotification();
    return {0, "abandoned", {}};
  }
};

TEST(DeliveryLanes, StopCutsStuckAttemptsShortAfterTheGraceAndReportsNothingForThem) {
  Finished finished;
  DeliveryLanes lanes(
      2, [] { return std::make_unique<StuckPoster>(); }, QuickRetries(8),
      [&](const OutgoingEvent& event, const DeliveryResult& result) {
        finished.Add(event, result);
      },
      nullptr);
  for (int64_t sequence = 1; sequence <= 10; ++sequence) {
    lanes.Enqueue({sequence, absl::StrCat("referrals/", sequence), "", "{}"});
  }
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time started = absl::Now();
  lanes.Stop(absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - started;
  EXPECT_GE(took, absl::Milliseconds(150));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_EQ(finished.count(), 0u);
}

TEST(DeliveryLanes, StopDoesNotWaitOutABackoff) {
  Receiver receiver;
  Finished finished;
  DeliveryLanes lanes(
      1,
      [&] {
        return std::make_unique<ScriptedPoster>(receiver, [](auto&, int) { return Status(503); });
      },
      {absl::Seconds(30), absl::Seconds(30), 8},
      [&](const OutgoingEvent& event, const DeliveryResult& result) {
        finished.Add(event, result);
      },
      nullptr);
  lanes.Enqueue({1, "referrals/a", "1", "{}"});
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time started = absl::Now();
  lanes.Stop(absl::Seconds(10));
  EXPECT_LT(absl::Now() - started, absl::Seconds(2));
  EXPECT_EQ(finished.count(), 0u);
}

}  // namespace
}  // namespace probation::relay
