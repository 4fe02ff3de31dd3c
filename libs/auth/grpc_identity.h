// The signed internal identity (internal_identity.h) on gRPC calls. Clients sign on their
// channel, one call at a time, for the method called and until the call's deadline at the
// latest: a caller's identity the gateway set on the call (SetCallerIdentity), or else the
// calling service's own. Servers stamp the method they serve (ServedMethodStamp) and check the
// identity against it, so a captured header is good for one method, briefly.
#ifndef PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_
#define PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/auth/internal_identity.h"

namespace probation {

// The identity the call carries; UNAUTHENTICATED, saying why, unless it is signed with
// `secret` for the method being served and unexpired.
absl::StatusOr<Identity> VerifiedCaller(const grpc::ServerContextBase& context,
                                        absl::string_view secret);

// Sets who a call is made for; the channel's signing interceptor signs it for the call's
// method. `identity.expires` should be no later than the call needs.
void SetCallerIdentity(grpc::ClientContext& context, const Identity& identity);

// The interceptor that signs each call's identity with `secret`: the caller's
// (SetCallerIdentity), or else `service_name`'s (ROLE_SERVICE; nothing when empty). It also
// passes on the request id of the call the thread is serving (libs/logging/request_id.h).
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> IdentitySigner(
    std::string service_name, std::string secret);

// A channel to `address` whose calls are signed by IdentitySigner(service_name, secret), over
// `credentials` (plaintext when null), with `more` interceptors after it. INVALID_ARGUMENT if
// the secret is too short.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateSignedChannel(
    const std::string& address, absl::string_view service_name, absl::string_view secret,
    const grpc::ChannelArguments& arguments = grpc::ChannelArguments(),
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr,
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> more = {});

// The server interceptor that puts the served method beside each call's metadata
// (kServedMethodHeader), replacing any a client sent; VerifiedCaller needs it.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> ServedMethodStamp();

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_
