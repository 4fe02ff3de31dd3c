// The referral state machines, loaded from data and validated, and the questions the
// referrals service asks of them: which moves a role may make from a state, and whether a
// requested move is allowed and carries the reason and notes it needs.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_SET_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_SET_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::referrals {

// The machines compiled into the binary (services/referrals/data/state_machines.textproto).
absl::string_view EmbeddedStateMachinesText();

// A transition as it applies to one referral: a held referral's release resolves to the
// state it was held from.
struct ResolvedTransition {
  const v1::Transition* transition = nullptr;
  v1::ReferralState from = v1::REFERRAL_STATE_UNSPECIFIED;
  v1::ReferralState to = v1::REFERRAL_STATE_UNSPECIFIED;
};

class StateMachineSet {
 public:
  // Parses and validates; INVALID_ARGUMENT listing every fault as "source: machine: fault".
  static absl::StatusOr<StateMachineSet> Load(absl::string_view text, absl::string_view source);
  static absl::StatusOr<StateMachineSet> LoadFile(const std::string& path);

  // The machine for a kind of referral, with its DOT filled in; null if there is none.
  const v1::StateMachine* For(catalogue::v1::InterventionKind kind) const;

  // The move SubmitReferral makes.
  const v1::Transition* Submission(catalogue::v1::InterventionKind kind) const;

  const v1::StateInfo* State(catalogue::v1::InterventionKind kind, v1::ReferralState state) const;

  // What a referral in `state` counts against capacity; the same in every machine.
  v1::CapacityUse CapacityUseOf(v1::ReferralState state) const;
  // The states that wait for a place in the kinds delivered in programme groups (the waiting
  // list's), in order.
  std::vector<int> GroupWaitingStates() const {
    return {group_waiting_states_.begin(), group_waiting_states_.end()};
  }
  // Whether `role` runs some kind's programme groups (`group_delivery.roles`).
  bool RunsGroups(common::v1::Role role) const { return group_roles_.contains(role); }
  // How a referral that ends in `state` ended; unspecified for a state that is not terminal.
  v1::ClosingOutcome OutcomeOf(v1::ReferralState state) const;

  // The moves `role` may make from `state` with TransitionReferral. `held_from` is the state a
  // held referral returns to. Moves a delivery record makes (`driven_by`) are left out, but
  // for an admin.
  std::vector<ResolvedTransition> Allowed(catalogue::v1::InterventionKind kind,
                                          v1::ReferralState state, v1::ReferralState held_from,
                                          common::v1::Role role) const;

  // The move from `state` to `to`: FAILED_PRECONDITION if the machine has none,
  // PERMISSION_DENIED if `role` may not make it.
  absl::StatusOr<ResolvedTransition> Find(catalogue::v1::InterventionKind kind,
                                          v1::ReferralState state, v1::ReferralState held_from,
                                          v1::ReferralState to, common::v1::Role role) const;

  // The move the delivery fact `fact` makes from `state`, if the machine has one.
  std::optional<ResolvedTransition> DrivenBy(catalogue::v1::InterventionKind kind,
                                             v1::ReferralState state, v1::DeliveryFact fact) const;

  // INVALID_ARGUMENT naming `reason_code` or `notes` when the move needs them or the code is
  // not in its list.
  absl::Status CheckReason(catalogue::v1::InterventionKind kind,
                           const ResolvedTransition& transition, absl::string_view reason_code,
                           absl::string_view notes) const;

  // The rule that lets `role` amend `field` of a referral in `state`: INVALID_ARGUMENT naming
  // update_mask if the machine never lets it be amended, FAILED_PRECONDITION if not in this
  // state, PERMISSION_DENIED if not by this role.
  absl::StatusOr<const v1::AmendableField*> FindAmendable(catalogue::v1::InterventionKind kind,
                                                          v1::ReferralState state,
                                                          absl::string_view field,
                                                          common::v1::Role role) const;

 private:
  std::map<int, v1::StateMachine> machines_;
  std::map<v1::ReferralState, v1::CapacityUse> capacity_use_;
  std::map<v1::ReferralState, v1::ClosingOutcome> outcome_;
  std::set<int> group_waiting_states_;
  std::set<int> group_roles_;
};

// OK if `path` names a field of a referral that an amendment may change: INVALID_ARGUMENT
// for an unknown path or one covering an identity, scope, lifecycle or output field.
absl::Status CheckAmendablePath(absl::string_view path);

// FAILED_PRECONDITION (DELIVERY_RECORD_MISSING) for a move `role` asks of TransitionReferral
// that a delivery record makes, naming the record; OK for any other move, and for an admin.
absl::Status CheckNotDrivenByDelivery(const v1::Transition& transition, common::v1::Role role,
                                      absl::string_view referral_name);

// Whether `role` may make `transition`; the admin may make any.
bool RoleMayMake(const v1::Transition& transition, common::v1::Role role);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_SET_H_
