// `groups create|get|list|reschedule|waiting-list|allocate|remove|attend`: programme groups
// (probation.delivery.v1, re-exposed by the gateway), as the programme team of a region runs
// them: a group and its sessions, filled from the intervention's waiting list, with the whole
// group's attendance at a session recorded at once.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "tools/probation/commands.h"
#include "tools/probation/enum_names.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

// Notes may hold commas, so the members of --attendance are ;-separated.
constexpr char kAttendanceSeparator = ';';

// A date, "YYYY-MM-DD", passed on as typed.
absl::StatusOr<std::string> ReadDate(const OptionReader& reader, absl::string_view flag) {
  const std::string text = reader.String(flag);
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return InvalidFlag(flag, absl::StrCat("'", text, "' is not a date (2026-12-21)"));
  }
  return text;
}

// --intervention as "interventions/{id}", when given.
absl::Status ReadIntervention(const OptionReader& reader, std::string& intervention) {
  if (!reader.Has("intervention")) return absl::OkStatus();
  absl::StatusOr<std::string> name =
      InterventionName(reader.String("intervention"), "--intervention");
  if (!name.ok()) return name.status();
  intervention = *std::move(name);
  return absl::OkStatus();
}

absl::StatusOr<std::string> GroupArgument(const CommandContext& context) {
  return GroupName(context.arguments.at(0), "group");
}

absl::StatusOr<std::string> SessionArgument(const CommandContext& context) {
  return GroupSessionName(context.arguments.at(0), "session");
}

// The group and the referral of `groups allocate|remove <group> <referral>`.
absl::Status GroupAndReferralArguments(const CommandContext& context, std::string& group,
                                       std::string& referral) {
  absl::StatusOr<std::string> group_name = GroupArgument(context);
  if (!group_name.ok()) return group_name.status();
  absl::StatusOr<std::string> referral_name = ReferralName(context.arguments.at(1), "referral");
  if (!referral_name.ok()) return referral_name.status();
  group = *std::move(group_name);
  referral = *std::move(referral_name);
  return absl::OkStatus();
}

// "REFERRAL=OUTCOME[:NOTES]", the referral an id or "referrals/{id}".
absl::Status ReadGroupAttendance(absl::string_view item,
                                 delivery::v1::GroupAttendance& attendance) {
  const auto invalid = [&](absl::string_view why) {
    return InvalidFlag("attendance", absl::StrCat("'", item, "'", why));
  };
  const size_t equals = item.find('=');
  if (equals == absl::string_view::npos) return invalid(" is not REFERRAL=OUTCOME[:NOTES]");
  absl::StatusOr<std::string> referral =
      ReferralName(absl::StripAsciiWhitespace(item.substr(0, equals)), "referral");
  if (!referral.ok()) return invalid(absl::StrCat(": ", referral.status().message()));
  std::vector<std::string> parts = absl::StrSplit(item.substr(equals + 1), absl::MaxSplits(':', 1));
  absl::StatusOr<delivery::v1::AttendanceOutcome> outcome =
      ParseEnum<delivery::v1::AttendanceOutcome>(parts[0]);
  if (!outcome.ok()) return invalid(absl::StrCat(": ", outcome.status().message()));
  attendance.set_referral(*std::move(referral));
  attendance.set_outcome(*outcome);
  if (parts.size() > 1) attendance.set_notes(std::string(absl::StripAsciiWhitespace(parts[1])));
  return absl::OkStatus();
}

}  // namespace

int GroupsCreate(CommandContext& context) {
  OptionReader reader(context.options);
  if (absl::Status status =
          Required(reader, {"intervention", "start_date", "weekdays", "capacity", "facilitators"});
      !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::CreateGroupRequest request;
  delivery::v1::Group& group = *request.mutable_group();
  if (absl::Status status = ReadIntervention(reader, *group.mutable_intervention()); !status.ok()) {
    return UsageFailure(context, status);
  }
  group.set_region(reader.String("region"));
  absl::StatusOr<std::string> start = ReadDate(reader, "start_date");
  if (!start.ok()) return UsageFailure(context, start.status());
  group.set_start_date(*start);
  for (const std::string& text : reader.List("weekdays")) {
    absl::StatusOr<delivery::v1::Weekday> weekday = ParseEnum<delivery::v1::Weekday>(text);
    if (!weekday.ok()) {
      return UsageFailure(context, InvalidFlag("weekdays", weekday.status().message()));
    }
    group.add_weekdays(*weekday);
  }
  for (std::string& facilitator : reader.List("facilitators")) {
    group.add_facilitators(std::move(facilitator));
  }
  group.set_capacity(reader.Int("capacity"));
  group.set_sex(reader.Enum<common::v1::Sex>("sex"));
  group.set_session_count(reader.Int("session_count"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  const IdempotencyKey key = NewIdempotencyKey(context.settings);
  request.set_request_id(key.request_id);
  delivery::v1::Group created;
  const grpc::Status status = Call(context, &Gateway::CreateGroup, request, created);
  // It may have been created all the same; the same key finds it, not a second.
  if (!status.ok()) return CreateFailure(context, status, key);
  *context.out << Render(created, context.settings.json);
  return kExitOk;
}

int GroupsGet(CommandContext& context) {
  absl::StatusOr<std::string> name = GroupArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  delivery::v1::GetGroupRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetGroup, request);
}

int GroupsList(CommandContext& context) {
  OptionReader reader(context.options);
  delivery::v1::ListGroupsRequest request;
  if (absl::Status status = ReadIntervention(reader, *request.mutable_intervention());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  request.set_region(reader.String("region"));
  request.set_caseload(reader.Enum<delivery::v1::ListGroupsRequest::Caseload>("caseload"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListGroups, request);
}

int GroupsReschedule(CommandContext& context) {
  absl::StatusOr<std::string> name = SessionArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"date", "reason"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::RescheduleGroupSessionRequest request;
  request.set_name(*name);
  request.set_reason(reader.String("reason"));
  absl::StatusOr<std::string> date = ReadDate(reader, "date");
  if (!date.ok()) return UsageFailure(context, date.status());
  request.set_date(*date);
  absl::StatusOr<bool> move_later = ReadBool(reader, "move_later_sessions");
  if (!move_later.ok()) return UsageFailure(context, move_later.status());
  request.set_move_later_sessions(*move_later);
  // The group's etag: --etag, or else the group's current one, read first.
  request.set_etag(reader.String("etag"));
  if (request.etag().empty()) {
    delivery::v1::GetGroupRequest get;
    get.set_name(GroupOfSession(*name));
    delivery::v1::Group current;
    if (const grpc::Status status = Call(context, &Gateway::GetGroup, get, current); !status.ok()) {
      return CallFailure(context, status);
    }
    request.set_etag(current.etag());
  }
  return CallAndPrint(context, &Gateway::RescheduleGroupSession, request);
}

int GroupsWaitingList(CommandContext& context) {
  OptionReader reader(context.options);
  delivery::v1::ListWaitingListRequest request;
  if (absl::Status status = ReadIntervention(reader, *request.mutable_intervention());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  request.set_region(reader.String("region"));
  request.set_sex(reader.Enum<common::v1::Sex>("sex"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListWaitingList, request);
}

int GroupsAllocate(CommandContext& context) {
  delivery::v1::AllocateToGroupRequest request;
  if (absl::Status status =
          GroupAndReferralArguments(context, *request.mutable_group(), *request.mutable_referral());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  // Without --etag the service retries a write that finds the group changed.
  request.set_etag(OptionReader(context.options).String("etag"));
  return CallAndPrint(context, &Gateway::AllocateToGroup, request);
}

int GroupsRemove(CommandContext& context) {
  delivery::v1::RemoveFromGroupRequest request;
  if (absl::Status status =
          GroupAndReferralArguments(context, *request.mutable_group(), *request.mutable_referral());
      !status.ok()) {
    return UsageFailure(context, status);
  }
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"reason"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  request.set_reason(reader.String("reason"));
  request.set_etag(reader.String("etag"));
  return CallAndPrint(context, &Gateway::RemoveFromGroup, request);
}

int GroupsAttend(CommandContext& context) {
  absl::StatusOr<std::string> name = SessionArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  if (absl::Status status = Required(reader, {"attendance"}); !status.ok()) {
    return UsageFailure(context, status);
  }
  delivery::v1::RecordGroupAttendanceRequest request;
  request.set_session(*name);
  for (const std::string& item : reader.List("attendance", kAttendanceSeparator)) {
    if (absl::Status status = ReadGroupAttendance(item, *request.add_attendances()); !status.ok()) {
      return UsageFailure(context, status);
    }
  }
  if (request.attendances().empty()) {
    return UsageFailure(context, InvalidFlag("attendance", "required"));
  }
  request.set_etag(reader.String("etag"));
  return CallAndPrint(context, &Gateway::RecordGroupAttendance, request);
}

}  // namespace probation::cli
