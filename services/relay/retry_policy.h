// When a webhook delivery is done and when it is tried again: a 2xx is delivered; 408, 429,
// 5xx, connection errors and timeouts are retried with exponential backoff and full jitter (or
// after the receiver's Retry-After); any other 4xx (or a 3xx) is permanent, and so is running
// out of attempts. Either way a failed event goes to the subscription's dead letters.
#ifndef PROBATION_SERVICES_RELAY_RETRY_POLICY_H_
#define PROBATION_SERVICES_RELAY_RETRY_POLICY_H_

#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace probation::relay {

// What one HTTP attempt came to.
struct AttemptResult {
  // The HTTP status, or 0 when there was no answer.
  int http_status = 0;
  // Without an answer: why, e.g. "timeout" or "connection refused".
  std::string error;
  // The answer's Retry-After, in seconds, when it had one.
  std::optional<absl::Duration> retry_after;
};

enum class AttemptOutcome { kDelivered, kRetryable, kPermanent };

// "delivered", "retryable" or "permanent": the metrics' label.
const char* AttemptOutcomeName(AttemptOutcome outcome);

AttemptOutcome ClassifyAttempt(const AttemptResult& result);

// How the failure reads in a dead letter and the logs: "HTTP 503", "timeout".
std::string FailureText(const AttemptResult& result);

struct RetryPolicy {
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(60);
  // Attempts in all, the first included.
  int max_attempts = 8;

  // The wait after `failed_attempts` (1 after the first) retryable failures: uniform in
  // [0, min(max_backoff, initial_backoff * 2^(failed_attempts - 1))], so that many events
  // failing together do not come back together; the receiver's Retry-After instead, when it
  // gave one, but never more than max_backoff.
  absl::Duration Backoff(int failed_attempts, const AttemptResult& last,
                         absl::BitGenRef random) const;

  // Whether another attempt follows one with this outcome after `attempts` attempts.
  bool ShouldRetry(AttemptOutcome outcome, int attempts) const {
    return outcome == AttemptOutcome::kRetryable && attempts < max_attempts;
  }
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_RETRY_POLICY_H_
