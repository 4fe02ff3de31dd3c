// A validated profile with what the rules read from it worked out once: the date it is judged
// at, the age on that date, and offences and needs as bit sets.
#ifndef PROBATION_SERVICES_ELIGIBILITY_PROFILE_FACTS_H_
#define PROBATION_SERVICES_ELIGIBILITY_PROFILE_FACTS_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "probation/common/v1/person_profile.pb.h"

namespace probation::eligibility {

struct ProfileFacts {
  // Not owned; outlives the facts.
  const common::v1::PersonProfile* profile = nullptr;
  absl::CivilDay as_of;
  // The profile's region, or the region of its PCC area when only that is recorded; empty
  // when neither is. Points into the profile or the catalogue snapshot.
  absl::string_view region;
  // Whole years at `as_of`; empty when the date of birth is not recorded.
  std::optional<int> age_years;
  // Bit n is set when OffenceCategory / NeedArea n is recorded.
  uint32_t offences = 0;
  uint32_t needs = 0;
  // Length of the requirement being proposed, in days; 0 when none is.
  int requirement_days = 0;

  bool HasOffence(int category) const { return (offences >> category) & 1U; }
  bool HasNeed(int area) const { return (needs >> area) & 1U; }
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_PROFILE_FACTS_H_
