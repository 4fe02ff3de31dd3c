#include "gateway/caller_identity.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/auth/grpc_identity.h"
#include "libs/logging/request_id.h"
#include "libs/logging/trace_context.h"
#include "libs/names/resource_name.h"
#include "libs/status/error_reason.h"

namespace probation::gateway {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

std::string Metadata(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<Identity> Authenticate(const grpc::ServerContextBase& context,
                                      const JwtVerifier& verifier, absl::Time now) {
  const std::string authorization = Metadata(context, "authorization");
  if (authorization.empty()) {
    return WithReason(absl::UnauthenticatedError("send `authorization: Bearer <token>`"),
                      reason::kTokenMissing);
  }
  if (!absl::StartsWith(authorization, kBearer)) {
    return WithReason(absl::UnauthenticatedError("the authorization scheme must be Bearer"),
                      reason::kTokenMissing);
  }
  absl::StatusOr<Identity> caller =
      verifier.Verify(absl::string_view(authorization).substr(kBearer.size()), now);
  if (!caller.ok()) return caller;
  if (caller->role == common::v1::ROLE_UNSPECIFIED) {
    return absl::UnauthenticatedError("bearer token rejected: it grants no role the suite knows");
  }
  // Claims travel on to the services in metadata: each is checked before it goes anywhere.
  constexpr size_t kMaxSubjectBytes = 256;
  if (caller->actor.size() > kMaxSubjectBytes ||
      std::any_of(caller->actor.begin(), caller->actor.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return absl::UnauthenticatedError(
        "bearer token rejected: sub is too long or holds a control character");
  }
  for (const auto& [claim, value] :
       {std::pair{"region", &caller->region}, std::pair{"provider", &caller->provider}}) {
    if (!value->empty() && !IsResourceId(*value)) {
      return absl::UnauthenticatedError(absl::StrCat(
          "bearer token rejected: ", claim, " must be an id such as \"london\" or \"nacro\""));
    }
  }
  return caller;
}

Authenticator BearerTokenAuthenticator(const JwtVerifier& verifier, CallerRateLimiter* limiter) {
  return [&verifier, limiter](const grpc::ServerContextBase& context) -> absl::StatusOr<Identity> {
    const absl::Time now = absl::Now();
    absl::StatusOr<Identity> caller = Authenticate(context, verifier, now);
    if (!caller.ok() || limiter == nullptr) return caller;
    if (absl::Status admitted = limiter->Admit(caller->actor, now); !admitted.ok()) {
      return admitted;
    }
    return caller;
  };
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> BackendContext(
    const grpc::CallbackServerContext& incoming, const Identity& caller,
    const BackendCallOptions& options, BackendCallKind kind) {
  const absl::Time now = absl::Now();
  auto context = std::make_unique<grpc::ClientContext>();
  const auto incoming_deadline = incoming.deadline();
  const bool caller_has_deadline =
      incoming_deadline != std::chrono::system_clock::time_point::max();
  // A unary call's identity lasts as long as the call (and a little slack); a stream's as long
  // as the caller's token, which the service re-checks while the stream runs, ending it when
  // the token expires (the client resumes with a fresh one).
  absl::Time identity_expires;
  if (kind == BackendCallKind::kUnary) {
    absl::Time deadline = now + options.default_timeout;
    if (caller_has_deadline) deadline = std::min(deadline, absl::FromChrono(incoming_deadline));
    context->set_deadline(absl::ToChronoTime(deadline));
    // Long enough for this call, short enough that a captured header is soon useless.
    identity_expires = deadline + absl::Seconds(30);
  } else {
    identity_expires = caller.expires;
    if (caller_has_deadline) {
      context->set_deadline(incoming_deadline);
      // Rounded up to the whole second the identity carries, so a stream the caller's own
      // deadline ends ends DEADLINE_EXCEEDED, not as an expired identity a moment before.
      const absl::Time deadline =
          absl::UnixEpoch() +
          absl::Ceil(absl::FromChrono(incoming_deadline) - absl::UnixEpoch(), absl::Seconds(1));
      identity_expires = std::min(identity_expires, deadline);
    }
  }
  const std::string request_id = Metadata(incoming, kRequestIdHeader);
  if (!request_id.empty()) context->AddMetadata(kRequestIdHeader, request_id);
  // The gateway's span (its interceptor rewrote the traceparent) is the backend call's parent;
  // the caller's tracestate goes on unchanged, as the specification asks.
  for (const char* header : {kTraceparentHeader, kTracestateHeader}) {
    const std::string value = Metadata(incoming, header);
    if (!value.empty()) context->AddMetadata(header, value);
  }
  // Signed for its method by the backend channel (libs/auth/grpc_identity.h).
  SetCallerIdentity(*context,
                    {caller.actor, caller.role, caller.region, caller.provider, identity_expires});
  return context;
}

}  // namespace probation::gateway
