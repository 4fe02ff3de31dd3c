#include "services/referrals/domain/delivery_checks.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/field_error.h"

namespace probation::referrals {

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Status ConcurrentWriteError(absl::string_view what) {
  // Not the caller's etag: the record kept changing under the write. Retrying is safe.
  return WithRetryDelay(
      WithReason(absl::AbortedError(absl::StrCat(what, " changed while this was written; retry")),
                 reason::kConcurrentWrite),
      absl::Milliseconds(100));
}

std::string StateNames(const google::protobuf::RepeatedField<int>& states) {
  std::vector<std::string> names;
  for (int state : states) names.push_back(v1::ReferralState_Name(state));
  return absl::StrJoin(names, " or ");
}

absl::Status NotAllowed(absl::string_view subject, absl::string_view message) {
  return PreconditionError(reason::kDeliveryNotAllowed, "DELIVERY", subject, message);
}

absl::Status CheckRole(const google::protobuf::RepeatedField<int>& roles, const Identity& caller,
                       absl::string_view what) {
  if (caller.role == common::v1::ROLE_ADMIN || Contains(roles, caller.role)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the ", common::v1::Role_Name(caller.role), " role may not ", what));
}

absl::Status CheckState(const google::protobuf::RepeatedField<int>& states,
                        const v1::Referral& referral, absl::string_view subject,
                        absl::string_view what) {
  if (Contains(states, referral.state())) return absl::OkStatus();
  return NotAllowed(subject, absl::StrCat(what, " while the referral is ", StateNames(states),
                                          "; it is ", v1::ReferralState_Name(referral.state())));
}

absl::Status CheckText(absl::string_view field, absl::string_view text, bool required,
                       int max_length) {
  if (required && absl::StripAsciiWhitespace(text).empty()) {
    return InvalidFieldError(field, "is required");
  }
  if (static_cast<int>(text.size()) > max_length) {
    return InvalidFieldError(field, absl::StrCat("at most ", max_length, " characters"));
  }
  return absl::OkStatus();
}

std::string Json(absl::string_view text) { return absl::StrCat("\"", absl::CEscape(text), "\""); }

v1::ChangelogEntry Change(std::string field, std::string old_value, std::string new_value,
                          std::string reason) {
  v1::ChangelogEntry change;
  change.set_field(std::move(field));
  change.set_old_value(std::move(old_value));
  change.set_new_value(std::move(new_value));
  change.set_reason(std::move(reason));
  return change;
}

bool Attended(delivery::v1::AttendanceOutcome outcome) {
  return outcome == delivery::v1::ATTENDANCE_OUTCOME_ATTENDED ||
         outcome == delivery::v1::ATTENDANCE_OUTCOME_LATE;
}

}  // namespace probation::referrals
