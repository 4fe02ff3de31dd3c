// How every channel from one of the suite's processes to one of its services is set up, so
// that the gateway's channels and the services' own behave alike: calls balanced round-robin
// over every address the target resolves to (dns:///referrals:50053 for a headless Service's
// pods, or ipv4:10.0.0.1:50053,10.0.0.2:50053), each address used only while its health
// service reports the called service SERVING, reads retried on UNAVAILABLE, a lost peer
// noticed and a restarted one reconnected within a second.
#ifndef PROBATION_LIBS_CLIENT_SERVICE_CHANNEL_H_
#define PROBATION_LIBS_CLIENT_SERVICE_CHANNEL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/channel_arguments.h"

// The help of a flag that names a service's gRPC target (a literal, as flags' help is).
#define PROBATION_SERVICE_TARGET_HELP(service)       \
  "gRPC target of the " service                      \
  " service: `host:port`, or `dns:///host:port` or " \
  "`ipv4:addr:port,addr:port` to spread calls over replicas (operations: balancing)."

namespace probation {

// Each connection is pinged this long after it last heard from its peer, and dropped when
// the answer takes longer than kPeerTimeout: a peer cut off by the network (no reset, no
// FIN) is given up within kPeerSilence + kPeerTimeout, and its calls go to the others.
// Servers accept pings this often (libs/server/grpc_server.cc).
inline constexpr absl::Duration kPeerSilence = absl::Seconds(1);
inline constexpr absl::Duration kPeerTimeout = absl::Seconds(1);

// The longest wait between attempts to reconnect to an address. gRPC adds up to 20% either
// way, so 800 ms keeps a restarted service found within a second.
inline constexpr absl::Duration kMaxReconnectBackoff = absl::Milliseconds(800);

struct ServiceChannelOptions {
  int max_message_bytes = 4 * 1024 * 1024;
  // Attempts for a read-only call, the first included.
  int max_read_attempts = 3;
};

// The gRPC service config: round_robin, health checking by `health_service` (the name the
// called server reports SERVING while it is ready; libs/server/grpc_server.h), and retries
// of `read_methods` (full names "pkg.Service/Method", or "pkg.Service" for every method of
// it) on UNAVAILABLE.
std::string ServiceChannelConfig(absl::string_view health_service,
                                 const std::vector<std::string>& read_methods,
                                 int max_read_attempts);

// The channel arguments for calling `service`: its name is the health service checked, its
// reads (ReadMethodsOf) are retried.
grpc::ChannelArguments ServiceChannelArguments(const google::protobuf::ServiceDescriptor& service,
                                               const ServiceChannelOptions& options = {});

// The unary methods of `service` whose proto declares `idempotency_level = NO_SIDE_EFFECTS`,
// as "pkg.Service/Method": the ones a retry cannot repeat a change with. Streams are left out,
// as gRPC cannot replay them. The protos are the one list; nothing is kept by hand.
std::vector<std::string> ReadMethodsOf(const google::protobuf::ServiceDescriptor& service);

}  // namespace probation

#endif  // PROBATION_LIBS_CLIENT_SERVICE_CHANNEL_H_
