#include "services/relay/retrying_delivery.h"

#include "absl/time/clock.h"

namespace probation::relay {

DeliveryResult DeliverWithRetries(WebhookPoster& poster, const OutgoingEvent& event,
                                  const RetryPolicy& policy, DeliverySignals signals,
                                  absl::BitGenRef random, RelayMetrics* metrics) {
  DeliveryResult result;
  const absl::Time started = absl::Now();
  while (!signals.abandon->HasBeenNotified()) {
    const AttemptResult attempt = poster.Post(event, *signals.abandon);
    if (signals.abandon->HasBeenNotified() && attempt.http_status == 0) break;
    ++result.attempts;
    const AttemptOutcome outcome = ClassifyAttempt(attempt);
    if (metrics != nullptr) metrics->CountAttempt(outcome);
    if (outcome == AttemptOutcome::kDelivered) {
      if (metrics != nullptr) metrics->CountDelivered(absl::Now() - started);
      result.state = DeliveryState::kDelivered;
      return result;
    }
    result.last_error = FailureText(attempt);
    if (!policy.ShouldRetry(outcome, result.attempts)) {
      if (metrics != nullptr) metrics->CountDeadLetter();
      result.state = DeliveryState::kGivenUp;
      return result;
    }
    // WaitForNotificationWithTimeout is true when stopping came first: give the event back.
    if (signals.stopping->WaitForNotificationWithTimeout(
            policy.Backoff(result.attempts, attempt, random))) {
      break;
    }
  }
  result.state = DeliveryState::kAbandoned;
  return result;
}

}  // namespace probation::relay
