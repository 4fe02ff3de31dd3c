// Programme groups over a real store, on both engines: a BBR group's sessions around bank
// holidays, the waiting list in submission order with positions and cohorts, allocation within
// capacity and cohort, attendance that starts and completes a referral (with catch-ups), absences
// that propose deselection, rescheduling, availability from groups and dosage in reports.
#include "services/referrals/domain/group_workflow.h"

#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"
#include "services/referrals/domain/capacity_workflow.h"
#include "services/referrals/domain/case_access_rules.h"
#include "services/referrals/domain/delivery_workflow.h"
#include "services/referrals/domain/referral_report.h"
#include "tests/referrals/store_engines.h"
#include "tests/referrals/test_callers.h"

namespace probation::referrals {
namespace {

using delivery::v1::Group;
using delivery::v1::GroupSession;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Identity kTeam = Person("facilitator-1", common::v1::ROLE_PROGRAMME_TEAM, "london");
const Identity kOtherTeam = Person("facilitator-9", common::v1::ROLE_PROGRAMME_TEAM, "wales");
const Identity kPractitioner = Person("pp-1", common::v1::ROLE_PROBATION_PRACTITIONER, "london");

constexpr char kBbr[] = "interventions/building-better-relationships";
constexpr char kStepwise[] = "interventions/stepwise-problem-solving";

google::protobuf::Timestamp At(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// The catalogue's BBR (24 group sessions in modules, up to 12, for men) and a structured
// intervention with no fixed number of sessions.
class TwoProgrammes : public InterventionDirectory {
 public:
  absl::StatusOr<catalogue::v1::Intervention> GetIntervention(absl::string_view name) override {
    catalogue::v1::Intervention intervention;
    if (name == kBbr) {
      intervention.set_id("building-better-relationships");
      intervention.set_title("Building Better Relationships");
      intervention.set_kind(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
      catalogue::v1::Delivery& delivery = *intervention.mutable_delivery();
      delivery.add_formats(catalogue::v1::DELIVERY_FORMAT_GROUP);
      delivery.set_group_sessions(24);
      delivery.set_max_group_size(12);
      for (auto [title, sessions] : std::vector<std::pair<std::string, int>>{
               {"Foundation Module", 6}, {"Further modules", 18}, {"One-to-one sessions", 5}}) {
        catalogue::v1::DeliveryComponent& component = *delivery.add_components();
        component.set_title(title);
        component.set_sessions(sessions);
      }
      catalogue::v1::Criterion& sex = *intervention.add_criteria();
      sex.set_effect(catalogue::v1::CRITERION_EFFECT_REQUIRED);
      sex.mutable_sex()->set_sex(common::v1::SEX_MALE);
      return intervention;
    }
    if (name == kStepwise) {
      intervention.set_id("stepwise-problem-solving");
      intervention.set_title("Stepwise Problem Solving");
      intervention.set_kind(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
      intervention.mutable_delivery()->add_formats(catalogue::v1::DELIVERY_FORMAT_GROUP);
      intervention.mutable_delivery()->set_min_sessions(4);
      return intervention;
    }
    return absl::NotFoundError(absl::StrCat("no intervention ", name));
  }
};

class GroupWorkflowTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (store_ == nullptr) return;
    auto machines = StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded");
    ASSERT_TRUE(machines.ok()) << machines.status();
    machines_ = std::make_unique<StateMachineSet>(*std::move(machines));
    auto holidays = BankHolidays::LoadEmbedded();
    ASSERT_TRUE(holidays.ok()) << holidays.status();
    holidays_ = std::make_unique<BankHolidays>(*std::move(holidays));
    auto rules = DeliveryRules::LoadEmbedded();
    ASSERT_TRUE(rules.ok()) << rules.status();
    rules_ = std::make_unique<DeliveryRules>(*std::move(rules));
    auto clock = [this] { return now_; };
    groups_ = std::make_unique<GroupWorkflow>(*machines_, *holidays_, *store_, catalogue_, clock);
    delivery_ = std::make_unique<DeliveryWorkflow>(*machines_, *rules_, *store_, clock);
  }

  // An open referral submitted `days_ago`, to `intervention` in london.
  v1::Referral Submitted(const std::string& id, int days_ago,
                         common::v1::Sex sex = common::v1::SEX_MALE,
                         const std::string& intervention = kBbr) {
    ReferralWrite write;
    v1::Referral& referral = write.referral;
    referral.set_id(id);
    referral.set_name(absl::StrCat("referrals/", id));
    referral.set_reference(absl::StrCat("REF", id));
    referral.set_intervention(intervention);
    referral.set_kind(intervention == kBbr
                          ? catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME
                          : catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
    referral.mutable_person()->set_crn(absl::StrCat("X", id));
    referral.mutable_person()->set_sex(sex);
    referral.set_region("london");
    referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
    *referral.mutable_submit_time() = At(now_ - absl::Hours(24 * days_ago));
    *referral.mutable_create_time() = At(now_ - absl::Hours(24 * days_ago));
    *referral.mutable_state_time() = referral.submit_time();
    *referral.mutable_update_time() = referral.submit_time();
    write.history.emplace();
    write.history->set_to_state(v1::REFERRAL_STATE_SUBMITTED);
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    auto created = store_->Create(write, absl::StrCat("create-", id));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->referral : v1::Referral();
  }

  absl::StatusOr<Group> Create(const std::string& request_id, int capacity = 12,
                               const std::string& intervention = kBbr, int session_count = 0,
                               common::v1::Sex sex = common::v1::SEX_UNSPECIFIED,
                               const Identity& caller = kTeam) {
    delivery::v1::CreateGroupRequest request;
    request.set_request_id(request_id);
    Group& group = *request.mutable_group();
    group.set_intervention(intervention);
    group.set_region("london");
    group.set_start_date("2026-12-21");
    group.add_weekdays(delivery::v1::WEEKDAY_MONDAY);
    group.add_weekdays(delivery::v1::WEEKDAY_FRIDAY);
    group.set_capacity(capacity);
    group.set_sex(sex);
    group.add_facilitators(kTeam.actor);
    group.set_session_count(session_count);
    return groups_->CreateGroup(request, caller);
  }

  absl::StatusOr<Group> Allocate(const Group& group, const std::string& referral) {
    delivery::v1::AllocateToGroupRequest request;
    request.set_group(group.name());
    request.set_referral(referral);
    return groups_->AllocateToGroup(request, kTeam);
  }

  absl::StatusOr<GroupSession> Attend(
      const Group& group, int session, const std::string& referral,
      delivery::v1::AttendanceOutcome outcome = delivery::v1::ATTENDANCE_OUTCOME_ATTENDED) {
    delivery::v1::RecordGroupAttendanceRequest request;
    request.set_session(absl::StrCat(group.name(), "/sessions/", session));
    delivery::v1::GroupAttendance& attendance = *request.add_attendances();
    attendance.set_referral(referral);
    attendance.set_outcome(outcome);
    attendance.set_notes("Took part in the role play.");
    return groups_->RecordGroupAttendance(request, kTeam);
  }

  std::vector<std::string> Waiting(common::v1::Sex sex = common::v1::SEX_UNSPECIFIED) {
    delivery::v1::ListWaitingListRequest request;
    request.set_intervention(kBbr);
    request.set_sex(sex);
    auto listed = groups_->ListWaitingList(request, kTeam);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> entries;
    for (const delivery::v1::WaitingListEntry& entry : listed->entries()) {
      entries.push_back(absl::StrCat(entry.position(), ":", entry.referral()));
    }
    return entries;
  }

  v1::ReferralState StateOf(const std::string& id) { return store_->Get(id)->state(); }

  std::vector<v1::ReferralEvent::Type> EventTypes(const std::string& id) {
    std::vector<v1::ReferralEvent::Type> types;
    auto events = store_->EventsAfter(0, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    for (const v1::ReferralEvent& event : *events) {
      if (event.referral().id() == id) types.push_back(event.type());
    }
    return types;
  }

  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 4, 9, 0, 0), absl::UTCTimeZone());
  TwoProgrammes catalogue_;
  std::unique_ptr<StateMachineSet> machines_;
  std::unique_ptr<BankHolidays> holidays_;
  std::unique_ptr<DeliveryRules> rules_;
  std::unique_ptr<GroupWorkflow> groups_;
  std::unique_ptr<DeliveryWorkflow> delivery_;
};

TEST_P(GroupWorkflowTest, ABbrGroupHasItsSessionsAroundBankHolidaysForMen) {
  absl::StatusOr<Group> group = Create("g1");
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->sessions_size(), 24);
  EXPECT_EQ(group->sex(), common::v1::SEX_MALE);
  EXPECT_EQ(group->sessions(0).date(), "2026-12-21");
  EXPECT_EQ(group->sessions(1).date(), "2027-01-04");
  EXPECT_EQ(group->sessions(0).module(), "Foundation Module");
  EXPECT_EQ(group->sessions(6).module(), "Further modules");
  for (const GroupSession& session : group->sessions()) {
    EXPECT_NE(session.date(), "2026-12-25");
    EXPECT_NE(session.date(), "2026-12-28");
    EXPECT_NE(session.date(), "2027-01-01");
  }
  EXPECT_EQ(group->sessions(23).name(), absl::StrCat(group->name(), "/sessions/24"));
  // A retry is the same group; the group reads back as created.
  EXPECT_EQ(Create("g1")->name(), group->name());
  delivery::v1::GetGroupRequest get;
  get.set_name(group->name());
  EXPECT_EQ(groups_->GetGroup(get, kTeam)->sessions(23).date(), group->sessions(23).date());

  EXPECT_THAT(Create("g2", 13).status().message(), HasSubstr("at most 12"));
  EXPECT_EQ(Create("g3", 12, kBbr, 0, common::v1::SEX_FEMALE).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Create("g4", 12, kBbr, 20).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Create("g5", 12, kBbr, 0, common::v1::SEX_UNSPECIFIED, kPractitioner).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Create("g6", 12, kBbr, 0, common::v1::SEX_UNSPECIFIED, kOtherTeam).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(groups_->GetGroup(get, kOtherTeam).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A structured intervention's number of sessions is the team's, within the catalogue's.
  EXPECT_EQ(Create("s0", 8, kStepwise).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Create("s1", 8, kStepwise, 6)->sessions_size(), 6);
}

TEST_P(GroupWorkflowTest, TheWaitingListKeepsSubmissionOrderAndAllocationRespectsCohortAndPlaces) {
  Submitted("r1", 30);
  Submitted("r2", 20);
  Submitted("r3", 10);
  Submitted("w1", 15, common::v1::SEX_FEMALE);
  EXPECT_THAT(Waiting(),
              ElementsAre("1:referrals/r1", "2:referrals/r2", "3:referrals/w1", "4:referrals/r3"));
  EXPECT_THAT(Waiting(common::v1::SEX_MALE),
              ElementsAre("1:referrals/r1", "2:referrals/r2", "3:referrals/r3"));
  absl::StatusOr<Group> group = Create("g1", 2);
  ASSERT_TRUE(group.ok()) << group.status();

  absl::StatusOr<Group> allocated = Allocate(*group, "referrals/r2");
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  ASSERT_EQ(allocated->members_size(), 1);
  EXPECT_EQ(allocated->members(0).referral(), "referrals/r2");
  EXPECT_THAT(Waiting(common::v1::SEX_MALE), ElementsAre("1:referrals/r1", "2:referrals/r3"));
  // Allocation leaves an accredited programme's referral where it is until it starts.
  EXPECT_EQ(StateOf("r2"), v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(EventTypes("r2").back(), v1::ReferralEvent::TYPE_GROUP_ALLOCATED);
  // Allocating again is a retry.
  EXPECT_EQ(Allocate(*group, "referrals/r2")->members_size(), 1);

  absl::Status cohort = Allocate(*group, "referrals/w1").status();
  EXPECT_EQ(cohort.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(cohort.message(), HasSubstr("SEX_MALE"));
  ASSERT_TRUE(Allocate(*group, "referrals/r1").ok());
  absl::Status full = Allocate(*group, "referrals/r3").status();
  EXPECT_EQ(full.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(full.message(), HasSubstr("full"));

  // Removed, a waiting referral takes its old place again.
  delivery::v1::RemoveFromGroupRequest remove;
  remove.set_group(group->name());
  remove.set_referral("referrals/r1");
  remove.set_reason("Moved to an evening group.");
  absl::StatusOr<Group> removed = groups_->RemoveFromGroup(remove, kTeam);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->members_size(), 1);
  EXPECT_EQ(removed->removed_members(0).reason(), "Moved to an evening group.");
  EXPECT_THAT(Waiting(common::v1::SEX_MALE), ElementsAre("1:referrals/r1", "2:referrals/r3"));
  EXPECT_EQ(EventTypes("r1").back(), v1::ReferralEvent::TYPE_GROUP_REMOVED);
}

TEST_P(GroupWorkflowTest, AttendanceStartsTheProgrammeAndEveryRequiredSessionCompletesIt) {
  Submitted("r1", 10);
  absl::StatusOr<Group> group = Create("g1");
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE(Allocate(*group, "referrals/r1").ok());

  absl::StatusOr<GroupSession> first = Attend(*group, 1, "referrals/r1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->attendances_size(), 1);
  EXPECT_EQ(first->attendances(0).recorded_by(), kTeam.actor);
  EXPECT_EQ(StateOf("r1"), v1::REFERRAL_STATE_ON_PROGRAMME);
  EXPECT_EQ(store_->Get("r1")->attendance().sessions_required(), 24);
  EXPECT_EQ(store_->Get("r1")->attendance().sessions_attended(), 1);
  // Recorded once: the same again is a retry, another outcome is refused.
  EXPECT_TRUE(Attend(*group, 1, "referrals/r1").ok());
  EXPECT_EQ(Attend(*group, 1, "referrals/r1", delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Attend(*group, 2, "referrals/r1", delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_HAPPEN)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  for (int session = 2; session <= 23; ++session) {
    ASSERT_TRUE(Attend(*group, session, "referrals/r1").ok()) << session;
  }
  EXPECT_EQ(StateOf("r1"), v1::REFERRAL_STATE_ON_PROGRAMME);
  ASSERT_TRUE(Attend(*group, 24, "referrals/r1", delivery::v1::ATTENDANCE_OUTCOME_LATE).ok());
  EXPECT_EQ(StateOf("r1"), v1::REFERRAL_STATE_PROGRAMME_COMPLETE);
  auto history = store_->History("r1");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->back().action(), "complete-programme");
  EXPECT_EQ((*history)[history->size() - 2].action(), "start-in-group");
  const std::vector<v1::ReferralEvent::Type> types = EventTypes("r1");
  EXPECT_EQ(absl::c_count(types, v1::ReferralEvent::TYPE_GROUP_ATTENDANCE_RECORDED), 24);
}

TEST_P(GroupWorkflowTest, AbsencesProposeDeselectionAndCatchUpsMakeUpMissedSessions) {
  Submitted("r1", 10);
  absl::StatusOr<Group> group = Create("g1");
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE(Allocate(*group, "referrals/r1").ok());
  for (int session = 1; session <= 24; ++session) {
    const bool missed = session == 2 || session == 3;
    ASSERT_TRUE(Attend(*group, session, "referrals/r1",
                       missed ? delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND
                              : delivery::v1::ATTENDANCE_OUTCOME_ATTENDED)
                    .ok())
        << session;
  }
  // Two sessions short: on the programme until they are caught up.
  EXPECT_EQ(StateOf("r1"), v1::REFERRAL_STATE_ON_PROGRAMME);
  for (int catch_up = 1; catch_up <= 2; ++catch_up) {
    delivery::v1::ScheduleAppointmentRequest request;
    request.set_parent("referrals/r1");
    request.set_request_id(absl::StrCat("catch-up-", catch_up));
    delivery::v1::Appointment& appointment = *request.mutable_appointment();
    appointment.set_type(delivery::v1::APPOINTMENT_TYPE_CATCH_UP);
    *appointment.mutable_start_time() = At(now_ - absl::Hours(catch_up));
    *appointment.mutable_duration() = TimeUtil::SecondsToDuration(3600);
    appointment.set_delivery_method(delivery::v1::DELIVERY_METHOD_IN_PERSON);
    appointment.set_location("Probation office");
    appointment.mutable_attendance()->set_outcome(delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
    absl::StatusOr<delivery::v1::Appointment> held = delivery_->ScheduleAppointment(request, kTeam);
    ASSERT_TRUE(held.ok()) << held.status();
  }
  EXPECT_EQ(StateOf("r1"), v1::REFERRAL_STATE_PROGRAMME_COMPLETE);
  // The group's summary stayed the group's.
  EXPECT_EQ(store_->Get("r1")->attendance().sessions_missed(), 2);

  Submitted("r2", 9);
  ASSERT_TRUE(Allocate(*group, "referrals/r2").ok() == false);  // The group has finished.
  absl::StatusOr<Group> second = Create("g2");
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(Allocate(*second, "referrals/r2").ok());
  ASSERT_TRUE(Attend(*second, 1, "referrals/r2").ok());
  for (int session = 2; session <= 4; ++session) {
    ASSERT_TRUE(
        Attend(*second, session, "referrals/r2", delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND)
            .ok());
  }
  // The third absence puts deselection to the team; nothing moves by itself.
  EXPECT_EQ(EventTypes("r2").back(), v1::ReferralEvent::TYPE_DESELECTION_PROPOSED);
  EXPECT_EQ(StateOf("r2"), v1::REFERRAL_STATE_ON_PROGRAMME);
  delivery::v1::GetGroupRequest get;
  get.set_name(second->name());
  EXPECT_TRUE(groups_->GetGroup(get, kTeam)->members(0).deselection_proposed());
}

TEST_P(GroupWorkflowTest, AStructuredInterventionGroupAllocatesAndStartsItsReferrals) {
  Submitted("s1", 5, common::v1::SEX_FEMALE, kStepwise);
  absl::StatusOr<Group> group = Create("g1", 8, kStepwise, 4);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->sex(), common::v1::SEX_UNSPECIFIED);
  ASSERT_TRUE(Allocate(*group, "referrals/s1").ok());
  EXPECT_EQ(StateOf("s1"), v1::REFERRAL_STATE_ALLOCATED);
  ASSERT_TRUE(Attend(*group, 1, "referrals/s1").ok());
  EXPECT_EQ(StateOf("s1"), v1::REFERRAL_STATE_IN_PROGRESS);
  for (int session = 2; session <= 4; ++session)
    ASSERT_TRUE(Attend(*group, session, "referrals/s1").ok());
  EXPECT_EQ(StateOf("s1"), v1::REFERRAL_STATE_COMPLETED);
}

TEST_P(GroupWorkflowTest, ReschedulingMovesOneSessionOrTheRestWhenAsked) {
  absl::StatusOr<Group> group = Create("g1");
  ASSERT_TRUE(group.ok()) << group.status();
  delivery::v1::RescheduleGroupSessionRequest request;
  request.set_name(absl::StrCat(group->name(), "/sessions/2"));
  request.set_etag(group->etag());
  request.set_reason("Facilitator training day.");
  request.set_date("2027-01-05");
  absl::StatusOr<Group> moved = groups_->RescheduleGroupSession(request, kTeam);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->sessions(1).date(), "2027-01-05");
  EXPECT_EQ(moved->sessions(1).rescheduled_from(), "2027-01-04");
  EXPECT_EQ(moved->sessions(2).date(), group->sessions(2).date());
  // The old etag is stale; a bank holiday is refused; past the next session needs the rest.
  EXPECT_EQ(groups_->RescheduleGroupSession(request, kTeam).status().code(),
            absl::StatusCode::kAborted);
  request.set_etag(moved->etag());
  request.set_date("2027-03-29");
  EXPECT_THAT(groups_->RescheduleGroupSession(request, kTeam).status().message(),
              HasSubstr("Easter Monday"));
  request.set_date("2027-01-11");
  EXPECT_EQ(groups_->RescheduleGroupSession(request, kTeam).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_move_later_sessions(true);
  absl::StatusOr<Group> shifted = groups_->RescheduleGroupSession(request, kTeam);
  ASSERT_TRUE(shifted.ok()) << shifted.status();
  EXPECT_EQ(shifted->sessions(1).date(), "2027-01-11");
  EXPECT_EQ(shifted->sessions(2).date(), "2027-01-15");
  EXPECT_EQ(shifted->sessions_size(), 24);
}

TEST_P(GroupWorkflowTest, AvailabilityAndDosageComeFromTheGroups) {
  Submitted("r1", 10);
  Submitted("r2", 5);
  absl::StatusOr<Group> group = Create("g1", 10);
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE(Allocate(*group, "referrals/r1").ok());
  auto clock = [this] { return now_; };
  CapacityWorkflow capacity(*machines_, *store_, catalogue_, clock, store_.get());
  v1::BatchGetAvailabilityRequest request;
  request.set_region("london");
  request.add_interventions(kBbr);
  absl::StatusOr<v1::BatchGetAvailabilityResponse> availability =
      capacity.BatchGetAvailability(request, kTeam);
  ASSERT_TRUE(availability.ok()) << availability.status();
  ASSERT_EQ(availability->availabilities_size(), 1);
  const v1::Availability& bbr = availability->availabilities(0);
  EXPECT_TRUE(bbr.from_groups());
  EXPECT_EQ(bbr.groups_starting_soon(), 1);
  EXPECT_EQ(bbr.places(), 10);
  EXPECT_EQ(bbr.places_taken(), 1);
  EXPECT_EQ(bbr.places_available(), 9);
  EXPECT_EQ(bbr.next_start_date(), "2026-12-21");
  // r1 is off the waiting list; r2 still waits.
  EXPECT_EQ(bbr.waiting(), 1);

  ASSERT_TRUE(Attend(*group, 1, "referrals/r1").ok());
  ASSERT_TRUE(
      Attend(*group, 2, "referrals/r1", delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND).ok());
  ReferralReports reports(*machines_, *store_);
  v1::GetReferralReportRequest report_request;
  report_request.mutable_filter()->set_region("london");
  *report_request.mutable_filter()->mutable_start_time() = At(now_ - absl::Hours(24 * 60));
  *report_request.mutable_filter()->mutable_end_time() = At(now_ + absl::Hours(24));
  absl::StatusOr<v1::ReferralReport> report =
      reports.GetReferralReport(report_request, Person("admin", common::v1::ROLE_ADMIN));
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->dosage_size(), 1);
  EXPECT_EQ(report->dosage(0).intervention(), kBbr);
  EXPECT_EQ(report->dosage(0).referrals(), 1);
  EXPECT_EQ(report->dosage(0).sessions_required(), 24);
  EXPECT_EQ(report->dosage(0).sessions_attended(), 1);
  EXPECT_DOUBLE_EQ(report->dosage(0).dosage_rate(), 1.0 / 24);
}

// A case excluded from one facilitator: off their waiting list and out of the group they see,
// while the rest of the team sees it.
TEST_P(GroupWorkflowTest, ALimitedAccessCaseIsLeftOutForWhomItExcludes) {
  Submitted("r1", 30);
  Submitted("r2", 20);
  absl::StatusOr<Group> group = Create("g1");
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE(Allocate(*group, "referrals/r1").ok());
  ASSERT_TRUE(Attend(*group, 1, "referrals/r1").ok());
  v1::CaseAccess exclusion;
  exclusion.set_name("cases/Xr2/access");
  exclusion.add_excluded_actors("facilitator-2");
  CaseAccessRules::Process().Replace({exclusion});
  const Identity excluded = Person("facilitator-2", common::v1::ROLE_PROGRAMME_TEAM, "london");

  delivery::v1::ListWaitingListRequest waiting;
  waiting.set_intervention(kBbr);
  EXPECT_EQ(groups_->ListWaitingList(waiting, kTeam)->total_size(), 1);
  EXPECT_EQ(groups_->ListWaitingList(waiting, excluded)->total_size(), 0);

  v1::CaseAccess member_exclusion;
  member_exclusion.set_name("cases/Xr1/access");
  member_exclusion.add_excluded_actors("facilitator-2");
  CaseAccessRules::Process().Replace({member_exclusion});
  delivery::v1::GetGroupRequest get;
  get.set_name(group->name());
  absl::StatusOr<Group> seen = groups_->GetGroup(get, excluded);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->members_size(), 0);
  EXPECT_EQ(seen->sessions(0).attendances_size(), 0);
  EXPECT_EQ(groups_->GetGroup(get, kTeam)->members_size(), 1);
  CaseAccessRules::Process().Replace({});
}

INSTANTIATE_TEST_SUITE_P(Engines, GroupWorkflowTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
