// Who is calling: the one type the gateway verifies a bearer token into, signs for the
// services (internal_identity.h), and every service reads back and authorises against.
#ifndef PROBATION_LIBS_AUTH_IDENTITY_H_
#define PROBATION_LIBS_AUTH_IDENTITY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "probation/common/v1/role.pb.h"

namespace probation {

struct Identity {
  // The token's `sub`, or the name of the service making its own call.
  std::string actor;
  // The role acted in; ROLE_UNSPECIFIED when the token grants none the suite knows.
  common::v1::Role role = common::v1::ROLE_UNSPECIFIED;
  // For staff: the region they work in.
  std::string region;
  // For service providers: the provider they work for.
  std::string provider;
  // Until when the identity may be relied on.
  absl::Time expires = absl::InfinitePast();

  // A person acting in one of the suite's roles, as opposed to nobody or a service.
  bool IsPerson() const {
    return !actor.empty() && role != common::v1::ROLE_UNSPECIFIED &&
           role != common::v1::ROLE_SERVICE;
  }
};

// UNAUTHENTICATED unless the caller is a person acting in one of the suite's roles: what a
// service that acts for people (referrals) asks before anything else.
absl::Status RequirePerson(const Identity& caller);

// How tokens and signed identities name a role: "probation_practitioner" for
// ROLE_PROBATION_PRACTITIONER; empty for ROLE_UNSPECIFIED.
std::string RoleClaimName(common::v1::Role role);

// The role a claim names, or ROLE_UNSPECIFIED for a name the suite does not know.
common::v1::Role RoleFromClaimName(absl::string_view name);

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_IDENTITY_H_
