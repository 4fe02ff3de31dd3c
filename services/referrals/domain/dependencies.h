// What the referral workflow needs from the other services, as interfaces so the workflow is
// plain C++: the catalogue (what an intervention is) and the eligibility service (a verdict
// at submission). grpc_dependencies.h implements them over gRPC.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_DEPENDENCIES_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_DEPENDENCIES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/common/v1/person_profile.pb.h"
#include "probation/eligibility/v1/verdict.pb.h"

namespace probation::referrals {

class InterventionDirectory {
 public:
  virtual ~InterventionDirectory() = default;
  // `name` is "interventions/{id}"; NOT_FOUND if the catalogue has no such intervention.
  virtual absl::StatusOr<catalogue::v1::Intervention> GetIntervention(absl::string_view name) = 0;
};

// Whether the catalogue says `intervention` is not offered in `region` at all.
inline bool NotOfferedIn(const catalogue::v1::Intervention& intervention,
                         absl::string_view region) {
  if (intervention.availability_scope() == catalogue::v1::AVAILABILITY_SCOPE_NONE) return true;
  for (const catalogue::v1::RegionalAvailability& offer : intervention.regions()) {
    if (offer.region() == region) {
      return offer.status() == catalogue::v1::AVAILABILITY_STATUS_NOT_OFFERED;
    }
  }
  return false;
}

class EligibilityGate {
 public:
  virtual ~EligibilityGate() = default;
  // The full verdict for the person and intervention; UNAVAILABLE if it cannot be had.
  virtual absl::StatusOr<eligibility::v1::Verdict> CheckEligibility(
      const common::v1::PersonProfile& person, absl::string_view intervention) = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_DEPENDENCIES_H_
