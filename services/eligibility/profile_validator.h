// Checks a PersonProfile before any rule reads it, and works out its facts. Every error is
// INVALID_ARGUMENT naming the field (e.g. "person.crn") with a google.rpc.BadRequest detail.
#ifndef PROBATION_SERVICES_ELIGIBILITY_PROFILE_VALIDATOR_H_
#define PROBATION_SERVICES_ELIGIBILITY_PROFILE_VALIDATOR_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "probation/common/v1/person_profile.pb.h"
#include "services/eligibility/catalogue_snapshot.h"
#include "services/eligibility/profile_facts.h"

namespace probation::eligibility {

// Ages outside this range are taken as a mistyped date of birth: the age of criminal
// responsibility in England and Wales is 10.
inline constexpr int kMinPlausibleAge = 10;
inline constexpr int kMaxPlausibleAge = 120;

// `field` is the profile's path in the request ("person"); `today` is used when the profile
// has no as_of_date. The facts point into `profile`, which must outlive them.
absl::StatusOr<ProfileFacts> ValidateProfile(const common::v1::PersonProfile& profile,
                                             absl::string_view field,
                                             const CatalogueSnapshot& catalogue,
                                             absl::CivilDay today);

// Parses an ISO 8601 calendar date (YYYY-MM-DD), rejecting impossible ones (2023-02-29).
bool ParseIsoDate(absl::string_view text, absl::CivilDay* day);

// Whole years from `born` to `on`; a 29 February birthday falls on 1 March in other years.
int AgeInYears(absl::CivilDay born, absl::CivilDay on);

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_PROFILE_VALIDATOR_H_
