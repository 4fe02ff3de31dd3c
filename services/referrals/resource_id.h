// The form of the ids referrals name other things by: regions, providers, interventions.
#ifndef PROBATION_SERVICES_REFERRALS_RESOURCE_ID_H_
#define PROBATION_SERVICES_REFERRALS_RESOURCE_ID_H_

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace probation::referrals {

// Lower-case letters, digits and inner hyphens, e.g. "north-east" or "provider-a".
inline bool IsLowerHyphenated(absl::string_view id) {
  return !id.empty() && id.front() != '-' && id.back() != '-' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
         });
}

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_RESOURCE_ID_H_
