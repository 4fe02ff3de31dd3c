// Who is calling the gateway, from the bearer token, and how that identity travels on to
// the services: a backend ClientContext with the caller's remaining deadline (capped), the
// request id, and the identity, which the backend channel signs for the method it calls.
#ifndef PROBATION_GATEWAY_CALLER_IDENTITY_H_
#define PROBATION_GATEWAY_CALLER_IDENTITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/caller_rate_limit.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "libs/auth/jwt.h"
#include "libs/server/identified_call.h"

namespace probation::gateway {

struct BackendCallOptions {
  // The longest a backend call may take, whatever the caller's own deadline.
  absl::Duration default_timeout = absl::Seconds(5);
};

// The caller, from `authorization: Bearer <token>`; UNAUTHENTICATED without a good token
// granting a role the suite knows.
absl::StatusOr<Identity> Authenticate(const grpc::ServerContextBase& context,
                                      const JwtVerifier& verifier, absl::Time now);

// The gateway's Authenticator (libs/server/identified_call.h): bearer tokens checked by
// `verifier`, then each caller's rate by `limiter` (if any); both must outlive it.
Authenticator BearerTokenAuthenticator(const JwtVerifier& verifier,
                                       CallerRateLimiter* limiter = nullptr);

// How long a backend call may last: a unary call gets the caller's remaining time capped by
// the default timeout; a stream lives as long as the caller's own call.
enum class BackendCallKind { kUnary, kStream };

// A context for one backend call made on behalf of `caller` during `incoming`.
absl::StatusOr<std::unique_ptr<grpc::ClientContext>> BackendContext(
    const grpc::CallbackServerContext& incoming, const Identity& caller,
    const BackendCallOptions& options, BackendCallKind kind = BackendCallKind::kUnary);

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_CALLER_IDENTITY_H_
