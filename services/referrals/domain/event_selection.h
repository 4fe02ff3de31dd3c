// Which events a watcher receives and how much of each it sees: an event filter (types,
// kinds, interventions, regions, providers, states) and a view (BASIC, without personal data,
// or FULL). A watch applies them after the caller's scope (referral_scope.h).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "probation/referrals/v1/referral.pb.h"
#include "probation/referrals/v1/subscription.pb.h"

namespace probation::referrals {

// Entries one list of a filter may hold.
inline constexpr int kMaxFilterEntries = 50;

// INVALID_ARGUMENT naming the field (under `field`, e.g. "filter" or "subscription.filter")
// unless every entry is a known value or a well-formed name, and no list is too long.
absl::Status ValidateEventFilter(const v1::EventFilter& filter, absl::string_view field);

// Whether `event` passes every non-empty list of `filter`.
bool Admits(const v1::EventFilter& filter, const v1::ReferralEvent& event);

// The event as the BASIC view shows it: what happened to which referral, where, and in what
// role, with no personal data and no identities.
v1::ReferralEvent BasicView(const v1::ReferralEvent& event);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_
