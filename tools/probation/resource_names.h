// Resource names from what people type: a referral as `abc` or `referrals/abc`, an
// intervention as `x` or `interventions/x`, an appointment as `abc/appointments/def` or
// `referrals/abc/appointments/def`. The gateway wants the full name (AIP-122).
#ifndef PROBATION_TOOLS_PROBATION_RESOURCE_NAMES_H_
#define PROBATION_TOOLS_PROBATION_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace probation::cli {

// "referrals/{id}"; INVALID_ARGUMENT naming `what` for an empty id, another collection or a
// nested name.
absl::StatusOr<std::string> ReferralName(absl::string_view text, absl::string_view what);

// "interventions/{id}", likewise.
absl::StatusOr<std::string> InterventionName(absl::string_view text, absl::string_view what);

// "referrals/{referral}/appointments/{appointment}", the "referrals/" optional; INVALID_ARGUMENT
// naming `what` for anything else.
absl::StatusOr<std::string> AppointmentName(absl::string_view text, absl::string_view what);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_RESOURCE_NAMES_H_
