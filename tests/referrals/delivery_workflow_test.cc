// Delivery over a real store, on both engines: a CRS referral driven from ASSIGNED to the
// end-of-service report by its records alone (each move with its record, history entry and
// event), and every rule that refuses a record: attendance before the start, rescheduling what
// took place, past times without attendance, session numbers reused or beyond the plan, a plan
// below the sessions held, a report short of an outcome, manual moves that skip the records,
// and callers outside their role or scope.
#include "services/referrals/domain/delivery_workflow.h"

#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"
#include "services/referrals/domain/referral_report.h"
#include "services/referrals/domain/referral_workflow.h"
#include "tests/referrals/store_engines.h"
#include "tests/referrals/test_callers.h"

namespace probation::referrals {
namespace {

using delivery::v1::Appointment;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Identity kProvider = Person("caseworker-1", common::v1::ROLE_SERVICE_PROVIDER, "", "nacro");
const Identity kOtherProvider =
    Person("caseworker-9", common::v1::ROLE_SERVICE_PROVIDER, "", "other");
const Identity kPractitioner = Person("pp-1", common::v1::ROLE_PROBATION_PRACTITIONER, "london");
const Identity kAdmin = Person("admin-1", common::v1::ROLE_ADMIN);

const absl::Time kStart =
    absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 0, 0), absl::UTCTimeZone());

// Never asked: delivery and manual moves need neither the catalogue nor eligibility.
class Unreachable : public InterventionDirectory, public EligibilityGate {
 public:
  absl::StatusOr<catalogue::v1::Intervention> GetIntervention(absl::string_view) override {
    return absl::UnavailableError("not in this test");
  }
  absl::StatusOr<eligibility::v1::Verdict> CheckEligibility(const common::v1::PersonProfile&,
                                                            absl::string_view) override {
    return absl::UnavailableError("not in this test");
  }
};

google::protobuf::Timestamp At(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

class DeliveryWorkflowTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (store_ == nullptr) return;
    auto machines = StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded");
    ASSERT_TRUE(machines.ok()) << machines.status();
    machines_ = std::make_unique<StateMachineSet>(*std::move(machines));
    auto rules = DeliveryRules::LoadEmbedded();
    ASSERT_TRUE(rules.ok()) << rules.status();
    rules_ = std::make_unique<DeliveryRules>(*std::move(rules));
    auto clock = [this] { return now_; };
    delivery_ = std::make_unique<DeliveryWorkflow>(*machines_, *rules_, *store_, clock);
    referrals_ =
        std::make_unique<ReferralWorkflow>(*machines_, *store_, unreachable_, unreachable_, clock);
  }

  // A CRS referral to nacro in london, sent and assigned, with two desired outcomes.
  v1::Referral AssignedReferral(const std::string& id = "crs1") {
    ReferralWrite write;
    v1::Referral& referral = write.referral;
    referral.set_id(id);
    referral.set_name(absl::StrCat("referrals/", id));
    referral.set_reference("AB1234CD");
    referral.set_intervention("interventions/crs-accommodation");
    referral.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
    referral.mutable_person()->set_crn("X123456");
    referral.set_region("london");
    referral.set_provider("nacro");
    referral.add_desired_outcomes("Stable accommodation");
    referral.add_desired_outcomes("Tenancy skills");
    referral.set_state(v1::REFERRAL_STATE_ASSIGNED);
    *referral.mutable_state_time() = At(now_);
    *referral.mutable_create_time() = At(now_);
    *referral.mutable_update_time() = At(now_);
    write.history.emplace();
    write.history->set_to_state(v1::REFERRAL_STATE_ASSIGNED);
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    auto created = store_->Create(write, absl::StrCat("create-", id));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->referral : v1::Referral();
  }

  v1::Referral Stored(const std::string& id = "crs1") { return *store_->Get(id); }

  absl::StatusOr<Appointment> Schedule(const std::string& request_id,
                                       delivery::v1::AppointmentType type, absl::Time start,
                                       int session_number = 0, const Identity& caller = kProvider,
                                       const std::string& referral = "referrals/crs1") {
    delivery::v1::ScheduleAppointmentRequest request;
    request.set_parent(referral);
    request.set_request_id(request_id);
    Appointment& appointment = *request.mutable_appointment();
    appointment.set_type(type);
    appointment.set_session_number(session_number);
    *appointment.mutable_start_time() = At(start);
    *appointment.mutable_duration() = TimeUtil::SecondsToDuration(3600);
    appointment.set_delivery_method(delivery::v1::DELIVERY_METHOD_IN_PERSON);
    appointment.set_location("1 High Street, London");
    return delivery_->ScheduleAppointment(request, caller);
  }

  absl::StatusOr<Appointment> Record(const Appointment& appointment,
                                     delivery::v1::AttendanceOutcome outcome,
                                     const Identity& caller = kProvider) {
    delivery::v1::RecordAttendanceRequest request;
    request.set_name(appointment.name());
    request.set_etag(appointment.etag());
    request.mutable_attendance()->set_outcome(outcome);
    request.mutable_attendance()->set_notes("Engaged well; discussed housing options.");
    return delivery_->RecordAttendance(request, caller);
  }

  // Drafts a plan of `sessions` sessions, one activity per desired outcome; returns it.
  delivery::v1::ActionPlan DraftPlan(int sessions, const std::string& etag) {
    delivery::v1::UpdateActionPlanRequest update;
    update.mutable_action_plan()->set_name("referrals/crs1/actionPlan");
    update.mutable_action_plan()->set_etag(etag);
    update.mutable_action_plan()->set_number_of_sessions(sessions);
    for (const char* outcome : {"Stable accommodation", "Tenancy skills"}) {
      delivery::v1::Activity* activity = update.mutable_action_plan()->add_activities();
      activity->set_description(absl::StrCat("Work towards: ", outcome));
      activity->set_desired_outcome(outcome);
    }
    update.mutable_update_mask()->add_paths("activities");
    update.mutable_update_mask()->add_paths("number_of_sessions");
    auto plan = delivery_->UpdateActionPlan(update, kProvider);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : delivery::v1::ActionPlan();
  }

  template <typename Request>
  Request Named(const std::string& name, const std::string& etag) {
    Request request;
    request.set_name(name);
    request.set_etag(etag);
    return request;
  }

  // Takes a referral through the supplier assessment and an approved plan of `sessions`.
  delivery::v1::ActionPlan ApprovedPlan(int sessions) {
    AssignedReferral();
    auto assessment =
        Schedule("sa-1", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(1));
    EXPECT_TRUE(assessment.ok()) << assessment.status();
    now_ += absl::Hours(2);
    EXPECT_TRUE(Record(*assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED).ok());
    delivery::v1::ActionPlan plan = DraftPlan(sessions, "0");
    auto submitted = delivery_->SubmitActionPlan(
        Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), plan.etag()), kProvider);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    auto approved = delivery_->ApproveActionPlan(
        Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), submitted->etag()),
        kPractitioner);
    EXPECT_TRUE(approved.ok()) << approved.status();
    return approved.ok() ? *approved : delivery::v1::ActionPlan();
  }

  absl::Time now_ = kStart;
  Unreachable unreachable_;
  std::unique_ptr<StateMachineSet> machines_;
  std::unique_ptr<DeliveryRules> rules_;
  std::unique_ptr<DeliveryWorkflow> delivery_;
  std::unique_ptr<ReferralWorkflow> referrals_;
};

TEST_P(DeliveryWorkflowTest, RecordsDriveACrsReferralFromAssignmentToTheEndOfServiceReport) {
  AssignedReferral();
  // The supplier assessment: booked (the referral moves), missed, booked again, attended.
  auto first =
      Schedule("sa-1", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(24));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->session_number(), 1);
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  now_ += absl::Hours(25);
  ASSERT_TRUE(Record(*first, delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND).ok());
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  auto second =
      Schedule("sa-2", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(24));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->session_number(), 2);
  now_ += absl::Hours(25);
  auto attended = Record(*second, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  ASSERT_TRUE(attended.ok()) << attended.status();
  EXPECT_EQ(attended->attendance().recorded_by(), "caseworker-1");
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE);

  // The plan: drafted, submitted, sent back with a reason, submitted again, approved.
  delivery::v1::ActionPlan plan = DraftPlan(3, "0");
  EXPECT_EQ(plan.state(), delivery::v1::ACTION_PLAN_STATE_DRAFT);
  EXPECT_EQ(plan.etag(), "1");
  auto submitted = delivery_->SubmitActionPlan(
      Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), plan.etag()), kProvider);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_ACTION_PLAN_SUBMITTED);
  delivery::v1::RequestActionPlanChangesRequest changes;
  changes.set_name(plan.name());
  changes.set_etag(submitted->etag());
  changes.set_reason("Add a session on budgeting");
  auto sent_back = delivery_->RequestActionPlanChanges(changes, kPractitioner);
  ASSERT_TRUE(sent_back.ok()) << sent_back.status();
  EXPECT_EQ(sent_back->state(), delivery::v1::ACTION_PLAN_STATE_DRAFT);
  EXPECT_EQ(sent_back->changes_requested_reason(), "Add a session on budgeting");
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE);
  submitted = delivery_->SubmitActionPlan(
      Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), sent_back->etag()), kProvider);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  auto approved = delivery_->ApproveActionPlan(
      Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), submitted->etag()), kPractitioner);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->approved_number_of_sessions(), 3);
  EXPECT_EQ(approved->approved_by(), "pp-1");
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_ACTION_PLAN_APPROVED);
  EXPECT_EQ(Stored().attendance().sessions_required(), 3);

  // Three sessions, numbered by the server; the second moved at the person's request.
  std::vector<Appointment> sessions;
  for (int n = 1; n <= 3; ++n) {
    auto session = Schedule(absl::StrCat("session-", n), delivery::v1::APPOINTMENT_TYPE_SESSION,
                            now_ + absl::Hours(24 * 7 * n));
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_EQ(session->session_number(), n);
    sessions.push_back(*session);
  }
  EXPECT_EQ(Stored().attendance().sessions_scheduled(), 3);
  delivery::v1::RescheduleAppointmentRequest move;
  move.set_name(sessions[1].name());
  move.set_etag(sessions[1].etag());
  *move.mutable_start_time() = At(now_ + absl::Hours(24 * 15));
  move.set_reason("Job interview that morning");
  move.set_requested_by(delivery::v1::RESCHEDULE_REQUESTER_PERSON_ON_PROBATION);
  auto moved = delivery_->RescheduleAppointment(move, kProvider);
  ASSERT_TRUE(moved.ok()) << moved.status();
  ASSERT_EQ(moved->history_size(), 1);
  EXPECT_EQ(moved->history(0).previous_start_time(), sessions[1].start_time());
  EXPECT_EQ(moved->history(0).requested_by(),
            delivery::v1::RESCHEDULE_REQUESTER_PERSON_ON_PROBATION);
  EXPECT_EQ(moved->history(0).reason(), "Job interview that morning");
  sessions[1] = *moved;
  // The referral's changelog says what moved, when to, who asked and why.
  v1::GetReferralChangelogRequest changelog_request;
  changelog_request.set_name("referrals/crs1");
  auto changelog = referrals_->GetReferralChangelog(changelog_request, kPractitioner);
  ASSERT_TRUE(changelog.ok()) << changelog.status();
  const std::vector<std::string> moved_parts = absl::StrSplit(moved->name(), '/');
  const std::string moved_field = absl::StrCat("appointments/", moved_parts.back(), ".start_time");
  auto entry = absl::c_find_if(changelog->entries(), [&](const v1::ChangelogEntry& change) {
    return change.field() == moved_field;
  });
  ASSERT_NE(entry, changelog->entries().end());
  EXPECT_THAT(entry->reason(), HasSubstr("Job interview that morning"));
  EXPECT_THAT(entry->reason(), HasSubstr("PERSON_ON_PROBATION"));
  EXPECT_EQ(entry->actor(), "caseworker-1");

  // Session 1 attended moves the referral into delivery; 2 missed; 3 attended late.
  now_ += absl::Hours(24 * 8);
  ASSERT_TRUE(Record(sessions[0], delivery::v1::ATTENDANCE_OUTCOME_ATTENDED).ok());
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_IN_DELIVERY);
  now_ += absl::Hours(24 * 14);
  ASSERT_TRUE(Record(sessions[1], delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND).ok());
  ASSERT_TRUE(Record(sessions[2], delivery::v1::ATTENDANCE_OUTCOME_LATE).ok());
  const v1::AttendanceSummary summary = Stored().attendance();
  EXPECT_EQ(summary.sessions_required(), 3);
  EXPECT_EQ(summary.sessions_scheduled(), 3);
  EXPECT_EQ(summary.sessions_attended(), 2);
  EXPECT_EQ(summary.sessions_missed(), 1);

  // The report: one entry per desired outcome, then submitted.
  delivery::v1::UpdateEndOfServiceReportRequest report;
  report.mutable_report()->set_name("referrals/crs1/endOfServiceReport");
  report.mutable_report()->set_etag("0");
  delivery::v1::OutcomeAchievement* housing = report.mutable_report()->add_outcomes();
  housing->set_desired_outcome("Stable accommodation");
  housing->set_achievement(delivery::v1::ACHIEVEMENT_ACHIEVED);
  delivery::v1::OutcomeAchievement* skills = report.mutable_report()->add_outcomes();
  skills->set_desired_outcome("Tenancy skills");
  skills->set_achievement(delivery::v1::ACHIEVEMENT_PARTIALLY_ACHIEVED);
  report.mutable_report()->set_further_information("Moved into a council flat.");
  report.mutable_update_mask()->add_paths("outcomes");
  report.mutable_update_mask()->add_paths("further_information");
  auto drafted = delivery_->UpdateEndOfServiceReport(report, kProvider);
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  auto done = delivery_->SubmitEndOfServiceReport(
      Named<delivery::v1::SubmitEndOfServiceReportRequest>(drafted->name(), drafted->etag()),
      kProvider);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(done->submitted());
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED);

  // Every move is in the history, made by the record that drives it.
  auto history = store_->History("crs1");
  ASSERT_TRUE(history.ok());
  std::vector<std::string> actions;
  for (const v1::HistoryEntry& entry : *history) actions.push_back(entry.action());
  EXPECT_THAT(actions,
              ElementsAre("", "book-supplier-assessment", "complete-supplier-assessment",
                          "submit-action-plan", "request-action-plan-changes", "submit-action-plan",
                          "approve-action-plan", "start-delivery", "submit-end-of-service-report"));
  EXPECT_EQ((*history)[4].notes(), "Add a session on budgeting");
  // And each record wrote one event naming it; a draft's edits wrote none.
  auto events = store_->EventsAfter(0, 100);
  ASSERT_TRUE(events.ok());
  std::vector<v1::ReferralEvent::Type> types;
  for (const v1::ReferralEvent& event : *events) types.push_back(event.type());
  using E = v1::ReferralEvent;
  EXPECT_THAT(
      types,
      ElementsAre(E::TYPE_CREATED, E::TYPE_APPOINTMENT_SCHEDULED, E::TYPE_ATTENDANCE_RECORDED,
                  E::TYPE_APPOINTMENT_SCHEDULED, E::TYPE_ATTENDANCE_RECORDED,
                  E::TYPE_ACTION_PLAN_SUBMITTED, E::TYPE_ACTION_PLAN_CHANGES_REQUESTED,
                  E::TYPE_ACTION_PLAN_SUBMITTED, E::TYPE_ACTION_PLAN_APPROVED,
                  E::TYPE_APPOINTMENT_SCHEDULED, E::TYPE_APPOINTMENT_SCHEDULED,
                  E::TYPE_APPOINTMENT_SCHEDULED, E::TYPE_APPOINTMENT_RESCHEDULED,
                  E::TYPE_ATTENDANCE_RECORDED, E::TYPE_ATTENDANCE_RECORDED,
                  E::TYPE_ATTENDANCE_RECORDED, E::TYPE_END_OF_SERVICE_REPORT_SUBMITTED));
  const v1::ReferralEvent& start = (*events)[13];
  EXPECT_EQ(start.record(), sessions[0].name());
  EXPECT_EQ(start.appointment().attendance().outcome(), delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  EXPECT_EQ(start.action(), "start-delivery");
  EXPECT_EQ(start.to_state(), v1::REFERRAL_STATE_IN_DELIVERY);
  EXPECT_EQ(start.referral().attendance().sessions_attended(), 1);
}

TEST_P(DeliveryWorkflowTest, RefusesAttendanceBeforeTheStartAndReschedulingWhatTookPlace) {
  AssignedReferral();
  auto assessment =
      Schedule("sa-1", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(3));
  ASSERT_TRUE(assessment.ok());
  auto early = Record(*assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReasonOf(early.status()), reason::kDeliveryNotAllowed);
  EXPECT_THAT(early.status().message(), HasSubstr("once an appointment has started"));
  // Only one supplier assessment at a time.
  EXPECT_EQ(
      Schedule("sa-2", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(30))
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
  now_ += absl::Hours(4);
  auto recorded = Record(*assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(Record(*recorded, delivery::v1::ATTENDANCE_OUTCOME_LATE).status().code(),
            absl::StatusCode::kFailedPrecondition);
  delivery::v1::RescheduleAppointmentRequest move;
  move.set_name(recorded->name());
  move.set_etag(recorded->etag());
  *move.mutable_start_time() = At(now_ + absl::Hours(48));
  move.set_reason("Wrong day");
  move.set_requested_by(delivery::v1::RESCHEDULE_REQUESTER_SERVICE_PROVIDER);
  auto refused = delivery_->RescheduleAppointment(move, kProvider);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("keeps its time"));
  // A stale etag is a lost update.
  move.set_etag(assessment->etag());
  EXPECT_EQ(delivery_->RescheduleAppointment(move, kProvider).status().code(),
            absl::StatusCode::kAborted);
}

TEST_P(DeliveryWorkflowTest, APastTimeIsOnlyARecordOfWhatHappened) {
  AssignedReferral();
  auto past =
      Schedule("sa-1", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ - absl::Hours(2));
  EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(past.status().message(), HasSubstr("appointment.start_time"));
  // With its attendance: booked, then recorded, each with its move.
  delivery::v1::ScheduleAppointmentRequest request;
  request.set_parent("referrals/crs1");
  request.set_request_id("sa-past");
  Appointment& appointment = *request.mutable_appointment();
  appointment.set_type(delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT);
  *appointment.mutable_start_time() = At(now_ - absl::Hours(2));
  *appointment.mutable_duration() = TimeUtil::SecondsToDuration(3600);
  appointment.set_delivery_method(delivery::v1::DELIVERY_METHOD_PHONE);
  appointment.mutable_attendance()->set_outcome(delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  auto recorded = delivery_->ScheduleAppointment(request, kProvider);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->attendance().outcome(), delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE);
  // A retry of the same request gives the same appointment and writes nothing more.
  auto retried = delivery_->ScheduleAppointment(request, kProvider);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->name(), recorded->name());
  EXPECT_EQ(retried->etag(), recorded->etag());
}

TEST_P(DeliveryWorkflowTest, SessionsWaitForAnApprovedPlan) {
  AssignedReferral();
  auto early = Schedule("early", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(3));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReasonOf(early.status()), reason::kDeliveryNotAllowed);
  EXPECT_THAT(early.status().message(), HasSubstr("REFERRAL_STATE_ACTION_PLAN_APPROVED"));
}

TEST_P(DeliveryWorkflowTest, SessionsAreBookedWithinTheApprovedPlan) {
  delivery::v1::ActionPlan plan = ApprovedPlan(2);
  auto one = Schedule("s1", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(24), 1);
  ASSERT_TRUE(one.ok()) << one.status();
  auto again =
      Schedule("s1-again", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(48), 1);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("never reused"));
  auto beyond = Schedule("s3", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(48), 3);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(beyond.status().message(), HasSubstr("approved action plan"));
  auto two = Schedule("s2", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(48));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->session_number(), 2);
  EXPECT_EQ(Schedule("s-none", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(72))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  now_ += absl::Hours(49);
  ASSERT_TRUE(Record(*one, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED).ok());
  ASSERT_TRUE(Record(*two, delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND).ok());

  // A revision may not drop below the two sessions held.
  delivery::v1::GetActionPlanRequest get;
  get.set_name(plan.name());
  auto current = delivery_->GetActionPlan(get, kProvider);
  ASSERT_TRUE(current.ok());
  delivery::v1::UpdateActionPlanRequest update;
  update.mutable_action_plan()->set_name(plan.name());
  update.mutable_action_plan()->set_etag(current->etag());
  update.mutable_action_plan()->set_number_of_sessions(1);
  update.mutable_update_mask()->add_paths("number_of_sessions");
  auto revised = delivery_->UpdateActionPlan(update, kProvider);
  ASSERT_TRUE(revised.ok()) << revised.status();
  auto below = delivery_->SubmitActionPlan(
      Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), revised->etag()), kProvider);
  EXPECT_EQ(below.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(below.status().message(), HasSubstr("already held (2)"));
  // Still in delivery against the plan as approved.
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_IN_DELIVERY);
  EXPECT_EQ(Stored().attendance().sessions_required(), 2);
}

TEST_P(DeliveryWorkflowTest, ARevisionIsApprovedOnlyIfItStillCoversTheSessionsBooked) {
  delivery::v1::ActionPlan plan = ApprovedPlan(3);
  auto one = Schedule("s1", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(24));
  ASSERT_TRUE(one.ok()) << one.status();
  // Revised down to one session and submitted while only session 1 is booked...
  delivery::v1::UpdateActionPlanRequest update;
  update.mutable_action_plan()->set_name(plan.name());
  update.mutable_action_plan()->set_etag(plan.etag());
  update.mutable_action_plan()->set_number_of_sessions(1);
  update.mutable_update_mask()->add_paths("number_of_sessions");
  auto revised = delivery_->UpdateActionPlan(update, kProvider);
  ASSERT_TRUE(revised.ok()) << revised.status();
  auto submitted = delivery_->SubmitActionPlan(
      Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), revised->etag()), kProvider);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  // ...then session 2 is booked against the plan as approved (3 sessions).
  auto two = Schedule("s2", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(48));
  ASSERT_TRUE(two.ok()) << two.status();
  auto approved = delivery_->ApproveActionPlan(
      Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), submitted->etag()), kPractitioner);
  EXPECT_EQ(approved.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(approved.status().message(), HasSubstr("booked (up to session 2)"));
  EXPECT_EQ(Stored().attendance().sessions_required(), 3);
}

TEST_P(DeliveryWorkflowTest, TheReportIsSubmittedOnlyWithEveryDesiredOutcome) {
  ApprovedPlan(1);
  auto session = Schedule("s1", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(1));
  ASSERT_TRUE(session.ok());
  now_ += absl::Hours(2);
  ASSERT_TRUE(Record(*session, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED).ok());
  delivery::v1::UpdateEndOfServiceReportRequest update;
  update.mutable_report()->set_name("referrals/crs1/endOfServiceReport");
  update.mutable_report()->set_etag("0");
  delivery::v1::OutcomeAchievement* one = update.mutable_report()->add_outcomes();
  one->set_desired_outcome("Stable accommodation");
  one->set_achievement(delivery::v1::ACHIEVEMENT_NOT_ACHIEVED);
  update.mutable_update_mask()->add_paths("outcomes");
  auto unknown = update;
  unknown.mutable_report()->mutable_outcomes(0)->set_desired_outcome("Get a job");
  auto refused = delivery_->UpdateEndOfServiceReport(unknown, kProvider);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("report.outcomes[0].desired_outcome"));
  auto drafted = delivery_->UpdateEndOfServiceReport(update, kProvider);
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  auto short_of_one = delivery_->SubmitEndOfServiceReport(
      Named<delivery::v1::SubmitEndOfServiceReportRequest>(drafted->name(), drafted->etag()),
      kProvider);
  EXPECT_EQ(short_of_one.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(short_of_one.status().message(), HasSubstr("\"Tenancy skills\""));
  EXPECT_EQ(Stored().state(), v1::REFERRAL_STATE_IN_DELIVERY);
}

TEST_P(DeliveryWorkflowTest, ManualMovesThatSkipTheRecordsAreRefusedButAnAdmins) {
  v1::Referral referral = AssignedReferral();
  v1::TransitionReferralRequest move;
  move.set_name(referral.name());
  move.set_etag(referral.etag());
  move.set_to_state(v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  auto refused = referrals_->TransitionReferral(move, kProvider);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReasonOf(refused.status()), reason::kDeliveryRecordMissing);
  EXPECT_THAT(refused.status().message(), HasSubstr("ScheduleAppointment"));
  auto listed = referrals_->ListAllowedTransitions(
      [&] {
        v1::ListAllowedTransitionsRequest request;
        request.set_name(referral.name());
        return request;
      }(),
      kProvider);
  ASSERT_TRUE(listed.ok());
  for (const v1::AllowedTransition& allowed : listed->transitions()) {
    EXPECT_NE(allowed.to_state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  }
  auto by_admin = referrals_->TransitionReferral(move, kAdmin);
  ASSERT_TRUE(by_admin.ok()) << by_admin.status();
  EXPECT_EQ(by_admin->state(), v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
}

TEST_P(DeliveryWorkflowTest, CallersStayInTheirRoleAndScope) {
  AssignedReferral();
  // Another provider does not see the referral; the practitioner reads but does not book.
  EXPECT_EQ(Schedule("x", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(1),
                     0, kOtherProvider)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Schedule("x", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(1),
                     0, kPractitioner)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  auto booked =
      Schedule("sa", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(30));
  ASSERT_TRUE(booked.ok());
  delivery::v1::ListAppointmentsRequest list;
  list.set_parent("referrals/crs1");
  auto read = delivery_->ListAppointments(list, kPractitioner);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->appointments_size(), 1);
  EXPECT_EQ(delivery_->ListAppointments(list, kOtherProvider).status().code(),
            absl::StatusCode::kNotFound);
  // The provider approves nothing.
  EXPECT_EQ(delivery_
                ->ApproveActionPlan(
                    Named<delivery::v1::ApproveActionPlanRequest>("referrals/crs1/actionPlan", "0"),
                    kProvider)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_P(DeliveryWorkflowTest, CaseloadsShowWhatIsComingAndWhatIsNotRecorded) {
  AssignedReferral();
  auto booked =
      Schedule("sa", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT, now_ + absl::Hours(30));
  ASSERT_TRUE(booked.ok());
  delivery::v1::ListAppointmentsRequest upcoming;
  upcoming.set_parent("referrals/-");
  upcoming.set_caseload(delivery::v1::ListAppointmentsRequest::CASELOAD_UPCOMING);
  auto mine = delivery_->ListAppointments(upcoming, kProvider);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->appointments_size(), 1);
  EXPECT_EQ(mine->appointments(0).name(), booked->name());
  auto theirs = delivery_->ListAppointments(upcoming, kOtherProvider);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->appointments_size(), 0);

  delivery::v1::ListAppointmentsRequest unrecorded = upcoming;
  unrecorded.set_caseload(delivery::v1::ListAppointmentsRequest::CASELOAD_ATTENDANCE_NOT_RECORDED);
  EXPECT_EQ(delivery_->ListAppointments(unrecorded, kProvider)->appointments_size(), 0);
  now_ += absl::Hours(31);
  EXPECT_EQ(delivery_->ListAppointments(upcoming, kProvider)->appointments_size(), 0);
  EXPECT_EQ(delivery_->ListAppointments(unrecorded, kProvider)->appointments_size(), 1);
  // A withdrawn referral's appointments are no one's work.
  v1::TransitionReferralRequest withdraw;
  withdraw.set_name("referrals/crs1");
  withdraw.set_etag(Stored().etag());
  withdraw.set_to_state(v1::REFERRAL_STATE_CANCELLED);
  withdraw.set_reason_code("moved-out-of-area");
  ASSERT_TRUE(referrals_->TransitionReferral(withdraw, kPractitioner).ok());
  EXPECT_EQ(delivery_->ListAppointments(unrecorded, kProvider)->appointments_size(), 0);
  upcoming.clear_caseload();
  EXPECT_EQ(delivery_->ListAppointments(upcoming, kProvider).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(DeliveryWorkflowTest, ReportsGiveAttendanceSessionsToCompleteAndOutcomesAchieved) {
  ApprovedPlan(2);
  auto one = Schedule("s1", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(1));
  auto two = Schedule("s2", delivery::v1::APPOINTMENT_TYPE_SESSION, now_ + absl::Hours(2));
  ASSERT_TRUE(one.ok() && two.ok());
  now_ += absl::Hours(3);
  ASSERT_TRUE(Record(*one, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED).ok());
  ASSERT_TRUE(Record(*two, delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND).ok());
  delivery::v1::UpdateEndOfServiceReportRequest update;
  update.mutable_report()->set_name("referrals/crs1/endOfServiceReport");
  update.mutable_report()->set_etag("0");
  delivery::v1::OutcomeAchievement* housing = update.mutable_report()->add_outcomes();
  housing->set_desired_outcome("Stable accommodation");
  housing->set_achievement(delivery::v1::ACHIEVEMENT_ACHIEVED);
  delivery::v1::OutcomeAchievement* skills = update.mutable_report()->add_outcomes();
  skills->set_desired_outcome("Tenancy skills");
  skills->set_achievement(delivery::v1::ACHIEVEMENT_PARTIALLY_ACHIEVED);
  update.mutable_update_mask()->add_paths("outcomes");
  auto drafted = delivery_->UpdateEndOfServiceReport(update, kProvider);
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  ASSERT_TRUE(delivery_
                  ->SubmitEndOfServiceReport(Named<delivery::v1::SubmitEndOfServiceReportRequest>(
                                                 drafted->name(), drafted->etag()),
                                             kProvider)
                  .ok());
  v1::TransitionReferralRequest conclude;
  conclude.set_name("referrals/crs1");
  conclude.set_etag(Stored().etag());
  conclude.set_to_state(v1::REFERRAL_STATE_CONCLUDED);
  ASSERT_TRUE(referrals_->TransitionReferral(conclude, kPractitioner).ok());

  ReferralReports reports(*machines_, *store_);
  v1::GetReferralReportRequest request;
  *request.mutable_filter()->mutable_start_time() = At(kStart - absl::Hours(24));
  *request.mutable_filter()->mutable_end_time() = At(kStart + absl::Hours(24));
  auto report = reports.GetReferralReport(request, kAdmin);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->delivery_size(), 1);
  const v1::DeliveryFigures& figures = report->delivery(0);
  EXPECT_EQ(figures.intervention(), "interventions/crs-accommodation");
  EXPECT_EQ(figures.sessions_held(), 2);
  EXPECT_EQ(figures.sessions_attended(), 1);
  EXPECT_EQ(figures.sessions_missed(), 1);
  EXPECT_DOUBLE_EQ(figures.attendance_rate(), 0.5);
  EXPECT_EQ(figures.completed_referrals(), 1);
  EXPECT_DOUBLE_EQ(figures.sessions_per_completed_referral(), 1.0);
  EXPECT_EQ(figures.outcomes_reported(), 2);
  EXPECT_EQ(figures.outcomes_achieved(), 1);
  EXPECT_EQ(figures.outcomes_partially_achieved(), 1);
  EXPECT_DOUBLE_EQ(figures.outcome_achievement_rate(), 0.5);
}

INSTANTIATE_TEST_SUITE_P(Engines, DeliveryWorkflowTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
