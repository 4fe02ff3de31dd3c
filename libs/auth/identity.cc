#include "libs/auth/identity.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/status/error_reason.h"

namespace probation {

absl::Status RequirePerson(const Identity& caller) {
  if (!caller.IsPerson()) {
    return WithReason(absl::UnauthenticatedError("the caller's identity and role are missing"),
                      reason::kIdentityInvalid);
  }
  return absl::OkStatus();
}

std::string RoleClaimName(common::v1::Role role) {
  if (role == common::v1::ROLE_UNSPECIFIED || !common::v1::Role_IsValid(role)) return "";
  std::string name(common::v1::Role_Name(role).substr(sizeof("ROLE_") - 1));
  absl::AsciiStrToLower(&name);
  return name;
}

common::v1::Role RoleFromClaimName(absl::string_view name) {
  common::v1::Role role = common::v1::ROLE_UNSPECIFIED;
  // Only lower-case names are claims; "ROLE_ADMIN" or "Admin" are not.
  if (name.empty() || absl::AsciiStrToLower(name) != name) return role;
  if (!common::v1::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(name)), &role)) {
    return common::v1::ROLE_UNSPECIFIED;
  }
  return role;
}

}  // namespace probation
