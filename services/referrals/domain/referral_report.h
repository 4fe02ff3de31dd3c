// Reports over referrals, in plain C++: the figures of the referrals created in a date range
// (counts by state, intervention, region and provider; time spent in each state; how the
// closed ones ended) and the same referrals as CSV. The store gives raw counts and stays;
// every figure is worked out here, so both engines give the same answer.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_REPORT_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_REPORT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// An export under way: the CSV header, then one chunk per page of referrals, oldest first.
// Each Next() is one short query, so a stream can wait for its reader between chunks
// without holding a thread, a lock or a transaction, and stop between any two.
class ReferralExport {
 public:
  // The next chunk of CSV lines, or nullopt once every referral has been sent.
  absl::StatusOr<std::optional<std::string>> Next();

 private:
  friend class ReferralReports;
  ReferralExport(const StateMachineSet& machines, ReferralStore& store, ListQuery query,
                 Identity caller, AccessAudit* audit)
      : machines_(&machines),
        store_(&store),
        query_(std::move(query)),
        caller_(std::move(caller)),
        audit_(audit) {}

  const StateMachineSet* machines_;
  ReferralStore* store_;
  ListQuery query_;
  Identity caller_;
  AccessAudit* audit_;
  bool header_sent_ = false;
  bool done_ = false;
};

class ReferralReports {
 public:
  // `audit` (may be null) records each exported referral.
  ReferralReports(const StateMachineSet& machines, ReferralStore& store,
                  AccessAudit* audit = nullptr)
      : machines_(machines), store_(store), audit_(audit) {}

  // Stops with DEADLINE_EXCEEDED at `deadline`, the caller's, and with CANCELLED once
  // `cancelled` (if set) says the caller has gone.
  absl::StatusOr<v1::ReferralReport> GetReferralReport(const v1::GetReferralReportRequest& request,
                                                       const Identity& caller,
                                                       absl::Time deadline = absl::InfiniteFuture(),
                                                       std::function<bool()> cancelled = nullptr);

  // The export the request asks for, narrowed to the caller's scope; INVALID_ARGUMENT
  // naming a field at fault.
  absl::StatusOr<ReferralExport> StartExport(const v1::ExportReferralsRequest& request,
                                             const Identity& caller);

  // Calls `write` with each chunk of CSV lines, the header first; stops early (CANCELLED)
  // when `write` returns false.
  absl::Status ExportReferrals(const v1::ExportReferralsRequest& request, const Identity& caller,
                               const std::function<bool(std::string chunk)>& write);

 private:
  const StateMachineSet& machines_;
  ReferralStore& store_;
  AccessAudit* audit_;
};

// The report's figures from the store's raw data.
v1::ReferralReport BuildReport(const StateMachineSet& machines, ReportData data);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_REPORT_H_
