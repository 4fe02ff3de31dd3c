// The gRPC face of the eligibility service: picks the checker over the current catalogue,
// calls it, maps the status. ScreenCaseload reads and writes concurrently with a bounded
// queue, so a client can stream a caseload without waiting for each answer.
#ifndef PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_SERVER_H_
#define PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "libs/server/identified_call.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "services/eligibility/eligibility_checker.h"

namespace probation::eligibility {

// Returns the checker over the latest good catalogue, or null before one is loaded.
using CheckerSource = std::function<std::shared_ptr<const EligibilityChecker>()>;

// Responses a ScreenCaseload stream may hold unsent before it stops reading.
inline constexpr int kScreenQueueLimit = 64;

class EligibilityServer final : public v1::EligibilityService::CallbackService {
 public:
  // Calls must carry an identity signed with `identity_secret` (libs/auth/grpc_identity.h).
  EligibilityServer(CheckerSource checker, std::string identity_secret)
      : checker_(std::move(checker)),
        authenticate_(SignedIdentityAuthenticator(std::move(identity_secret))) {}

  grpc::ServerUnaryReactor* CheckEligibility(grpc::CallbackServerContext* context,
                                             const v1::CheckEligibilityRequest* request,
                                             v1::Verdict* response) override;
  grpc::ServerUnaryReactor* FindEligibleInterventions(
      grpc::CallbackServerContext* context, const v1::FindEligibleInterventionsRequest* request,
      v1::FindEligibleInterventionsResponse* response) override;
  grpc::ServerBidiReactor<v1::ScreenCaseloadRequest, v1::ScreenCaseloadResponse>* ScreenCaseload(
      grpc::CallbackServerContext* context) override;

 private:
  // The checker for a call from a trusted caller: UNAUTHENTICATED or UNAVAILABLE otherwise.
  absl::StatusOr<std::shared_ptr<const EligibilityChecker>> CheckerFor(
      const grpc::CallbackServerContext& context) const;
  // The checker for the catalogue loaded now; UNAVAILABLE before the first load.
  absl::StatusOr<std::shared_ptr<const EligibilityChecker>> LoadedChecker() const;

  CheckerSource checker_;
  const Authenticator authenticate_;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_SERVER_H_
