// Intervention capacity and live availability, in plain C++: who may set how many places an
// intervention offers in a region, and how many are free now, counted from the referrals in
// each state as the state machines' `capacity_use` says.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/capacity_store.h"
#include "services/referrals/domain/dependencies.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

class CapacityWorkflow {
 public:
  CapacityWorkflow(const StateMachineSet& machines, CapacityStore& store,
                   InterventionDirectory& interventions, std::function<absl::Time()> now = nullptr);

  absl::StatusOr<v1::Capacity> UpdateCapacity(const v1::UpdateCapacityRequest& request,
                                              const Identity& caller);
  absl::StatusOr<v1::Capacity> GetCapacity(const v1::GetCapacityRequest& request,
                                           const Identity& caller);
  // Months run by UTC.
  absl::StatusOr<v1::BatchGetAvailabilityResponse> BatchGetAvailability(
      const v1::BatchGetAvailabilityRequest& request, const Identity& caller);

 private:
  const StateMachineSet& machines_;
  CapacityStore& store_;
  InterventionDirectory& interventions_;
  std::function<absl::Time()> now_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_
