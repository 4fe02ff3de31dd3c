// One WatchReferralEvents stream: the events after the client's sequence that its caller may
// see, in order, then each new one as it is written. It holds no thread: catching up reads a
// page at a time on the stream pool, and live events arrive from the fan-out
// (event_fanout.h) into a bounded queue. A watch whose queue fills (its reader is slower
// than the events come) is let go by the fan-out and reads on from the store by itself, so a
// burst costs it nothing but pace; one whose reader stops is ended by the supervisor. Every
// ending tells the client to watch again from the last sequence it received.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_EVENT_WATCH_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_EVENT_WATCH_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "libs/server/worker_pool.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/subscription_workflow.h"
#include "services/referrals/server/bounded_stream.h"
#include "services/referrals/server/event_fanout.h"
#include "services/referrals/server/open_streams.h"

namespace probation::referrals {

// What every watch of a process shares.
struct WatchDependencies {
  ReferralStore& store;
  EventFanout& fanout;
  OpenStreams& streams;
  // Where catching up reads the store.
  WorkerPool& pool;
  // Where each person's data a watch sends is recorded (may be null).
  AccessAudit* audit = nullptr;
  // Where a watch of a subscription finds it (may be null: none may be watched).
  SubscriptionWorkflow* subscriptions = nullptr;
};

class EventWatch final : public BoundedStream<v1::ReferralEvent>,
                         public std::enable_shared_from_this<EventWatch> {
 public:
  // The reactor for a new watch: refused (finished) at once when the caller is not
  // authenticated, may not watch, asks for what cannot be, or has no place left. A watch of a
  // subscription reads it on the stream pool, and ends with the error if it may not.
  static grpc::ServerWriteReactor<v1::ReferralEvent>* Start(
      grpc::CallbackServerContext* context, const v1::WatchReferralEventsRequest& request,
      absl::StatusOr<Identity> caller, const WatchDependencies& dependencies);

  // `selection` is what it sends; for a watch of a subscription, a placeholder until
  // `subscription_request` is resolved.
  EventWatch(grpc::CallbackServerContext* context, Identity caller, WatchSelection selection,
             const WatchDependencies& dependencies,
             std::optional<v1::WatchReferralEventsRequest> subscription_request = std::nullopt);

  // From the fan-out, under its lock. Attaches if the watch has seen every event up to `head`.
  bool AttachIfAtLeast(int64_t head);
  // Queues `event` if the caller may see it, adding to `audit` the access record it owes
  // (written by the fan-out after its lock); false, detaching, when the queue is full.
  bool Offer(const std::shared_ptr<const v1::ReferralEvent>& event,
             std::vector<v1::AccessRecord>& audit);

 private:
  void OnEnding() override;
  void WriteDoneLocked() override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AfterWrite() override;
  grpc::Status PastMaxDuration() override;
  std::string ResumeHint() override;

  void ScheduleCatchUp();
  void CatchUp();
  // Reads the subscription the watch names, once; false when the watch has ended.
  bool ResolveSubscription();
  // The event as this watch sends it, or null when it sends nothing.
  std::shared_ptr<const v1::ReferralEvent> ShownLocked(
      const std::shared_ptr<const v1::ReferralEvent>& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues the visible ones of `events` and starts writing; true if any was queued.
  bool QueueLocked(std::vector<v1::ReferralEvent> events, std::vector<v1::AccessRecord>& audit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The access record a sent event owes: one per referral per watch, as a read of it.
  void AuditLocked(const v1::ReferralEvent& event, std::vector<v1::AccessRecord>& audit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  WatchDependencies dependencies_;
  WatchSelection selection_ ABSL_GUARDED_BY(mu_);
  // Set until the subscription it names is read.
  std::optional<v1::WatchReferralEventsRequest> subscription_request_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<const v1::ReferralEvent>> queue_ ABSL_GUARDED_BY(mu_);
  // The newest sequence queued or passed over.
  int64_t after_ ABSL_GUARDED_BY(mu_);
  bool attached_ ABSL_GUARDED_BY(mu_) = false;
  // Whether it has been live: only then does falling behind end it (one that starts behind
  // replays the log at its own pace).
  bool was_live_ ABSL_GUARDED_BY(mu_) = false;
  bool catching_up_ ABSL_GUARDED_BY(mu_) = false;
  // The request id the watch was opened with, for its access records.
  std::string request_id_;
  // Fingerprints of the referrals whose access this watch has recorded (forgotten when many):
  // a process may hold 10,000 watches, and each remembering thousands of names would take
  // gigabytes.
  absl::flat_hash_set<uint64_t> audited_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_EVENT_WATCH_H_
