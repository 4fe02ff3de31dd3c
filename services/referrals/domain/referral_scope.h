// Which referrals a caller may see and act on: staff those of their own region, a service
// provider those sent to it, an admin all of them; and of those, none of a limited-access
// case that keeps the caller out (case_access_rules.h). A referral outside the caller's scope
// is reported as not found, so its existence does not leak.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_SCOPE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_SCOPE_H_

#include "absl/status/status.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral.pb.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

enum class ReferralScope {
  kNothing,
  kOwnRegion,
  kOwnProvider,
  kEverything,
};

// The scope a role grants (access_policy.h).
ReferralScope ScopeOfRole(common::v1::Role role);

bool InScope(const Identity& caller, const v1::Referral& referral);

// Whether the limited-access rules let the caller see the data of the person `crn` names. A
// role that manages the rules is not bound by them.
bool MaySeePerson(const Identity& caller, absl::string_view crn);

// NOT_FOUND worded like a missing referral unless `referral` is in the caller's scope.
absl::Status CheckInScope(const Identity& caller, const v1::Referral& referral);

// PERMISSION_DENIED unless the caller may create `referral` where it says it belongs.
absl::Status CheckMayCreate(const Identity& caller, const v1::Referral& referral);

// Narrows `query` to the caller's scope, limited-access cases left out. PERMISSION_DENIED when
// the query asks for another region or provider than the caller's own, naming the field.
absl::Status NarrowToScope(const Identity& caller, ListQuery& query);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_SCOPE_H_
