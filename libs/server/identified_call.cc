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

namespace probation::internal_identified_call {

TraceContext TraceOfServedCall(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(kTraceparentHeader);
  if (it == metadata.end()) return {};
  std::optional<TraceContext> span =
      ParseTraceparent(absl::string_view(it->second.data(), it->second.size()));
  return span.value_or(TraceContext{});
}

}  // namespace probation::internal_identified_call
