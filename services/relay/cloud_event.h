// The body of one webhook delivery: a referral event as a CloudEvents 1.0 structured-mode JSON
// message, the attributes receivers route on beside the event itself as protobuf JSON.
#ifndef PROBATION_SERVICES_RELAY_CLOUD_EVENT_H_
#define PROBATION_SERVICES_RELAY_CLOUD_EVENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/referrals/v1/referral.pb.h"

namespace probation::relay {

inline constexpr char kCloudEventContentType[] = "application/cloudevents+json; charset=utf-8";
// The `source` unless --event_source names the deployment (ids are unique per database).
inline constexpr char kCloudEventSource[] = "urn:probation-interventions:referrals";
inline constexpr char kCloudEventTypePrefix[] = "uk.gov.justice.probation.referral.";

// "created" for TYPE_CREATED: the enum's name without TYPE_, lower-cased.
std::string EventTypeSuffix(referrals::v1::ReferralEvent::Type type);

// The event's CloudEvents id, which receivers de-duplicate by: the subscription's id
// ("subscriptions/" left off), a colon and the sequence, so that one event reaching a receiver
// through two subscriptions is two deliveries, not a duplicate.
std::string CloudEventId(const referrals::v1::ReferralEvent& event, absl::string_view subscription);

// The JSON message for `event`, read through `subscription` ("subscriptions/{id}"), from
// `source`. INTERNAL if protobuf cannot print the event as JSON.
absl::StatusOr<std::string> CloudEventJson(const referrals::v1::ReferralEvent& event,
                                           absl::string_view subscription,
                                           absl::string_view source = kCloudEventSource);

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_CLOUD_EVENT_H_
