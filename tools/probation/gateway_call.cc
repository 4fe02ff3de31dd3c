#include "tools/probation/gateway_call.h"

#include <ostream>

#include "absl/time/clock.h"
#include "tools/probation/command_line.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {

std::unique_ptr<grpc::ClientContext> NewCallContext(const CallSettings& settings,
                                                    std::optional<absl::Duration> timeout) {
  auto call = std::make_unique<grpc::ClientContext>();
  if (timeout) call->set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
  if (!settings.token.empty()) call->AddMetadata("authorization", "Bearer " + settings.token);
  if (!settings.request_id.empty()) call->AddMetadata("x-request-id", settings.request_id);
  return call;
}

int UsageFailure(CommandContext& context, const absl::Status& status) {
  *context.err << "error: " << status.message() << "\n";
  return kExitUsage;
}

int CallFailure(CommandContext& context, const grpc::Status& status) {
  *context.err << ErrorText(status);
  return kExitCallFailed;
}

IdempotencyKey NewIdempotencyKey(const CallSettings& settings) {
  if (!settings.request_id.empty()) return {.request_id = settings.request_id, .generated = false};
  return {.request_id = NewRequestId(), .generated = true};
}

int CreateFailure(CommandContext& context, const grpc::Status& status, const IdempotencyKey& key) {
  const int exit_code = CallFailure(context, status);
  if (key.generated && (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
    *context.err << "to retry without creating it twice: --request_id=" << key.request_id << "\n";
  }
  return exit_code;
}

absl::StatusOr<std::string> ReferralArgument(const CommandContext& context) {
  return ReferralName(context.arguments.at(0), "referral");
}

grpc::Status ResolveEtag(CommandContext& context, const std::string& name, std::string& etag) {
  etag = OptionReader(context.options).String("etag");
  if (!etag.empty()) return grpc::Status::OK;
  referrals::v1::GetReferralRequest request;
  request.set_name(name);
  referrals::v1::Referral current;
  grpc::Status status = Call(context, &Gateway::GetReferral, request, current);
  etag = current.etag();
  return status;
}

}  // namespace probation::cli
