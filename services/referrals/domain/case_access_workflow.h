// The admins' side of who may see a case: limited-access cases set, read and lifted
// (SetCaseAccess, GetCaseAccess, DeleteCaseAccess), and the access audit listed
// (ListAccessRecords). Only a role the access policy lets manage case access may call them.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_WORKFLOW_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

// Audit records are kept this long unless --access_audit_retention says otherwise
// (docs/decisions/0012-access-audit-and-limited-access-cases.md).
inline constexpr absl::Duration kDefaultAccessAuditRetention = absl::Hours(24 * 366 * 7);

class CaseAccessWorkflow {
 public:
  // `audit` (may be null) records changes to a case's access.
  CaseAccessWorkflow(ReferralStore& store, AccessAudit* audit,
                     std::function<absl::Time()> now = nullptr);

  absl::StatusOr<v1::CaseAccess> SetCaseAccess(const v1::SetCaseAccessRequest& request,
                                               const Identity& caller);
  absl::StatusOr<v1::CaseAccess> GetCaseAccess(const v1::GetCaseAccessRequest& request,
                                               const Identity& caller);
  absl::StatusOr<v1::DeleteCaseAccessResponse> DeleteCaseAccess(
      const v1::DeleteCaseAccessRequest& request, const Identity& caller);
  absl::StatusOr<v1::ListAccessRecordsResponse> ListAccessRecords(
      const v1::ListAccessRecordsRequest& request, const Identity& caller);

  // Reloads the rules InScope applies from the store (other replicas' changes).
  absl::Status RefreshRules();
  // Purges audit records older than `retention`; returns how many.
  absl::StatusOr<int> PurgeAccessRecords(absl::Duration retention);

 private:
  ReferralStore& store_;
  AccessAudit* audit_;
  std::function<absl::Time()> now_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_WORKFLOW_H_
