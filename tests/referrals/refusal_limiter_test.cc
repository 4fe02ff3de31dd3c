// The per-caller limit on refusals for referrals outside the caller's scope, on a clock the
// test moves.
#include "services/referrals/domain/refusal_limiter.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace probation::referrals {
namespace {

TEST(RefusalLimiterTest, EachCallerDrawsItsLimitThenOneMoreAsTimePasses) {
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  RefusalLimiter limiter(6, [&now] { return now; });
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.Allow("prober")) << i;
  EXPECT_FALSE(limiter.Allow("prober"));
  EXPECT_TRUE(limiter.Allow("someone-else")) << "limits are per caller";
  now += absl::Minutes(9);
  EXPECT_FALSE(limiter.Allow("prober")) << "one refusal comes back every 10 minutes";
  now += absl::Minutes(1);
  EXPECT_TRUE(limiter.Allow("prober"));
  EXPECT_FALSE(limiter.Allow("prober"));
  now += absl::Hours(5);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.Allow("prober")) << "refilled to the limit";
  EXPECT_FALSE(limiter.Allow("prober"));
}

TEST(RefusalLimiterTest, ManyMadeUpCallersDoNotResetARealOnesLimit) {
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  RefusalLimiter limiter(2, [&now] { return now; });
  EXPECT_TRUE(limiter.Allow("prober"));
  EXPECT_TRUE(limiter.Allow("prober"));
  for (int i = 0; i < 20000; ++i) limiter.Allow(absl::StrCat("made-up-", i));
  EXPECT_FALSE(limiter.Allow("prober")) << "an empty bucket is not forgotten";
}

}  // namespace
}  // namespace probation::referrals
