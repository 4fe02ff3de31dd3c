#include "services/relay/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"

namespace probation::relay {

const char* AttemptOutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kDelivered:
      return "delivered";
    case AttemptOutcome::kRetryable:
      return "retryable";
    case AttemptOutcome::kPermanent:
      return "permanent";
  }
  return "unknown";
}

AttemptOutcome ClassifyAttempt(const AttemptResult& result) {
  const int status = result.http_status;
  if (status == 0) return AttemptOutcome::kRetryable;
  if (status >= 200 && status < 300) return AttemptOutcome::kDelivered;
  // Timeout, rate limit and the receiver's own trouble pass. Another 4xx says the event itself
  // is refused, and a 3xx that the URL is wrong (no redirect is followed): sending it again
  // would only meet the same answer.
  if (status == 408 || status == 429 || status >= 500 || status < 200) {
    return AttemptOutcome::kRetryable;
  }
  return AttemptOutcome::kPermanent;
}

std::string FailureText(const AttemptResult& result) {
  if (result.http_status != 0) return absl::StrCat("HTTP ", result.http_status);
  return result.error.empty() ? std::string("no answer") : result.error;
}

absl::Duration RetryPolicy::Backoff(int failed_attempts, const AttemptResult& last,
                                    absl::BitGenRef random) const {
  if (last.retry_after.has_value()) {
    return std::clamp(*last.retry_after, absl::ZeroDuration(), max_backoff);
  }
  // 2^62 already exceeds any max_backoff in nanoseconds; the exponent stops there.
  const int doublings = std::clamp(failed_attempts - 1, 0, 62);
  const double ceiling_seconds =
      std::min(absl::ToDoubleSeconds(max_backoff),
               absl::ToDoubleSeconds(initial_backoff) * std::ldexp(1.0, doublings));
  if (ceiling_seconds <= 0) return absl::ZeroDuration();
  return absl::Seconds(absl::Uniform(absl::IntervalClosed, random, 0.0, ceiling_seconds));
}

}  // namespace probation::relay
