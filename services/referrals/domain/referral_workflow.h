// The referral operations, in plain C++: drafts, submission with an eligibility check,
// transitions by each kind's state machine, history, listing and subject access. The gRPC
// layer decodes the caller and the request and maps the status; every rule lives here or in
// the state machine data.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_WORKFLOW_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/dependencies.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/refusal_limiter.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// Drafts untouched this long are purged (retention).
inline constexpr absl::Duration kDraftRetention = absl::Hours(24 * 90);

// What watches over callers: the access audit for reads and refusals (writes record
// themselves in their own transaction), and the limit on refusals for referrals outside a
// caller's scope. Without them nothing is recorded by the audit and there is no limit.
struct CallerGuards {
  AccessAudit* audit = nullptr;
  RefusalLimiter* refusals = nullptr;
};

// The referral `name` (read from request field `field`), if it is in the caller's scope;
// reaching for one outside it through `method` is recorded in `audit` (when set).
absl::StatusOr<v1::Referral> LoadInScope(ReferralStore& store, AccessAudit* audit, absl::Time now,
                                         absl::string_view method, absl::string_view field,
                                         absl::string_view name, const Identity& caller);

class ReferralWorkflow {
 public:
  ReferralWorkflow(const StateMachineSet& machines, ReferralStore& store,
                   InterventionDirectory& interventions, EligibilityGate& eligibility,
                   std::function<absl::Time()> now = nullptr, CallerGuards guards = {});

  absl::StatusOr<v1::Referral> CreateReferral(const v1::CreateReferralRequest& request,
                                              const Identity& caller);
  absl::StatusOr<v1::Referral> GetReferral(const v1::GetReferralRequest& request,
                                           const Identity& caller);
  absl::StatusOr<v1::ListReferralsResponse> ListReferrals(const v1::ListReferralsRequest& request,
                                                          const Identity& caller);
  absl::StatusOr<v1::Referral> UpdateReferral(const v1::UpdateReferralRequest& request,
                                              const Identity& caller);
  absl::StatusOr<v1::Referral> SubmitReferral(const v1::SubmitReferralRequest& request,
                                              const Identity& caller);
  absl::StatusOr<v1::Referral> TransitionReferral(const v1::TransitionReferralRequest& request,
                                                  const Identity& caller);
  absl::StatusOr<v1::ListAllowedTransitionsResponse> ListAllowedTransitions(
      const v1::ListAllowedTransitionsRequest& request, const Identity& caller);
  absl::StatusOr<v1::GetReferralHistoryResponse> GetReferralHistory(
      const v1::GetReferralHistoryRequest& request, const Identity& caller);
  absl::StatusOr<v1::StateMachine> GetStateMachine(const v1::GetStateMachineRequest& request);
  absl::StatusOr<v1::ExportPersonDataResponse> ExportPersonData(
      const v1::ExportPersonDataRequest& request, const Identity& caller);
  absl::StatusOr<v1::Referral> AmendReferral(const v1::AmendReferralRequest& request,
                                             const Identity& caller);
  absl::StatusOr<v1::GetReferralChangelogResponse> GetReferralChangelog(
      const v1::GetReferralChangelogRequest& request, const Identity& caller);

  // Purges drafts untouched for kDraftRetention; returns how many.
  absl::StatusOr<int> PurgeStaleDrafts();

 private:
  // The referral `name` (read from request field `field`), if it is in the caller's scope;
  // reaching for one outside it through `method` is recorded in the audit.
  absl::StatusOr<v1::Referral> Load(absl::string_view method, absl::string_view field,
                                    absl::string_view name, const Identity& caller);
  // The store's ALREADY_EXISTS names the person's open referral; one outside the caller's
  // scope is not named, nor is anything of it said, as reads of it would be NOT_FOUND. Such a
  // refusal is recorded in the audit and limited per caller (RESOURCE_EXHAUSTED beyond the
  // limit). Other statuses pass unchanged.
  absl::Status WithoutNameOutOfScope(const absl::Status& status, const Identity& caller,
                                     absl::string_view method, absl::string_view crn);
  // Hands the audit a record of `caller` doing `method` to `referral`.
  void Audit(const Identity& caller, absl::string_view method, const v1::Referral& referral,
             v1::AccessRecord::Outcome outcome = v1::AccessRecord::OUTCOME_ALLOWED);
  // The record a write of `referral` through `method` commits with it.
  v1::AccessRecord WriteRecord(const Identity& caller, absl::string_view method,
                               const v1::Referral& referral);
  // Moves `referral` by `transition`, recording who, why and how long it sat in its state.
  absl::StatusOr<v1::Referral> Move(absl::string_view method, v1::Referral referral,
                                    const ResolvedTransition& transition, absl::string_view etag,
                                    const Identity& caller, absl::string_view reason_code,
                                    absl::string_view notes, v1::ReferralEvent::Type event_type);

  const StateMachineSet& machines_;
  ReferralStore& store_;
  InterventionDirectory& interventions_;
  EligibilityGate& eligibility_;
  std::function<absl::Time()> now_;
  CallerGuards guards_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_WORKFLOW_H_
