// `referrals amend` and `referrals changelog`: changes after submission, and their record.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/probation/commands.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/profile_flags.h"
#include "tools/probation/referral_update.h"

namespace probation::cli {

const std::vector<std::string>& AmendmentFlags() {
  static const std::vector<std::string>* flags = [] {
    auto* flags = new std::vector<std::string>(ReferralFieldFlags());
    flags->insert(flags->end(), {"assignee", "reason", "etag"});
    return flags;
  }();
  return *flags;
}

int ReferralsAmend(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  if (context.options.contains(kPersonFlag)) {
    return UsageFailure(context, InvalidFlag(kPersonFlag,
                                             "an amendment names each field it changes: use "
                                             "the profile flags, e.g. --needs"));
  }
  OptionReader reader(context.options);
  referrals::v1::AmendReferralRequest request;
  referrals::v1::Referral& referral = *request.mutable_referral();
  referral.set_name(*name);
  ReadReferralFields(reader, referral);
  referral.set_assignee(reader.String("assignee"));
  request.set_reason(reader.String("reason"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  if (absl::Status status = ApplyProfileFlags(context.options, *referral.mutable_person());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  // Paths in the Referral's field order, then the person's.
  for (const std::string& flag : ReferralFieldFlags()) {
    if (reader.Has(flag)) request.mutable_update_mask()->add_paths(flag);
  }
  if (reader.Has("assignee")) request.mutable_update_mask()->add_paths("assignee");
  for (const std::string& path : ProfilePathsOf(context.options)) {
    request.mutable_update_mask()->add_paths(path);
  }
  if (request.update_mask().paths().empty()) {
    std::vector<std::string> flags;
    for (const std::string& flag : ReferralFieldFlags()) flags.push_back("--" + flag);
    return UsageFailure(context, absl::InvalidArgumentError(absl::StrCat(
                                     "nothing to amend: give ", absl::StrJoin(flags, ", "),
                                     ", --assignee or a person profile flag such as --needs")));
  }
  if (const grpc::Status status = ResolveEtag(context, *name, *referral.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::AmendReferral, request);
}

int ReferralsChangelog(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  referrals::v1::GetReferralChangelogRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetReferralChangelog, request);
}

}  // namespace probation::cli
