// Intervention capacity and live availability, in plain C++: who may set how many places an
// intervention offers in a region, and how many are free now, counted from the referrals in
// each state as the state machines' `capacity_use` says.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/capacity_store.h"
#include "services/referrals/domain/dependencies.h"
#include "services/referrals/domain/group_store.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

class CapacityWorkflow {
 public:
  // With `groups`, an intervention that runs programme groups in a region takes its places
  // from them (see BatchGetAvailability).
  CapacityWorkflow(const StateMachineSet& machines, CapacityStore& store,
                   InterventionDirectory& interventions, std::function<absl::Time()> now = nullptr,
                   GroupStore* groups = nullptr);

  absl::StatusOr<v1::Capacity> UpdateCapacity(const v1::UpdateCapacityRequest& request,
                                              const Identity& caller);
  absl::StatusOr<v1::Capacity> GetCapacity(const v1::GetCapacityRequest& request,
                                           const Identity& caller);
  // Months run by UTC. Where an intervention has programme groups in the region still running
  // or to come, its places and next start date are those of its groups starting in the next
  // kGroupsStartingSoon (free places, earliest start) rather than a capacity set by hand, and
  // its members still in a waiting state are not counted as waiting.
  absl::StatusOr<v1::BatchGetAvailabilityResponse> BatchGetAvailability(
      const v1::BatchGetAvailabilityRequest& request, const Identity& caller);

 private:
  // Replaces the rows of interventions with groups in `region` by their groups' places.
  absl::Status AddGroups(absl::string_view region,
                         std::map<std::pair<std::string, std::string>, v1::Availability>& rows,
                         std::map<std::pair<std::string, std::string>, int64_t>& holding);

  const StateMachineSet& machines_;
  CapacityStore& store_;
  InterventionDirectory& interventions_;
  std::function<absl::Time()> now_;
  GroupStore* groups_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_WORKFLOW_H_
