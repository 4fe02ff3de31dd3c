// Channels from the gateway to the services: bounded message sizes, quick reconnection once
// a service is back, and retries with backoff for the calls that only read, so a brief
// restart of a service costs a caller nothing.
#ifndef PROBATION_GATEWAY_BACKEND_CHANNEL_H_
#define PROBATION_GATEWAY_BACKEND_CHANNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/metrics/rpc_metrics.h"

namespace probation::gateway {

struct BackendChannelOptions {
  int max_message_bytes = 4 * 1024 * 1024;
  // Attempts for a read-only call, the first included.
  int max_read_attempts = 3;
  // Where each backend call is counted, if anywhere; must outlive the channel.
  RpcMetrics* metrics = nullptr;
  // Signs each call's identity for its method (libs/auth/grpc_identity.h): the caller's, or
  // the gateway's own; calls go unsigned (and are refused) when empty.
  std::string internal_secret;
  // The internal mutual TLS (libs/service/service_tls.h); plaintext when null.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// The gRPC service config that retries `read_methods` (full names "pkg.Service/Method", or
// "pkg.Service" for every method of it) on UNAVAILABLE.
std::string RetryingServiceConfig(const std::vector<std::string>& read_methods, int max_attempts);

std::shared_ptr<grpc::Channel> CreateBackendChannel(const std::string& address,
                                                    const std::vector<std::string>& read_methods,
                                                    const BackendChannelOptions& options);

// The unary methods of `service` whose proto declares `idempotency_level = NO_SIDE_EFFECTS`,
// as "pkg.Service/Method": the ones a retry cannot repeat a change with. Streams are left out,
// as gRPC cannot replay them. The protos are the one list; nothing is kept by hand.
std::vector<std::string> ReadMethodsOf(const google::protobuf::ServiceDescriptor& service);

// The read-only methods of each service.
const std::vector<std::string>& CatalogueReadMethods();
const std::vector<std::string>& EligibilityReadMethods();
const std::vector<std::string>& ReferralsReadMethods();

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_BACKEND_CHANNEL_H_
