// The live deliveries of one subscription: a fixed set of lanes, each a thread with its own
// connection to the receiver that delivers its events one at a time in the order given. Every
// event of a referral goes to the same lane (by a hash of its name), so a referral's events
// arrive in order while different referrals' go in parallel.
#ifndef PROBATION_SERVICES_RELAY_DELIVERY_LANES_H_
#define PROBATION_SERVICES_RELAY_DELIVERY_LANES_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/relay/outgoing_event.h"
#include "services/relay/relay_metrics.h"
#include "services/relay/retry_policy.h"
#include "services/relay/retrying_delivery.h"
#include "services/relay/webhook_poster.h"

namespace probation::relay {

class DeliveryLanes {
 public:
  using PosterFactory = std::function<std::unique_ptr<WebhookPoster>()>;
  // Called on the lane's thread once an event is delivered or given up on (never for one
  // abandoned at shutdown).
  using DoneCallback = std::function<void(const OutgoingEvent&, const DeliveryResult&)>;

  // Starts `lanes` threads, each with a poster from `new_poster`.
  DeliveryLanes(int lanes, const PosterFactory& new_poster, RetryPolicy policy, DoneCallback done,
                RelayMetrics* metrics);
  // Stop(0) if not stopped yet.
  ~DeliveryLanes();
  DeliveryLanes(const DeliveryLanes&) = delete;
  DeliveryLanes& operator=(const DeliveryLanes&) = delete;

  // The lane of `referral` among `lanes`: the same for every event of it, in every process.
  static int LaneOf(absl::string_view referral, int lanes);

  // Queues `event` on its referral's lane, behind that lane's earlier events.
  void Enqueue(OutgoingEvent event);

  // Takes no more queued events and waits out no more backoffs; attempts under way get
  // `grace` to finish, then are cut short. Returns once every lane has stopped.
  void Stop(absl::Duration grace);

 private:
  struct Lane {
    absl::Mutex mutex;
    std::deque<OutgoingEvent> queue ABSL_GUARDED_BY(mutex);
    std::unique_ptr<WebhookPoster> poster;
    std::thread thread;
  };

  void Run(Lane& lane);

  const RetryPolicy policy_;
  const DoneCallback done_;
  RelayMetrics* const metrics_;
  absl::Notification stopping_;
  absl::Notification abandon_;
  absl::Mutex busy_mutex_;
  int busy_lanes_ ABSL_GUARDED_BY(busy_mutex_) = 0;
  std::vector<std::unique_ptr<Lane>> lanes_;
  bool stopped_ = false;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_DELIVERY_LANES_H_
