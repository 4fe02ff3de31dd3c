#include "services/referrals/domain/group_workflow.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/pagination/page_token.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/delivery_checks.h"
#include "services/referrals/domain/group_schedule.h"
#include "services/referrals/domain/record_id.h"
#include "services/referrals/domain/referral_move.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

using catalogue::v1::Intervention;
using delivery::v1::Group;
using delivery::v1::GroupAttendance;
using delivery::v1::GroupMember;
using delivery::v1::GroupSession;
using google::protobuf::util::TimeUtil;

constexpr absl::string_view kGroups = "groups";
// Without a group size in the catalogue, a group takes at most this many.
constexpr int kMaxCapacity = 30;
constexpr int kMaxFacilitators = 10;
// Allocations a group keeps (members now and removed), so that a group stays a bounded record.
constexpr int kMaxMembersEver = 60;
// A session's notes, and a removal's reason: a group is one record, read whole.
constexpr int kMaxGroupTextLength = 1000;
constexpr int kMaxFacilitatorLength = 200;
// Without a fixed number of group sessions, a group runs at most this many.
constexpr int kMaxSessions = 100;
constexpr int kMaxWaitingPageSize = 1000;
constexpr int kDefaultWaitingPageSize = 100;
// How far ahead a group may start. One already running may be recorded from any start the
// bank holidays cover.
constexpr int kMaxDaysAhead = 2 * 366;
constexpr absl::CivilDay kEpoch(1970, 1, 1);
// Days from kEpoch to the end of 2200, beyond any group's start.
constexpr int64_t kLastKeyDay = 84370;

absl::CivilDay Today(absl::Time now) { return absl::ToCivilDay(now, absl::UTCTimeZone()); }

bool IsOneLine(absl::string_view text) {
  return absl::c_none_of(text, [](char c) { return absl::ascii_iscntrl(c); });
}

// "groups/{id}" to its id.
absl::StatusOr<std::string> ParseGroupName(absl::string_view field, absl::string_view name) {
  return ParseResourceName(field, kGroups, name);
}

// "groups/{group}/sessions/{n}" to the group's id and the session number.
absl::StatusOr<std::pair<std::string, int>> ParseSessionName(absl::string_view field,
                                                             absl::string_view name) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  int number = 0;
  if (parts.size() != 4 || parts[0] != kGroups || parts[2] != "sessions" ||
      !IsResourceId(parts[1]) || !absl::SimpleAtoi(parts[3], &number) || number < 1 ||
      absl::StrCat(number) != parts[3]) {
    return InvalidFieldError(field, "must be \"groups/{group}/sessions/{session_number}\"");
  }
  return std::make_pair(parts[1], number);
}

// The referral's id from "referrals/{id}".
absl::StatusOr<std::string> ParseReferralId(absl::string_view field, absl::string_view name) {
  return ParseResourceName(field, kReferrals, name);
}

// The sex a programme is for, from its required criteria; unspecified when mixed.
common::v1::Sex ProgrammeSex(const Intervention& intervention) {
  for (const catalogue::v1::Criterion& criterion : intervention.criteria()) {
    if (criterion.effect() == catalogue::v1::CRITERION_EFFECT_REQUIRED && criterion.has_sex()) {
      return criterion.sex().sex();
    }
  }
  return common::v1::SEX_UNSPECIFIED;
}

bool DeliveredInGroups(const Intervention& intervention) {
  return Contains(intervention.delivery().formats(), catalogue::v1::DELIVERY_FORMAT_GROUP);
}

GroupMember* FindMember(Group& group, absl::string_view referral) {
  for (GroupMember& member : *group.mutable_members()) {
    if (member.referral() == referral) return &member;
  }
  return nullptr;
}

const GroupAttendance* FindAttendance(const GroupSession& session, absl::string_view referral) {
  for (const GroupAttendance& attendance : session.attendances()) {
    if (attendance.referral() == referral) return &attendance;
  }
  return nullptr;
}

// The member's group figures as a row, and as the referral's attendance summary.
GroupMemberRow RowOf(absl::string_view referral_id, const Group& group, const GroupMember& member,
                     bool active) {
  return {std::string(referral_id), active, group.sessions_size(), member.sessions_attended(),
          member.sessions_missed()};
}

v1::AttendanceSummary SummaryOf(const Group& group, const GroupMember& member) {
  v1::AttendanceSummary summary;
  summary.set_sessions_required(group.sessions_size());
  summary.set_sessions_scheduled(group.sessions_size());
  summary.set_sessions_attended(member.sessions_attended());
  summary.set_sessions_missed(member.sessions_missed());
  return summary;
}

absl::Status CheckEtag(absl::string_view given, const Group& group) {
  if (given.empty() || given == group.etag()) return absl::OkStatus();
  return StaleEtagError(given, group.etag(), "the group");
}

// The write of `group` as read (at its etag's version), to which the caller adds its rows.
GroupWrite WriteOf(Group group) {
  GroupWrite write;
  write.id = std::string(absl::StripPrefix(group.name(), "groups/"));
  write.expected_version = VersionOfEtag(group.etag());
  write.group = std::move(group);
  return write;
}

// A write whose group or a member's referral moved on since it was read is read again; but a
// group that moved on from the etag the caller named is theirs to resolve.
template <typename Result>
absl::StatusOr<Result> ConflictOrError(absl::StatusOr<Result> written, absl::string_view etag,
                                       bool* conflict) {
  if (!written.ok() && written.status().code() == absl::StatusCode::kAborted &&
      (etag.empty() || ErrorReasonOf(written.status()) == reason::kConcurrentWrite)) {
    *conflict = true;
  }
  return written;
}

}  // namespace

delivery::v1::GroupParticipation ParticipationIn(const Group& group, absl::string_view referral) {
  delivery::v1::GroupParticipation participation;
  participation.set_group(group.name());
  participation.set_intervention(group.intervention());
  for (const GroupMember& member : group.members()) {
    if (member.referral() == referral)
      *participation.mutable_allocate_time() = member.allocate_time();
  }
  // A referral removed (and perhaps allocated again) gives its latest stay.
  for (auto it = group.removed_members().rbegin(); it != group.removed_members().rend(); ++it) {
    const delivery::v1::RemovedGroupMember& removed = *it;
    if (removed.referral() != referral || participation.has_allocate_time()) continue;
    *participation.mutable_allocate_time() = removed.allocate_time();
    *participation.mutable_remove_time() = removed.remove_time();
    participation.set_remove_reason(removed.reason());
  }
  for (const GroupSession& session : group.sessions()) {
    if (const GroupAttendance* attendance = FindAttendance(session, referral)) {
      GroupAttendance& own = *participation.add_attendances();
      own = *attendance;
      own.set_session(session.name());
    }
  }
  return participation;
}

GroupWorkflow::GroupWorkflow(const StateMachineSet& machines, const BankHolidays& holidays,
                             ReferralStore& store, InterventionDirectory& interventions,
                             std::function<absl::Time()> now, CallerGuards guards)
    : machines_(machines),
      holidays_(holidays),
      store_(store),
      interventions_(interventions),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      guards_(guards) {}

absl::Status GroupWorkflow::CheckRunsGroupsIn(absl::string_view field, absl::string_view region,
                                              const Identity& caller) const {
  if (caller.role == common::v1::ROLE_ADMIN) return absl::OkStatus();
  if (!machines_.RunsGroups(caller.role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the ", common::v1::Role_Name(caller.role),
                     " role does not run programme groups; programme teams and admins do"));
  }
  if (caller.region.empty() || caller.region != region) {
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat(field, ": you run groups only in your own region",
                                                 caller.region.empty() ? "" : ", ", caller.region)),
        reason::kOutOfScope, {{"field", std::string(field)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GroupWorkflow::ListedRegion(absl::string_view region,
                                                        const Identity& caller) const {
  const std::string listed = region.empty() ? caller.region : std::string(region);
  if (listed.empty()) return InvalidFieldError("region", "is required");
  if (absl::Status status = CheckResourceId("region", listed); !status.ok()) return status;
  if (absl::Status status = CheckRunsGroupsIn("region", listed, caller); !status.ok()) {
    return status;
  }
  return listed;
}

absl::StatusOr<const v1::GroupDelivery*> GroupWorkflow::GroupDeliveryOf(
    const Intervention& intervention) const {
  const v1::StateMachine* machine = machines_.For(intervention.kind());
  if (machine == nullptr || !machine->has_group_delivery() || !DeliveredInGroups(intervention)) {
    return NotAllowed(ResourceName(kInterventions, intervention.id()),
                      absl::StrCat(intervention.title(), " is not delivered in programme groups"));
  }
  return &machine->group_delivery();
}

absl::StatusOr<Group> GroupWorkflow::Shown(absl::StatusOr<Group> group,
                                           const Identity& caller) const {
  if (!group.ok()) return group;
  ListQuery scope;
  if (absl::Status status = NarrowToScope(caller, scope); !status.ok()) return status;
  if (scope.hidden_crns.empty()) return group;
  // Whose is each referral the group names: read once each.
  std::set<std::string> hidden;
  auto check = [&](const std::string& referral) -> absl::Status {
    absl::StatusOr<std::string> id = ParseReferralId("referral", referral);
    if (!id.ok()) return absl::OkStatus();
    absl::StatusOr<v1::Referral> held = store_.Get(*id);
    if (!held.ok()) return held.status();
    if (Contains(scope.hidden_crns, held->person().crn())) hidden.insert(referral);
    return absl::OkStatus();
  };
  std::set<std::string> named;
  for (const GroupMember& member : group->members()) named.insert(member.referral());
  for (const delivery::v1::RemovedGroupMember& removed : group->removed_members()) {
    named.insert(removed.referral());
  }
  for (const GroupSession& session : group->sessions()) {
    for (const GroupAttendance& attendance : session.attendances()) {
      named.insert(attendance.referral());
    }
  }
  for (const std::string& referral : named) {
    if (absl::Status status = check(referral); !status.ok()) return status;
  }
  if (hidden.empty()) return group;
  auto is_hidden = [&](const auto& entry) { return hidden.contains(entry.referral()); };
  auto drop = [&](auto* list) {
    list->erase(std::remove_if(list->begin(), list->end(), is_hidden), list->end());
  };
  drop(group->mutable_members());
  drop(group->mutable_removed_members());
  for (GroupSession& session : *group->mutable_sessions()) drop(session.mutable_attendances());
  return group;
}

absl::StatusOr<Group> GroupWorkflow::LoadWithSession(absl::string_view field,
                                                     const std::pair<std::string, int>& session,
                                                     absl::string_view etag,
                                                     const Identity& caller) {
  absl::StatusOr<Group> group = Load(field, GroupName(session.first), caller);
  if (!group.ok()) return group.status();
  if (absl::Status status = CheckEtag(etag, *group); !status.ok()) return status;
  if (session.second > group->sessions_size()) {
    const std::string name = GroupSessionName(session.first, session.second);
    return ResourceNotFoundError(kGroupType, name, absl::StrCat("no session ", name));
  }
  return group;
}

absl::StatusOr<Group> GroupWorkflow::Load(absl::string_view field, absl::string_view name,
                                          const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<std::string> id = ParseGroupName(field, name);
  if (!id.ok()) return id.status();
  absl::StatusOr<Group> group = store_.GetGroup(*id);
  if (!group.ok()) return group.status();
  if (absl::Status status = CheckRunsGroupsIn(field, group->region(), caller); !status.ok()) {
    return status;
  }
  return group;
}

// Creating a group.

absl::StatusOr<Group> GroupWorkflow::CreateGroup(const delivery::v1::CreateGroupRequest& request,
                                                 const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (request.request_id().empty()) {
    return InvalidFieldError("request_id", "is required, so that a retry is recognised");
  }
  if (absl::Status status =
          CheckText("request_id", request.request_id(), true, kMaxRequestIdLength);
      !status.ok()) {
    return status;
  }
  const Group& proposed = request.group();
  if (absl::Status status =
          ParseResourceName("group.intervention", kInterventions, proposed.intervention()).status();
      !status.ok()) {
    return status;
  }
  const std::string region = proposed.region().empty() ? caller.region : proposed.region();
  if (region.empty()) return InvalidFieldError("group.region", "is required");
  if (absl::Status status = CheckResourceId("group.region", region); !status.ok()) return status;
  if (absl::Status status = CheckRunsGroupsIn("group.region", region, caller); !status.ok()) {
    return status;
  }
  if (proposed.start_date().empty()) return InvalidFieldError("group.start_date", "is required");
  absl::StatusOr<absl::CivilDay> start = ParseIsoDay("group.start_date", proposed.start_date());
  if (!start.ok()) return start.status();
  const absl::CivilDay today = Today(now_());
  if (*start > today + kMaxDaysAhead) {
    return InvalidFieldError("group.start_date", "must be within two years from today");
  }
  if (!holidays_.Covers(*start)) {
    return InvalidFieldError("group.start_date",
                             "must fall in the years the bank holidays are known for");
  }
  if (proposed.weekdays().empty()) {
    return InvalidFieldError("group.weekdays", "is required: the weekdays sessions fall on");
  }
  std::set<int> weekdays;
  for (int i = 0; i < proposed.weekdays_size(); ++i) {
    const int day = proposed.weekdays(i);
    if (day == delivery::v1::WEEKDAY_UNSPECIFIED || !delivery::v1::Weekday_IsValid(day) ||
        !weekdays.insert(day).second) {
      return InvalidFieldError(absl::StrCat("group.weekdays[", i, "]"),
                               "must be a weekday, WEEKDAY_MONDAY to WEEKDAY_SUNDAY, once each");
    }
  }
  if (proposed.facilitators().empty() || proposed.facilitators_size() > kMaxFacilitators) {
    return InvalidFieldError("group.facilitators",
                             absl::StrCat("1 to ", kMaxFacilitators, " facilitators' identities"));
  }
  std::set<std::string> facilitators;
  for (int i = 0; i < proposed.facilitators_size(); ++i) {
    const std::string& facilitator = proposed.facilitators(i);
    const std::string field = absl::StrCat("group.facilitators[", i, "]");
    if (absl::Status status = CheckText(field, facilitator, true, kMaxFacilitatorLength);
        !status.ok()) {
      return status;
    }
    if (!IsOneLine(facilitator)) return InvalidFieldError(field, "must be one line of text");
    if (!facilitators.insert(facilitator).second)
      return InvalidFieldError(field, "is listed twice");
  }
  if (!common::v1::Sex_IsValid(proposed.sex())) {
    return InvalidFieldError("group.sex", "is not a known sex");
  }
  if (proposed.capacity() < 1) return InvalidFieldError("group.capacity", "is required, 1 or more");

  absl::StatusOr<Intervention> intervention =
      interventions_.GetIntervention(proposed.intervention());
  if (!intervention.ok()) return intervention.status();
  if (absl::Status status = GroupDeliveryOf(*intervention).status(); !status.ok()) return status;
  if (NotOfferedIn(*intervention, region)) {
    return PreconditionError(reason::kNotOfferedInRegion, "REGION", region,
                             absl::StrCat(intervention->title(), " is not offered in ", region));
  }
  const catalogue::v1::Delivery& delivery = intervention->delivery();
  const int max_capacity = delivery.max_group_size() > 0 ? delivery.max_group_size() : kMaxCapacity;
  if (proposed.capacity() > max_capacity) {
    return InvalidFieldError(
        "group.capacity",
        absl::StrCat("at most ", max_capacity,
                     delivery.max_group_size() > 0
                         ? absl::StrCat(", the catalogue's group size for ", intervention->title())
                         : std::string(", as the catalogue gives no group size")));
  }
  common::v1::Sex sex = proposed.sex();
  if (const common::v1::Sex only = ProgrammeSex(*intervention);
      only != common::v1::SEX_UNSPECIFIED) {
    if (sex == common::v1::SEX_UNSPECIFIED) sex = only;
    if (sex != only) {
      return InvalidFieldError("group.sex", absl::StrCat(intervention->title(), " is for ",
                                                         common::v1::Sex_Name(only), " only"));
    }
  }
  int count = delivery.group_sessions();
  if (count > 0) {
    if (proposed.session_count() != 0 && proposed.session_count() != count) {
      return InvalidFieldError("group.session_count",
                               absl::StrCat("the catalogue fixes ", intervention->title(), " at ",
                                            count, " group sessions; leave it unset"));
    }
  } else {
    // Two at least: the session that starts a member is never the one that completes them.
    const int least = std::max(2, delivery.min_sessions());
    const int most = delivery.max_sessions() > 0 ? delivery.max_sessions() : kMaxSessions;
    if (proposed.session_count() < least || proposed.session_count() > most) {
      return InvalidFieldError(
          "group.session_count",
          absl::StrCat("is required: the catalogue gives no fixed number of group sessions for ",
                       intervention->title(), "; ", least, " to ", most));
    }
    count = proposed.session_count();
  }
  absl::StatusOr<std::vector<absl::CivilDay>> dates =
      SessionDates(*start, proposed.weekdays(), count, holidays_);
  if (!dates.ok()) return dates.status();
  const std::vector<std::string> modules = SessionModules(delivery, count);

  const absl::Time now = now_();
  const std::string id = NewRecordId();
  Group group;
  group.set_name(GroupName(id));
  group.set_intervention(proposed.intervention());
  group.set_region(region);
  // The group starts with its first session (the date asked for may be a weekend or holiday).
  group.set_start_date(FormatIsoDay((*dates)[0]));
  *group.mutable_weekdays() = proposed.weekdays();
  group.set_capacity(proposed.capacity());
  group.set_sex(sex);
  *group.mutable_facilitators() = proposed.facilitators();
  group.set_session_count(count);
  for (int n = 1; n <= count; ++n) {
    GroupSession& session = *group.add_sessions();
    session.set_name(GroupSessionName(id, n));
    session.set_session_number(n);
    session.set_date(FormatIsoDay((*dates)[n - 1]));
    session.set_module(modules[n - 1]);
  }
  *group.mutable_create_time() = ToTimestamp(now);
  *group.mutable_update_time() = ToTimestamp(now);
  group.set_created_by(caller.actor);
  GroupWrite write;
  write.id = id;
  write.request_id = absl::StrCat(caller.actor, "\n", request.request_id());
  write.group = std::move(group);
  return store_.CreateGroup(write);
}

absl::StatusOr<Group> GroupWorkflow::GetGroup(const delivery::v1::GetGroupRequest& request,
                                              const Identity& caller) {
  return Shown(Load("name", request.name(), caller), caller);
}

absl::StatusOr<delivery::v1::ListGroupsResponse> GroupWorkflow::ListGroups(
    const delivery::v1::ListGroupsRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!request.intervention().empty()) {
    if (absl::Status status =
            ParseResourceName("intervention", kInterventions, request.intervention()).status();
        !status.ok()) {
      return status;
    }
  }
  if (!delivery::v1::ListGroupsRequest::Caseload_IsValid(request.caseload())) {
    return InvalidFieldError("caseload", "is not a known caseload");
  }
  absl::StatusOr<std::string> region = ListedRegion(request.region(), caller);
  if (!region.ok()) return region.status();
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  GroupQuery query;
  query.intervention = request.intervention();
  query.region = *region;
  query.page_size = *page_size;
  if (request.caseload() == delivery::v1::ListGroupsRequest::CASELOAD_MY_GROUPS_THIS_WEEK) {
    const absl::CivilDay today = Today(now_());
    query.facilitator = caller.actor;
    query.session_from = FormatIsoDay(today);
    query.session_before = FormatIsoDay(today + 7);
  }
  const uint64_t fingerprint =
      FilterFingerprint(absl::StrCat("intervention=", query.intervention, "\nregion=", query.region,
                                     "\ncaseload=", request.caseload(), "\nactor=", caller.actor));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) {
    // A token is opaque, not trusted: its day must be one a group could start on.
    if ((*after)->key < 0 || (*after)->key > kLastKeyDay) {
      return InvalidFieldError("page_token", "is not a token this listing gave");
    }
    query.after.emplace(FormatIsoDay(kEpoch + (*after)->key), (*after)->id);
  }
  absl::StatusOr<std::vector<Group>> groups = store_.ListGroups(query);
  if (!groups.ok()) return groups.status();
  delivery::v1::ListGroupsResponse response;
  const bool more = static_cast<int>(groups->size()) > query.page_size;
  if (more) groups->pop_back();
  for (Group& group : *groups) {
    // A listing leaves out the registers (GetGroup has them), so a page stays small.
    for (GroupSession& session : *group.mutable_sessions()) session.clear_attendances();
    absl::StatusOr<Group> shown = Shown(std::move(group), caller);
    if (!shown.ok()) return shown.status();
    *response.add_groups() = *std::move(shown);
  }
  if (more && !response.groups().empty()) {
    const Group& last = response.groups(response.groups_size() - 1);
    absl::StatusOr<absl::CivilDay> start = ParseIsoDay("start_date", last.start_date());
    if (!start.ok()) return absl::DataLossError("a stored group has no start date");
    response.set_next_page_token(EncodeKeysetPageToken(
        {*start - kEpoch, std::string(absl::StripPrefix(last.name(), "groups/"))}, fingerprint));
  }
  return response;
}

absl::StatusOr<Group> GroupWorkflow::RescheduleGroupSession(
    const delivery::v1::RescheduleGroupSessionRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<std::pair<std::string, int>> session = ParseSessionName("name", request.name());
  if (!session.ok()) return session.status();
  if (request.etag().empty()) return InvalidFieldError("etag", "is required");
  if (request.date().empty()) return InvalidFieldError("date", "is required");
  absl::StatusOr<absl::CivilDay> date = ParseIsoDay("date", request.date());
  if (!date.ok()) return date.status();
  if (absl::Status status = CheckText("reason", request.reason(), true, kMaxGroupTextLength);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Group> group = LoadWithSession("name", *session, request.etag(), caller);
  if (!group.ok()) return group.status();
  const int n = session->second;
  if (*date < Today(now_())) return InvalidFieldError("date", "must be today or later");
  if (!holidays_.Covers(*date)) {
    return InvalidFieldError(
        "date", absl::StrCat("must be on or before ", FormatIsoDay(holidays_.last_day()),
                             ", the last day the bank holidays are known to"));
  }
  if (holidays_.IsHoliday(*date)) {
    return InvalidFieldError("date", absl::StrCat(request.date(), " is a bank holiday (",
                                                  holidays_.TitleOf(*date), ")"));
  }
  const int last_moved = request.move_later_sessions() ? group->sessions_size() : n;
  for (int i = n; i <= last_moved; ++i) {
    if (!group->sessions(i - 1).attendances().empty()) {
      return NotAllowed(
          group->sessions(i - 1).name(),
          absl::StrCat("session ", i, " has attendance recorded, so it keeps its date"));
    }
  }
  if (n > 1 && request.date() <= group->sessions(n - 2).date()) {
    return InvalidFieldError("date", absl::StrCat("must be after session ", n - 1, " (",
                                                  group->sessions(n - 2).date(), ")"));
  }
  if (!request.move_later_sessions() && n < group->sessions_size() &&
      request.date() >= group->sessions(n).date()) {
    return InvalidFieldError(
        "date", absl::StrCat("must be before session ", n + 1, " (", group->sessions(n).date(),
                             "), or move the later sessions too (move_later_sessions)"));
  }
  std::vector<absl::CivilDay> later;
  if (request.move_later_sessions() && n < group->sessions_size()) {
    absl::StatusOr<std::vector<absl::CivilDay>> dates =
        SessionDates(*date + 1, group->weekdays(), group->sessions_size() - n, holidays_);
    if (!dates.ok()) return dates.status();
    later = *std::move(dates);
  }
  auto move = [&](GroupSession& moved, const std::string& to) {
    if (moved.date() == to) return;
    if (moved.rescheduled_from().empty()) moved.set_rescheduled_from(moved.date());
    moved.set_reschedule_reason(request.reason());
    moved.set_date(to);
  };
  move(*group->mutable_sessions(n - 1), request.date());
  for (size_t i = 0; i < later.size(); ++i) {
    move(*group->mutable_sessions(n + static_cast<int>(i)), FormatIsoDay(later[i]));
  }
  group->set_start_date(group->sessions(0).date());
  *group->mutable_update_time() = ToTimestamp(now_());
  return Shown(store_.WriteGroup(WriteOf(*std::move(group))), caller);
}

// The waiting list.

absl::StatusOr<delivery::v1::ListWaitingListResponse> GroupWorkflow::ListWaitingList(
    const delivery::v1::ListWaitingListRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!request.intervention().empty()) {
    if (absl::Status status =
            ParseResourceName("intervention", kInterventions, request.intervention()).status();
        !status.ok()) {
      return status;
    }
  }
  if (!common::v1::Sex_IsValid(request.sex()))
    return InvalidFieldError("sex", "is not a known sex");
  if (request.page_size() < 0) return InvalidFieldError("page_size", "must not be negative");
  absl::StatusOr<std::string> region = ListedRegion(request.region(), caller);
  if (!region.ok()) return region.status();
  if (!request.intervention().empty()) {
    absl::StatusOr<Intervention> intervention =
        interventions_.GetIntervention(request.intervention());
    if (!intervention.ok()) return intervention.status();
    if (absl::Status status = GroupDeliveryOf(*intervention).status(); !status.ok()) {
      return status;
    }
  }
  WaitingQuery query;
  ListQuery scope;
  if (absl::Status status = NarrowToScope(caller, scope); !status.ok()) return status;
  // Limited-access cases the caller is kept out of are not on their list, nor counted in it.
  query.hidden_crns = scope.hidden_crns;
  query.intervention = request.intervention();
  query.region = *region;
  query.sex = request.sex();
  query.states = machines_.GroupWaitingStates();
  query.page_size = request.page_size() == 0 ? kDefaultWaitingPageSize
                                             : std::min(request.page_size(), kMaxWaitingPageSize);
  const uint64_t fingerprint = FilterFingerprint(absl::StrCat(
      "intervention=", query.intervention, "\nregion=", query.region, "\nsex=", query.sex));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) query.after.emplace((*after)->key, (*after)->id);
  absl::StatusOr<WaitingPage> page = store_.WaitingList(query);
  if (!page.ok()) return page.status();
  const absl::Time now = now_();
  delivery::v1::ListWaitingListResponse response;
  response.set_total_size(page->total_size);
  for (const WaitingRow& row : page->rows) {
    delivery::v1::WaitingListEntry& entry = *response.add_entries();
    entry.set_referral(ResourceName(kReferrals, row.referral_id));
    entry.set_position(row.position);
    const absl::Time since = absl::FromUnixMicros(row.submit_time_us);
    *entry.mutable_waiting_since() = ToTimestamp(since);
    entry.set_days_waiting(
        static_cast<int>(std::max<int64_t>(0, absl::ToInt64Hours(now - since) / 24)));
    entry.set_intervention(row.intervention);
    entry.set_sex(static_cast<common::v1::Sex>(row.sex));
  }
  if (page->more && !page->rows.empty()) {
    response.set_next_page_token(EncodeKeysetPageToken(
        {page->rows.back().submit_time_us, page->rows.back().referral_id}, fingerprint));
  }
  return response;
}

// Members.

void GroupWorkflow::PrepareReferralWrite(
    absl::string_view method, const v1::Referral& referral, v1::DeliveryFact fact,
    const v1::AttendanceSummary& summary, v1::ReferralEvent::Type type,
    ReferralWrite::GroupEvent event, std::vector<v1::ChangelogEntry> changes,
    const Identity& caller, absl::Time now, ReferralWrite& write) const {
  write.referral = referral;
  write.open = machines_.OutcomeOf(referral.state()) == v1::CLOSING_OUTCOME_UNSPECIFIED;
  for (v1::ChangelogEntry& change : changes) {
    change.set_actor(caller.actor);
    change.set_role(caller.role);
    *change.mutable_occurred_at() = ToTimestamp(now);
    change.set_etag(absl::StrCat(VersionOfEtag(referral.etag()) + 1));
  }
  write.changelog = std::move(changes);
  *write.referral.mutable_attendance() = summary;
  if (std::optional<ResolvedTransition> move =
          machines_.DrivenBy(referral.kind(), referral.state(), fact)) {
    ApplyMove(machines_, *move, caller, "", "", now, write);
  } else {
    *write.referral.mutable_update_time() = ToTimestamp(now);
  }
  write.event_type = type;
  write.group_event = std::move(event);
  write.access = AccessRecordOf(caller, method, referral.person().crn(), referral.name(),
                                v1::AccessRecord::OUTCOME_ALLOWED, now);
}

absl::StatusOr<Group> GroupWorkflow::AllocateToGroup(
    const delivery::v1::AllocateToGroupRequest& request, const Identity& caller) {
  return Shown(
      Retrying([&](bool* conflict) { return TryAllocate(request, caller, conflict); }, "the group"),
      caller);
}

absl::StatusOr<Group> GroupWorkflow::TryAllocate(
    const delivery::v1::AllocateToGroupRequest& request, const Identity& caller, bool* conflict) {
  absl::StatusOr<Group> group = Load("group", request.group(), caller);
  if (!group.ok()) return group.status();
  absl::StatusOr<std::string> referral_id = ParseReferralId("referral", request.referral());
  if (!referral_id.ok()) return referral_id.status();
  if (absl::Status status = CheckEtag(request.etag(), *group); !status.ok()) return status;
  absl::StatusOr<v1::Referral> referral = LoadInScope(
      store_, guards_.audit, now_(), "AllocateToGroup", "referral", request.referral(), caller);
  if (!referral.ok()) return referral.status();
  if (FindMember(*group, referral->name()) != nullptr) return group;  // Already a member: a retry.
  if (referral->intervention() != group->intervention() || referral->region() != group->region()) {
    return NotAllowed(referral->name(),
                      absl::StrCat(referral->name(), " is a referral to ", referral->intervention(),
                                   " in ", referral->region(), "; the group runs ",
                                   group->intervention(), " in ", group->region()));
  }
  const v1::StateMachine* machine = machines_.For(referral->kind());
  if (machine == nullptr || !machine->has_group_delivery()) {
    return NotAllowed(referral->name(), "this kind of referral is not delivered in groups");
  }
  if (absl::Status status = CheckRole(machine->group_delivery().roles(), caller,
                                      "allocate referrals to programme groups");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckState(machine->group_delivery().allocatable_states(), *referral,
                                       referral->name(), "a referral joins a group only");
      !status.ok()) {
    return status;
  }
  if (group->sex() != common::v1::SEX_UNSPECIFIED && referral->person().sex() != group->sex()) {
    return PreconditionError(
        reason::kCohortMismatch, "COHORT", group->name(),
        absl::StrCat("the group is for ", common::v1::Sex_Name(group->sex()), "; the person is ",
                     common::v1::Sex_Name(referral->person().sex())));
  }
  if (group->members_size() >= group->capacity()) {
    // A member whose referral has closed keeps its place until the team removes it: say so.
    std::string closed;
    for (const GroupMember& member : group->members()) {
      absl::StatusOr<std::string> id = ParseReferralId("member", member.referral());
      if (!id.ok()) continue;
      absl::StatusOr<v1::Referral> held = store_.Get(*id);
      if (held.ok() && machines_.OutcomeOf(held->state()) != v1::CLOSING_OUTCOME_UNSPECIFIED) {
        absl::StrAppend(&closed, closed.empty() ? "; closed, so removable: " : ", ",
                        member.referral());
      }
    }
    return PreconditionError(
        reason::kGroupFull, "CAPACITY", group->name(),
        absl::StrCat("the group is full: ", group->capacity(), " places", closed));
  }
  if (group->members_size() + group->removed_members_size() >= kMaxMembersEver) {
    return NotAllowed(group->name(), absl::StrCat("a group takes at most ", kMaxMembersEver,
                                                  " allocations in its life; form a new group"));
  }
  const std::string& last_date = group->sessions(group->sessions_size() - 1).date();
  if (!group->sessions(group->sessions_size() - 1).attendances().empty()) {
    return NotAllowed(group->name(), absl::StrCat("the group has finished (", last_date, ")"));
  }
  absl::StatusOr<std::optional<GroupMembership>> membership = store_.MembershipOf(*referral_id);
  if (!membership.ok()) return membership.status();
  if (membership->has_value()) {
    return NotAllowed(referral->name(), absl::StrCat(referral->name(), " is already a member of ",
                                                     GroupName((*membership)->group_id),
                                                     "; remove it from that group first"));
  }

  const absl::Time now = now_();
  GroupMember& member = *group->add_members();
  member.set_referral(referral->name());
  *member.mutable_allocate_time() = ToTimestamp(now);
  member.set_allocated_by(caller.actor);
  // Back in a group it left: its attendance there still counts.
  for (const GroupSession& session : group->sessions()) {
    if (const GroupAttendance* attended = FindAttendance(session, referral->name())) {
      if (Attended(attended->outcome())) {
        member.set_sessions_attended(member.sessions_attended() + 1);
      } else {
        member.set_sessions_missed(member.sessions_missed() + 1);
      }
    }
  }
  *group->mutable_update_time() = ToTimestamp(now);
  ReferralWrite referral_write;
  PrepareReferralWrite(
      "AllocateToGroup", *referral, v1::DELIVERY_FACT_GROUP_ALLOCATED, SummaryOf(*group, member),
      v1::ReferralEvent::TYPE_GROUP_ALLOCATED, {group->name(), std::nullopt, ""},
      {Change("group", Json(""), Json(group->name()), "")}, caller, now, referral_write);
  GroupWrite write = WriteOf(*std::move(group));
  write.members.push_back(RowOf(*referral_id, write.group, member, true));
  write.referrals.emplace_back(&referral_write, referral->etag());
  return ConflictOrError(store_.WriteGroup(write), request.etag(), conflict);
}

absl::StatusOr<Group> GroupWorkflow::RemoveFromGroup(
    const delivery::v1::RemoveFromGroupRequest& request, const Identity& caller) {
  return Shown(
      Retrying([&](bool* conflict) { return TryRemove(request, caller, conflict); }, "the group"),
      caller);
}

absl::StatusOr<Group> GroupWorkflow::TryRemove(const delivery::v1::RemoveFromGroupRequest& request,
                                               const Identity& caller, bool* conflict) {
  absl::StatusOr<Group> group = Load("group", request.group(), caller);
  if (!group.ok()) return group.status();
  absl::StatusOr<std::string> referral_id = ParseReferralId("referral", request.referral());
  if (!referral_id.ok()) return referral_id.status();
  if (absl::Status status = CheckText("reason", request.reason(), true, kMaxGroupTextLength);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckEtag(request.etag(), *group); !status.ok()) return status;
  const std::string referral_name = ResourceName(kReferrals, *referral_id);
  auto it = absl::c_find_if(group->members(), [&](const GroupMember& member) {
    return member.referral() == referral_name;
  });
  if (it == group->members().end()) {
    return NotAllowed(referral_name,
                      absl::StrCat(referral_name, " is not a member of ", group->name()));
  }
  // The group's team may always take a member out, even one whose case is now hidden from them.
  absl::StatusOr<v1::Referral> referral = store_.Get(*referral_id);
  if (!referral.ok()) return referral.status();
  const absl::Time now = now_();
  const GroupMember removed = *it;
  group->mutable_members()->erase(it);
  delivery::v1::RemovedGroupMember& record = *group->add_removed_members();
  record.set_referral(removed.referral());
  *record.mutable_allocate_time() = removed.allocate_time();
  *record.mutable_remove_time() = ToTimestamp(now);
  record.set_removed_by(caller.actor);
  record.set_reason(request.reason());
  *group->mutable_update_time() = ToTimestamp(now);
  ReferralWrite referral_write;
  PrepareReferralWrite("RemoveFromGroup", *referral, v1::DELIVERY_FACT_UNSPECIFIED,
                       referral->attendance(), v1::ReferralEvent::TYPE_GROUP_REMOVED,
                       {group->name(), std::nullopt, request.reason()},
                       {Change("group", Json(group->name()), Json(""), request.reason())}, caller,
                       now, referral_write);
  GroupWrite write = WriteOf(*std::move(group));
  write.members.push_back(RowOf(*referral_id, write.group, removed, false));
  write.referrals.emplace_back(&referral_write, referral->etag());
  return ConflictOrError(store_.WriteGroup(write), request.etag(), conflict);
}

// Attendance.

absl::StatusOr<GroupSession> GroupWorkflow::RecordGroupAttendance(
    const delivery::v1::RecordGroupAttendanceRequest& request, const Identity& caller) {
  absl::StatusOr<GroupSession> session = Retrying(
      [&](bool* conflict) { return TryRecordAttendance(request, caller, conflict); }, "the group");
  if (!session.ok()) return session;
  // Shown as part of a group, so that the same members are left out.
  Group group;
  *group.add_sessions() = *std::move(session);
  absl::StatusOr<Group> shown = Shown(std::move(group), caller);
  if (!shown.ok()) return shown.status();
  return std::move(*shown->mutable_sessions(0));
}

absl::StatusOr<GroupSession> GroupWorkflow::TryRecordAttendance(
    const delivery::v1::RecordGroupAttendanceRequest& request, const Identity& caller,
    bool* conflict) {
  absl::StatusOr<std::pair<std::string, int>> session_name =
      ParseSessionName("session", request.session());
  if (!session_name.ok()) return session_name.status();
  if (request.attendances().empty()) {
    return InvalidFieldError("attendances", "is required: one per member attending the session");
  }
  if (request.attendances_size() > kMaxCapacity) {
    return InvalidFieldError("attendances", absl::StrCat("at most ", kMaxCapacity));
  }
  std::set<std::string> named;
  for (int i = 0; i < request.attendances_size(); ++i) {
    const GroupAttendance& attendance = request.attendances(i);
    const std::string field = absl::StrCat("attendances[", i, "]");
    if (absl::Status status =
            ParseReferralId(absl::StrCat(field, ".referral"), attendance.referral()).status();
        !status.ok()) {
      return status;
    }
    if (!named.insert(attendance.referral()).second) {
      return InvalidFieldError(absl::StrCat(field, ".referral"), "is listed twice");
    }
    switch (attendance.outcome()) {
      case delivery::v1::ATTENDANCE_OUTCOME_ATTENDED:
      case delivery::v1::ATTENDANCE_OUTCOME_LATE:
      case delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND:
        break;
      case delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_HAPPEN:
        return InvalidFieldError(absl::StrCat(field, ".outcome"),
                                 "a group session that did not take place is rescheduled "
                                 "(RescheduleGroupSession), not recorded");
      default:
        return InvalidFieldError(absl::StrCat(field, ".outcome"),
                                 "is required: ATTENDED, LATE or DID_NOT_ATTEND");
    }
    if (absl::Status status = CheckText(absl::StrCat(field, ".notes"), attendance.notes(), false,
                                        kMaxGroupTextLength);
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<Group> group = LoadWithSession("session", *session_name, request.etag(), caller);
  if (!group.ok()) return group.status();
  const int n = session_name->second;
  GroupSession& session = *group->mutable_sessions(n - 1);
  const absl::Time now = now_();

  // Each member's referral changes with the group: read them all first.
  std::vector<ReferralWrite> referral_writes;
  referral_writes.reserve(request.attendances_size());
  std::vector<std::pair<v1::Referral, const GroupAttendance*>> changes;
  for (int i = 0; i < request.attendances_size(); ++i) {
    const GroupAttendance& attendance = request.attendances(i);
    const std::string field = absl::StrCat("attendances[", i, "].referral");
    if (FindMember(*group, attendance.referral()) == nullptr) {
      return NotAllowed(attendance.referral(),
                        absl::StrCat(attendance.referral(), " is not a member of ", group->name()));
    }
    if (const GroupAttendance* recorded = FindAttendance(session, attendance.referral())) {
      if (recorded->outcome() == attendance.outcome()) continue;  // A retry.
      return NotAllowed(
          attendance.referral(),
          absl::StrCat(attendance.referral(), "'s attendance at session ", n,
                       " is already recorded (",
                       delivery::v1::AttendanceOutcome_Name(recorded->outcome()), ")"));
    }
    absl::StatusOr<std::string> id = ParseReferralId(field, attendance.referral());
    absl::StatusOr<v1::Referral> referral = store_.Get(*id);
    if (!referral.ok()) return referral.status();
    if (machines_.OutcomeOf(referral->state()) != v1::CLOSING_OUTCOME_UNSPECIFIED) {
      return NotAllowed(referral->name(), absl::StrCat(referral->name(), " is closed (",
                                                       v1::ReferralState_Name(referral->state()),
                                                       "); remove it from the group"));
    }
    changes.emplace_back(*std::move(referral), &attendance);
  }
  if (changes.empty()) return session;  // Everything was already recorded as asked.

  GroupWrite write;
  write.id = session_name->first;
  write.expected_version = VersionOfEtag(group->etag());
  for (auto& [referral, attendance] : changes) {
    GroupAttendance& recorded = *session.add_attendances();
    recorded.set_referral(attendance->referral());
    recorded.set_outcome(attendance->outcome());
    recorded.set_notes(attendance->notes());
    recorded.set_recorded_by(caller.actor);
    *recorded.mutable_record_time() = ToTimestamp(now);
    GroupMember& member = *FindMember(*group, attendance->referral());
    const v1::StateMachine* machine = machines_.For(referral.kind());
    const v1::GroupCompletion completion =
        machine != nullptr ? machine->group_delivery().completion() : v1::GroupCompletion();
    v1::DeliveryFact fact = v1::DELIVERY_FACT_UNSPECIFIED;
    v1::ReferralEvent::Type type = v1::ReferralEvent::TYPE_GROUP_ATTENDANCE_RECORDED;
    if (Attended(attendance->outcome())) {
      member.set_sessions_attended(member.sessions_attended() + 1);
      fact = v1::DELIVERY_FACT_GROUP_SESSION_ATTENDED;
      // Not yet started: the first attended session starts it; otherwise completion may follow.
      if (!machines_.DrivenBy(referral.kind(), referral.state(), fact).has_value()) {
        const int required = group->sessions_size();
        const int shortfall = required - member.sessions_attended();
        int caught_up = 0;
        if (shortfall > 0 && shortfall <= completion.catch_ups_allowed()) {
          absl::StatusOr<std::vector<delivery::v1::Appointment>> appointments =
              store_.AppointmentsOf(referral.id());
          if (!appointments.ok()) return appointments.status();
          caught_up = static_cast<int>(
              absl::c_count_if(*appointments, [](const delivery::v1::Appointment& appointment) {
                return appointment.type() == delivery::v1::APPOINTMENT_TYPE_CATCH_UP &&
                       Attended(appointment.attendance().outcome());
              }));
        }
        if (shortfall <= std::min(caught_up, completion.catch_ups_allowed())) {
          fact = v1::DELIVERY_FACT_GROUP_COMPLETED;
        }
      }
    } else {
      member.set_sessions_missed(member.sessions_missed() + 1);
      if (completion.absences_before_review() > 0 &&
          member.sessions_missed() == completion.absences_before_review()) {
        member.set_deselection_proposed(true);
        type = v1::ReferralEvent::TYPE_DESELECTION_PROPOSED;
      }
    }
    GroupAttendance own = recorded;
    own.set_session(session.name());
    referral_writes.emplace_back();
    PrepareReferralWrite(
        "RecordGroupAttendance", referral, fact, SummaryOf(*group, member), type,
        {session.name(), own, ""},
        {Change(absl::StrCat(session.name(), ".attendance.outcome"), Json(""),
                Json(delivery::v1::AttendanceOutcome_Name(attendance->outcome())), "")},
        caller, now, referral_writes.back());
    write.members.push_back(RowOf(referral.id(), *group, member, true));
  }
  for (size_t i = 0; i < referral_writes.size(); ++i) {
    write.referrals.emplace_back(&referral_writes[i], changes[i].first.etag());
  }
  *group->mutable_update_time() = ToTimestamp(now);
  write.group = *std::move(group);
  absl::StatusOr<Group> written =
      ConflictOrError(store_.WriteGroup(write), request.etag(), conflict);
  if (!written.ok()) return written.status();
  return written->sessions(n - 1);
}

}  // namespace probation::referrals
