// Who is calling, as the gateway asserts it in request metadata.
#ifndef PROBATION_SERVICES_REFERRALS_CALLER_H_
#define PROBATION_SERVICES_REFERRALS_CALLER_H_

#include <string>

#include "absl/status/status.h"
#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::referrals {

struct Caller {
  // The JWT `sub`.
  std::string actor;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  // For staff: their region; for service providers: their provider.
  std::string region;
  std::string provider;
};

// UNAUTHENTICATED unless the call carried an identity with a role.
inline absl::Status RequireCaller(const Caller& caller) {
  if (caller.role == v1::ROLE_UNSPECIFIED || caller.actor.empty()) {
    return absl::UnauthenticatedError("the caller's identity and role are missing");
  }
  return absl::OkStatus();
}

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_CALLER_H_
