// A referral's move by one transition of its machine, as written: the referral in its new state
// (held-from, start of its place, times) and the history entry saying who moved it, why, and how
// long it sat in its state. Made by TransitionReferral and SubmitReferral, and by the delivery
// records that drive a move (Transition.driven_by).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_MOVE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_MOVE_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// Moves `write.referral` by `transition` at `now`, setting write.history and write.open.
void ApplyMove(const StateMachineSet& machines, const ResolvedTransition& transition,
               const Identity& caller, absl::string_view reason_code, absl::string_view notes,
               absl::Time now, ReferralWrite& write);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_MOVE_H_
