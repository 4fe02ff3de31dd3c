#include "services/referrals/domain/referral_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/error_reason.h"

namespace probation::referrals {

EncodedWrite EncodeWrite(const ReferralWrite& write, const v1::Referral& stored) {
  EncodedWrite encoded;
  encoded.referral = stored.SerializeAsString();
  if (write.history.has_value()) encoded.history = write.history->SerializeAsString();
  v1::ReferralEvent event;
  for (const v1::ChangelogEntry& change : write.changelog) {
    encoded.changelog.push_back(change.SerializeAsString());
    *event.add_changes() = change;
  }
  event.set_type(write.event_type);
  if (write.access.has_value()) {
    event.set_actor(write.access->actor());
    event.set_actor_role(write.access->role());
  }
  if (write.history.has_value()) {
    event.set_from_state(write.history->from_state());
    event.set_to_state(write.history->to_state());
    event.set_action(write.history->action());
  }
  for (const std::string& field : write.changed_fields) event.add_changed_fields(field);
  if (write.record.has_value()) {
    DeliveryRecordWrite record = *write.record;
    SetStoredEtag(record);
    switch (record.kind) {
      case DeliveryRecordWrite::Kind::kAppointment:
        event.set_record(record.appointment.name());
        *event.mutable_appointment() = std::move(record.appointment);
        break;
      case DeliveryRecordWrite::Kind::kActionPlan:
        event.set_record(record.action_plan.name());
        *event.mutable_action_plan() = std::move(record.action_plan);
        break;
      case DeliveryRecordWrite::Kind::kEndOfServiceReport:
        event.set_record(record.report.name());
        *event.mutable_end_of_service_report() = std::move(record.report);
        break;
    }
  }
  if (write.group_event.has_value()) {
    event.set_record(write.group_event->record);
    if (write.group_event->attendance.has_value()) {
      *event.mutable_group_attendance() = *write.group_event->attendance;
    }
    event.set_reason(write.group_event->reason);
  }
  for (const v1::ChangelogEntry& change : write.changelog) event.add_changed_fields(change.field());
  *event.mutable_referral() = stored;
  *event.mutable_occurred_at() = stored.update_time();
  encoded.event = event.SerializeAsString();
  return encoded;
}

absl::StatusOr<int> PurgeInBatches(const std::function<absl::StatusOr<int>()>& batch) {
  int purged = 0;
  while (true) {
    absl::StatusOr<int> purged_now = batch();
    if (!purged_now.ok()) return purged_now.status();
    purged += *purged_now;
    if (*purged_now < kPurgeBatch) return purged;
  }
}

v1::Referral RedactedForRetention(const v1::Referral& referral) {
  v1::Referral redacted;
  redacted.set_name(referral.name());
  redacted.set_id(referral.id());
  redacted.set_reference(referral.reference());
  redacted.set_intervention(referral.intervention());
  redacted.set_kind(referral.kind());
  // Where it was, so event watchers can still be limited to their own region or provider.
  redacted.set_region(referral.region());
  redacted.set_provider(referral.provider());
  redacted.set_state(referral.state());
  return redacted;
}

absl::Status StaleEtagError(absl::string_view given, absl::string_view current,
                            absl::string_view what) {
  return WithReason(absl::AbortedError(absl::StrCat("etag \"", given, "\" is stale; ", what,
                                                    " is at \"", current, "\": read it again")),
                    reason::kEtagMismatch, {{"current_etag", std::string(current)}});
}

int64_t StayMicros(const v1::HistoryEntry& entry) {
  return google::protobuf::util::TimeUtil::DurationToMicroseconds(entry.time_in_previous_state());
}

int64_t VersionOfEtag(absl::string_view etag) {
  int64_t version = 0;
  return absl::SimpleAtoi(etag, &version) && version > 0 ? version : -1;
}

}  // namespace probation::referrals
