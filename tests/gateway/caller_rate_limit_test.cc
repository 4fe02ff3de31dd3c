// The gateway's per-caller token buckets, on a clock the test sets: a caller gets its burst,
// then calls at its rate, told when to retry; callers do not share; idle callers are forgotten.
#include "gateway/caller_rate_limit.h"

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace probation::gateway {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

google::rpc::RetryInfo RetryInfoOf(const absl::Status& status) {
  google::rpc::RetryInfo retry;
  const auto payload = status.GetPayload("type.googleapis.com/google.rpc.RetryInfo");
  EXPECT_TRUE(payload.has_value()) << status;
  if (payload.has_value()) {
    EXPECT_TRUE(retry.ParseFromString(std::string(*payload)));
  }
  return retry;
}

TEST(CallerRateLimiter, GivesTheBurstThenTheRateAndSaysWhenToRetry) {
  CallerRateLimiter limiter({/*calls_per_second=*/2, /*burst=*/3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("ann", kStart).ok()) << i;
  const absl::Status refused = limiter.Admit("ann", kStart);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  const google::rpc::RetryInfo retry = RetryInfoOf(refused);
  EXPECT_EQ(retry.retry_delay().seconds(), 0);
  EXPECT_EQ(retry.retry_delay().nanos(), 500000000) << "one call's refill at 2 per second";

  EXPECT_FALSE(limiter.Admit("ann", kStart + absl::Milliseconds(400)).ok());
  EXPECT_TRUE(limiter.Admit("ann", kStart + absl::Milliseconds(500)).ok());
  EXPECT_FALSE(limiter.Admit("ann", kStart + absl::Milliseconds(600)).ok());
  // Idle long enough, the burst is back, and no more than it.
  const absl::Time later = kStart + absl::Seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("ann", later).ok()) << i;
  EXPECT_FALSE(limiter.Admit("ann", later).ok());
}

TEST(CallerRateLimiter, CallersDoNotShareABucket) {
  CallerRateLimiter limiter({1, 1});
  EXPECT_TRUE(limiter.Admit("ann", kStart).ok());
  EXPECT_FALSE(limiter.Admit("ann", kStart).ok());
  EXPECT_TRUE(limiter.Admit("bob", kStart).ok());
}

TEST(CallerRateLimiter, OffLetsEveryCallThroughAndKeepsNothing) {
  CallerRateLimiter limiter({0, 1});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Admit("ann", kStart).ok());
  EXPECT_EQ(limiter.callers(), 0u);
}

TEST(CallerRateLimiter, ForgetsCallersWhoseBucketsHaveFilledAgain) {
  CallerRateLimiter limiter({10, 5});
  // 20,000 callers, one call each, a second apart: each bucket refills before the next
  // caller comes, so the limiter never holds more than its first sweep's worth.
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(limiter.Admit(absl::StrCat("caller-", i), kStart + absl::Seconds(i)).ok());
  }
  EXPECT_LE(limiter.callers(), 1024u);
}

}  // namespace
}  // namespace probation::gateway
