// Callers of the referrals domain in tests: a person's identity, as the gateway would sign it.
#ifndef PROBATION_TESTS_REFERRALS_TEST_CALLERS_H_
#define PROBATION_TESTS_REFERRALS_TEST_CALLERS_H_

#include <string>

#include "absl/time/time.h"
#include "libs/auth/identity.h"

namespace probation::referrals {

// `actor` in `role`, of `region` (staff) or `provider` (a service provider), never expiring.
inline Identity Person(const std::string& actor, common::v1::Role role,
                       const std::string& region = "", const std::string& provider = "") {
  Identity identity;
  identity.actor = actor;
  identity.role = role;
  identity.region = region;
  identity.provider = provider;
  identity.expires = absl::InfiniteFuture();
  return identity;
}

}  // namespace probation::referrals

#endif  // PROBATION_TESTS_REFERRALS_TEST_CALLERS_H_
