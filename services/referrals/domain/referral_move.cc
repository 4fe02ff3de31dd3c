#include "services/referrals/domain/referral_move.h"

#include <string>

#include "google/protobuf/util/time_util.h"
#include "services/referrals/domain/delivery_checks.h"

namespace probation::referrals {

using google::protobuf::util::TimeUtil;

void ApplyMove(const StateMachineSet& machines, const ResolvedTransition& transition,
               const Identity& caller, absl::string_view reason_code, absl::string_view notes,
               absl::Time now, ReferralWrite& write) {
  v1::Referral& referral = write.referral;
  const v1::StateInfo* to = machines.State(referral.kind(), transition.to);
  const v1::StateInfo* from = machines.State(referral.kind(), referral.state());
  v1::HistoryEntry& entry = write.history.emplace();
  entry.set_from_state(referral.state());
  entry.set_to_state(transition.to);
  entry.set_actor(caller.actor);
  entry.set_role(caller.role);
  entry.set_reason_code(std::string(reason_code));
  entry.set_notes(std::string(notes));
  entry.set_action(transition.transition->action());
  *entry.mutable_occurred_at() = ToTimestamp(now);
  *entry.mutable_time_in_previous_state() =
      TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(
          now - absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(referral.state_time()))));

  if (to != nullptr && to->holding()) {
    referral.set_held_from(referral.state());
  } else if (from != nullptr && from->holding()) {
    referral.clear_held_from();
  }
  referral.set_state(transition.to);
  *referral.mutable_state_time() = ToTimestamp(now);
  if (to != nullptr && to->capacity_use() == v1::CAPACITY_USE_PLACE && !referral.has_start_time()) {
    *referral.mutable_start_time() = ToTimestamp(now);
  }
  *referral.mutable_update_time() = ToTimestamp(now);
  write.open = to == nullptr || !to->terminal();
}

}  // namespace probation::referrals
