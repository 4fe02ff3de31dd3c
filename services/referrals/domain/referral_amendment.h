// Amendments after submission, generic over the referral's fields: the state machine data
// says which update_mask paths may change in which states and by whom; this applies the
// named fields by reflection and writes down each change as a changelog entry.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_AMENDMENT_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_AMENDMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// Applies `request` to `referral` (its stored version) as the caller, checking every path
// against the machine's amendment rules for the referral's current state. Returns one entry
// per field whose value changed (without etag), empty when nothing did. Errors name the field:
// INVALID_ARGUMENT, FAILED_PRECONDITION (not in this state), PERMISSION_DENIED (not by this
// role).
absl::StatusOr<std::vector<v1::ChangelogEntry>> ApplyAmendment(
    const StateMachineSet& machines, const v1::AmendReferralRequest& request,
    const Identity& caller, absl::Time now, v1::Referral& referral);

// The value at `path` (a field mask path) of `message` as JSON: "" for an empty string, [] for
// an empty list, null for an unset message.
std::string FieldValueJson(const google::protobuf::Message& message, absl::string_view path);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_AMENDMENT_H_
