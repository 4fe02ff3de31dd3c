#include "services/referrals/domain/delivery_workflow.h"

#include <algorithm>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/pagination/page_token.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/delivery_checks.h"
#include "services/referrals/domain/record_id.h"
#include "services/referrals/domain/referral_move.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

using delivery::v1::ActionPlan;
using delivery::v1::Appointment;
using delivery::v1::EndOfServiceReport;
using google::protobuf::util::TimeUtil;

constexpr int kMaxLocationLength = 200;
constexpr int kMaxActivities = 50;
constexpr int kMaxSessions = 100;
constexpr absl::Duration kUpcoming = absl::Hours(24 * 7);
constexpr absl::Duration kUnrecordedLookBack = absl::Hours(24 * 90);

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

bool ValidTimestamp(const google::protobuf::Timestamp& time) {
  return time.seconds() >= TimeUtil::kTimestampMinSeconds &&
         time.seconds() <= TimeUtil::kTimestampMaxSeconds && time.nanos() >= 0 &&
         time.nanos() < 1000000000;
}

bool ValidDuration(const google::protobuf::Duration& duration) {
  return duration.seconds() >= 0 && duration.seconds() <= TimeUtil::kDurationMaxSeconds &&
         duration.nanos() >= 0 && duration.nanos() < 1000000000;
}

absl::Status CheckEtagGiven(absl::string_view field, absl::string_view etag) {
  return etag.empty() ? InvalidFieldError(field, "is required") : absl::OkStatus();
}

// A referral's id and an appointment's, from "referrals/{referral}/appointments/{id}".
absl::StatusOr<std::pair<std::string, std::string>> ParseAppointmentName(absl::string_view field,
                                                                         absl::string_view name) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != kReferrals || parts[2] != "appointments" ||
      !IsResourceId(parts[1]) || !IsResourceId(parts[3])) {
    return InvalidFieldError(field, "must be \"referrals/{referral}/appointments/{appointment}\"");
  }
  return std::make_pair(parts[1], parts[3]);
}

// "referrals/{referral}" from "referrals/{referral}/{singleton}".
absl::StatusOr<std::string> ParseSingletonName(absl::string_view field, absl::string_view name,
                                               absl::string_view singleton) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 3 || parts[0] != kReferrals || parts[2] != singleton ||
      !IsResourceId(parts[1])) {
    return InvalidFieldError(field,
                             absl::StrCat("must be \"referrals/{referral}/", singleton, "\""));
  }
  return absl::StrCat(kReferrals, "/", parts[1]);
}

bool Recorded(const Appointment& appointment) {
  return appointment.attendance().outcome() != delivery::v1::ATTENDANCE_OUTCOME_UNSPECIFIED;
}

// A session "held": it took place, whether the person came or not.
bool Held(const Appointment& appointment) {
  return Recorded(appointment) &&
         appointment.attendance().outcome() != delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_HAPPEN;
}

absl::Status ValidateAttendance(absl::string_view field,
                                const delivery::v1::Attendance& attendance) {
  if (attendance.outcome() == delivery::v1::ATTENDANCE_OUTCOME_UNSPECIFIED ||
      !delivery::v1::AttendanceOutcome_IsValid(attendance.outcome())) {
    return InvalidFieldError(absl::StrCat(field, ".outcome"), "is required");
  }
  return CheckText(absl::StrCat(field, ".notes"), attendance.notes(), false);
}

// The delivery fact an appointment's attendance records, if it moves anything.
v1::DeliveryFact AttendanceFact(const Appointment& appointment) {
  if (!Attended(appointment.attendance().outcome())) return v1::DELIVERY_FACT_UNSPECIFIED;
  return appointment.type() == delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT
             ? v1::DELIVERY_FACT_SUPPLIER_ASSESSMENT_ATTENDED
             : v1::DELIVERY_FACT_SESSION_ATTENDED;
}

// `appointments` with `changed` in place of the one of its name (or added).
std::vector<Appointment> WithAppointment(std::vector<Appointment> appointments,
                                         const Appointment& changed) {
  auto it = absl::c_find_if(appointments, [&](const Appointment& appointment) {
    return appointment.name() == changed.name();
  });
  if (it == appointments.end()) {
    appointments.push_back(changed);
  } else {
    *it = changed;
  }
  return appointments;
}

absl::Status CheckDesiredOutcome(absl::string_view field, const v1::Referral& referral,
                                 absl::string_view outcome) {
  if (absl::c_linear_search(referral.desired_outcomes(), outcome)) return absl::OkStatus();
  return InvalidFieldError(field, absl::StrCat("\"", outcome.substr(0, 200),
                                               "\" is not one of the referral's desired outcomes"));
}

// A JSON string, as changelog values are.
// What changed in an appointment (`before` null for a new one), as changelog entries whose
// fields are paths under the referral, e.g. "appointments/{id}.start_time".
std::vector<v1::ChangelogEntry> AppointmentChanges(const Appointment* before,
                                                   const Appointment& after) {
  const std::vector<std::string> parts = absl::StrSplit(after.name(), '/');
  const std::string path = absl::StrCat("appointments/", parts.back());
  std::vector<v1::ChangelogEntry> changes;
  if (before == nullptr) {
    changes.push_back(Change(
        path, "",
        absl::StrCat("{\"type\":", Json(delivery::v1::AppointmentType_Name(after.type())),
                     ",\"session_number\":", after.session_number(),
                     ",\"start_time\":", Json(TimeUtil::ToString(after.start_time())), "}")));
    return changes;
  }
  if (before->start_time() != after.start_time()) {
    const delivery::v1::Reschedule& last = *after.history().rbegin();
    changes.push_back(
        Change(absl::StrCat(path, ".start_time"), Json(TimeUtil::ToString(before->start_time())),
               Json(TimeUtil::ToString(after.start_time())),
               absl::StrCat(delivery::v1::RescheduleRequester_Name(last.requested_by()), ": ",
                            last.reason())));
  }
  if (before->attendance().outcome() != after.attendance().outcome()) {
    auto outcome = [](const Appointment& appointment) {
      return Recorded(appointment)
                 ? Json(delivery::v1::AttendanceOutcome_Name(appointment.attendance().outcome()))
                 : std::string("\"\"");
    };
    changes.push_back(
        Change(absl::StrCat(path, ".attendance.outcome"), outcome(*before), outcome(after)));
  }
  return changes;
}

std::vector<v1::ChangelogEntry> RecordChanges(const ActionPlan& before, const ActionPlan& after) {
  std::vector<v1::ChangelogEntry> changes;
  if (before.state() != after.state()) {
    changes.push_back(Change(
        "action_plan.state", Json(delivery::v1::ActionPlanState_Name(before.state())),
        Json(delivery::v1::ActionPlanState_Name(after.state())),
        after.state() == delivery::v1::ACTION_PLAN_STATE_DRAFT ? after.changes_requested_reason()
                                                               : ""));
  }
  if (before.approved_number_of_sessions() != after.approved_number_of_sessions()) {
    changes.push_back(Change("action_plan.approved_number_of_sessions",
                             absl::StrCat(before.approved_number_of_sessions()),
                             absl::StrCat(after.approved_number_of_sessions())));
  }
  return changes;
}

std::vector<v1::ChangelogEntry> RecordChanges(const EndOfServiceReport& before,
                                              const EndOfServiceReport& after) {
  std::vector<v1::ChangelogEntry> changes;
  if (before.submitted() != after.submitted()) {
    changes.push_back(Change("end_of_service_report.submitted",
                             before.submitted() ? "true" : "false",
                             after.submitted() ? "true" : "false"));
  }
  return changes;
}

}  // namespace

v1::AttendanceSummary SummariseAttendance(const std::vector<Appointment>& appointments,
                                          int sessions_required) {
  v1::AttendanceSummary summary;
  summary.set_sessions_required(sessions_required);
  for (const Appointment& appointment : appointments) {
    if (appointment.type() != delivery::v1::APPOINTMENT_TYPE_SESSION) continue;
    const delivery::v1::AttendanceOutcome outcome = appointment.attendance().outcome();
    if (outcome == delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_HAPPEN) continue;
    summary.set_sessions_scheduled(summary.sessions_scheduled() + 1);
    if (Attended(outcome)) summary.set_sessions_attended(summary.sessions_attended() + 1);
    if (outcome == delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND) {
      summary.set_sessions_missed(summary.sessions_missed() + 1);
    }
  }
  return summary;
}

DeliveryWorkflow::DeliveryWorkflow(const StateMachineSet& machines, const DeliveryRules& rules,
                                   ReferralStore& store, std::function<absl::Time()> now,
                                   CallerGuards guards)
    : machines_(machines),
      rules_(rules),
      store_(store),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      guards_(guards) {}

absl::StatusOr<v1::Referral> DeliveryWorkflow::Load(absl::string_view method,
                                                    absl::string_view field,
                                                    absl::string_view referral_name,
                                                    const Identity& caller) {
  return LoadInScope(store_, guards_.audit, now_(), method, field, referral_name, caller);
}

void DeliveryWorkflow::Audit(const Identity& caller, absl::string_view method,
                             const v1::Referral& referral) {
  if (guards_.audit == nullptr) return;
  guards_.audit->Record(AccessRecordOf(caller, method, referral.person().crn(), referral.name(),
                                       v1::AccessRecord::OUTCOME_ALLOWED, now_()));
}

absl::StatusOr<int> DeliveryWorkflow::SessionsRequired(const v1::Referral& referral) {
  absl::StatusOr<std::optional<ActionPlan>> plan = store_.GetActionPlan(referral.id());
  if (!plan.ok()) return plan.status();
  return plan->has_value() ? (*plan)->approved_number_of_sessions() : 0;
}

absl::StatusOr<bool> DeliveryWorkflow::CatchUpCompletes(
    const v1::Referral& referral, const v1::GroupDelivery& groups,
    const std::vector<Appointment>& appointments) {
  absl::StatusOr<std::optional<GroupMembership>> membership = store_.MembershipOf(referral.id());
  if (!membership.ok()) return membership.status();
  if (!membership->has_value()) return false;
  const GroupMemberRow& row = (*membership)->row;
  const int shortfall = row.sessions_required - row.sessions_attended;
  const int caught_up = static_cast<int>(absl::c_count_if(appointments, [](const Appointment& a) {
    return a.type() == delivery::v1::APPOINTMENT_TYPE_CATCH_UP &&
           Attended(a.attendance().outcome());
  }));
  return shortfall <= std::min(caught_up, groups.completion().catch_ups_allowed());
}

absl::StatusOr<DeliveryRecordWrite> DeliveryWorkflow::Commit(
    absl::string_view method, const v1::Referral& referral, DeliveryRecordWrite record,
    const std::vector<Appointment>& appointments, int sessions_required, v1::DeliveryFact fact,
    absl::string_view notes, v1::ReferralEvent::Type type, std::vector<v1::ChangelogEntry> changes,
    const Identity& caller, bool* conflict) {
  const absl::Time now = now_();
  ReferralWrite write;
  write.referral = referral;
  // The referral's changelog says what changed in its delivery, as it does for amendments.
  for (v1::ChangelogEntry& change : changes) {
    change.set_actor(caller.actor);
    change.set_role(caller.role);
    *change.mutable_occurred_at() = ToTimestamp(now);
    change.set_etag(absl::StrCat(VersionOfEtag(referral.etag()) + 1));
  }
  write.changelog = std::move(changes);
  const v1::StateMachine* machine = machines_.For(referral.kind());
  if (machine != nullptr && machine->has_group_delivery()) {
    // A programme's sessions are its group's (the summary is the group's); an attended
    // catch-up may be what completes it.
    if (fact == v1::DELIVERY_FACT_SESSION_ATTENDED &&
        record.kind == DeliveryRecordWrite::Kind::kAppointment &&
        record.appointment.type() == delivery::v1::APPOINTMENT_TYPE_CATCH_UP) {
      absl::StatusOr<bool> completes =
          CatchUpCompletes(referral, machine->group_delivery(), appointments);
      if (!completes.ok()) return completes.status();
      if (*completes) fact = v1::DELIVERY_FACT_GROUP_COMPLETED;
    }
  } else {
    *write.referral.mutable_attendance() = SummariseAttendance(appointments, sessions_required);
  }
  // The machine says whether this record moves the referral on from where it is.
  if (std::optional<ResolvedTransition> move =
          machines_.DrivenBy(referral.kind(), referral.state(), fact)) {
    ApplyMove(machines_, *move, caller, "", notes, now, write);
  } else {
    *write.referral.mutable_update_time() = ToTimestamp(now);
  }
  write.event_type = type;
  record.referral_id = referral.id();
  std::string record_name;
  switch (record.kind) {
    case DeliveryRecordWrite::Kind::kAppointment:
      record_name = record.appointment.name();
      break;
    case DeliveryRecordWrite::Kind::kActionPlan:
      record_name = record.action_plan.name();
      break;
    case DeliveryRecordWrite::Kind::kEndOfServiceReport:
      record_name = record.report.name();
      break;
  }
  write.access = AccessRecordOf(caller, method, referral.person().crn(), referral.name(),
                                v1::AccessRecord::OUTCOME_ALLOWED, now);
  write.record = record;
  absl::StatusOr<v1::Referral> written = store_.Update(write, referral.etag());
  if (!written.ok()) {
    // The referral or the record changed after they were read: read both again.
    if (written.status().code() == absl::StatusCode::kAborted) *conflict = true;
    return written.status();
  }
  SetStoredEtag(record);
  return record;
}

// Appointments.

absl::StatusOr<Appointment> DeliveryWorkflow::ScheduleAppointment(
    const delivery::v1::ScheduleAppointmentRequest& request, const Identity& caller) {
  absl::StatusOr<Appointment> scheduled =
      Retrying([&](bool* conflict) { return TrySchedule(request, caller, conflict); });
  if (!scheduled.ok() || !request.appointment().has_attendance() || Recorded(*scheduled)) {
    return scheduled;
  }
  // A past appointment comes with its attendance: booked, then recorded, each its own event
  // and move. A retry after the booking alone has committed records the attendance.
  delivery::v1::RecordAttendanceRequest record;
  record.set_name(scheduled->name());
  record.set_etag(scheduled->etag());
  *record.mutable_attendance() = request.appointment().attendance();
  return RecordAttendance(record, caller);
}

absl::StatusOr<Appointment> DeliveryWorkflow::TrySchedule(
    const delivery::v1::ScheduleAppointmentRequest& request, const Identity& caller,
    bool* conflict) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (request.request_id().empty()) {
    return InvalidFieldError("request_id", "is required, so that a retry is recognised");
  }
  if (request.request_id().size() > kMaxRequestIdLength) {
    return InvalidFieldError("request_id",
                             absl::StrCat("at most ", kMaxRequestIdLength, " characters"));
  }
  const Appointment& proposed = request.appointment();
  if (proposed.type() == delivery::v1::APPOINTMENT_TYPE_UNSPECIFIED ||
      !delivery::v1::AppointmentType_IsValid(proposed.type())) {
    return InvalidFieldError("appointment.type", "is required");
  }
  if (!proposed.has_start_time()) return InvalidFieldError("appointment.start_time", "is required");
  if (!ValidTimestamp(proposed.start_time())) {
    return InvalidFieldError("appointment.start_time", "is not a valid time");
  }
  if (!proposed.has_duration() || !ValidDuration(proposed.duration())) {
    return InvalidFieldError("appointment.duration", "is required");
  }
  if (proposed.delivery_method() == delivery::v1::DELIVERY_METHOD_UNSPECIFIED ||
      !delivery::v1::DeliveryMethod_IsValid(proposed.delivery_method())) {
    return InvalidFieldError("appointment.delivery_method", "is required");
  }
  if (absl::Status status =
          CheckText("appointment.location", proposed.location(),
                    proposed.delivery_method() == delivery::v1::DELIVERY_METHOD_IN_PERSON,
                    kMaxLocationLength);
      !status.ok()) {
    return status;
  }
  if (absl::c_any_of(proposed.location(), [](char c) { return absl::ascii_iscntrl(c); })) {
    return InvalidFieldError("appointment.location", "must be one line of text");
  }
  if (proposed.session_number() < 0) {
    return InvalidFieldError("appointment.session_number", "must not be negative");
  }
  if (proposed.has_attendance()) {
    if (absl::Status status = ValidateAttendance("appointment.attendance", proposed.attendance());
        !status.ok()) {
      return status;
    }
  }

  absl::StatusOr<v1::Referral> referral =
      Load("ScheduleAppointment", "parent", request.parent(), caller);
  if (!referral.ok()) return referral.status();
  const std::string type_name = delivery::v1::AppointmentType_Name(proposed.type());
  const data::v1::AppointmentRules* rules = rules_.Appointments(referral->kind(), proposed.type());
  if (rules == nullptr) {
    return NotAllowed(
        referral->name(),
        absl::StrCat("a referral to a ", catalogue::v1::InterventionKind_Name(referral->kind()),
                     " has no ", type_name, " appointments"));
  }
  if (absl::Status status =
          CheckRole(rules->roles(), caller, absl::StrCat("schedule a ", type_name, " appointment"));
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::optional<Appointment>> earlier =
      store_.AppointmentOfRequest(referral->id(), request.request_id());
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) {
    Audit(caller, "ScheduleAppointment", *referral);
    return **earlier;
  }
  if (absl::Status status = CheckState(rules->schedulable_states(), *referral, referral->name(),
                                       absl::StrCat("a ", type_name, " appointment is scheduled"));
      !status.ok()) {
    return status;
  }

  const absl::Time now = now_();
  const absl::Time start = FromTimestamp(proposed.start_time());
  const absl::Duration duration =
      absl::Microseconds(TimeUtil::DurationToMicroseconds(proposed.duration()));
  if (duration < absl::Microseconds(TimeUtil::DurationToMicroseconds(rules->min_duration())) ||
      duration > absl::Microseconds(TimeUtil::DurationToMicroseconds(rules->max_duration()))) {
    return InvalidFieldError(
        "appointment.duration",
        absl::StrCat("must be from ", TimeUtil::ToString(rules->min_duration()), " to ",
                     TimeUtil::ToString(rules->max_duration())));
  }
  if (start > now + absl::Microseconds(TimeUtil::DurationToMicroseconds(rules->max_lead_time()))) {
    return InvalidFieldError("appointment.start_time",
                             absl::StrCat("is too far ahead: at most ",
                                          TimeUtil::ToString(rules->max_lead_time()), " from now"));
  }
  if (start < now) {
    if (rules->past_only_as_record() && !proposed.has_attendance()) {
      return InvalidFieldError("appointment.start_time",
                               "is in the past: a past appointment is scheduled only with its "
                               "attendance, as a record of what happened");
    }
    if (start <
        now - absl::Microseconds(TimeUtil::DurationToMicroseconds(rules->max_record_age()))) {
      return InvalidFieldError("appointment.start_time",
                               absl::StrCat("is too long ago to record: at most ",
                                            TimeUtil::ToString(rules->max_record_age()), " back"));
    }
  } else if (proposed.has_attendance() && rules->attendance_only_after_start()) {
    return NotAllowed(referral->name(),
                      "attendance is recorded once an appointment has started; this one starts "
                      "in the future");
  }

  absl::StatusOr<std::vector<Appointment>> appointments = store_.AppointmentsOf(referral->id());
  if (!appointments.ok()) return appointments.status();
  if (static_cast<int>(appointments->size()) >= kMaxAppointmentsPerReferral) {
    return NotAllowed(referral->name(), absl::StrCat("a referral has at most ",
                                                     kMaxAppointmentsPerReferral, " appointments"));
  }
  std::set<int> used;
  int unrecorded = 0;
  for (const Appointment& appointment : *appointments) {
    if (appointment.type() != proposed.type()) continue;
    used.insert(appointment.session_number());
    if (!Recorded(appointment)) ++unrecorded;
  }
  if (rules->max_unrecorded() > 0 && unrecorded >= rules->max_unrecorded()) {
    return NotAllowed(referral->name(),
                      absl::StrCat("a ", type_name,
                                   " appointment is already booked and not yet recorded: "
                                   "reschedule it, or record its attendance, before booking "
                                   "another"));
  }
  absl::StatusOr<int> sessions_required = SessionsRequired(*referral);
  if (!sessions_required.ok()) return sessions_required.status();
  int session_number = proposed.session_number();
  if (rules->numbered_by_action_plan()) {
    if (*sessions_required == 0) {
      return NotAllowed(ActionPlanName(referral->id()),
                        "sessions are scheduled against an approved action plan; this referral "
                        "has none");
    }
    if (session_number == 0) {
      for (int n = 1; n <= *sessions_required && session_number == 0; ++n) {
        if (!used.contains(n)) session_number = n;
      }
      if (session_number == 0) {
        return NotAllowed(ActionPlanName(referral->id()),
                          absl::StrCat("all ", *sessions_required,
                                       " sessions of the approved action plan are booked"));
      }
    } else if (session_number > *sessions_required) {
      return NotAllowed(ActionPlanName(referral->id()),
                        absl::StrCat("session ", session_number, " is beyond the ",
                                     *sessions_required, " sessions of the approved action plan"));
    }
  } else {
    // Attempts are counted (1, 2, ...), not chosen.
    const int next = used.empty() ? 1 : *used.rbegin() + 1;
    if (session_number != 0 && session_number != next) {
      return InvalidFieldError(
          "appointment.session_number",
          absl::StrCat("a ", type_name, " is attempt ", next, "; leave it unset"));
    }
    session_number = next;
  }
  if (used.contains(session_number)) {
    return NotAllowed(referral->name(),
                      absl::StrCat(type_name, " ", session_number,
                                   " is already booked; a session number is never reused"));
  }

  DeliveryRecordWrite record;
  record.kind = DeliveryRecordWrite::Kind::kAppointment;
  record.id = NewRecordId();
  record.request_id = request.request_id();
  record.crn = referral->person().crn();
  record.region = referral->region();
  record.provider = referral->provider();
  Appointment& appointment = record.appointment;
  appointment.set_name(AppointmentName(referral->id(), record.id));
  appointment.set_type(proposed.type());
  appointment.set_session_number(session_number);
  *appointment.mutable_start_time() = proposed.start_time();
  *appointment.mutable_duration() = proposed.duration();
  appointment.set_delivery_method(proposed.delivery_method());
  appointment.set_location(proposed.location());
  *appointment.mutable_create_time() = ToTimestamp(now);
  *appointment.mutable_update_time() = ToTimestamp(now);
  appointment.set_created_by(caller.actor);
  const v1::DeliveryFact fact =
      proposed.type() == delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT
          ? v1::DELIVERY_FACT_SUPPLIER_ASSESSMENT_BOOKED
          : v1::DELIVERY_FACT_UNSPECIFIED;
  absl::StatusOr<DeliveryRecordWrite> written =
      Commit("ScheduleAppointment", *referral, record, WithAppointment(*appointments, appointment),
             *sessions_required, fact, "", v1::ReferralEvent::TYPE_APPOINTMENT_SCHEDULED,
             AppointmentChanges(nullptr, appointment), caller, conflict);
  if (!written.ok()) return written.status();
  return written->appointment;
}

absl::StatusOr<Appointment> DeliveryWorkflow::TryChangeAppointment(
    absl::string_view method, absl::string_view name, absl::string_view etag,
    const std::function<absl::Status(const data::v1::AppointmentRules&, const v1::Referral&,
                                     Appointment&, v1::DeliveryFact&, v1::ReferralEvent::Type&)>&
        change,
    const Identity& caller, bool* conflict) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<std::pair<std::string, std::string>> ids = ParseAppointmentName("name", name);
  if (!ids.ok()) return ids.status();
  if (absl::Status status = CheckEtagGiven("etag", etag); !status.ok()) return status;
  absl::StatusOr<v1::Referral> referral =
      Load(method, "name", absl::StrCat(kReferrals, "/", ids->first), caller);
  if (!referral.ok()) return referral.status();
  absl::StatusOr<Appointment> appointment = store_.GetAppointment(ids->first, ids->second);
  if (!appointment.ok()) return appointment.status();
  const data::v1::AppointmentRules* rules =
      rules_.Appointments(referral->kind(), appointment->type());
  if (rules == nullptr) {
    return NotAllowed(appointment->name(), "appointments of this type are no longer kept");
  }
  if (absl::Status status = CheckRole(rules->roles(), caller, "change this appointment");
      !status.ok()) {
    return status;
  }
  if (appointment->etag() != etag) {
    return StaleEtagError(etag, appointment->etag(), "the appointment");
  }
  const int64_t version = VersionOfEtag(appointment->etag());
  v1::DeliveryFact fact = v1::DELIVERY_FACT_UNSPECIFIED;
  v1::ReferralEvent::Type type = v1::ReferralEvent::TYPE_UNSPECIFIED;
  const Appointment before = *appointment;
  if (absl::Status status = change(*rules, *referral, *appointment, fact, type); !status.ok()) {
    return status;
  }
  *appointment->mutable_update_time() = ToTimestamp(now_());
  absl::StatusOr<std::vector<Appointment>> appointments = store_.AppointmentsOf(referral->id());
  if (!appointments.ok()) return appointments.status();
  absl::StatusOr<int> sessions_required = SessionsRequired(*referral);
  if (!sessions_required.ok()) return sessions_required.status();
  DeliveryRecordWrite record;
  record.kind = DeliveryRecordWrite::Kind::kAppointment;
  record.id = ids->second;
  record.expected_version = version;
  record.appointment = *appointment;
  absl::StatusOr<DeliveryRecordWrite> written =
      Commit(method, *referral, std::move(record), WithAppointment(*appointments, *appointment),
             *sessions_required, fact, "", type, AppointmentChanges(&before, *appointment), caller,
             conflict);
  if (!written.ok()) return written.status();
  return written->appointment;
}

absl::StatusOr<Appointment> DeliveryWorkflow::RescheduleAppointment(
    const delivery::v1::RescheduleAppointmentRequest& request, const Identity& caller) {
  if (!request.has_start_time() || !ValidTimestamp(request.start_time())) {
    return InvalidFieldError("start_time", "is required");
  }
  if (absl::Status status = CheckText("reason", request.reason(), true); !status.ok()) {
    return status;
  }
  if (request.requested_by() == delivery::v1::RESCHEDULE_REQUESTER_UNSPECIFIED ||
      !delivery::v1::RescheduleRequester_IsValid(request.requested_by())) {
    return InvalidFieldError("requested_by", "is required: who asked for the new time");
  }
  auto change = [&](const data::v1::AppointmentRules& rules, const v1::Referral& referral,
                    Appointment& appointment, v1::DeliveryFact&,
                    v1::ReferralEvent::Type& type) -> absl::Status {
    const absl::Time now = now_();
    const absl::Time start = FromTimestamp(request.start_time());
    if (start <= now) {
      return InvalidFieldError("start_time",
                               "must be in the future: a past appointment is recorded, not moved");
    }
    if (start > now + absl::Microseconds(TimeUtil::DurationToMicroseconds(rules.max_lead_time()))) {
      return InvalidFieldError(
          "start_time", absl::StrCat("is too far ahead: at most ",
                                     TimeUtil::ToString(rules.max_lead_time()), " from now"));
    }
    // One that did not happen (not the person's doing) may be held at another time.
    if (rules.fixed_once_recorded() && Recorded(appointment) &&
        appointment.attendance().outcome() != delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_HAPPEN) {
      return NotAllowed(
          appointment.name(),
          absl::StrCat("its attendance is recorded (",
                       delivery::v1::AttendanceOutcome_Name(appointment.attendance().outcome()),
                       "): an appointment that took place keeps its time"));
    }
    if (absl::Status status = CheckState(rules.schedulable_states(), referral, appointment.name(),
                                         "an appointment is rescheduled");
        !status.ok()) {
      return status;
    }
    if (appointment.history_size() >= kMaxReschedules) {
      return NotAllowed(appointment.name(), absl::StrCat("an appointment is rescheduled at most ",
                                                         kMaxReschedules, " times"));
    }
    if (Recorded(appointment) && rules.max_unrecorded() > 0) {
      // Held again, it is unrecorded again: it may not pass the limit.
      absl::StatusOr<std::vector<Appointment>> others = store_.AppointmentsOf(referral.id());
      if (!others.ok()) return others.status();
      const int unrecorded =
          static_cast<int>(absl::c_count_if(*others, [&](const Appointment& other) {
            return other.type() == appointment.type() && !Recorded(other);
          }));
      if (unrecorded >= rules.max_unrecorded()) {
        return NotAllowed(appointment.name(),
                          "another appointment of this type is booked and not yet recorded");
      }
    }
    delivery::v1::Reschedule& entry = *appointment.add_history();
    if (Recorded(appointment)) *entry.mutable_previous_attendance() = appointment.attendance();
    *entry.mutable_previous_start_time() = appointment.start_time();
    *entry.mutable_new_start_time() = request.start_time();
    entry.set_requested_by(request.requested_by());
    entry.set_reason(request.reason());
    entry.set_actor(caller.actor);
    *entry.mutable_reschedule_time() = ToTimestamp(now);
    *appointment.mutable_start_time() = request.start_time();
    appointment.clear_attendance();
    type = v1::ReferralEvent::TYPE_APPOINTMENT_RESCHEDULED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TryChangeAppointment("RescheduleAppointment", request.name(), request.etag(), change,
                                caller, conflict);
  });
}

absl::StatusOr<Appointment> DeliveryWorkflow::RecordAttendance(
    const delivery::v1::RecordAttendanceRequest& request, const Identity& caller) {
  if (absl::Status status = ValidateAttendance("attendance", request.attendance()); !status.ok()) {
    return status;
  }
  auto change = [&](const data::v1::AppointmentRules& rules, const v1::Referral& referral,
                    Appointment& appointment, v1::DeliveryFact& fact,
                    v1::ReferralEvent::Type& type) -> absl::Status {
    const absl::Time now = now_();
    if (Recorded(appointment)) {
      return NotAllowed(appointment.name(),
                        absl::StrCat("its attendance was recorded at ",
                                     TimeUtil::ToString(appointment.attendance().record_time()),
                                     "; attendance is recorded once"));
    }
    if (rules.attendance_only_after_start() && FromTimestamp(appointment.start_time()) > now) {
      return NotAllowed(appointment.name(),
                        absl::StrCat("it starts at ", TimeUtil::ToString(appointment.start_time()),
                                     ": attendance is recorded once an appointment has started"));
    }
    if (absl::Status status = CheckState(rules.recordable_states(), referral, appointment.name(),
                                         "attendance is recorded");
        !status.ok()) {
      return status;
    }
    delivery::v1::Attendance& attendance = *appointment.mutable_attendance();
    attendance = request.attendance();
    attendance.set_recorded_by(caller.actor);
    attendance.set_recorded_by_role(caller.role);
    *attendance.mutable_record_time() = ToTimestamp(now);
    fact = AttendanceFact(appointment);
    type = v1::ReferralEvent::TYPE_ATTENDANCE_RECORDED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TryChangeAppointment("RecordAttendance", request.name(), request.etag(), change, caller,
                                conflict);
  });
}

absl::StatusOr<Appointment> DeliveryWorkflow::GetAppointment(
    const delivery::v1::GetAppointmentRequest& request, const Identity& caller) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ParseAppointmentName("name", request.name());
  if (!ids.ok()) return ids.status();
  absl::StatusOr<v1::Referral> referral =
      Load("GetAppointment", "name", absl::StrCat(kReferrals, "/", ids->first), caller);
  if (!referral.ok()) return referral.status();
  Audit(caller, "GetAppointment", *referral);
  return store_.GetAppointment(ids->first, ids->second);
}

absl::StatusOr<delivery::v1::ListAppointmentsResponse> DeliveryWorkflow::ListAppointments(
    const delivery::v1::ListAppointmentsRequest& request, const Identity& caller) {
  using Request = delivery::v1::ListAppointmentsRequest;
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  AppointmentQuery query;
  query.page_size = *page_size;
  const absl::Time now = now_();
  const bool caseload = request.parent() == absl::StrCat(kReferrals, "/-");
  if (caseload) {
    // Across the referrals the caller may see, as ListReferrals narrows them.
    ListQuery scope;
    if (absl::Status status = NarrowToScope(caller, scope); !status.ok()) return status;
    query.region = scope.region;
    query.provider = scope.provider;
    query.hidden_crns = scope.hidden_crns;
    query.open_referrals_only = true;
    switch (request.caseload()) {
      case Request::CASELOAD_UPCOMING:
        query.start_from_us = absl::ToUnixMicros(now);
        query.start_before_us = absl::ToUnixMicros(now + kUpcoming);
        break;
      case Request::CASELOAD_ATTENDANCE_NOT_RECORDED:
        query.unrecorded_only = true;
        query.start_from_us = absl::ToUnixMicros(now - kUnrecordedLookBack);
        query.start_before_us = absl::ToUnixMicros(now);
        break;
      case Request::CASELOAD_UNSPECIFIED:
        return InvalidFieldError("caseload",
                                 "is required with parent \"referrals/-\": CASELOAD_UPCOMING or "
                                 "CASELOAD_ATTENDANCE_NOT_RECORDED");
      default:
        return InvalidFieldError("caseload", "unknown value");
    }
  } else {
    if (request.caseload() != Request::CASELOAD_UNSPECIFIED) {
      return InvalidFieldError("caseload", "is for parent \"referrals/-\" only");
    }
    absl::StatusOr<v1::Referral> referral =
        Load("ListAppointments", "parent", request.parent(), caller);
    if (!referral.ok()) return referral.status();
    Audit(caller, "ListAppointments", *referral);
    query.referral_id = referral->id();
  }
  // Tokens are bound to the request and the caller's scope. A page resumes after the last
  // appointment of the one before, so none is skipped or repeated as appointments are added.
  const uint64_t fingerprint =
      FilterFingerprint(absl::StrCat("parent=", request.parent(), "\ncaseload=", request.caseload(),
                                     "\nregion=", query.region, "\nprovider=", query.provider));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) query.after.emplace((*after)->key, (*after)->id);
  absl::StatusOr<std::vector<ListedAppointment>> listed = store_.ListAppointments(query);
  if (!listed.ok()) return listed.status();
  delivery::v1::ListAppointmentsResponse response;
  const bool more = static_cast<int>(listed->size()) > query.page_size;
  if (more) listed->pop_back();
  for (ListedAppointment& entry : *listed) {
    // A caseload reads across referrals: each person's appointment read is in the audit.
    if (caseload && guards_.audit != nullptr) {
      const std::vector<std::string> parts = absl::StrSplit(entry.appointment.name(), '/');
      guards_.audit->Record(AccessRecordOf(caller, "ListAppointments", entry.crn,
                                           absl::StrCat(kReferrals, "/", parts[1]),
                                           v1::AccessRecord::OUTCOME_ALLOWED, now));
    }
    *response.add_appointments() = std::move(entry.appointment);
  }
  if (more && !response.appointments().empty()) {
    const Appointment& last = *response.appointments().rbegin();
    const std::vector<std::string> parts = absl::StrSplit(last.name(), '/');
    response.set_next_page_token(EncodeKeysetPageToken(
        {TimeUtil::TimestampToMicroseconds(last.start_time()), parts.back()}, fingerprint));
  }
  return response;
}

// Action plans and end-of-service reports.

namespace {

// How each singleton is named, stored, found in the rules and started.
template <typename Record>
struct Singleton;

template <>
struct Singleton<ActionPlan> {
  static constexpr absl::string_view kSegment = "actionPlan";
  static constexpr absl::string_view kType = kActionPlanType;
  static constexpr DeliveryRecordWrite::Kind kKind = DeliveryRecordWrite::Kind::kActionPlan;
  static const data::v1::RecordRules* Rules(const DeliveryRules& rules,
                                            catalogue::v1::InterventionKind kind) {
    return rules.ActionPlan(kind);
  }
  static absl::StatusOr<std::optional<ActionPlan>> Read(ReferralStore& store,
                                                        absl::string_view referral_id) {
    return store.GetActionPlan(referral_id);
  }
  static ActionPlan Empty(absl::string_view referral_id) {
    ActionPlan plan;
    plan.set_name(ActionPlanName(referral_id));
    plan.set_state(delivery::v1::ACTION_PLAN_STATE_DRAFT);
    plan.set_etag("0");
    return plan;
  }
  static ActionPlan& Of(DeliveryRecordWrite& write) { return write.action_plan; }
};

template <>
struct Singleton<EndOfServiceReport> {
  static constexpr absl::string_view kSegment = "endOfServiceReport";
  static constexpr absl::string_view kType = kEndOfServiceReportType;
  static constexpr DeliveryRecordWrite::Kind kKind = DeliveryRecordWrite::Kind::kEndOfServiceReport;
  static const data::v1::RecordRules* Rules(const DeliveryRules& rules,
                                            catalogue::v1::InterventionKind kind) {
    return rules.EndOfServiceReport(kind);
  }
  static absl::StatusOr<std::optional<EndOfServiceReport>> Read(ReferralStore& store,
                                                                absl::string_view referral_id) {
    return store.GetEndOfServiceReport(referral_id);
  }
  static EndOfServiceReport Empty(absl::string_view referral_id) {
    EndOfServiceReport report;
    report.set_name(EndOfServiceReportName(referral_id));
    report.set_etag("0");
    return report;
  }
  static EndOfServiceReport& Of(DeliveryRecordWrite& write) { return write.report; }
};

// The version an etag of a singleton names: "0" for one never written.
int64_t SingletonVersion(absl::string_view etag) { return etag == "0" ? 0 : VersionOfEtag(etag); }

// NOT_FOUND: a referral of a kind that has no such record.
absl::Status NoSuchRecord(absl::string_view type, absl::string_view name) {
  return ResourceNotFoundError(type, name,
                               absl::StrCat("no ", name, ": the referral's kind has none"));
}

}  // namespace

template <typename Record>
absl::StatusOr<Record> DeliveryWorkflow::TrySingletonStep(
    absl::string_view method, absl::string_view name, absl::string_view etag,
    const std::function<absl::Status(const data::v1::RecordRules&, const v1::Referral&, Record&,
                                     v1::DeliveryFact&, v1::ReferralEvent::Type&, std::string&)>&
        step,
    const Identity& caller, bool* conflict) {
  using Kind = Singleton<Record>;
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<std::string> referral_name = ParseSingletonName("name", name, Kind::kSegment);
  if (!referral_name.ok()) return referral_name.status();
  if (absl::Status status = CheckEtagGiven("etag", etag); !status.ok()) return status;
  absl::StatusOr<v1::Referral> referral = Load(method, "name", *referral_name, caller);
  if (!referral.ok()) return referral.status();
  const data::v1::RecordRules* rules = Kind::Rules(rules_, referral->kind());
  if (rules == nullptr) return NoSuchRecord(Kind::kType, name);
  absl::StatusOr<std::optional<Record>> stored = Kind::Read(store_, referral->id());
  if (!stored.ok()) return stored.status();
  Record record = stored->has_value() ? **stored : Kind::Empty(referral->id());
  if (record.etag() != etag) return StaleEtagError(etag, record.etag(), name);
  const v1::StateInfo* state = machines_.State(referral->kind(), referral->state());
  if (state != nullptr && state->terminal()) {
    return NotAllowed(name, absl::StrCat("the referral is closed (",
                                         v1::ReferralState_Name(referral->state()), ")"));
  }
  DeliveryRecordWrite write;
  write.kind = Kind::kKind;
  write.referral_id = referral->id();
  write.expected_version = SingletonVersion(record.etag());
  v1::DeliveryFact fact = v1::DELIVERY_FACT_UNSPECIFIED;
  v1::ReferralEvent::Type type = v1::ReferralEvent::TYPE_UNSPECIFIED;
  std::string notes;
  const Record before = record;
  if (absl::Status status = step(*rules, *referral, record, fact, type, notes); !status.ok()) {
    return status;
  }
  *record.mutable_update_time() = ToTimestamp(now_());
  Kind::Of(write) = record;
  if (type == v1::ReferralEvent::TYPE_UNSPECIFIED) {
    // A draft's edit: nothing of the referral changes, so the record is written alone.
    absl::StatusOr<DeliveryRecordWrite> written = store_.PutDeliveryRecord(write);
    if (!written.ok()) {
      if (written.status().code() == absl::StatusCode::kAborted) *conflict = true;
      return written.status();
    }
    Audit(caller, method, *referral);
    return Kind::Of(*written);
  }
  absl::StatusOr<std::vector<Appointment>> appointments = store_.AppointmentsOf(referral->id());
  if (!appointments.ok()) return appointments.status();
  int sessions_required = 0;
  if constexpr (std::is_same_v<Record, ActionPlan>) {
    sessions_required = record.approved_number_of_sessions();
  } else {
    absl::StatusOr<int> required = SessionsRequired(*referral);
    if (!required.ok()) return required.status();
    sessions_required = *required;
  }
  absl::StatusOr<DeliveryRecordWrite> written =
      Commit(method, *referral, std::move(write), *appointments, sessions_required, fact, notes,
             type, RecordChanges(before, record), caller, conflict);
  if (!written.ok()) return written.status();
  return Kind::Of(*written);
}

template <typename Record>
absl::StatusOr<Record> DeliveryWorkflow::GetSingleton(absl::string_view method,
                                                      absl::string_view name,
                                                      const Identity& caller) {
  using Kind = Singleton<Record>;
  absl::StatusOr<std::string> referral_name = ParseSingletonName("name", name, Kind::kSegment);
  if (!referral_name.ok()) return referral_name.status();
  absl::StatusOr<v1::Referral> referral = Load(method, "name", *referral_name, caller);
  if (!referral.ok()) return referral.status();
  if (Kind::Rules(rules_, referral->kind()) == nullptr) return NoSuchRecord(Kind::kType, name);
  Audit(caller, method, *referral);
  absl::StatusOr<std::optional<Record>> stored = Kind::Read(store_, referral->id());
  if (!stored.ok()) return stored.status();
  return stored->has_value() ? **stored : Kind::Empty(referral->id());
}

absl::StatusOr<ActionPlan> DeliveryWorkflow::GetActionPlan(
    const delivery::v1::GetActionPlanRequest& request, const Identity& caller) {
  return GetSingleton<ActionPlan>("GetActionPlan", request.name(), caller);
}

namespace {

// The sessions already held, and the highest session number booked.
std::pair<int, int> SessionsHeldAndBooked(const std::vector<Appointment>& appointments) {
  int held = 0;
  int highest = 0;
  for (const Appointment& appointment : appointments) {
    if (appointment.type() != delivery::v1::APPOINTMENT_TYPE_SESSION) continue;
    if (Held(appointment)) ++held;
    highest = std::max(highest, appointment.session_number());
  }
  return {held, highest};
}

}  // namespace

absl::Status DeliveryWorkflow::CheckPlanFits(const v1::Referral& referral, const ActionPlan& plan) {
  for (int i = 0; i < plan.activities_size(); ++i) {
    if (!absl::c_linear_search(referral.desired_outcomes(), plan.activities(i).desired_outcome())) {
      return NotAllowed(plan.name(),
                        absl::StrCat("activity ", i + 1, " works towards \"",
                                     plan.activities(i).desired_outcome().substr(0, 200),
                                     "\", which is no longer one of the referral's desired "
                                     "outcomes; update the plan"));
    }
  }
  absl::StatusOr<std::vector<Appointment>> appointments = store_.AppointmentsOf(referral.id());
  if (!appointments.ok()) return appointments.status();
  const auto [held, highest] = SessionsHeldAndBooked(*appointments);
  if (plan.number_of_sessions() < std::max(held, highest)) {
    return NotAllowed(plan.name(), absl::StrCat("the plan's ", plan.number_of_sessions(),
                                                " sessions are fewer than those already held (",
                                                held, ") or booked (up to session ", highest, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ActionPlan> DeliveryWorkflow::UpdateActionPlan(
    const delivery::v1::UpdateActionPlanRequest& request, const Identity& caller) {
  const ActionPlan& changes = request.action_plan();
  if (request.update_mask().paths().empty()) {
    return InvalidFieldError("update_mask",
                             "name the fields to change: activities, "
                             "number_of_sessions");
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path != "activities" && path != "number_of_sessions") {
      return InvalidFieldError("update_mask",
                               absl::StrCat("\"", path.substr(0, 100),
                                            "\" cannot be changed; the fields that can are "
                                            "activities, number_of_sessions"));
    }
  }
  const bool sets_activities = absl::c_linear_search(request.update_mask().paths(), "activities");
  const bool sets_sessions =
      absl::c_linear_search(request.update_mask().paths(), "number_of_sessions");
  if (sets_activities && changes.activities_size() > kMaxActivities) {
    return InvalidFieldError("action_plan.activities",
                             absl::StrCat("at most ", kMaxActivities, " activities"));
  }
  if (sets_sessions &&
      (changes.number_of_sessions() < 1 || changes.number_of_sessions() > kMaxSessions)) {
    return InvalidFieldError("action_plan.number_of_sessions",
                             absl::StrCat("must be from 1 to ", kMaxSessions));
  }
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral& referral,
                  ActionPlan& plan, v1::DeliveryFact&, v1::ReferralEvent::Type&,
                  std::string&) -> absl::Status {
    if (absl::Status status = CheckRole(rules.author_roles(), caller, "write an action plan");
        !status.ok()) {
      return status;
    }
    if (absl::Status status =
            CheckState(rules.editable_states(), referral, plan.name(), "an action plan is written");
        !status.ok()) {
      return status;
    }
    if (plan.state() == delivery::v1::ACTION_PLAN_STATE_SUBMITTED) {
      return NotAllowed(plan.name(),
                        "the plan is waiting for the probation practitioner's approval; it can "
                        "be changed once they approve it or ask for changes");
    }
    if (sets_activities) {
      for (int i = 0; i < changes.activities_size(); ++i) {
        const delivery::v1::Activity& activity = changes.activities(i);
        const std::string field = absl::StrCat("action_plan.activities[", i, "]");
        if (absl::Status status =
                CheckText(absl::StrCat(field, ".description"), activity.description(), true);
            !status.ok()) {
          return status;
        }
        if (absl::Status status = CheckDesiredOutcome(absl::StrCat(field, ".desired_outcome"),
                                                      referral, activity.desired_outcome());
            !status.ok()) {
          return status;
        }
      }
      *plan.mutable_activities() = changes.activities();
    }
    if (sets_sessions) plan.set_number_of_sessions(changes.number_of_sessions());
    // Editing an approved plan starts its revision; sessions stay booked against the approved
    // number until the revision is approved.
    plan.set_state(delivery::v1::ACTION_PLAN_STATE_DRAFT);
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<ActionPlan>("UpdateActionPlan", changes.name(), changes.etag(), step,
                                        caller, conflict);
  });
}

absl::StatusOr<ActionPlan> DeliveryWorkflow::SubmitActionPlan(
    const delivery::v1::SubmitActionPlanRequest& request, const Identity& caller) {
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral& referral,
                  ActionPlan& plan, v1::DeliveryFact& fact, v1::ReferralEvent::Type& type,
                  std::string&) -> absl::Status {
    if (absl::Status status = CheckRole(rules.author_roles(), caller, "submit an action plan");
        !status.ok()) {
      return status;
    }
    if (absl::Status status = CheckState(rules.submittable_states(), referral, plan.name(),
                                         "an action plan is submitted");
        !status.ok()) {
      return status;
    }
    if (plan.state() != delivery::v1::ACTION_PLAN_STATE_DRAFT) {
      return NotAllowed(plan.name(),
                        absl::StrCat("only a draft is submitted; the plan is ",
                                     delivery::v1::ActionPlanState_Name(plan.state())));
    }
    if (plan.activities().empty() || plan.number_of_sessions() < 1) {
      return NotAllowed(plan.name(),
                        "a plan is submitted with at least one activity and a number of sessions");
    }
    if (absl::Status status = CheckPlanFits(referral, plan); !status.ok()) return status;
    plan.set_state(delivery::v1::ACTION_PLAN_STATE_SUBMITTED);
    plan.clear_changes_requested_reason();
    *plan.mutable_submit_time() = ToTimestamp(now_());
    fact = v1::DELIVERY_FACT_ACTION_PLAN_SUBMITTED;
    type = v1::ReferralEvent::TYPE_ACTION_PLAN_SUBMITTED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<ActionPlan>("SubmitActionPlan", request.name(), request.etag(), step,
                                        caller, conflict);
  });
}

absl::StatusOr<ActionPlan> DeliveryWorkflow::ApproveActionPlan(
    const delivery::v1::ApproveActionPlanRequest& request, const Identity& caller) {
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral& referral,
                  ActionPlan& plan, v1::DeliveryFact& fact, v1::ReferralEvent::Type& type,
                  std::string&) -> absl::Status {
    if (absl::Status status = CheckRole(rules.approver_roles(), caller, "approve an action plan");
        !status.ok()) {
      return status;
    }
    if (plan.state() != delivery::v1::ACTION_PLAN_STATE_SUBMITTED) {
      return NotAllowed(plan.name(),
                        absl::StrCat("only a submitted plan is approved; the plan is ",
                                     delivery::v1::ActionPlanState_Name(plan.state())));
    }
    // Sessions may have been held or booked, or outcomes amended, since it was submitted.
    if (absl::Status status = CheckPlanFits(referral, plan); !status.ok()) return status;
    plan.set_state(delivery::v1::ACTION_PLAN_STATE_APPROVED);
    plan.set_approved_number_of_sessions(plan.number_of_sessions());
    *plan.mutable_approve_time() = ToTimestamp(now_());
    plan.set_approved_by(caller.actor);
    fact = v1::DELIVERY_FACT_ACTION_PLAN_APPROVED;
    type = v1::ReferralEvent::TYPE_ACTION_PLAN_APPROVED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<ActionPlan>("ApproveActionPlan", request.name(), request.etag(), step,
                                        caller, conflict);
  });
}

absl::StatusOr<ActionPlan> DeliveryWorkflow::RequestActionPlanChanges(
    const delivery::v1::RequestActionPlanChangesRequest& request, const Identity& caller) {
  if (absl::Status status = CheckText("reason", request.reason(), true); !status.ok()) {
    return status;
  }
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral&, ActionPlan& plan,
                  v1::DeliveryFact& fact, v1::ReferralEvent::Type& type,
                  std::string& notes) -> absl::Status {
    if (absl::Status status =
            CheckRole(rules.approver_roles(), caller, "ask for changes to an action plan");
        !status.ok()) {
      return status;
    }
    if (plan.state() != delivery::v1::ACTION_PLAN_STATE_SUBMITTED) {
      return NotAllowed(plan.name(),
                        absl::StrCat("changes are asked of a submitted plan; the plan is ",
                                     delivery::v1::ActionPlanState_Name(plan.state())));
    }
    plan.set_state(delivery::v1::ACTION_PLAN_STATE_DRAFT);
    plan.set_changes_requested_reason(request.reason());
    notes = request.reason();
    fact = v1::DELIVERY_FACT_ACTION_PLAN_CHANGES_REQUESTED;
    type = v1::ReferralEvent::TYPE_ACTION_PLAN_CHANGES_REQUESTED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<ActionPlan>("RequestActionPlanChanges", request.name(), request.etag(),
                                        step, caller, conflict);
  });
}

absl::StatusOr<EndOfServiceReport> DeliveryWorkflow::GetEndOfServiceReport(
    const delivery::v1::GetEndOfServiceReportRequest& request, const Identity& caller) {
  return GetSingleton<EndOfServiceReport>("GetEndOfServiceReport", request.name(), caller);
}

absl::StatusOr<EndOfServiceReport> DeliveryWorkflow::UpdateEndOfServiceReport(
    const delivery::v1::UpdateEndOfServiceReportRequest& request, const Identity& caller) {
  const EndOfServiceReport& changes = request.report();
  if (request.update_mask().paths().empty()) {
    return InvalidFieldError("update_mask",
                             "name the fields to change: outcomes, further_information");
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path != "outcomes" && path != "further_information") {
      return InvalidFieldError("update_mask",
                               absl::StrCat("\"", path.substr(0, 100),
                                            "\" cannot be changed; the fields that can are "
                                            "outcomes, further_information"));
    }
  }
  const bool sets_outcomes = absl::c_linear_search(request.update_mask().paths(), "outcomes");
  const bool sets_information =
      absl::c_linear_search(request.update_mask().paths(), "further_information");
  if (sets_information) {
    if (absl::Status status =
            CheckText("report.further_information", changes.further_information(), false);
        !status.ok()) {
      return status;
    }
  }
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral& referral,
                  EndOfServiceReport& report, v1::DeliveryFact&, v1::ReferralEvent::Type&,
                  std::string&) -> absl::Status {
    if (absl::Status status =
            CheckRole(rules.author_roles(), caller, "write an end-of-service report");
        !status.ok()) {
      return status;
    }
    if (absl::Status status = CheckState(rules.editable_states(), referral, report.name(),
                                         "an end-of-service report is written");
        !status.ok()) {
      return status;
    }
    if (report.submitted()) {
      return NotAllowed(report.name(), "the report is submitted and can no longer change");
    }
    if (sets_outcomes) {
      std::set<std::string> seen;
      for (int i = 0; i < changes.outcomes_size(); ++i) {
        const delivery::v1::OutcomeAchievement& outcome = changes.outcomes(i);
        const std::string field = absl::StrCat("report.outcomes[", i, "]");
        if (absl::Status status = CheckDesiredOutcome(absl::StrCat(field, ".desired_outcome"),
                                                      referral, outcome.desired_outcome());
            !status.ok()) {
          return status;
        }
        if (!seen.insert(outcome.desired_outcome()).second) {
          return InvalidFieldError(absl::StrCat(field, ".desired_outcome"),
                                   "is given twice; one entry per desired outcome");
        }
        if (outcome.achievement() == delivery::v1::ACHIEVEMENT_UNSPECIFIED ||
            !delivery::v1::Achievement_IsValid(outcome.achievement())) {
          return InvalidFieldError(absl::StrCat(field, ".achievement"), "is required");
        }
        if (absl::Status status = CheckText(absl::StrCat(field, ".notes"), outcome.notes(), false);
            !status.ok()) {
          return status;
        }
      }
      *report.mutable_outcomes() = changes.outcomes();
    }
    if (sets_information) report.set_further_information(changes.further_information());
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<EndOfServiceReport>("UpdateEndOfServiceReport", changes.name(),
                                                changes.etag(), step, caller, conflict);
  });
}

absl::StatusOr<EndOfServiceReport> DeliveryWorkflow::SubmitEndOfServiceReport(
    const delivery::v1::SubmitEndOfServiceReportRequest& request, const Identity& caller) {
  auto step = [&](const data::v1::RecordRules& rules, const v1::Referral& referral,
                  EndOfServiceReport& report, v1::DeliveryFact& fact, v1::ReferralEvent::Type& type,
                  std::string&) -> absl::Status {
    if (absl::Status status =
            CheckRole(rules.author_roles(), caller, "submit an end-of-service report");
        !status.ok()) {
      return status;
    }
    if (absl::Status status = CheckState(rules.submittable_states(), referral, report.name(),
                                         "an end-of-service report is submitted");
        !status.ok()) {
      return status;
    }
    if (report.submitted()) return NotAllowed(report.name(), "the report is already submitted");
    std::vector<std::string> missing;
    for (const std::string& outcome : referral.desired_outcomes()) {
      if (absl::c_none_of(report.outcomes(), [&](const delivery::v1::OutcomeAchievement& entry) {
            return entry.desired_outcome() == outcome;
          })) {
        missing.push_back(absl::StrCat("\"", outcome, "\""));
      }
    }
    if (!missing.empty()) {
      return NotAllowed(report.name(),
                        absl::StrCat("every desired outcome needs an entry before the report is "
                                     "submitted; missing: ",
                                     absl::StrJoin(missing, ", ")));
    }
    report.set_submitted(true);
    *report.mutable_submit_time() = ToTimestamp(now_());
    report.set_submitted_by(caller.actor);
    fact = v1::DELIVERY_FACT_END_OF_SERVICE_REPORT_SUBMITTED;
    type = v1::ReferralEvent::TYPE_END_OF_SERVICE_REPORT_SUBMITTED;
    return absl::OkStatus();
  };
  return Retrying([&](bool* conflict) {
    return TrySingletonStep<EndOfServiceReport>("SubmitEndOfServiceReport", request.name(),
                                                request.etag(), step, caller, conflict);
  });
}

}  // namespace probation::referrals
