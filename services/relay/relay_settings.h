// The relay's own settings (its flags, beside the shared ones in libs/service), read and
// checked into the typed values main() wires together.
#ifndef PROBATION_SERVICES_RELAY_RELAY_SETTINGS_H_
#define PROBATION_SERVICES_RELAY_RELAY_SETTINGS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/service/service_main.h"
#include "services/relay/cloud_event.h"
#include "services/relay/retry_policy.h"
#include "services/relay/webhook_sender.h"

namespace probation::relay {

// How a subscription's pipeline runs: its batching, bounds and pauses.
struct PipelineSettings {
  int lanes = 16;
  int max_in_flight = 10000;
  // Acknowledge at least this often while events finish, and at once after this many.
  absl::Duration ack_interval = absl::Milliseconds(200);
  int ack_max_events = 500;
  absl::Duration replay_poll_interval = absl::Seconds(5);
  // The deadline of each unary call to the gateway.
  absl::Duration gateway_timeout = absl::Seconds(10);
  // Attempts under way get this long to finish at shutdown.
  absl::Duration shutdown_grace = absl::Seconds(5);
  RetryPolicy retry;
  // The CloudEvents `source` of every event.
  std::string event_source = kCloudEventSource;
};

struct RelaySettings {
  // "subscriptions/{id}", at least one.
  std::vector<std::string> subscriptions;
  std::string gateway_address;
  std::shared_ptr<grpc::ChannelCredentials> gateway_credentials;
  grpc::ChannelArguments gateway_arguments;
  std::string token_file;
  WebhookSenderOptions webhook;
  PipelineSettings pipeline;
};

// The settings from the flags and the environment; an invalid one exits through
// `service.Fail` naming it.
RelaySettings ReadRelaySettings(const ServiceMain& service);

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_RELAY_SETTINGS_H_
