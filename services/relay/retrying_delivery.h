// One event delivered with retries as the RetryPolicy says, over one WebhookPoster: what the
// live lanes and the dead-letter replays both do with an event.
#ifndef PROBATION_SERVICES_RELAY_RETRYING_DELIVERY_H_
#define PROBATION_SERVICES_RELAY_RETRYING_DELIVERY_H_

#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/synchronization/notification.h"
#include "services/relay/outgoing_event.h"
#include "services/relay/relay_metrics.h"
#include "services/relay/retry_policy.h"
#include "services/relay/webhook_poster.h"

namespace probation::relay {

enum class DeliveryState {
  kDelivered,
  // Refused for good or out of attempts: a dead letter.
  kGivenUp,
  // Left unfinished at shutdown: not done, so delivered again after the restart.
  kAbandoned,
};

struct DeliveryResult {
  DeliveryState state = DeliveryState::kAbandoned;
  int attempts = 0;
  // The last failure (FailureText), for the dead letter.
  std::string last_error;
};

// How a shutdown reaches a delivery: once `stopping` is notified no backoff is waited out
// (the event is abandoned instead); once `abandon` is, the attempt in progress is cut short.
struct DeliverySignals {
  const absl::Notification* stopping;
  const absl::Notification* abandon;
};

// Delivers `event`, counting each attempt and the outcome in `metrics` if given.
DeliveryResult DeliverWithRetries(WebhookPoster& poster, const OutgoingEvent& event,
                                  const RetryPolicy& policy, DeliverySignals signals,
                                  absl::BitGenRef random, RelayMetrics* metrics);

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_RETRYING_DELIVERY_H_
