// Wakes WatchReferralEvents streams when this process has written an event, so they send it
// at once; streams also poll, which picks up events other replicas wrote to a shared store.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_EVENT_BELL_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_EVENT_BELL_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation::referrals {

class EventBell {
 public:
  void Ring() {
    absl::MutexLock lock(&mu_);
    ++rings_;
  }

  // Stops every wait for good (the server is shutting down).
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // Waits until the bell rings after `seen` (a value Rings() returned), it closes, or
  // `timeout` passes; returns the current ring count.
  uint64_t Wait(uint64_t seen, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto rung = [this, seen]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return rings_ != seen || closed_; };
    mu_.AwaitWithTimeout(absl::Condition(&rung), timeout);
    return rings_;
  }

  uint64_t Rings() {
    absl::MutexLock lock(&mu_);
    return rings_;
  }

  bool closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

 private:
  absl::Mutex mu_;
  uint64_t rings_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_EVENT_BELL_H_
