// One reader of new events per process: it reads each new event from the store once and hands
// it to every attached watch (event_watch.h), which filters it by its caller's scope and
// queues it. A watch that starts behind (an old sequence) catches up by reading pages itself,
// then attaches once it has seen every event the fan-out has handed out, so no event is
// missed or sent twice; a watch whose queue fills is let go and catches up the same way.
// The bell wakes the reader at once after this process writes; it also
// polls, for events other replicas wrote to a shared database.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_EVENT_FANOUT_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_EVENT_FANOUT_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/server/event_bell.h"

namespace probation::referrals {

class EventWatch;

// How often the reader looks for events other replicas wrote, when nothing rang the bell.
inline constexpr absl::Duration kEventPollInterval = absl::Milliseconds(250);

class EventFanout {
 public:
  // How many events one read takes.
  static constexpr int kPage = 500;

  // Each watch's first sight of a referral is recorded in `audit` (may be null).
  EventFanout(ReferralStore& store, EventBell& bell, absl::Duration poll_interval,
              AccessAudit* audit = nullptr)
      : store_(store), bell_(bell), poll_interval_(poll_interval), audit_(audit) {}
  // Stops the reader; Close() first.
  ~EventFanout();

  // Starts reading after the newest stored event.
  absl::Status Start();

  enum class Attach { kAttached, kBehind, kClosed };
  // Attaches `watch` if it has seen every event handed out so far (its after_sequence is at
  // least the fan-out's); kBehind means read on first.
  Attach AttachIfCaughtUp(const std::shared_ptr<EventWatch>& watch);
  void Detach(EventWatch* watch);
  // The newest event handed out.
  int64_t head();

  // Ends every watch (the server is shutting down) and refuses new ones.
  void Close();

 private:
  void Run();
  void Dispatch(std::vector<v1::ReferralEvent> events);

  ReferralStore& store_;
  EventBell& bell_;
  const absl::Duration poll_interval_;
  AccessAudit* const audit_;
  absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<EventWatch*, std::shared_ptr<EventWatch>> attached_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_EVENT_FANOUT_H_
