// The checks and helpers every delivery write shares (appointments, plans, reports and
// programme groups): who may act, in which states, bounded text, changelog entries, and
// retrying a write whose referral changed under it; and the time conversion every referral
// write uses.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_CHECKS_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_CHECKS_H_

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/auth/identity.h"
#include "libs/status/error_reason.h"
#include "probation/delivery/v1/appointment.pb.h"
#include "probation/referrals/v1/referral.pb.h"

namespace probation::referrals {

inline constexpr int kMaxRequestIdLength = 128;
inline constexpr int kMaxTextLength = 4000;
// A write that finds its referral changed since it read it reads again, this many times.
inline constexpr int kWriteAttempts = 4;

google::protobuf::Timestamp ToTimestamp(absl::Time time);

// ABORTED, CONCURRENT_WRITE, with a retry delay: what was written kept changing under a write.
absl::Status ConcurrentWriteError(absl::string_view what);

// Runs attempt(&conflict) until it reports no conflict, kWriteAttempts times at most.
template <typename Attempt>
auto Retrying(Attempt attempt, absl::string_view what = "the referral")
    -> decltype(attempt(nullptr)) {
  for (int tries = 1;; ++tries) {
    bool conflict = false;
    auto result = attempt(&conflict);
    if (!conflict) return result;
    if (tries == kWriteAttempts) return ConcurrentWriteError(what);
  }
}

template <typename List, typename Value>
bool Contains(const List& list, Value value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "REFERRAL_STATE_A or REFERRAL_STATE_B".
std::string StateNames(const google::protobuf::RepeatedField<int>& states);

// FAILED_PRECONDITION, DELIVERY_NOT_ALLOWED, about the record `subject`.
absl::Status NotAllowed(absl::string_view subject, absl::string_view message);

// PERMISSION_DENIED unless the caller is an admin or has one of `roles`.
absl::Status CheckRole(const google::protobuf::RepeatedField<int>& roles, const Identity& caller,
                       absl::string_view what);

// NotAllowed unless the referral is in one of `states`.
absl::Status CheckState(const google::protobuf::RepeatedField<int>& states,
                        const v1::Referral& referral, absl::string_view subject,
                        absl::string_view what);

// INVALID_ARGUMENT naming `field` when required and blank, or longer than `max_length`.
absl::Status CheckText(absl::string_view field, absl::string_view text, bool required,
                       int max_length = kMaxTextLength);

// A changelog value: `text` as a JSON string.
std::string Json(absl::string_view text);

// A changelog entry of `field`, its who, when and etag filled in when written.
v1::ChangelogEntry Change(std::string field, std::string old_value, std::string new_value,
                          std::string reason = "");

// Attended, on time or late.
bool Attended(delivery::v1::AttendanceOutcome outcome);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_CHECKS_H_
