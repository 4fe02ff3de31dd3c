// `appointments schedule|reschedule|attend|get|list`, `action-plan get|update|submit|approve|
// request-changes` and `end-of-service-report get|update|submit`: the delivery of a referral
// (probation.delivery.v1, re-exposed by the gateway), as a provider and a probation
// practitioner record it.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "tools/probation/commands.h"
#include "tools/probation/enum_names.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/referral_update.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

using google::protobuf::util::TimeUtil;

// The lists of --activities and --outcomes hold sentences, which may hold commas.
constexpr char kItemSeparator = kDesiredOutcomesSeparator;

// An RFC 3339 time.
absl::StatusOr<google::protobuf::Timestamp> ReadTime(const OptionReader& reader,
                                                     absl::string_view flag) {
  const std::string text = reader.String(flag);
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return InvalidFlag(flag,
                       absl::StrCat("'", text, "' is not an RFC 3339 time (2026-12-10T10:00:00Z)"));
  }
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// A positive duration as Go writes them: 60m, 1h30m.
absl::StatusOr<google::protobuf::Duration> ReadDuration(const OptionReader& reader,
                                                        absl::string_view flag) {
  const std::string text = reader.String(flag);
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration <= absl::ZeroDuration()) {
    return InvalidFlag(flag,
                       absl::StrCat("'", text, "' is not a positive duration, e.g. 60m or 1h30m"));
  }
  return TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(duration));
}

// The attendance of --<outcome_flag>, --notes and --notify_practitioner.
absl::Status ReadAttendance(OptionReader& reader, absl::string_view outcome_flag,
                            delivery::v1::Attendance& attendance) {
  attendance.set_outcome(reader.Enum<delivery::v1::AttendanceOutcome>(outcome_flag));
  attendance.set_notes(reader.String("notes"));
  absl::StatusOr<bool> notify = ReadBool(reader, "notify_practitioner");
  if (!notify.ok()) return notify.status();
  attendance.set_notify_practitioner(*notify);
  return reader.status();
}

absl::StatusOr<std::string> AppointmentArgument(const CommandContext& context) {
  return AppointmentName(context.arguments.at(0), "appointment");
}

// "referrals/{id}/actionPlan" or "referrals/{id}/endOfServiceReport" from the first argument.
absl::StatusOr<std::string> SingletonArgument(const CommandContext& context,
                                              absl::string_view singleton) {
  absl::StatusOr<std::string> referral = ReferralArgument(context);
  if (!referral.ok()) return referral.status();
  return absl::StrCat(*referral, "/", singleton);
}

constexpr absl::string_view kActionPlan = "actionPlan";
constexpr absl::string_view kEndOfServiceReport = "endOfServiceReport";

// The etag to write with: --etag, or else the record's current one, read first with `get`.
template <typename GetRequest, typename Record>
grpc::Status ResolveRecordEtag(CommandContext& context, UnaryMethod<GetRequest, Record> get,
                               const std::string& name, std::string& etag) {
  etag = OptionReader(context.options).String("etag");
  if (!etag.empty()) return grpc::Status::OK;
  GetRequest request;
  request.set_name(name);
  Record current;
  grpc::Status status = Call(context, get, request, current);
  etag = current.etag();
  return status;
}

// A write that names a record and its etag and takes nothing else (submit, approve).
template <typename Request, typename Record, typename GetRequest>
int WriteNamed(CommandContext& context, absl::string_view singleton,
               UnaryMethod<GetRequest, Record> get, UnaryMethod<Request, Record> write,
               Request request = {}) {
  absl::StatusOr<std::string> name = SingletonArgument(context, singleton);
  if (!name.ok()) return UsageFailure(context, name.status());
  request.set_name(*name);
  if (const grpc::Status status = ResolveRecordEtag(context, get, *name, *request.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, write, request);
}

template <typename Request, typename Record>
int GetSingleton(CommandContext& context, absl::string_view singleton,
                 UnaryMethod<Request, Record> get) {
  absl::StatusOr<std::string> name = SingletonArgument(context, singleton);
  if (!name.ok()) return UsageFailure(context, name.status());
  Request request;
  request.set_name(*name);
  return CallAndPrint(context, get, request);
}

// "OUTCOME=REST" split at the first '=', both parts trimmed and not empty.
bool SplitOutcome(absl::string_view item, std::string& outcome, std::string& rest) {
  const size_t equals = item.find('=');
  if (equals == absl::string_view::npos) return false;
  outcome = std::string(absl::StripAsciiWhitespace(item.substr(0, equals)));
  rest = std::string(absl::StripAsciiWhitespace(item.substr(equals + 1)));
  return !outcome.empty() && !rest.empty();
}

}  // namespace

int AppointmentsSchedule(CommandContext& context) {
  absl::StatusOr<std::string> parent = ReferralArgument(context);
  if (!parent.ok()) return UsageFailure(context, parent.status());
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"type", "start", "duration", "method"});
      !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::ScheduleAppointmentRequest request;
  request.set_parent(*parent);
  delivery::v1::Appointment& appointment = *request.mutable_appointment();
  appointment.set_type(reader.Enum<delivery::v1::AppointmentType>("type"));
  appointment.set_delivery_method(reader.Enum<delivery::v1::DeliveryMethod>("method"));
  appointment.set_location(reader.String("location"));
  appointment.set_session_number(reader.Int("session"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  absl::StatusOr<google::protobuf::Timestamp> start = ReadTime(reader, "start");
  if (!start.ok()) return UsageFailure(context, start.status());
  *appointment.mutable_start_time() = *start;
  absl::StatusOr<google::protobuf::Duration> duration = ReadDuration(reader, "duration");
  if (!duration.ok()) return UsageFailure(context, duration.status());
  *appointment.mutable_duration() = *duration;
  // A past appointment is booked as a record of what happened.
  if (reader.Has("attendance")) {
    if (absl::Status status =
            ReadAttendance(reader, "attendance", *appointment.mutable_attendance());
        !status.ok()) {
      return UsageFailure(context, status);
    }
  } else {
    for (const char* flag : {"notes", "notify_practitioner"}) {
      if (reader.Has(flag)) {
        return UsageFailure(context, InvalidFlag(flag,
                                                 "only with --attendance (a past "
                                                 "appointment's record)"));
      }
    }
  }
  const IdempotencyKey key = NewIdempotencyKey(context.settings);
  request.set_request_id(key.request_id);
  delivery::v1::Appointment scheduled;
  const grpc::Status status = Call(context, &Gateway::ScheduleAppointment, request, scheduled);
  // It may have been booked all the same; the same key finds it, not a second.
  if (!status.ok()) return CreateFailure(context, status, key);
  *context.out << Render(scheduled, context.settings.json);
  return kExitOk;
}

int AppointmentsReschedule(CommandContext& context) {
  absl::StatusOr<std::string> name = AppointmentArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"start", "reason", "requested_by"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::RescheduleAppointmentRequest request;
  request.set_name(*name);
  request.set_reason(reader.String("reason"));
  request.set_requested_by(reader.Enum<delivery::v1::RescheduleRequester>("requested_by"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  absl::StatusOr<google::protobuf::Timestamp> start = ReadTime(reader, "start");
  if (!start.ok()) return UsageFailure(context, start.status());
  *request.mutable_start_time() = *start;
  if (const grpc::Status status =
          ResolveRecordEtag(context, &Gateway::GetAppointment, *name, *request.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::RescheduleAppointment, request);
}

int AppointmentsAttend(CommandContext& context) {
  absl::StatusOr<std::string> name = AppointmentArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"outcome"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::RecordAttendanceRequest request;
  request.set_name(*name);
  if (absl::Status status = ReadAttendance(reader, "outcome", *request.mutable_attendance());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  if (const grpc::Status status =
          ResolveRecordEtag(context, &Gateway::GetAppointment, *name, *request.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::RecordAttendance, request);
}

int AppointmentsGet(CommandContext& context) {
  absl::StatusOr<std::string> name = AppointmentArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  delivery::v1::GetAppointmentRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetAppointment, request);
}

int AppointmentsList(CommandContext& context) {
  using Caseload = delivery::v1::ListAppointmentsRequest::Caseload;
  OptionReader reader(context.options);
  delivery::v1::ListAppointmentsRequest request;
  request.set_caseload(reader.Enum<Caseload>("caseload"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  const std::string caseloads = absl::StrJoin(
      AcceptedNames(*delivery::v1::ListAppointmentsRequest::Caseload_descriptor()), " or ");
  if (context.arguments.empty()) {
    if (!reader.Has("caseload")) {
      return UsageFailure(
          context,
          InvalidFlag("caseload", absl::StrCat("required without a referral: ", caseloads)));
    }
    // Every referral the caller may see (AIP-159).
    request.set_parent(absl::StrCat(kReferrals, "/-"));
  } else {
    if (reader.Has("caseload")) {
      return UsageFailure(context, InvalidFlag("caseload",
                                               "not with a referral: list one "
                                               "referral's appointments or a caseload"));
    }
    absl::StatusOr<std::string> parent = ReferralArgument(context);
    if (!parent.ok()) return UsageFailure(context, parent.status());
    request.set_parent(*parent);
  }
  return CallAndPrint(context, &Gateway::ListAppointments, request);
}

int ActionPlanGet(CommandContext& context) {
  return GetSingleton(context, kActionPlan, &Gateway::GetActionPlan);
}

int ActionPlanUpdate(CommandContext& context) {
  absl::StatusOr<std::string> name = SingletonArgument(context, kActionPlan);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  delivery::v1::UpdateActionPlanRequest request;
  delivery::v1::ActionPlan& plan = *request.mutable_action_plan();
  plan.set_name(*name);
  // Paths in the ActionPlan's field order.
  if (reader.Has("activities")) {
    for (const std::string& item : reader.List("activities", kItemSeparator)) {
      delivery::v1::Activity& activity = *plan.add_activities();
      if (!SplitOutcome(item, *activity.mutable_desired_outcome(),
                        *activity.mutable_description())) {
        return UsageFailure(context,
                            InvalidFlag("activities", absl::StrCat("'", item,
                                                                   "' is not DESIRED "
                                                                   "OUTCOME=DESCRIPTION")));
      }
    }
    request.mutable_update_mask()->add_paths("activities");
  }
  if (reader.Has("number_of_sessions")) {
    plan.set_number_of_sessions(reader.Int("number_of_sessions"));
    request.mutable_update_mask()->add_paths("number_of_sessions");
  }
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  if (request.update_mask().paths().empty()) {
    return UsageFailure(
        context,
        absl::InvalidArgumentError("nothing to update: give --activities or --number_of_sessions"));
  }
  if (const grpc::Status status =
          ResolveRecordEtag(context, &Gateway::GetActionPlan, *name, *plan.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::UpdateActionPlan, request);
}

int ActionPlanSubmit(CommandContext& context) {
  return WriteNamed(context, kActionPlan, &Gateway::GetActionPlan, &Gateway::SubmitActionPlan);
}

int ActionPlanApprove(CommandContext& context) {
  return WriteNamed(context, kActionPlan, &Gateway::GetActionPlan, &Gateway::ApproveActionPlan);
}

int ActionPlanRequestChanges(CommandContext& context) {
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"reason"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::RequestActionPlanChangesRequest request;
  request.set_reason(reader.String("reason"));
  return WriteNamed(context, kActionPlan, &Gateway::GetActionPlan,
                    &Gateway::RequestActionPlanChanges, std::move(request));
}

int EndOfServiceReportGet(CommandContext& context) {
  return GetSingleton(context, kEndOfServiceReport, &Gateway::GetEndOfServiceReport);
}

int EndOfServiceReportUpdate(CommandContext& context) {
  absl::StatusOr<std::string> name = SingletonArgument(context, kEndOfServiceReport);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  delivery::v1::UpdateEndOfServiceReportRequest request;
  delivery::v1::EndOfServiceReport& report = *request.mutable_report();
  report.set_name(*name);
  // Paths in the EndOfServiceReport's field order.
  if (reader.Has("outcomes")) {
    for (const std::string& item : reader.List("outcomes", kItemSeparator)) {
      delivery::v1::OutcomeAchievement& outcome = *report.add_outcomes();
      std::string rest;
      if (!SplitOutcome(item, *outcome.mutable_desired_outcome(), rest)) {
        return UsageFailure(context,
                            InvalidFlag("outcomes", absl::StrCat("'", item,
                                                                 "' is not DESIRED "
                                                                 "OUTCOME=ACHIEVEMENT[:NOTES]")));
      }
      std::vector<std::string> parts = absl::StrSplit(rest, absl::MaxSplits(':', 1));
      absl::StatusOr<delivery::v1::Achievement> achievement =
          ParseEnum<delivery::v1::Achievement>(parts[0]);
      if (!achievement.ok()) {
        return UsageFailure(
            context, InvalidFlag("outcomes",
                                 absl::StrCat("'", item, "': ", achievement.status().message())));
      }
      outcome.set_achievement(*achievement);
      if (parts.size() > 1) {
        outcome.set_notes(std::string(absl::StripAsciiWhitespace(parts[1])));
      }
    }
    request.mutable_update_mask()->add_paths("outcomes");
  }
  if (reader.Has("further_information")) {
    report.set_further_information(reader.String("further_information"));
    request.mutable_update_mask()->add_paths("further_information");
  }
  if (request.update_mask().paths().empty()) {
    return UsageFailure(
        context,
        absl::InvalidArgumentError("nothing to update: give --outcomes or --further_information"));
  }
  if (const grpc::Status status = ResolveRecordEtag(context, &Gateway::GetEndOfServiceReport, *name,
                                                    *report.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::UpdateEndOfServiceReport, request);
}

int EndOfServiceReportSubmit(CommandContext& context) {
  return WriteNamed(context, kEndOfServiceReport, &Gateway::GetEndOfServiceReport,
                    &Gateway::SubmitEndOfServiceReport);
}

}  // namespace probation::cli
