// What a delivery lane sends events with: one HTTP attempt at a time over its own connection.
// WebhookSender is the real one; tests put a scripted one in its place.
#ifndef PROBATION_SERVICES_RELAY_WEBHOOK_POSTER_H_
#define PROBATION_SERVICES_RELAY_WEBHOOK_POSTER_H_

#include "absl/synchronization/notification.h"
#include "services/relay/outgoing_event.h"
#include "services/relay/retry_policy.h"

namespace probation::relay {

class WebhookPoster {
 public:
  virtual ~WebhookPoster() = default;
  // One attempt; cut short (no answer, error "abandoned") once `abandon` is notified.
  virtual AttemptResult Post(const OutgoingEvent& event, const absl::Notification& abandon) = 0;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_WEBHOOK_POSTER_H_
