#include "services/referrals/domain/access_policy.h"

#include "absl/strings/str_cat.h"
#include "libs/textproto/text_proto.h"

namespace probation::referrals {
namespace {

using data::v1::RoleAccess;

absl::Status Invalid(absl::string_view source, const RoleAccess& entry, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", common::v1::Role_Name(entry.role()), ": ", problem));
}

}  // namespace

absl::StatusOr<AccessPolicy> AccessPolicy::Load(absl::string_view text, absl::string_view source) {
  data::v1::AccessPolicy parsed;
  if (absl::Status status = ParseTextProto(text, source, &parsed); !status.ok()) return status;
  AccessPolicy policy;
  for (const RoleAccess& entry : parsed.roles()) {
    if (entry.role() == common::v1::ROLE_UNSPECIFIED || entry.role() == common::v1::ROLE_SERVICE) {
      return Invalid(source, entry, "only a person's role is given access");
    }
    if (entry.reason().empty()) return Invalid(source, entry, "says no reason");
    const bool acts = entry.refers() || entry.caseload() != data::v1::CASELOAD_UNSPECIFIED ||
                      entry.sets_capacity() != data::v1::CAPACITY_GRANT_UNSPECIFIED ||
                      entry.exports_person_data() || entry.manages_case_access() ||
                      entry.manages_subscriptions();
    if (acts && entry.scope() == data::v1::SCOPE_UNSPECIFIED) {
      return Invalid(source, entry, "is granted something but has no scope to do it in");
    }
    // A referral belongs to a region; a provider's scope names none to refer in.
    if (entry.refers() && entry.scope() == data::v1::SCOPE_OWN_PROVIDER) {
      return Invalid(source, entry, "refers, but its scope is a provider, not a region");
    }
    if (!policy.roles_.emplace(entry.role(), entry).second) {
      return Invalid(source, entry, "is listed twice");
    }
  }
  return policy;
}

absl::StatusOr<AccessPolicy> AccessPolicy::LoadEmbedded() {
  return Load(EmbeddedAccessPolicyText(), "embedded access policy");
}

const AccessPolicy& AccessPolicy::Embedded() {
  static const AccessPolicy* const kPolicy = [] {
    absl::StatusOr<AccessPolicy> policy = LoadEmbedded();
    return new AccessPolicy(policy.ok() ? *std::move(policy) : AccessPolicy());
  }();
  return *kPolicy;
}

const RoleAccess& AccessPolicy::For(common::v1::Role role) const {
  static const RoleAccess* const kNoAccess = new RoleAccess();
  const auto it = roles_.find(role);
  return it == roles_.end() ? *kNoAccess : it->second;
}

}  // namespace probation::referrals
