// A ListReferrals request as a store query: the caller's scope, the caseload view ("mine",
// "unassigned"), the state group, a search by reference or CRN, the order and the keyset
// cursor, with the request's filters bound into its page tokens.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CASELOAD_QUERY_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CASELOAD_QUERY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

struct CaseloadQuery {
  ListQuery query;
  // The fingerprint of the request's filters, which its page tokens carry.
  uint64_t fingerprint = 0;
};

// INVALID_ARGUMENT naming the field at fault; PERMISSION_DENIED outside the caller's scope.
absl::StatusOr<CaseloadQuery> ResolveCaseloadQuery(const v1::ListReferralsRequest& request,
                                                   const Identity& caller);

// The token of the page after `last`, in `query`'s order.
std::string NextPageToken(const CaseloadQuery& query, const v1::Referral& last);

// A CRN: one capital letter and six digits, e.g. X123456.
bool IsCrn(absl::string_view crn);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CASELOAD_QUERY_H_
