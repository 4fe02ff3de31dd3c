#include "services/referrals/server/event_watch.h"

#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/time/clock.h"
#include "libs/logging/request_id.h"
#include "libs/status/error_reason.h"
#include "libs/status/grpc_status.h"
#include "services/referrals/domain/event_selection.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

// Pages one catch-up job reads when they hold nothing the caller may see, before it yields
// the pool to other watches.
constexpr int kPagesPerJob = 4;

}  // namespace

grpc::ServerWriteReactor<v1::ReferralEvent>* EventWatch::Start(
    grpc::CallbackServerContext* context, const v1::WatchReferralEventsRequest& request,
    absl::StatusOr<Identity> caller, const WatchDependencies& dependencies) {
  using Refused = RefusedStream<v1::ReferralEvent>;
  if (!caller.ok()) return new Refused(caller.status());
  if (ScopeOfRole(caller->role) == ReferralScope::kNothing) {
    return new Refused(absl::PermissionDeniedError("your role may not watch referral events"));
  }
  std::shared_ptr<EventWatch> watch;
  if (request.subscription().empty()) {
    absl::StatusOr<WatchSelection> selection = SelectionOfRequest(request, *caller);
    if (!selection.ok()) return new Refused(selection.status());
    watch = std::make_shared<EventWatch>(context, *std::move(caller), *std::move(selection),
                                         dependencies);
  } else {
    if (dependencies.subscriptions == nullptr) {
      return new Refused(absl::UnimplementedError("subscriptions are not served here"));
    }
    // Read on the stream pool (ResolveSubscription), not on gRPC's thread.
    WatchSelection placeholder;
    placeholder.scope = *caller;
    watch = std::make_shared<EventWatch>(context, *std::move(caller), std::move(placeholder),
                                         dependencies, request);
  }
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find(kRequestIdHeader); it != metadata.end()) {
    watch->request_id_.assign(it->second.data(), it->second.size());
  }
  if (watch->Open(dependencies.streams, StreamKind::kWatch, watch)) {
    {
      absl::MutexLock lock(&watch->mu_);
      watch->catching_up_ = true;
    }
    watch->ScheduleCatchUp();
  }
  return watch.get();
}

EventWatch::EventWatch(grpc::CallbackServerContext* context, Identity caller,
                       WatchSelection selection, const WatchDependencies& dependencies,
                       std::optional<v1::WatchReferralEventsRequest> subscription_request)
    : BoundedStream(context, dependencies.streams.limits(), std::move(caller), "the watch"),
      dependencies_(dependencies),
      selection_(std::move(selection)),
      subscription_request_(std::move(subscription_request)),
      after_(selection_.after_sequence) {}

bool EventWatch::AttachIfAtLeast(int64_t head) {
  absl::MutexLock lock(&mu_);
  if (after_ < head) return false;
  attached_ = true;
  was_live_ = true;
  return true;
}

bool EventWatch::Offer(const std::shared_ptr<const v1::ReferralEvent>& event,
                       std::vector<v1::AccessRecord>& audit) {
  absl::MutexLock lock(&mu_);
  if (event->sequence() <= after_) return true;
  if (queue_.size() >= static_cast<size_t>(limits().watch_buffer)) {
    // Too far behind to be fed: it reads on from the store once its queue is written
    // (AfterWrite), as a watch that starts behind does, at its reader's pace.
    attached_ = false;
    return false;
  }
  // The sequence advances past events the watch does not send.
  after_ = event->sequence();
  std::shared_ptr<const v1::ReferralEvent> shown = ShownLocked(event);
  if (shown == nullptr) return true;
  AuditLocked(*shown, audit);
  queue_.push_back(std::move(shown));
  StartWriteLocked(queue_.front().get());
  return true;
}

std::shared_ptr<const v1::ReferralEvent> EventWatch::ShownLocked(
    const std::shared_ptr<const v1::ReferralEvent>& event) {
  if (!Admitted(selection_, *event)) return nullptr;
  // FULL shares the one copy every watch is handed; BASIC is a smaller copy of its own.
  if (selection_.view != v1::EVENT_VIEW_BASIC) return event;
  return std::make_shared<const v1::ReferralEvent>(BasicView(*event));
}

void EventWatch::OnEnding() {
  dependencies_.fanout.Detach(this);
  absl::MutexLock lock(&mu_);
  // The event being written stays until its write completes.
  while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
}

void EventWatch::WriteDoneLocked() { queue_.pop_front(); }

void EventWatch::AfterWrite() {
  {
    absl::MutexLock lock(&mu_);
    if (!queue_.empty()) return StartWriteLocked(queue_.front().get());
    if (attached_ || catching_up_) return;
    catching_up_ = true;
  }
  ScheduleCatchUp();
}

grpc::Status EventWatch::PastMaxDuration() {
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      absl::StrCat("the watch has run for ", absl::FormatDuration(limits().max_duration),
                   ", the longest one may; ", ResumeHint()));
}

std::string EventWatch::ResumeHint() { return "watch again from the last sequence you received"; }

void EventWatch::ScheduleCatchUp() {
  if (!BeginJob()) return;
  dependencies_.pool.Schedule([watch = shared_from_this()] { watch->CatchUp(); });
}

bool EventWatch::ResolveSubscription() {
  std::optional<v1::WatchReferralEventsRequest> request;
  {
    absl::MutexLock lock(&mu_);
    request = std::exchange(subscription_request_, std::nullopt);
  }
  if (!request.has_value()) return true;
  absl::StatusOr<WatchSelection> selection =
      dependencies_.subscriptions->ResolveWatch(*request, caller());
  if (!selection.ok()) {
    End(ToGrpcStatus(selection.status()));
    return false;
  }
  absl::MutexLock lock(&mu_);
  after_ = selection->after_sequence;
  selection_ = *std::move(selection);
  return true;
}

void EventWatch::CatchUp() {
  // The first job resolves the subscription, before the watch writes or attaches, so no
  // other job of it can be running yet.
  if (!ResolveSubscription()) return EndJob();
  for (int page = 0; page < kPagesPerJob && !Ending(); ++page) {
    switch (dependencies_.fanout.AttachIfCaughtUp(shared_from_this())) {
      case EventFanout::Attach::kAttached:
      case EventFanout::Attach::kClosed: {
        // A closed fan-out has ended the watch already, or ends it as it closes.
        {
          absl::MutexLock lock(&mu_);
          catching_up_ = false;
        }
        return EndJob();
      }
      case EventFanout::Attach::kBehind:
        break;
    }
    int64_t after;
    bool was_live;
    {
      absl::MutexLock lock(&mu_);
      after = after_;
      was_live = was_live_;
    }
    if (const int64_t behind = dependencies_.fanout.head() - after;
        was_live && behind > limits().max_watch_lag) {
      EndJob();
      return End(ToGrpcStatus(
          WithReason(absl::ResourceExhaustedError(absl::StrCat(
                         "the watch fell ", behind, " events behind the newest, more than ",
                         limits().max_watch_lag, " may; ", ResumeHint())),
                     reason::kWatchTooFarBehind, {{"after_sequence", absl::StrCat(after)}})));
    }
    absl::StatusOr<std::vector<v1::ReferralEvent>> events =
        dependencies_.store.EventsAfter(after, EventFanout::kPage);
    if (!events.ok()) {
      EndJob();
      return End(ToGrpcStatus(events.status()));
    }
    bool queued;
    std::vector<v1::AccessRecord> audit;
    {
      absl::MutexLock lock(&mu_);
      queued = QueueLocked(*std::move(events), audit);
      // The next page is read once these are written (AfterWrite).
      if (queued) catching_up_ = false;
    }
    // Without the lock: the audit may make a full queue wait, which a job on this pool may.
    if (dependencies_.audit != nullptr) {
      for (v1::AccessRecord& record : audit) dependencies_.audit->Record(std::move(record));
    }
    if (queued) return EndJob();
  }
  EndJob();
  if (!Ending()) ScheduleCatchUp();
}

bool EventWatch::QueueLocked(std::vector<v1::ReferralEvent> events,
                             std::vector<v1::AccessRecord>& audit) {
  bool queued = false;
  for (v1::ReferralEvent& event : events) {
    if (event.sequence() <= after_) continue;
    after_ = event.sequence();
    std::shared_ptr<const v1::ReferralEvent> shown =
        ShownLocked(std::make_shared<const v1::ReferralEvent>(std::move(event)));
    if (shown == nullptr) continue;
    AuditLocked(*shown, audit);
    queue_.push_back(std::move(shown));
    queued = true;
  }
  if (!queue_.empty()) StartWriteLocked(queue_.front().get());
  return queued;
}

void EventWatch::AuditLocked(const v1::ReferralEvent& event, std::vector<v1::AccessRecord>& audit) {
  // Bounded: a watch that has sent many referrals records them afresh. Remembering only the
  // recent ones loses little, since a referral's moves come in bursts, days apart; 128 keep
  // each watch's memory of them within 2.3 KB. Two referrals sharing a 64-bit fingerprint in
  // one watch, the second then going unrecorded, is as likely as 1 in 10^15.
  constexpr size_t kMostRemembered = 128;
  // A BASIC view sends no personal data, so reads nobody's.
  if (selection_.view == v1::EVENT_VIEW_BASIC) return;
  const uint64_t fingerprint = absl::Hash<absl::string_view>{}(event.referral().name());
  if (dependencies_.audit == nullptr || audited_.contains(fingerprint)) return;
  if (audited_.size() >= kMostRemembered) audited_.clear();
  audited_.insert(fingerprint);
  v1::AccessRecord record =
      AccessRecordOf(caller(), "WatchReferralEvents", event.referral().person().crn(),
                     event.referral().name(), v1::AccessRecord::OUTCOME_ALLOWED, absl::Now());
  record.set_request_id(request_id_);
  audit.push_back(std::move(record));
}

}  // namespace probation::referrals
