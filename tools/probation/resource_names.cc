#include "tools/probation/resource_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/names/resource_name.h"

namespace probation::cli {
namespace {

absl::StatusOr<std::string> IdIn(absl::string_view collection, absl::string_view text,
                                 absl::string_view what) {
  absl::string_view id = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&id, absl::StrCat(collection, "/"));
  if (!IsResourceId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected an id or ", collection, "/<id>, got '", text, "'"));
  }
  return std::string(id);
}

}  // namespace

absl::StatusOr<std::string> ReferralName(absl::string_view text, absl::string_view what) {
  absl::StatusOr<std::string> id = IdIn("referrals", text, what);
  if (!id.ok()) return id.status();
  return ResourceName(kReferrals, *id);
}

absl::StatusOr<std::string> InterventionName(absl::string_view text, absl::string_view what) {
  absl::StatusOr<std::string> id = IdIn("interventions", text, what);
  if (!id.ok()) return id.status();
  return ResourceName(kInterventions, *id);
}

}  // namespace probation::cli
