// Delivery through the gateway, with the suite as processes: a CRS referral driven from SENT to
// CONCLUDED by the provider's and the practitioner's records (a supplier assessment, a plan of
// three sessions, one rescheduled and one missed, and the end-of-service report), and each rule
// that refuses a record, with its code and reason.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using delivery::v1::Appointment;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

google::protobuf::Timestamp In(absl::Duration from_now) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + from_now));
}

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return "";
  for (const auto& any : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

class DeliveryProcessTest : public testing::SuiteTest {
 protected:
  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string provider_ = testing::SuiteToken("service_provider", "", "provider-a");
  const std::string other_provider_ = testing::SuiteToken("service_provider", "", "provider-b");
  const std::string admin_ = testing::SuiteToken("admin", "");

  // A CRS referral sent to provider-a and assigned, with two desired outcomes.
  referrals::v1::Referral AssignedReferral(const std::string& crn) {
    gateway::v1::FindInterventionsRequest find;
    *find.mutable_person() =
        testing::LondonPerson(crn, "1990-04-01", common::v1::NEED_AREA_ACCOMMODATION);
    gateway::v1::FindInterventionsResponse found;
    auto find_context = As(practitioner_);
    EXPECT_TRUE(stub_->FindInterventions(find_context.get(), find, &found).ok());
    std::string crs;
    for (const auto& match : found.matches()) {
      if (match.intervention().kind() ==
              catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE &&
          match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE && crs.empty()) {
        crs = match.intervention().name();
      }
    }
    EXPECT_FALSE(crs.empty()) << "no eligible CRS";
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("delivery-", crn));
    create.mutable_referral()->set_intervention(crs);
    *create.mutable_referral()->mutable_person() = find.person();
    create.mutable_referral()->set_region("london");
    create.mutable_referral()->set_provider("provider-a");
    create.mutable_referral()->add_desired_outcomes("Stable accommodation");
    create.mutable_referral()->add_desired_outcomes("Tenancy skills");
    referrals::v1::Referral referral = CreateAndSubmit(practitioner_, create);
    EXPECT_EQ(referral.state(), referrals::v1::REFERRAL_STATE_SENT);
    referrals::v1::TransitionReferralRequest assign;
    assign.set_name(referral.name());
    assign.set_etag(referral.etag());
    assign.set_to_state(referrals::v1::REFERRAL_STATE_ASSIGNED);
    auto context = As(provider_);
    const grpc::Status status = stub_->TransitionReferral(context.get(), assign, &referral);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return referral;
  }

  referrals::v1::Referral Get(const std::string& name, const std::string& token) {
    referrals::v1::GetReferralRequest request;
    request.set_name(name);
    referrals::v1::Referral referral;
    auto context = As(token);
    EXPECT_TRUE(stub_->GetReferral(context.get(), request, &referral).ok());
    return referral;
  }

  grpc::Status Schedule(const std::string& parent, const std::string& request_id,
                        delivery::v1::AppointmentType type, absl::Duration from_now,
                        Appointment* out, const std::string& token, int session_number = 0) {
    delivery::v1::ScheduleAppointmentRequest request;
    request.set_parent(parent);
    request.set_request_id(request_id);
    Appointment& appointment = *request.mutable_appointment();
    appointment.set_type(type);
    appointment.set_session_number(session_number);
    *appointment.mutable_start_time() = In(from_now);
    *appointment.mutable_duration() = TimeUtil::SecondsToDuration(3600);
    appointment.set_delivery_method(delivery::v1::DELIVERY_METHOD_VIDEO);
    auto context = As(token);
    return stub_->ScheduleAppointment(context.get(), request, out);
  }

  grpc::Status Record(const Appointment& appointment, delivery::v1::AttendanceOutcome outcome,
                      Appointment* out) {
    delivery::v1::RecordAttendanceRequest request;
    request.set_name(appointment.name());
    request.set_etag(appointment.etag());
    request.mutable_attendance()->set_outcome(outcome);
    request.mutable_attendance()->set_notes("Session notes");
    auto context = As(provider_);
    return stub_->RecordAttendance(context.get(), request, out);
  }

  // Waits until every one of `appointments` has started.
  static void WaitForStart(const std::vector<Appointment>& appointments) {
    for (const Appointment& appointment : appointments) {
      const absl::Time start =
          absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(appointment.start_time()));
      if (start > absl::Now()) absl::SleepFor(start - absl::Now() + absl::Milliseconds(50));
    }
  }

  delivery::v1::ActionPlan Plan(const std::string& referral_name, int sessions,
                                const std::string& etag) {
    delivery::v1::UpdateActionPlanRequest update;
    update.mutable_action_plan()->set_name(absl::StrCat(referral_name, "/actionPlan"));
    update.mutable_action_plan()->set_etag(etag);
    update.mutable_action_plan()->set_number_of_sessions(sessions);
    delivery::v1::Activity* activity = update.mutable_action_plan()->add_activities();
    activity->set_description("Find and keep a tenancy");
    activity->set_desired_outcome("Stable accommodation");
    update.mutable_update_mask()->add_paths("activities");
    update.mutable_update_mask()->add_paths("number_of_sessions");
    delivery::v1::ActionPlan plan;
    auto context = As(provider_);
    const grpc::Status status = stub_->UpdateActionPlan(context.get(), update, &plan);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return plan;
  }

  template <typename Request>
  static Request Named(const std::string& name, const std::string& etag) {
    Request request;
    request.set_name(name);
    request.set_etag(etag);
    return request;
  }
};

TEST_F(DeliveryProcessTest, ACrsReferralGoesFromSentToConcludedThroughItsRecords) {
  referrals::v1::Referral referral = AssignedReferral("X700001");
  const std::string parent = referral.name();

  // Supplier assessment: booked (the referral moves on), then held and recorded.
  Appointment assessment;
  grpc::Status status = Schedule(parent, "sa-1", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT,
                                 absl::Seconds(1), &assessment, provider_);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Get(parent, practitioner_).state(),
            referrals::v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  WaitForStart({assessment});
  status = Record(assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED, &assessment);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Get(parent, practitioner_).state(),
            referrals::v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE);

  // The plan: three sessions, submitted by the provider, approved by the practitioner.
  delivery::v1::ActionPlan plan = Plan(parent, 3, "0");
  auto submit_context = As(provider_);
  status = stub_->SubmitActionPlan(
      submit_context.get(), Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), plan.etag()),
      &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // "Needs approval" on the practitioner's caseload.
  referrals::v1::ListReferralsRequest needs_approval;
  needs_approval.set_caseload(referrals::v1::ListReferralsRequest::CASELOAD_NEEDS_APPROVAL);
  referrals::v1::ListReferralsResponse waiting;
  auto list_context = As(practitioner_);
  ASSERT_TRUE(stub_->ListReferrals(list_context.get(), needs_approval, &waiting).ok());
  ASSERT_EQ(waiting.referrals_size(), 1);
  EXPECT_EQ(waiting.referrals(0).name(), parent);
  auto approve_context = As(practitioner_);
  status = stub_->ApproveActionPlan(
      approve_context.get(),
      Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), plan.etag()), &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Get(parent, provider_).state(), referrals::v1::REFERRAL_STATE_ACTION_PLAN_APPROVED);

  // Three sessions; the second moved at the person's request.
  std::vector<Appointment> sessions(3);
  for (int n = 0; n < 3; ++n) {
    status = Schedule(parent, absl::StrCat("session-", n), delivery::v1::APPOINTMENT_TYPE_SESSION,
                      absl::Seconds(2 + n), &sessions[n], provider_);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(sessions[n].session_number(), n + 1);
  }
  delivery::v1::RescheduleAppointmentRequest move;
  move.set_name(sessions[1].name());
  move.set_etag(sessions[1].etag());
  *move.mutable_start_time() = In(absl::Seconds(5));
  move.set_reason("Job interview");
  move.set_requested_by(delivery::v1::RESCHEDULE_REQUESTER_PERSON_ON_PROBATION);
  auto move_context = As(provider_);
  status = stub_->RescheduleAppointment(move_context.get(), move, &sessions[1]);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(sessions[1].history_size(), 1);

  // "Attendance not recorded" for the provider, once they have started.
  WaitForStart(sessions);
  delivery::v1::ListAppointmentsRequest unrecorded;
  unrecorded.set_parent("referrals/-");
  unrecorded.set_caseload(delivery::v1::ListAppointmentsRequest::CASELOAD_ATTENDANCE_NOT_RECORDED);
  delivery::v1::ListAppointmentsResponse to_record;
  auto caseload_context = As(provider_);
  ASSERT_TRUE(stub_->ListAppointments(caseload_context.get(), unrecorded, &to_record).ok());
  EXPECT_EQ(to_record.appointments_size(), 3);
  ASSERT_TRUE(Record(sessions[0], delivery::v1::ATTENDANCE_OUTCOME_ATTENDED, &sessions[0]).ok());
  EXPECT_EQ(Get(parent, practitioner_).state(), referrals::v1::REFERRAL_STATE_IN_DELIVERY);
  ASSERT_TRUE(
      Record(sessions[1], delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND, &sessions[1]).ok());
  ASSERT_TRUE(Record(sessions[2], delivery::v1::ATTENDANCE_OUTCOME_LATE, &sessions[2]).ok());
  const referrals::v1::AttendanceSummary attendance = Get(parent, practitioner_).attendance();
  EXPECT_EQ(attendance.sessions_required(), 3);
  EXPECT_EQ(attendance.sessions_scheduled(), 3);
  EXPECT_EQ(attendance.sessions_attended(), 2);
  EXPECT_EQ(attendance.sessions_missed(), 1);

  // The end-of-service report, one entry per desired outcome.
  delivery::v1::UpdateEndOfServiceReportRequest report;
  report.mutable_report()->set_name(absl::StrCat(parent, "/endOfServiceReport"));
  report.mutable_report()->set_etag("0");
  for (const char* outcome : {"Stable accommodation", "Tenancy skills"}) {
    delivery::v1::OutcomeAchievement* entry = report.mutable_report()->add_outcomes();
    entry->set_desired_outcome(outcome);
    entry->set_achievement(delivery::v1::ACHIEVEMENT_ACHIEVED);
  }
  report.mutable_update_mask()->add_paths("outcomes");
  delivery::v1::EndOfServiceReport written;
  auto report_context = As(provider_);
  ASSERT_TRUE(stub_->UpdateEndOfServiceReport(report_context.get(), report, &written).ok());
  auto submit_report = As(provider_);
  status = stub_->SubmitEndOfServiceReport(
      submit_report.get(),
      Named<delivery::v1::SubmitEndOfServiceReportRequest>(written.name(), written.etag()),
      &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  referral = Get(parent, practitioner_);
  EXPECT_EQ(referral.state(), referrals::v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED);

  // The practitioner concludes it.
  referrals::v1::TransitionReferralRequest conclude;
  conclude.set_name(parent);
  conclude.set_etag(referral.etag());
  conclude.set_to_state(referrals::v1::REFERRAL_STATE_CONCLUDED);
  auto conclude_context = As(practitioner_);
  status = stub_->TransitionReferral(conclude_context.get(), conclude, &referral);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(referral.state(), referrals::v1::REFERRAL_STATE_CONCLUDED);

  referrals::v1::GetReferralHistoryRequest history_request;
  history_request.set_name(parent);
  referrals::v1::GetReferralHistoryResponse history;
  auto history_context = As(practitioner_);
  ASSERT_TRUE(stub_->GetReferralHistory(history_context.get(), history_request, &history).ok());
  std::vector<std::string> actions;
  for (const auto& entry : history.entries()) actions.push_back(entry.action());
  EXPECT_THAT(actions, ElementsAre("create", "send", "assign", "book-supplier-assessment",
                                   "complete-supplier-assessment", "submit-action-plan",
                                   "approve-action-plan", "start-delivery",
                                   "submit-end-of-service-report", "conclude"));
}

TEST_F(DeliveryProcessTest, EachRuleRefusesWithItsCodeAndReason) {
  referrals::v1::Referral referral = AssignedReferral("X700002");
  const std::string parent = referral.name();

  // A manual move that skips the record: refused, naming it; an admin may make it.
  referrals::v1::TransitionReferralRequest skip;
  skip.set_name(parent);
  skip.set_etag(referral.etag());
  skip.set_to_state(referrals::v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED);
  referrals::v1::Referral ignored;
  auto skip_context = As(provider_);
  grpc::Status status = stub_->TransitionReferral(skip_context.get(), skip, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "DELIVERY_RECORD_MISSING");
  EXPECT_THAT(status.error_message(), HasSubstr("ScheduleAppointment"));

  // Outside role or scope.
  Appointment appointment;
  EXPECT_EQ(Schedule(parent, "pp", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT,
                     absl::Hours(1), &appointment, practitioner_)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Schedule(parent, "other", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT,
                     absl::Hours(1), &appointment, other_provider_)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A past time without its attendance.
  status = Schedule(parent, "past", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT,
                    -absl::Hours(1), &appointment, provider_);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("appointment.start_time"));
  // Sessions before a plan is approved.
  status = Schedule(parent, "early-session", delivery::v1::APPOINTMENT_TYPE_SESSION, absl::Hours(1),
                    &appointment, provider_);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "DELIVERY_NOT_ALLOWED");

  // Attendance before the start.
  Appointment assessment;
  ASSERT_TRUE(Schedule(parent, "sa", delivery::v1::APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT,
                       absl::Seconds(1), &assessment, provider_)
                  .ok());
  Appointment recorded;
  status = Record(assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED, &recorded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "DELIVERY_NOT_ALLOWED");
  WaitForStart({assessment});
  ASSERT_TRUE(Record(assessment, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED, &recorded).ok());
  // A stale etag.
  status = Record(assessment, delivery::v1::ATTENDANCE_OUTCOME_LATE, &recorded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(status), "ETAG_MISMATCH");
  // No rescheduling of what took place.
  delivery::v1::RescheduleAppointmentRequest move;
  move.set_name(recorded.name());
  move.set_etag(recorded.etag());
  *move.mutable_start_time() = In(absl::Hours(24));
  move.set_reason("Too late");
  move.set_requested_by(delivery::v1::RESCHEDULE_REQUESTER_SERVICE_PROVIDER);
  auto move_context = As(provider_);
  status = stub_->RescheduleAppointment(move_context.get(), move, &recorded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "DELIVERY_NOT_ALLOWED");

  // An approved plan of one session, which is then held: a session number is never reused,
  // none beyond the plan, and a revision may not drop below what was held.
  delivery::v1::ActionPlan plan = Plan(parent, 1, "0");
  auto submit_context = As(provider_);
  ASSERT_TRUE(stub_
                  ->SubmitActionPlan(
                      submit_context.get(),
                      Named<delivery::v1::SubmitActionPlanRequest>(plan.name(), plan.etag()), &plan)
                  .ok());
  auto provider_approves = As(provider_);
  EXPECT_EQ(stub_
                ->ApproveActionPlan(
                    provider_approves.get(),
                    Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), plan.etag()), &plan)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto approve_context = As(practitioner_);
  ASSERT_TRUE(stub_
                  ->ApproveActionPlan(
                      approve_context.get(),
                      Named<delivery::v1::ApproveActionPlanRequest>(plan.name(), plan.etag()),
                      &plan)
                  .ok());
  Appointment session;
  ASSERT_TRUE(Schedule(parent, "s1", delivery::v1::APPOINTMENT_TYPE_SESSION, absl::Seconds(1),
                       &session, provider_, 1)
                  .ok());
  status = Schedule(parent, "s1-again", delivery::v1::APPOINTMENT_TYPE_SESSION, absl::Hours(2),
                    &appointment, provider_, 1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("never reused"));
  status = Schedule(parent, "s2", delivery::v1::APPOINTMENT_TYPE_SESSION, absl::Hours(2),
                    &appointment, provider_, 2);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  WaitForStart({session});
  ASSERT_TRUE(Record(session, delivery::v1::ATTENDANCE_OUTCOME_ATTENDED, &session).ok());

  // The report may not be submitted without every desired outcome.
  delivery::v1::UpdateEndOfServiceReportRequest report;
  report.mutable_report()->set_name(absl::StrCat(parent, "/endOfServiceReport"));
  report.mutable_report()->set_etag("0");
  delivery::v1::OutcomeAchievement* entry = report.mutable_report()->add_outcomes();
  entry->set_desired_outcome("Stable accommodation");
  entry->set_achievement(delivery::v1::ACHIEVEMENT_NOT_ACHIEVED);
  report.mutable_update_mask()->add_paths("outcomes");
  delivery::v1::EndOfServiceReport written;
  auto report_context = As(provider_);
  ASSERT_TRUE(stub_->UpdateEndOfServiceReport(report_context.get(), report, &written).ok());
  auto submit_report = As(provider_);
  status = stub_->SubmitEndOfServiceReport(
      submit_report.get(),
      Named<delivery::v1::SubmitEndOfServiceReportRequest>(written.name(), written.etag()),
      &written);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("Tenancy skills"));

  // The admin may still make a move by hand.
  referral = Get(parent, admin_);
  referrals::v1::TransitionReferralRequest by_hand;
  by_hand.set_name(parent);
  by_hand.set_etag(referral.etag());
  by_hand.set_to_state(referrals::v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED);
  auto admin_context = As(admin_);
  status = stub_->TransitionReferral(admin_context.get(), by_hand, &referral);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace probation
