#include "tools/probation/referral_update.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/probation/profile_flags.h"

namespace probation::cli {
namespace {

using referrals::v1::Referral;
using referrals::v1::UpdateReferralRequest;

constexpr char kPersonPath[] = "person";

bool MasksPerson(const UpdateReferralRequest& request) {
  const auto& paths = request.update_mask().paths();
  return std::find(paths.begin(), paths.end(), kPersonPath) != paths.end();
}

}  // namespace

const std::vector<std::string>& ReferralFieldFlags() {
  static const std::vector<std::string>* flags = new std::vector<std::string>{
      "region", "provider", "reason_for_referral", "complexity_level", "desired_outcomes"};
  return *flags;
}

void ReadReferralFields(OptionReader& reader, Referral& referral) {
  referral.set_region(reader.String("region"));
  referral.set_provider(reader.String("provider"));
  referral.set_reason_for_referral(reader.String("reason_for_referral"));
  referral.set_complexity_level(reader.Enum<common::v1::ComplexityLevel>("complexity_level"));
  for (std::string& outcome : reader.List("desired_outcomes", kDesiredOutcomesSeparator)) {
    referral.add_desired_outcomes(std::move(outcome));
  }
}

absl::StatusOr<UpdateReferralRequest> BuildUpdateReferralRequest(absl::string_view name,
                                                                 const Options& options,
                                                                 std::istream& standard_input) {
  OptionReader reader(options);
  UpdateReferralRequest request;
  Referral& referral = *request.mutable_referral();
  referral.set_name(std::string(name));
  referral.set_etag(reader.String("etag"));
  ReadReferralFields(reader, referral);
  if (!reader.status().ok()) return reader.status();
  // Paths go in the Referral message's field order, whatever order the flags were typed in.
  if (HasProfileOptions(options)) {
    absl::StatusOr<common::v1::PersonProfile> person = ProfileFromOptions(options, standard_input);
    if (!person.ok()) return person.status();
    *referral.mutable_person() = *std::move(person);
    request.mutable_update_mask()->add_paths(kPersonPath);
  }
  for (const std::string& flag : ReferralFieldFlags()) {
    if (reader.Has(flag)) request.mutable_update_mask()->add_paths(flag);
  }
  if (request.update_mask().paths().empty()) {
    std::vector<std::string> flags;
    for (const std::string& flag : ReferralFieldFlags()) flags.push_back("--" + flag);
    return absl::InvalidArgumentError(absl::StrCat("nothing to update: give ",
                                                   absl::StrJoin(flags, ", "),
                                                   ", --person or a person profile flag"));
  }
  return request;
}

bool NeedsCurrentReferral(const Options& options, const UpdateReferralRequest& request) {
  return request.referral().etag().empty() ||
         (MasksPerson(request) && !options.contains(kPersonFlag));
}

absl::Status CompleteFromCurrentReferral(const Options& options, const Referral& current,
                                         UpdateReferralRequest& request) {
  Referral& referral = *request.mutable_referral();
  if (referral.etag().empty()) referral.set_etag(current.etag());
  if (MasksPerson(request) && !options.contains(kPersonFlag)) {
    common::v1::PersonProfile person = current.person();
    if (absl::Status status = ApplyProfileFlags(options, person); !status.ok()) return status;
    *referral.mutable_person() = std::move(person);
  }
  return absl::OkStatus();
}

}  // namespace probation::cli
