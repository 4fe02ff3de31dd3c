#include "services/relay/subscription_pipeline.h"

#include <algorithm>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/logging/json_log.h"
#include "services/relay/cloud_event.h"

namespace probation::relay {
namespace {

using referrals::v1::AcknowledgeEventsRequest;
using referrals::v1::DeadLetter;
using referrals::v1::ReferralEvent;
using referrals::v1::Subscription;

// Between reopening attempts of a stream that ended: doubling from the first to the last, and
// back to the first once a stream has delivered anything.
constexpr absl::Duration kFirstReconnectWait = absl::Milliseconds(100);
constexpr absl::Duration kLastReconnectWait = absl::Seconds(30);
// What AcknowledgeEvents takes at once.
constexpr size_t kMaxDeadLettersPerAck = 100;
constexpr size_t kMaxLastErrorLength = 1000;

std::string Truncated(std::string text) {
  if (text.size() > kMaxLastErrorLength) text.resize(kMaxLastErrorLength);
  return text;
}

}  // namespace

SubscriptionPipeline::SubscriptionPipeline(std::string subscription, Gateway& gateway,
                                           BearerTokenFile& token, PipelineSettings settings,
                                           const DeliveryLanes::PosterFactory& new_poster,
                                           RelayMetrics* metrics)
    : name_(std::move(subscription)),
      gateway_(gateway),
      token_(token),
      settings_(std::move(settings)),
      metrics_(metrics),
      replay_poster_(new_poster()) {
  lanes_ = std::make_unique<DeliveryLanes>(
      settings_.lanes, new_poster, settings_.retry,
      [this](const OutgoingEvent& event, const DeliveryResult& result) { OnDone(event, result); },
      metrics_);
}

SubscriptionPipeline::~SubscriptionPipeline() { Stop(); }

void SubscriptionPipeline::Start() {
  started_ = true;
  if (metrics_ != nullptr) metrics_->SetInFlight(name_, 0);
  watch_thread_ = std::thread([this] { WatchLoop(); });
  ack_thread_ = std::thread([this] { AckLoop(); });
  replay_thread_ = std::thread([this] { ReplayLoop(); });
}

void SubscriptionPipeline::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    if (watch_context_ != nullptr) watch_context_->TryCancel();
  }
  stop_.Notify();
  if (!started_) return;
  watch_thread_.join();
  ack_thread_.join();
  lanes_->Stop(settings_.shutdown_grace);
  abandon_.Notify();
  replay_thread_.join();
  // The last word: everything that finished, so a restart resends as little as it can.
  const bool acknowledged = SendAcks();
  absl::MutexLock lock(&mutex_);
  Log(acknowledged ? spdlog::level::info : spdlog::level::warn, "subscription_stopped",
      {{"subscription", name_},
       {"acknowledged_sequence", watermark_.acknowledged()},
       {"unfinished_events", watermark_.in_flight()}});
}

int64_t SubscriptionPipeline::acknowledged() const {
  absl::MutexLock lock(&mutex_);
  return watermark_.acknowledged();
}

std::unique_ptr<grpc::ClientContext> SubscriptionPipeline::NewContext(bool with_deadline) {
  absl::StatusOr<std::string> token = token_.Current();
  if (!token.ok()) {
    Log(spdlog::level::err, "token_unavailable",
        {{"error", std::string(token.status().message())}});
    return nullptr;
  }
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
  if (with_deadline) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + settings_.gateway_timeout));
  }
  return context;
}

void SubscriptionPipeline::WatchLoop() {
  absl::BitGen random;
  absl::Duration wait = kFirstReconnectWait;
  while (!stop_.HasBeenNotified()) {
    if (WatchOnce() > 0) wait = kFirstReconnectWait;
    // Half the wait and up to as much again at random: relays started together (or cut off by
    // one gateway restart) come back apart.
    const absl::Duration pause = wait / 2 + absl::Uniform(random, 0.0, 1.0) * (wait / 2);
    if (stop_.WaitForNotificationWithTimeout(pause)) break;
    wait = std::min(wait * 2, kLastReconnectWait);
  }
}

int64_t SubscriptionPipeline::WatchOnce() {
  std::unique_ptr<grpc::ClientContext> context = NewContext(false);
  if (context == nullptr) return 0;
  referrals::v1::WatchReferralEventsRequest request;
  request.set_subscription(name_);
  {
    absl::MutexLock lock(&mutex_);
    if (stopping_) return 0;
    // 0 after a start: the server resumes after the subscription's acknowledged sequence.
    request.set_after_sequence(watermark_.last_received());
    watch_context_ = context.get();
  }
  Log(spdlog::level::info, "watch_opened",
      {{"subscription", name_}, {"after_sequence", request.after_sequence()}});
  std::unique_ptr<grpc::ClientReaderInterface<ReferralEvent>> reader =
      gateway_.WatchReferralEvents(context.get(), request);
  int64_t received = 0;
  ReferralEvent event;
  while (true) {
    {
      // Bounded memory: no more reading (the stream's flow control holds the server back)
      // while max_in_flight events are unfinished.
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](SubscriptionPipeline* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
            return self->stopping_ || self->watermark_.held() < self->settings_.max_in_flight;
          },
          this));
      if (stopping_) break;
    }
    if (!reader->Read(&event)) break;
    ++received;
    Accept(event);
  }
  context->TryCancel();
  const grpc::Status status = reader->Finish();
  bool stopping;
  {
    absl::MutexLock lock(&mutex_);
    watch_context_ = nullptr;
    stopping = stopping_;
  }
  if (!stopping) {
    Log(status.error_code() == grpc::StatusCode::UNAVAILABLE || status.ok() ? spdlog::level::info
                                                                            : spdlog::level::warn,
        "watch_ended",
        {{"subscription", name_},
         {"code", static_cast<int>(status.error_code())},
         {"error", status.error_message()},
         {"events", received}});
  }
  return received;
}

void SubscriptionPipeline::Accept(const ReferralEvent& event) {
  OutgoingEvent outgoing;
  outgoing.sequence = event.sequence();
  outgoing.referral = event.referral().name();
  outgoing.id = CloudEventId(event, name_);
  absl::StatusOr<std::string> body = CloudEventJson(event, name_, settings_.event_source);
  {
    absl::MutexLock lock(&mutex_);
    if (event.sequence() <= 0 || !watermark_.Received(event.sequence())) {
      Log(spdlog::level::warn, "event_skipped",
          {{"subscription", name_},
           {"sequence", event.sequence()},
           {"reason", "not after the last sequence received"}});
      return;
    }
    if (!body.ok()) {
      // An event that cannot be encoded can never be delivered: a dead letter at once.
      Log(spdlog::level::err, "event_unencodable",
          {{"subscription", name_},
           {"sequence", event.sequence()},
           {"error", std::string(body.status().message())}});
      watermark_.DeadLettered(
          {event.sequence(), 0, Truncated(std::string(body.status().message()))});
      return;
    }
    if (metrics_ != nullptr) metrics_->SetInFlight(name_, watermark_.in_flight());
  }
  outgoing.body = *std::move(body);
  lanes_->Enqueue(std::move(outgoing));
}

void SubscriptionPipeline::OnDone(const OutgoingEvent& event, const DeliveryResult& result) {
  if (result.state == DeliveryState::kGivenUp) {
    Log(spdlog::level::warn, "event_dead_lettered",
        {{"subscription", name_},
         {"sequence", event.sequence},
         {"attempts", result.attempts},
         {"error", result.last_error}});
  }
  absl::MutexLock lock(&mutex_);
  if (result.state == DeliveryState::kDelivered) {
    watermark_.Delivered(event.sequence);
  } else {
    watermark_.DeadLettered({event.sequence, result.attempts, Truncated(result.last_error)});
  }
  if (metrics_ != nullptr) metrics_->SetInFlight(name_, watermark_.in_flight());
}

void SubscriptionPipeline::AckLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mutex_);
      mutex_.AwaitWithTimeout(
          absl::Condition(
              +[](SubscriptionPipeline* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
                // Early only when there is something to say: a burst finished behind an event
                // still being retried moves nothing, and would otherwise wake this in a loop.
                return self->stopping_ ||
                       (self->watermark_.done_since_ack() >= self->settings_.ack_max_events &&
                        self->watermark_.AckDue());
              },
              this),
          settings_.ack_interval);
      // The final acknowledgement is Stop's, once the lanes have finished.
      if (stopping_) return;
    }
    if (!SendAcks()) stop_.WaitForNotificationWithTimeout(settings_.ack_interval);
  }
}

grpc::Status SubscriptionPipeline::Acknowledge(const AcknowledgeEventsRequest& request,
                                               Subscription& response) {
  std::unique_ptr<grpc::ClientContext> context = NewContext(true);
  if (context == nullptr) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token");
  return gateway_.AcknowledgeEvents(context.get(), request, &response);
}

bool SubscriptionPipeline::SendAcks() {
  while (true) {
    std::optional<PendingAck> ack;
    {
      absl::MutexLock lock(&mutex_);
      ack = watermark_.NextAck(kMaxDeadLettersPerAck);
    }
    if (!ack.has_value()) return true;
    AcknowledgeEventsRequest request;
    request.set_subscription(name_);
    request.set_sequence(ack->sequence);
    for (const DeadLetterRecord& record : ack->dead_letters) {
      DeadLetter& dead_letter = *request.add_dead_letters();
      dead_letter.set_sequence(record.sequence);
      dead_letter.set_attempts(record.attempts);
      dead_letter.set_last_error(record.last_error);
    }
    Subscription response;
    const grpc::Status status = Acknowledge(request, response);
    if (!status.ok()) {
      Log(spdlog::level::warn, "acknowledge_failed",
          {{"subscription", name_},
           {"sequence", ack->sequence},
           {"dead_letters", ack->dead_letters.size()},
           {"code", static_cast<int>(status.error_code())},
           {"error", status.error_message()}});
      // Kept, whatever the error, and sent again after the interval: acknowledging past a dead
      // letter that was never recorded would lose its event. One refused for what it says
      // holds later acknowledgements back, and the log and the acknowledged-sequence gauge
      // show it.
      return false;
    }
    absl::MutexLock lock(&mutex_);
    watermark_.Acknowledged(*ack);
    if (metrics_ != nullptr) {
      metrics_->SetAcknowledgedSequence(name_, response.acknowledged_sequence());
    }
  }
}

void SubscriptionPipeline::ReplayLoop() {
  while (!stop_.WaitForNotificationWithTimeout(settings_.replay_poll_interval)) {
    ReplayRequested();
  }
}

void SubscriptionPipeline::ReplayRequested() {
  absl::BitGen random;
  referrals::v1::ListDeadLettersRequest request;
  request.set_parent(name_);
  request.set_replay_requested_only(true);
  request.set_page_size(100);
  do {
    std::unique_ptr<grpc::ClientContext> context = NewContext(true);
    if (context == nullptr) return;
    referrals::v1::ListDeadLettersResponse response;
    const grpc::Status status = gateway_.ListDeadLetters(context.get(), request, &response);
    if (!status.ok()) {
      Log(spdlog::level::warn, "replay_list_failed",
          {{"subscription", name_},
           {"code", static_cast<int>(status.error_code())},
           {"error", status.error_message()}});
      return;
    }
    for (const DeadLetter& dead_letter : response.dead_letters()) {
      if (!Replay(dead_letter, random)) return;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && !stop_.HasBeenNotified());
}

bool SubscriptionPipeline::Replay(const DeadLetter& dead_letter, absl::BitGenRef random) {
  if (stop_.HasBeenNotified()) return false;
  const int64_t sequence = dead_letter.event().sequence();
  absl::StatusOr<std::string> body =
      CloudEventJson(dead_letter.event(), name_, settings_.event_source);
  if (!dead_letter.has_event() || sequence <= 0 || !body.ok()) {
    // The subscription may no longer see it (its owner lost access to the referral): recorded
    // again with why, which clears the request instead of meeting it every poll.
    Log(spdlog::level::warn, "replay_skipped",
        {{"subscription", name_}, {"dead_letter", dead_letter.name()}, {"reason", "no event"}});
    AcknowledgeEventsRequest request;
    request.set_subscription(name_);
    DeadLetter& skipped = *request.add_dead_letters();
    skipped.set_sequence(dead_letter.sequence());
    skipped.set_attempts(dead_letter.attempts());
    skipped.set_last_error(
        body.ok() ? "replay skipped: the subscription can no longer see the event"
                  : Truncated(absl::StrCat("replay skipped: ", body.status().message())));
    Subscription response;
    if (const grpc::Status status = Acknowledge(request, response); !status.ok()) {
      Log(spdlog::level::warn, "replay_skip_not_recorded",
          {{"subscription", name_},
           {"dead_letter", dead_letter.name()},
           {"error", status.error_message()}});
    }
    return true;
  }
  OutgoingEvent outgoing{sequence, dead_letter.event().referral().name(),
                         CloudEventId(dead_letter.event(), name_), *std::move(body)};
  const DeliveryResult result = DeliverWithRetries(*replay_poster_, outgoing, settings_.retry,
                                                   {&stop_, &abandon_}, random, metrics_);
  if (result.state == DeliveryState::kAbandoned) return false;
  grpc::Status status;
  if (result.state == DeliveryState::kDelivered) {
    std::unique_ptr<grpc::ClientContext> context = NewContext(true);
    if (context == nullptr) return true;
    referrals::v1::DeleteDeadLetterRequest request;
    request.set_name(dead_letter.name());
    referrals::v1::DeleteDeadLetterResponse response;
    status = gateway_.DeleteDeadLetter(context.get(), request, &response);
  } else {
    // Recorded again as failed, which also clears its replay request.
    AcknowledgeEventsRequest request;
    request.set_subscription(name_);
    request.set_sequence(0);
    DeadLetter& failed = *request.add_dead_letters();
    failed.set_sequence(sequence);
    failed.set_attempts(dead_letter.attempts() + result.attempts);
    failed.set_last_error(Truncated(result.last_error));
    Subscription response;
    status = Acknowledge(request, response);
  }
  Log(status.ok() ? spdlog::level::info : spdlog::level::warn, "dead_letter_replayed",
      {{"subscription", name_},
       {"sequence", sequence},
       {"delivered", result.state == DeliveryState::kDelivered},
       {"attempts", result.attempts},
       {"error", status.ok() ? result.last_error : status.error_message()}});
  return true;
}

}  // namespace probation::relay
