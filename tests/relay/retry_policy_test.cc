#include "services/relay/retry_policy.h"

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace probation::relay {
namespace {

AttemptResult Http(int status) { return {.http_status = status, .error = "", .retry_after = {}}; }
AttemptResult NoAnswer(const char* error) {
  return {.http_status = 0, .error = error, .retry_after = {}};
}

TEST(RetryPolicy, ClassifiesAnswersAsTheWireFormatSays) {
  const std::pair<AttemptResult, AttemptOutcome> table[] = {
      {Http(200), AttemptOutcome::kDelivered},
      {Http(202), AttemptOutcome::kDelivered},
      {Http(204), AttemptOutcome::kDelivered},
      {Http(408), AttemptOutcome::kRetryable},
      {Http(429), AttemptOutcome::kRetryable},
      {Http(500), AttemptOutcome::kRetryable},
      {Http(502), AttemptOutcome::kRetryable},
      {Http(503), AttemptOutcome::kRetryable},
      {Http(504), AttemptOutcome::kRetryable},
      {NoAnswer("timeout"), AttemptOutcome::kRetryable},
      {NoAnswer("connection refused"), AttemptOutcome::kRetryable},
      {Http(400), AttemptOutcome::kPermanent},
      {Http(401), AttemptOutcome::kPermanent},
      {Http(403), AttemptOutcome::kPermanent},
      {Http(404), AttemptOutcome::kPermanent},
      {Http(410), AttemptOutcome::kPermanent},
      {Http(413), AttemptOutcome::kPermanent},
      {Http(422), AttemptOutcome::kPermanent},
      {Http(301), AttemptOutcome::kPermanent},
  };
  for (const auto& [result, outcome] : table) {
    EXPECT_EQ(ClassifyAttempt(result), outcome) << FailureText(result);
  }
}

TEST(RetryPolicy, FailuresReadAsDeadLettersShowThem) {
  EXPECT_EQ(FailureText(Http(503)), "HTTP 503");
  EXPECT_EQ(FailureText(NoAnswer("timeout")), "timeout");
}

TEST(RetryPolicy, RetriesOnlyRetryableFailuresUntilTheLastAttempt) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  EXPECT_TRUE(policy.ShouldRetry(AttemptOutcome::kRetryable, 1));
  EXPECT_TRUE(policy.ShouldRetry(AttemptOutcome::kRetryable, 2));
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kRetryable, 3));
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kPermanent, 1));
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kDelivered, 1));
}

TEST(RetryPolicy, BackoffIsFullJitterUnderADoublingCeilingCappedAtTheMaximum) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(500);
  policy.max_backoff = absl::Seconds(60);
  absl::BitGen random;
  for (int failures = 1; failures <= 40; ++failures) {
    const absl::Duration ceiling =
        std::min(policy.max_backoff, policy.initial_backoff * (1LL << std::min(failures - 1, 20)));
    absl::Duration shortest = absl::InfiniteDuration();
    absl::Duration longest = absl::ZeroDuration();
    for (int i = 0; i < 2000; ++i) {
      const absl::Duration wait = policy.Backoff(failures, Http(503), random);
      ASSERT_GE(wait, absl::ZeroDuration());
      ASSERT_LE(wait, ceiling) << failures;
      shortest = std::min(shortest, wait);
      longest = std::max(longest, wait);
    }
    // Spread over the whole range, not bunched at the ceiling: that is the jitter.
    EXPECT_LT(shortest, ceiling / 10) << failures;
    EXPECT_GT(longest, ceiling * 9 / 10) << failures;
  }
}

TEST(RetryPolicy, HonoursRetryAfterUpToTheMaximum) {
  RetryPolicy policy;
  policy.max_backoff = absl::Seconds(60);
  absl::BitGen random;
  AttemptResult busy = Http(429);
  busy.retry_after = absl::Seconds(7);
  EXPECT_EQ(policy.Backoff(1, busy, random), absl::Seconds(7));
  busy.retry_after = absl::Seconds(3600);
  EXPECT_EQ(policy.Backoff(5, busy, random), absl::Seconds(60));
}

}  // namespace
}  // namespace probation::relay
