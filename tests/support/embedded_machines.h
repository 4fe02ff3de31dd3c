// The referral state machines compiled into the service, loaded once for a test binary.
#ifndef PROBATION_TESTS_SUPPORT_EMBEDDED_MACHINES_H_
#define PROBATION_TESTS_SUPPORT_EMBEDDED_MACHINES_H_

#include "gtest/gtest.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::testing {

inline const referrals::StateMachineSet& EmbeddedMachines() {
  static const referrals::StateMachineSet* machines = [] {
    auto loaded =
        referrals::StateMachineSet::Load(referrals::EmbeddedStateMachinesText(), "embedded");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new referrals::StateMachineSet(*std::move(loaded));
  }();
  return *machines;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_EMBEDDED_MACHINES_H_
