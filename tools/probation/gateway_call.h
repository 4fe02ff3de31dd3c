// How a command calls the gateway and reports the outcome: the call's metadata and deadline
// from the global flags, the answer printed as --json asks, and the exit status.
#ifndef PROBATION_TOOLS_PROBATION_GATEWAY_CALL_H_
#define PROBATION_TOOLS_PROBATION_GATEWAY_CALL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "tools/probation/commands.h"
#include "tools/probation/output.h"

namespace probation::cli {

using Gateway = gateway::v1::InterventionsGateway::StubInterface;

template <typename Request, typename Response>
using UnaryMethod = grpc::Status (Gateway::*)(grpc::ClientContext*, const Request&, Response*);

// A call with the token and request id of `settings`, ending at `timeout` if one is given.
std::unique_ptr<grpc::ClientContext> NewCallContext(const CallSettings& settings,
                                                    std::optional<absl::Duration> timeout);

// Prints `error: message` and returns the usage exit status.
int UsageFailure(CommandContext& context, const absl::Status& status);

// Prints the call's error and returns the failed-call exit status.
int CallFailure(CommandContext& context, const grpc::Status& status);

template <typename Request, typename Response>
grpc::Status Call(CommandContext& context, UnaryMethod<Request, Response> method,
                  const Request& request, Response& response) {
  const std::unique_ptr<grpc::ClientContext> call =
      NewCallContext(context.settings, context.settings.timeout);
  return (context.gateway->*method)(call.get(), request, &response);
}

template <typename Request, typename Response>
int CallAndPrint(CommandContext& context, UnaryMethod<Request, Response> method,
                 const Request& request) {
  Response response;
  if (const grpc::Status status = Call(context, method, request, response); !status.ok()) {
    return CallFailure(context, status);
  }
  *context.out << Render(response, context.settings.json);
  return kExitOk;
}

// The idempotency key of a create (`referrals create`, `appointments schedule`, `groups
// create`): --request_id, or a new UUID when none was given.
struct IdempotencyKey {
  std::string request_id;
  bool generated = false;
};
IdempotencyKey NewIdempotencyKey(const CallSettings& settings);

// CallFailure for a create made with `key`. When the key was generated and the outcome is not
// known (UNAVAILABLE, DEADLINE_EXCEEDED: it may have been made all the same), also says how to
// retry with the same key, so that the retry finds it instead of making a second.
int CreateFailure(CommandContext& context, const grpc::Status& status, const IdempotencyKey& key);

// The referral named by the first argument.
absl::StatusOr<std::string> ReferralArgument(const CommandContext& context);

// The etag to write with: --etag, or else the referral's current one, read first.
grpc::Status ResolveEtag(CommandContext& context, const std::string& name, std::string& etag);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_GATEWAY_CALL_H_
