#include "libs/server/identified_call.h"

#include "libs/auth/grpc_identity.h"

namespace probation {

Authenticator SignedIdentityAuthenticator(std::string secret) {
  return [secret = std::move(secret)](const grpc::ServerContextBase& context) {
    return VerifiedCaller(context, secret);
  };
}

std::optional<Identity> IdentifyOrFinish(const grpc::CallbackServerContext& context,
                                         const Authenticator& authenticate,
                                         grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<Identity> caller = authenticate(context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return std::nullopt;
  }
  return *std::move(caller);
}

}  // namespace probation
