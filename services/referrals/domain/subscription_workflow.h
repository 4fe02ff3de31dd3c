// Durable event subscriptions (CreateSubscription ... DeleteDeadLetter) and what a watch of
// events sends (ResolveWatch): a subscription belongs to its creator, keeps the creator's
// scope, and only the creator or an admin may read, watch, acknowledge or delete it.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_WORKFLOW_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/event_selection.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

// Subscriptions one owner may hold.
inline constexpr int kMaxSubscriptionsPerOwner = 100;
// Dead letters one acknowledgement may record.
inline constexpr int kMaxDeadLettersPerAcknowledgement = 100;

class SubscriptionWorkflow {
 public:
  // `audit` (may be null) records the people whose data a FULL subscription's dead letters
  // show.
  explicit SubscriptionWorkflow(ReferralStore& store, AccessAudit* audit = nullptr,
                                std::function<absl::Time()> now = nullptr);

  absl::StatusOr<v1::Subscription> CreateSubscription(const v1::CreateSubscriptionRequest& request,
                                                      const Identity& caller);
  absl::StatusOr<v1::Subscription> GetSubscription(const v1::GetSubscriptionRequest& request,
                                                   const Identity& caller);
  absl::StatusOr<v1::ListSubscriptionsResponse> ListSubscriptions(
      const v1::ListSubscriptionsRequest& request, const Identity& caller);
  absl::StatusOr<v1::DeleteSubscriptionResponse> DeleteSubscription(
      const v1::DeleteSubscriptionRequest& request, const Identity& caller);
  absl::StatusOr<v1::Subscription> AcknowledgeEvents(const v1::AcknowledgeEventsRequest& request,
                                                     const Identity& caller);
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request, const Identity& caller);
  absl::StatusOr<v1::DeadLetter> ReplayDeadLetter(const v1::ReplayDeadLetterRequest& request,
                                                  const Identity& caller);
  absl::StatusOr<v1::DeleteDeadLetterResponse> DeleteDeadLetter(
      const v1::DeleteDeadLetterRequest& request, const Identity& caller);

  // What a watch of `request` sends: from the request itself, or from the subscription it
  // names (NOT_FOUND unless the caller may use it). Reads the store for a subscription.
  absl::StatusOr<WatchSelection> ResolveWatch(const v1::WatchReferralEventsRequest& request,
                                              const Identity& caller);

 private:
  // The subscription `name` names, if the caller may use it; `field` names it in errors.
  absl::StatusOr<v1::Subscription> LoadOwned(absl::string_view field, absl::string_view name,
                                             const Identity& caller);

  ReferralStore& store_;
  AccessAudit* audit_;
  std::function<absl::Time()> now_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_WORKFLOW_H_
