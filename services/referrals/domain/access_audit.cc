#include "services/referrals/domain/access_audit.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/logging/request_id.h"
#include "services/referrals/domain/record_id.h"

namespace probation::referrals {

v1::AccessRecord AccessRecordOf(const Identity& caller, absl::string_view method,
                                absl::string_view crn, absl::string_view referral,
                                v1::AccessRecord::Outcome outcome, absl::Time now) {
  v1::AccessRecord record;
  record.set_id(NewRecordId());
  *record.mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  record.set_actor(caller.actor);
  record.set_role(caller.role);
  record.set_method(std::string(method));
  record.set_crn(std::string(crn));
  record.set_referral(std::string(referral));
  record.set_request_id(std::string(CurrentRequestId()));
  record.set_outcome(outcome);
  return record;
}

}  // namespace probation::referrals
