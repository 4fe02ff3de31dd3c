// Any text given as a state machines file is either loaded or refused with a message. A
// loaded set answers questions about every state without failing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/referrals/domain/state_machine_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto machines = probation::referrals::StateMachineSet::Load(text, "fuzz");
  if (!machines.ok()) {
    if (machines.status().message().empty()) __builtin_trap();
    return 0;
  }
  namespace v1 = probation::referrals::v1;
  for (int kind = 0; probation::catalogue::v1::InterventionKind_IsValid(kind); ++kind) {
    const auto intervention_kind = static_cast<probation::catalogue::v1::InterventionKind>(kind);
    for (int state = 0; v1::ReferralState_IsValid(state); ++state) {
      for (int role = 0; probation::common::v1::Role_IsValid(role); ++role) {
        machines->Allowed(intervention_kind, static_cast<v1::ReferralState>(state),
                          static_cast<v1::ReferralState>(state),
                          static_cast<probation::common::v1::Role>(role));
      }
    }
  }
  return 0;
}
