#include "services/referrals/server/event_fanout.h"

#include <string>
#include <utility>

#include "libs/logging/json_log.h"
#include "services/referrals/server/event_watch.h"

namespace probation::referrals {

EventFanout::~EventFanout() {
  Close();
  if (reader_.joinable()) reader_.join();
}

absl::Status EventFanout::Start() {
  absl::StatusOr<int64_t> newest = store_.LastEventSequence();
  if (!newest.ok()) return newest.status();
  {
    absl::MutexLock lock(&mu_);
    head_ = *newest;
  }
  reader_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

EventFanout::Attach EventFanout::AttachIfCaughtUp(const std::shared_ptr<EventWatch>& watch) {
  absl::MutexLock lock(&mu_);
  if (closed_) return Attach::kClosed;
  if (!watch->AttachIfAtLeast(head_)) return Attach::kBehind;
  attached_.emplace(watch.get(), watch);
  return Attach::kAttached;
}

int64_t EventFanout::head() {
  absl::MutexLock lock(&mu_);
  return head_;
}

void EventFanout::Detach(EventWatch* watch) {
  std::shared_ptr<EventWatch> detached;
  absl::MutexLock lock(&mu_);
  if (auto it = attached_.find(watch); it != attached_.end()) {
    // Released after the lock, in case it is the last reference.
    detached = std::move(it->second);
    attached_.erase(it);
  }
}

void EventFanout::Close() {
  absl::flat_hash_map<EventWatch*, std::shared_ptr<EventWatch>> attached;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    attached.swap(attached_);
  }
  for (const auto& [raw, watch] : attached) {
    watch->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the server is shutting down; watch again from the last sequence "
                            "you received"));
  }
}

void EventFanout::Run() {
  uint64_t rings = bell_.Rings();
  while (!bell_.closed()) {
    int64_t after;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      after = head_;
    }
    absl::StatusOr<std::vector<v1::ReferralEvent>> events = store_.EventsAfter(after, kPage);
    if (!events.ok()) {
      Log(spdlog::level::warn, "event_read_failed",
          {{"error", std::string(events.status().message())}});
      rings = bell_.Wait(rings, poll_interval_);
      continue;
    }
    const bool more = events->size() == static_cast<size_t>(kPage);
    if (!events->empty()) Dispatch(*std::move(events));
    if (!more) rings = bell_.Wait(rings, poll_interval_);
  }
}

void EventFanout::Dispatch(std::vector<v1::ReferralEvent> events) {
  // One event at a time, its access records handed to the audit before the next: a page of
  // events, each new to thousands of watches, would otherwise hold a record for every pair.
  for (v1::ReferralEvent& event : events) {
    // Watches let go (their queues are full) are released after the lock: they hold their own
    // references while they catch up.
    std::vector<std::shared_ptr<EventWatch>> behind;
    std::vector<v1::AccessRecord> audit;
    {
      absl::MutexLock lock(&mu_);
      auto shared = std::make_shared<const v1::ReferralEvent>(std::move(event));
      for (const auto& [raw, watch] : attached_) {
        if (!watch->Offer(shared, audit)) behind.push_back(watch);
      }
      for (const auto& watch : behind) attached_.erase(watch.get());
      head_ = shared->sequence();
    }
    // After the lock: a full audit queue makes this reader wait, never the watches' lock.
    if (audit_ != nullptr) {
      for (v1::AccessRecord& record : audit) audit_->Record(std::move(record));
    }
  }
}

}  // namespace probation::referrals
