// The relay's gRPC side for one subscription: reads the subscription's event stream through
// the gateway (reopening it after any end, resuming after the newest event received), hands
// each event to the delivery lanes, acknowledges the contiguous watermark of finished events
// with the dead letters it covers, and delivers the dead letters an admin asked to replay.
#ifndef PROBATION_SERVICES_RELAY_SUBSCRIPTION_PIPELINE_H_
#define PROBATION_SERVICES_RELAY_SUBSCRIPTION_PIPELINE_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/client_context.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "services/relay/ack_watermark.h"
#include "services/relay/bearer_token_file.h"
#include "services/relay/delivery_lanes.h"
#include "services/relay/relay_metrics.h"
#include "services/relay/relay_settings.h"

namespace probation::relay {

class SubscriptionPipeline {
 public:
  using Gateway = gateway::v1::InterventionsGateway::StubInterface;

  // `gateway`, `token` and `metrics` (which may be null) must outlive the pipeline.
  SubscriptionPipeline(std::string subscription, Gateway& gateway, BearerTokenFile& token,
                       PipelineSettings settings, const DeliveryLanes::PosterFactory& new_poster,
                       RelayMetrics* metrics);
  // Stop() if not stopped yet.
  ~SubscriptionPipeline();
  SubscriptionPipeline(const SubscriptionPipeline&) = delete;
  SubscriptionPipeline& operator=(const SubscriptionPipeline&) = delete;

  void Start();

  // Stops reading, gives deliveries under way the shutdown grace, then acknowledges what
  // finished. Whatever did not is delivered again after a restart.
  void Stop();

  // The newest sequence the server has confirmed as acknowledged by this pipeline.
  int64_t acknowledged() const;

 private:
  void WatchLoop();
  // One stream, from open to end; the events it received.
  int64_t WatchOnce();
  void Accept(const referrals::v1::ReferralEvent& event);
  void OnDone(const OutgoingEvent& event, const DeliveryResult& result);
  void AckLoop();
  // Sends every acknowledgement due; false when the gateway refused or failed one.
  bool SendAcks();
  void ReplayLoop();
  void ReplayRequested();
  // Delivers one dead letter again: deleted once delivered, its failure recorded otherwise.
  // False when the shutdown cut it short.
  bool Replay(const referrals::v1::DeadLetter& dead_letter, absl::BitGenRef random);
  // A call context with the bearer token; null (logged) when there is no token to send.
  std::unique_ptr<grpc::ClientContext> NewContext(bool with_deadline);
  grpc::Status Acknowledge(const referrals::v1::AcknowledgeEventsRequest& request,
                           referrals::v1::Subscription& response);

  const std::string name_;
  Gateway& gateway_;
  BearerTokenFile& token_;
  const PipelineSettings settings_;
  RelayMetrics* const metrics_;

  mutable absl::Mutex mutex_;
  AckWatermark watermark_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::ClientContext* watch_context_ ABSL_GUARDED_BY(mutex_) = nullptr;

  // For timed waits: notified with stopping_ set.
  absl::Notification stop_;
  // Cuts a replay's attempt short once the shutdown grace is over.
  absl::Notification abandon_;
  std::unique_ptr<DeliveryLanes> lanes_;
  std::unique_ptr<WebhookPoster> replay_poster_;
  std::thread watch_thread_;
  std::thread ack_thread_;
  std::thread replay_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_SUBSCRIPTION_PIPELINE_H_
