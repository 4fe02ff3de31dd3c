#include "services/referrals/server/grpc_dependencies.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "libs/status/grpc_status.h"

namespace probation::referrals {
namespace {

// A failure of a dependency is reported as such; the caller's own input errors (e.g. an
// invalid profile) keep their code.
absl::Status FromDependency(const grpc::Status& status, absl::string_view service) {
  absl::Status converted = FromGrpcStatus(status);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(absl::StrCat(service, " did not answer in time"));
  }
  return converted;
}

}  // namespace

absl::StatusOr<catalogue::v1::Intervention> GrpcInterventionDirectory::GetIntervention(
    absl::string_view name) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  catalogue::v1::GetInterventionRequest request;
  request.set_name(std::string(name));
  catalogue::v1::Intervention intervention;
  grpc::Status status = stub_->GetIntervention(&context, request, &intervention);
  if (!status.ok()) return FromDependency(status, "the catalogue service");
  return intervention;
}

absl::StatusOr<eligibility::v1::Verdict> GrpcEligibilityGate::CheckEligibility(
    const common::v1::PersonProfile& person, absl::string_view intervention) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  eligibility::v1::CheckEligibilityRequest request;
  *request.mutable_person() = person;
  request.set_intervention(std::string(intervention));
  eligibility::v1::Verdict verdict;
  grpc::Status status = stub_->CheckEligibility(&context, request, &verdict);
  if (!status.ok()) return FromDependency(status, "the eligibility service");
  return verdict;
}

}  // namespace probation::referrals
