// Resource names from what people type: a referral as `abc` or `referrals/abc`, an
// intervention as `x` or `interventions/x`, an appointment as `abc/appointments/def` or
// `referrals/abc/appointments/def`, a programme group as `g` or `groups/g` and a group session
// as `g/sessions/3` or `groups/g/sessions/3`. The gateway wants the full name (AIP-122).
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

// "groups/{id}", likewise.
absl::StatusOr<std::string> GroupName(absl::string_view text, absl::string_view what);

// "groups/{group}/sessions/{session_number}", the "groups/" optional, the number from 1;
// INVALID_ARGUMENT naming `what` for anything else.
absl::StatusOr<std::string> GroupSessionName(absl::string_view text, absl::string_view what);

// The group of a session name GroupSessionName made: "groups/{group}".
std::string GroupOfSession(absl::string_view session);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_RESOURCE_NAMES_H_
