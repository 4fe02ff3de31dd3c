// Who may do what with referrals, by role: the table (data/access_policy.textproto) every
// authorisation check of the service reads. Transitions and amendments are authorised by the
// state machines, which name their roles.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_POLICY_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_POLICY_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/common/v1/role.pb.h"
#include "probation/referrals/data/v1/access_policy.pb.h"

namespace probation::referrals {

class AccessPolicy {
 public:
  // Parses and checks a policy: each role listed once, a person's role, with a reason; a
  // role that refers or sets places has a scope to do it in. INVALID_ARGUMENT naming
  // `source` and the entry otherwise.
  static absl::StatusOr<AccessPolicy> Load(absl::string_view text, absl::string_view source);

  // The policy built into the binary. The service loads it at start (LoadEmbedded) and
  // refuses to start if it is invalid; were it ever invalid here, no role has any access.
  static absl::StatusOr<AccessPolicy> LoadEmbedded();
  static const AccessPolicy& Embedded();

  // What `role` may do; a role not listed (or ROLE_SERVICE) may do nothing.
  const data::v1::RoleAccess& For(common::v1::Role role) const;

 private:
  absl::flat_hash_map<int, data::v1::RoleAccess> roles_;
};

// The embedded text of data/access_policy.textproto.
absl::string_view EmbeddedAccessPolicyText();

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_POLICY_H_
