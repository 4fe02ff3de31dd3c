#include "tools/probation/resource_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/names/resource_name.h"

namespace probation::cli {
namespace {

constexpr absl::string_view kGroups = "groups";
constexpr absl::string_view kSessions = "sessions";

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

absl::StatusOr<std::string> AppointmentName(absl::string_view text, absl::string_view what) {
  absl::string_view name = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&name, absl::StrCat(kReferrals, "/"));
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 3 || !IsResourceId(parts[0]) || parts[1] != "appointments" ||
      !IsResourceId(parts[2])) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected referrals/<id>/appointments/<id>, got '", text, "'"));
  }
  return absl::StrCat(ResourceName(kReferrals, parts[0]), "/appointments/", parts[2]);
}

absl::StatusOr<std::string> GroupName(absl::string_view text, absl::string_view what) {
  absl::StatusOr<std::string> id = IdIn(kGroups, text, what);
  if (!id.ok()) return id.status();
  return ResourceName(kGroups, *id);
}

absl::StatusOr<std::string> GroupSessionName(absl::string_view text, absl::string_view what) {
  absl::string_view name = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&name, absl::StrCat(kGroups, "/"));
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  int number = 0;
  if (parts.size() != 3 || !IsResourceId(parts[0]) || parts[1] != kSessions ||
      !absl::SimpleAtoi(parts[2], &number) || number < 1 || absl::StrCat(number) != parts[2]) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected groups/<id>/sessions/<session number>, got '", text, "'"));
  }
  return absl::StrCat(ResourceName(kGroups, parts[0]), "/", kSessions, "/", number);
}

std::string GroupOfSession(absl::string_view session) {
  const size_t sessions = session.find(absl::StrCat("/", kSessions, "/"));
  return std::string(session.substr(0, sessions));
}

}  // namespace probation::cli
