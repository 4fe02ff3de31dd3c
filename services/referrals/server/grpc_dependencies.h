// InterventionDirectory and EligibilityGate over gRPC, each call with a deadline.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_GRPC_DEPENDENCIES_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_GRPC_DEPENDENCIES_H_

#include <memory>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "services/referrals/domain/dependencies.h"

namespace probation::referrals {

class GrpcInterventionDirectory final : public InterventionDirectory {
 public:
  GrpcInterventionDirectory(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(catalogue::v1::CatalogueService::NewStub(std::move(channel))), timeout_(timeout) {}
  absl::StatusOr<catalogue::v1::Intervention> GetIntervention(absl::string_view name) override;

 private:
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> stub_;
  absl::Duration timeout_;
};

class GrpcEligibilityGate final : public EligibilityGate {
 public:
  GrpcEligibilityGate(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(eligibility::v1::EligibilityService::NewStub(std::move(channel))),
        timeout_(timeout) {}
  absl::StatusOr<eligibility::v1::Verdict> CheckEligibility(
      const common::v1::PersonProfile& person, absl::string_view intervention) override;

 private:
  std::unique_ptr<eligibility::v1::EligibilityService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_GRPC_DEPENDENCIES_H_
