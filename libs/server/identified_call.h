// The one way every server in the suite answers a unary call: who is calling is verified
// first, by the server's Authenticator (a bearer token at the gateway, the signed identity
// behind it), then the work runs with that Identity, inline or on a WorkerPool, and the call
// finishes with the work's status. A call that does not verify never reaches the work.
#ifndef PROBATION_LIBS_SERVER_IDENTIFIED_CALL_H_
#define PROBATION_LIBS_SERVER_IDENTIFIED_CALL_H_

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "libs/auth/identity.h"
#include "libs/logging/request_id.h"
#include "libs/logging/trace_context.h"
#include "libs/server/worker_pool.h"
#include "libs/status/grpc_status.h"

namespace probation {

// Verifies who is calling from a call's metadata: UNAUTHENTICATED, saying why, or the caller.
using Authenticator = std::function<absl::StatusOr<Identity>(const grpc::ServerContextBase&)>;

// The services behind the gateway: the identity the gateway (or another service) signed
// with `secret` (libs/auth/grpc_identity.h).
Authenticator SignedIdentityAuthenticator(std::string secret);

// The caller, or nullopt after finishing `reactor` with why not.
std::optional<Identity> IdentifyOrFinish(const grpc::CallbackServerContext& context,
                                         const Authenticator& authenticate,
                                         grpc::ServerUnaryReactor* reactor);

namespace internal_identified_call {

// The served call's span, as the server's interceptor put it in the call's traceparent.
TraceContext TraceOfServedCall(const grpc::CallbackServerContext& context);

// Puts what the work returned into the response: a value, a pointer to one, or nothing (the
// work filled the response itself and returned a status).
template <typename Result, typename Response>
absl::Status Deliver(Result result, Response* response) {
  if constexpr (std::is_same_v<Result, absl::Status>) {
    return result;
  } else {
    if (!result.ok()) return result.status();
    if constexpr (std::is_pointer_v<std::decay_t<decltype(*result)>>) {
      *response = **result;
    } else {
      *response = *std::move(result);
    }
    return absl::OkStatus();
  }
}

}  // namespace internal_identified_call

// Answers on the gRPC thread: for work that does not block.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* AnswerUnary(grpc::CallbackServerContext* context,
                                      const Authenticator& authenticate, Response* response,
                                      Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Identity> caller = IdentifyOrFinish(*context, authenticate, reactor);
  if (!caller.has_value()) return reactor;
  ScopedTrace scoped_trace(internal_identified_call::TraceOfServedCall(*context));
  reactor->Finish(ToGrpcStatus(internal_identified_call::Deliver(work(*caller), response)));
  return reactor;
}

// Answers on `pool`: for work that blocks (a database, another service). The call's request
// id and trace go with it, so the work's own calls and log lines carry them. `on_success` runs
// after work that succeeded, before the call finishes.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* AnswerUnaryOn(WorkerPool& pool, grpc::CallbackServerContext* context,
                                        const Authenticator& authenticate, Response* response,
                                        Work work, std::function<void()> on_success = nullptr) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Identity> caller = IdentifyOrFinish(*context, authenticate, reactor);
  if (!caller.has_value()) return reactor;
  std::string request_id;
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find(kRequestIdHeader); it != metadata.end()) {
    request_id.assign(it->second.data(), it->second.size());
  }
  pool.Schedule([reactor, response, work = std::move(work), caller = *std::move(caller),
                 on_success = std::move(on_success), request_id = std::move(request_id),
                 trace = internal_identified_call::TraceOfServedCall(*context)]() mutable {
    ScopedRequestId scoped_request_id(std::move(request_id));
    ScopedTrace scoped_trace(std::move(trace));
    absl::Status status = internal_identified_call::Deliver(work(caller), response);
    if (status.ok() && on_success) on_success();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_IDENTIFIED_CALL_H_
