#include "services/relay/delivery_lanes.h"

#include <cstdint>
#include <utility>

#include "absl/random/random.h"

namespace probation::relay {

DeliveryLanes::DeliveryLanes(int lanes, const PosterFactory& new_poster, RetryPolicy policy,
                             DoneCallback done, RelayMetrics* metrics)
    : policy_(policy), done_(std::move(done)), metrics_(metrics) {
  for (int i = 0; i < lanes; ++i) {
    auto lane = std::make_unique<Lane>();
    lane->poster = new_poster();
    lanes_.push_back(std::move(lane));
  }
  for (auto& lane : lanes_) lane->thread = std::thread([this, &lane = *lane] { Run(lane); });
}

DeliveryLanes::~DeliveryLanes() { Stop(absl::ZeroDuration()); }

int DeliveryLanes::LaneOf(absl::string_view referral, int lanes) {
  // FNV-1a: fixed, unlike std::hash, so a lane's share does not change between builds.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : referral) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return lanes <= 0 ? 0 : static_cast<int>(hash % static_cast<uint64_t>(lanes));
}

void DeliveryLanes::Enqueue(OutgoingEvent event) {
  Lane& lane = *lanes_[LaneOf(event.referral, static_cast<int>(lanes_.size()))];
  absl::MutexLock lock(&lane.mutex);
  lane.queue.push_back(std::move(event));
}

void DeliveryLanes::Run(Lane& lane) {
  absl::BitGen random;
  while (true) {
    OutgoingEvent event;
    {
      absl::MutexLock lock(&lane.mutex);
      lane.mutex.Await(absl::Condition(
          +[](DeliveryLanes::Lane* lane_and_self) { return !lane_and_self->queue.empty(); },
          &lane));
      // Woken with nothing queued only to stop (Stop pushes an empty event to wake it).
      if (stopping_.HasBeenNotified()) return;
      event = std::move(lane.queue.front());
      lane.queue.pop_front();
    }
    {
      absl::MutexLock lock(&busy_mutex_);
      ++busy_lanes_;
    }
    const DeliveryResult result =
        DeliverWithRetries(*lane.poster, event, policy_, {&stopping_, &abandon_}, random, metrics_);
    if (result.state != DeliveryState::kAbandoned) done_(event, result);
    absl::MutexLock lock(&busy_mutex_);
    --busy_lanes_;
  }
}

void DeliveryLanes::Stop(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  stopping_.Notify();
  // Wakes a lane waiting on an empty queue; a lane never delivers once stopping.
  for (auto& lane : lanes_) {
    absl::MutexLock lock(&lane->mutex);
    lane->queue.emplace_back();
  }
  {
    absl::MutexLock lock(&busy_mutex_);
    busy_mutex_.AwaitWithTimeout(absl::Condition(
                                     +[](int* busy) { return *busy == 0; }, &busy_lanes_),
                                 grace);
  }
  abandon_.Notify();
  for (auto& lane : lanes_) lane->thread.join();
}

}  // namespace probation::relay
