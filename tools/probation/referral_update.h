// The UpdateReferralRequest of `probation referrals update`: the fields given as flags and an
// update mask naming exactly those (AIP-134), so a field not mentioned keeps its value.
#ifndef PROBATION_TOOLS_PROBATION_REFERRAL_UPDATE_H_
#define PROBATION_TOOLS_PROBATION_REFERRAL_UPDATE_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "tools/probation/command_line.h"

namespace probation::cli {

// The flags that set a Referral field of the same name, besides the person's profile flags.
const std::vector<std::string>& ReferralFieldFlags();

// Desired outcomes are sentences, which may hold commas.
inline constexpr char kDesiredOutcomesSeparator = ';';

// Sets the ReferralFieldFlags() fields of `referral` from the flags; a bad value is left in
// `reader`'s status.
void ReadReferralFields(OptionReader& reader, referrals::v1::Referral& referral);

// The request for referral `name` from the flags alone: --etag, the referral fields, and the
// person from --person and the profile flags. INVALID_ARGUMENT naming the flag for a bad value,
// or when no flag changes anything.
absl::StatusOr<referrals::v1::UpdateReferralRequest> BuildUpdateReferralRequest(
    absl::string_view name, const Options& options, std::istream& standard_input);

// Whether the request needs the referral as it stands: for its etag when no --etag was given,
// and for the rest of the person when profile flags change part of it without --person.
bool NeedsCurrentReferral(const Options& options,
                          const referrals::v1::UpdateReferralRequest& request);

// Fills in from `current` what NeedsCurrentReferral says the request lacks.
absl::Status CompleteFromCurrentReferral(const Options& options,
                                         const referrals::v1::Referral& current,
                                         referrals::v1::UpdateReferralRequest& request);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_REFERRAL_UPDATE_H_
