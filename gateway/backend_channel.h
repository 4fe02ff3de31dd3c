// Channels from the gateway to the services, set up as every channel between the suite's
// processes is (libs/client/service_channel.h: round-robin over the target's addresses,
// health-checked, reads retried, quick to reconnect), signing each call with the caller's
// identity and counting it.
#ifndef PROBATION_GATEWAY_BACKEND_CHANNEL_H_
#define PROBATION_GATEWAY_BACKEND_CHANNEL_H_

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/client/service_channel.h"
#include "libs/metrics/rpc_metrics.h"

namespace probation::gateway {

struct BackendChannelOptions {
  // Message sizes and read retries.
  ServiceChannelOptions channel;
  // Where each backend call is counted, if anywhere; must outlive the channel.
  RpcMetrics* metrics = nullptr;
  // Signs each call's identity for its method (libs/auth/grpc_identity.h): the caller's, or
  // the gateway's own; calls go unsigned (and are refused) when empty.
  std::string internal_secret;
  // The internal mutual TLS (libs/service/service_tls.h); plaintext when null.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// A channel to `service` at the gRPC target `target` (host:port, dns:///host:port,
// ipv4:addr:port,addr:port, ...).
std::shared_ptr<grpc::Channel> CreateBackendChannel(
    const std::string& target, const google::protobuf::ServiceDescriptor& service,
    const BackendChannelOptions& options);

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_BACKEND_CHANNEL_H_
