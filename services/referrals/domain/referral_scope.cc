#include "services/referrals/domain/referral_scope.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/error_reason.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/case_access_rules.h"

namespace probation::referrals {
namespace {

// The caller's own region or provider, as its scope asks; empty when it has none.
const std::string& ScopeValue(const Identity& caller, ReferralScope scope) {
  static const std::string* const kNone = new std::string();
  switch (scope) {
    case ReferralScope::kOwnRegion:
      return caller.region;
    case ReferralScope::kOwnProvider:
      return caller.provider;
    default:
      return *kNone;
  }
}

const std::string& ReferralValue(const v1::Referral& referral, ReferralScope scope) {
  return scope == ReferralScope::kOwnRegion ? referral.region() : referral.provider();
}

}  // namespace

ReferralScope ScopeOfRole(common::v1::Role role) {
  switch (AccessPolicy::Embedded().For(role).scope()) {
    case data::v1::SCOPE_OWN_REGION:
      return ReferralScope::kOwnRegion;
    case data::v1::SCOPE_OWN_PROVIDER:
      return ReferralScope::kOwnProvider;
    case data::v1::SCOPE_EVERYTHING:
      return ReferralScope::kEverything;
    default:
      return ReferralScope::kNothing;
  }
}

bool InScope(const Identity& caller, const v1::Referral& referral) {
  const ReferralScope scope = ScopeOfRole(caller.role);
  if (scope == ReferralScope::kNothing) return false;
  if (scope != ReferralScope::kEverything) {
    const std::string& own = ScopeValue(caller, scope);
    if (own.empty() || own != ReferralValue(referral, scope)) return false;
  }
  return MaySeePerson(caller, referral.person().crn());
}

bool MaySeePerson(const Identity& caller, absl::string_view crn) {
  if (AccessPolicy::Embedded().For(caller.role).manages_case_access()) return true;
  return CaseAccessRules::Process().Allows(caller.actor, crn);
}

absl::Status CheckInScope(const Identity& caller, const v1::Referral& referral) {
  if (InScope(caller, referral)) return absl::OkStatus();
  return ResourceNotFoundError(kReferralType, referral.name(),
                               absl::StrCat("no referral ", referral.name()));
}

absl::Status CheckMayCreate(const Identity& caller, const v1::Referral& referral) {
  if (ScopeOfRole(caller.role) != ReferralScope::kOwnRegion) return absl::OkStatus();
  if (caller.region.empty()) {
    return absl::PermissionDeniedError("your identity names no region to refer in");
  }
  if (referral.region() != caller.region) {
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat("referral.region: you may refer only in ",
                                                 caller.region, ", your own region")),
        reason::kOutOfScope, {{"field", "referral.region"}});
  }
  return absl::OkStatus();
}

absl::Status NarrowToScope(const Identity& caller, ListQuery& query) {
  if (!AccessPolicy::Embedded().For(caller.role).manages_case_access()) {
    query.hidden_crns = CaseAccessRules::Process().HiddenFrom(caller.actor);
  }
  const ReferralScope scope = ScopeOfRole(caller.role);
  if (scope == ReferralScope::kEverything) return absl::OkStatus();
  if (scope == ReferralScope::kNothing) {
    return absl::PermissionDeniedError("your role may not list referrals");
  }
  const bool by_region = scope == ReferralScope::kOwnRegion;
  const std::string& own = ScopeValue(caller, scope);
  std::string& filter = by_region ? query.region : query.provider;
  const char* field = by_region ? "region" : "provider";
  if (own.empty()) {
    return absl::PermissionDeniedError(absl::StrCat("your identity names no ", field));
  }
  if (!filter.empty() && filter != own) {
    return WithReason(absl::PermissionDeniedError(absl::StrCat(
                          field, ": you may list only referrals of ", own, ", your own ", field)),
                      reason::kOutOfScope, {{"field", field}});
  }
  filter = own;
  return absl::OkStatus();
}

}  // namespace probation::referrals
