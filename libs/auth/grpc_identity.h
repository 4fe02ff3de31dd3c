// The signed internal identity (internal_identity.h) on gRPC calls: servers read and check it
// from a call's metadata; a service's own clients sign every call with the service's name.
#ifndef PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_
#define PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/auth/internal_identity.h"

namespace probation {

// The identity the call carries; UNAUTHENTICATED, saying why, unless it is signed with
// `secret` and unexpired.
absl::StatusOr<Identity> VerifiedCaller(const grpc::ServerContextBase& context,
                                        absl::string_view secret);

// A channel to `address` whose calls carry `service_name`'s identity (ROLE_SERVICE), signed with
// `secret`, unless the call already carries one (the gateway signs each caller's own), and the
// request id of the call the thread is serving (libs/logging/request_id.h), over `credentials`
// (plaintext when null). INVALID_ARGUMENT if the secret is too short.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateSignedChannel(
    const std::string& address, absl::string_view service_name, absl::string_view secret,
    const grpc::ChannelArguments& arguments = grpc::ChannelArguments(),
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_GRPC_IDENTITY_H_
