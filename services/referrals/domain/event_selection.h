// Which events a watcher receives and how much of each it sees: an event filter (types,
// kinds, interventions, regions, providers, states) and a view (BASIC, without personal data,
// or FULL). A watch applies them after the caller's scope (referral_scope.h).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/auth/identity.h"
#include "probation/referrals/v1/referral.pb.h"
#include "probation/referrals/v1/referral_service.pb.h"
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

// `view`, or `unspecified` for EVENT_VIEW_UNSPECIFIED; INVALID_ARGUMENT naming `field` for a
// value the suite does not know.
absl::StatusOr<v1::EventView> ResolveView(v1::EventView view, absl::string_view field,
                                          v1::EventView unspecified);

// What one watch sends: the events after `after_sequence` that `scope` may see and `filter`
// admits, in `view`.
struct WatchSelection {
  int64_t after_sequence = 0;
  v1::EventFilter filter;
  v1::EventView view = v1::EVENT_VIEW_FULL;
  Identity scope;
};

// The watch a request without a subscription asks for; INVALID_ARGUMENT naming the field.
absl::StatusOr<WatchSelection> SelectionOfRequest(const v1::WatchReferralEventsRequest& request,
                                                  const Identity& caller);

// Whether `selection`'s scope may see `event` and its filter admits it.
bool Admitted(const WatchSelection& selection, const v1::ReferralEvent& event);

// `event` as `selection` shows it, or nothing when it is not admitted.
std::optional<v1::ReferralEvent> Select(const WatchSelection& selection,
                                        const v1::ReferralEvent& event);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_EVENT_SELECTION_H_
