#include "services/referrals/domain/delivery_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/textproto/text_proto.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

template <typename List, typename Value>
bool Contains(const List& list, Value value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

absl::Status CheckRecord(absl::string_view source, absl::string_view what,
                         const data::v1::RecordRules& rules) {
  auto fault = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", what, ": ", problem));
  };
  if (rules.kinds().empty()) return fault("names no kind of referral");
  if (rules.author_roles().empty()) return fault("names no author role");
  if (rules.editable_states().empty()) return fault("has no editable state");
  for (int state : rules.submittable_states()) {
    if (!Contains(rules.editable_states(), state)) {
      return fault(absl::StrCat(v1::ReferralState_Name(state), " is submittable but not editable"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeliveryRules> DeliveryRules::Load(absl::string_view text,
                                                  absl::string_view source) {
  DeliveryRules loaded;
  if (absl::Status status = ParseTextProto(text, source, &loaded.rules_); !status.ok()) {
    return status;
  }
  std::set<std::pair<int, int>> seen;
  for (const data::v1::AppointmentRules& rules : loaded.rules_.appointments()) {
    const std::string what =
        absl::StrCat(source, ": ", delivery::v1::AppointmentType_Name(rules.type()));
    auto fault = [&](absl::string_view problem) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", problem));
    };
    if (rules.type() == delivery::v1::APPOINTMENT_TYPE_UNSPECIFIED) {
      return fault("an appointment type is required");
    }
    if (rules.kinds().empty()) return fault("names no kind of referral");
    for (int kind : rules.kinds()) {
      if (!seen.emplace(kind, rules.type()).second) {
        return fault(
            absl::StrCat("is given twice for ", catalogue::v1::InterventionKind_Name(kind)));
      }
    }
    if (rules.roles().empty()) return fault("names no role");
    if (rules.schedulable_states().empty() || rules.recordable_states().empty()) {
      return fault("needs schedulable and recordable states");
    }
    const int64_t min_us = TimeUtil::DurationToMicroseconds(rules.min_duration());
    const int64_t max_us = TimeUtil::DurationToMicroseconds(rules.max_duration());
    if (min_us <= 0 || max_us < min_us) {
      return fault("min_duration must be above zero and no more than max_duration");
    }
    if (TimeUtil::DurationToMicroseconds(rules.max_lead_time()) <= 0 ||
        TimeUtil::DurationToMicroseconds(rules.max_record_age()) <= 0) {
      return fault("max_lead_time and max_record_age must be above zero");
    }
  }
  if (loaded.rules_.has_action_plan()) {
    if (absl::Status status = CheckRecord(source, "action_plan", loaded.rules_.action_plan());
        !status.ok()) {
      return status;
    }
    if (loaded.rules_.action_plan().approver_roles().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": action_plan: names no approver role"));
    }
  }
  if (loaded.rules_.has_end_of_service_report()) {
    if (absl::Status status =
            CheckRecord(source, "end_of_service_report", loaded.rules_.end_of_service_report());
        !status.ok()) {
      return status;
    }
  }
  return loaded;
}

absl::StatusOr<DeliveryRules> DeliveryRules::LoadEmbedded() {
  return Load(EmbeddedDeliveryRulesText(), "embedded delivery rules");
}

const data::v1::AppointmentRules* DeliveryRules::Appointments(
    catalogue::v1::InterventionKind kind, delivery::v1::AppointmentType type) const {
  for (const data::v1::AppointmentRules& rules : rules_.appointments()) {
    if (rules.type() == type && Contains(rules.kinds(), kind)) return &rules;
  }
  return nullptr;
}

const data::v1::RecordRules* DeliveryRules::ActionPlan(catalogue::v1::InterventionKind kind) const {
  return rules_.has_action_plan() && Contains(rules_.action_plan().kinds(), kind)
             ? &rules_.action_plan()
             : nullptr;
}

const data::v1::RecordRules* DeliveryRules::EndOfServiceReport(
    catalogue::v1::InterventionKind kind) const {
  return rules_.has_end_of_service_report() &&
                 Contains(rules_.end_of_service_report().kinds(), kind)
             ? &rules_.end_of_service_report()
             : nullptr;
}

}  // namespace probation::referrals
