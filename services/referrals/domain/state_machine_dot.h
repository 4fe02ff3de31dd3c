// Renders a referral state machine as Graphviz DOT, for GetStateMachine and the pictures
// in the documentation.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_DOT_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_DOT_H_

#include <string>

#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::referrals {

// Closing states are double circles; a release from hold is drawn as a dashed edge back to
// every state the referral can be held from; edges are labelled with action and roles.
std::string ToDot(const v1::StateMachine& machine);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_STATE_MACHINE_DOT_H_
