#include "libs/client/service_channel.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/grpc.h"
#include "nlohmann/json.hpp"

namespace probation {
namespace {

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(absl::ToInt64Milliseconds(duration));
}

}  // namespace

std::string ServiceChannelConfig(absl::string_view health_service,
                                 const std::vector<std::string>& read_methods,
                                 int max_read_attempts) {
  nlohmann::json names = nlohmann::json::array();
  for (const std::string& method : read_methods) {
    std::vector<std::string> parts = absl::StrSplit(method, absl::MaxSplits('/', 1));
    nlohmann::json name = {{"service", parts[0]}};
    if (parts.size() == 2) name["method"] = parts[1];
    names.push_back(std::move(name));
  }
  nlohmann::json config = {
      // Every address the target resolves to takes calls in turn; pick_first would send
      // them all to one and stay there until it failed.
      {"loadBalancingConfig", {{{"round_robin", nlohmann::json::object()}}}},
      // Each address is watched (grpc.health.v1 Watch) and skipped while it is not SERVING:
      // starting, waiting for a dependency or draining.
      {"healthCheckConfig", {{"serviceName", std::string(health_service)}}}};
  if (!names.empty()) {
    config["methodConfig"] = {{{"name", names},
                               {"retryPolicy",
                                {{"maxAttempts", max_read_attempts},
                                 {"initialBackoff", "0.05s"},
                                 {"maxBackoff", "0.5s"},
                                 {"backoffMultiplier", 2},
                                 {"retryableStatusCodes", {"UNAVAILABLE"}}}}}};
  }
  return config.dump();
}

grpc::ChannelArguments ServiceChannelArguments(const google::protobuf::ServiceDescriptor& service,
                                               const ServiceChannelOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(options.max_message_bytes);
  arguments.SetMaxSendMessageSize(options.max_message_bytes);
  arguments.SetServiceConfigJSON(
      ServiceChannelConfig(service.full_name(), ReadMethodsOf(service), options.max_read_attempts));
  // Ours, whatever a DNS TXT record might say.
  arguments.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  // gRPC backs off up to two minutes between reconnection attempts by default.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, Milliseconds(kMaxReconnectBackoff));
  // A lost connection asks the resolver again (new pods behind a headless Service); gRPC
  // would otherwise wait 30 s between lookups.
  arguments.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 1000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(kPeerSilence));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(kPeerTimeout));
  // Idle connections too (each has its health watch open, which sends nothing), and with no
  // cap on pings between data frames, or gRPC stops pinging after two.
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return arguments;
}

std::vector<std::string> ReadMethodsOf(const google::protobuf::ServiceDescriptor& service) {
  std::vector<std::string> methods;
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    if (method.options().idempotency_level() != google::protobuf::MethodOptions::NO_SIDE_EFFECTS ||
        method.client_streaming() || method.server_streaming()) {
      continue;
    }
    methods.push_back(absl::StrCat(service.full_name(), "/", method.name()));
  }
  return methods;
}

}  // namespace probation
