// The access audit seen from the domain: who read or changed which person's data. Writes of
// referrals carry their record into their own transaction (ReferralWrite::access); reads and
// refusals hand theirs to an AccessAudit, which may write them a little later, in a batch
// (server/access_audit_batcher.h).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_AUDIT_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_AUDIT_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/access_record.pb.h"

namespace probation::referrals {

class AccessAudit {
 public:
  virtual ~AccessAudit() = default;
  virtual void Record(v1::AccessRecord record) = 0;
};

// What `caller` did through `method` to the person `crn` (and the referral `referral`, when
// one) at `now`, with the request id of the call the thread serves.
v1::AccessRecord AccessRecordOf(const Identity& caller, absl::string_view method,
                                absl::string_view crn, absl::string_view referral,
                                v1::AccessRecord::Outcome outcome, absl::Time now);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_ACCESS_AUDIT_H_
