// The delivery of a referral, in plain C++: appointments and their attendance, the action plan
// and the end-of-service report (probation.delivery.v1.DeliveryService). Who may write what,
// when, is in the delivery rules data; which records move the referral is in its state machine
// (`driven_by`). A record that changes the referral is written in one transaction with it: the
// referral's attendance summary, the move, the history entry, the event and the access record.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_WORKFLOW_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/delivery/v1/delivery_service.pb.h"
#include "services/referrals/domain/delivery_rules.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/referral_workflow.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// The most appointments one referral may have, and reschedules one appointment may have.
inline constexpr int kMaxAppointmentsPerReferral = 500;
inline constexpr int kMaxReschedules = 100;

// The sessions of a referral's delivery, counted from its appointments and approved plan.
v1::AttendanceSummary SummariseAttendance(
    const std::vector<delivery::v1::Appointment>& appointments, int sessions_required);

class DeliveryWorkflow {
 public:
  DeliveryWorkflow(const StateMachineSet& machines, const DeliveryRules& rules,
                   ReferralStore& store, std::function<absl::Time()> now = nullptr,
                   CallerGuards guards = {});

  absl::StatusOr<delivery::v1::Appointment> ScheduleAppointment(
      const delivery::v1::ScheduleAppointmentRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Appointment> RescheduleAppointment(
      const delivery::v1::RescheduleAppointmentRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Appointment> RecordAttendance(
      const delivery::v1::RecordAttendanceRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Appointment> GetAppointment(
      const delivery::v1::GetAppointmentRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ListAppointmentsResponse> ListAppointments(
      const delivery::v1::ListAppointmentsRequest& request, const Identity& caller);

  absl::StatusOr<delivery::v1::ActionPlan> GetActionPlan(
      const delivery::v1::GetActionPlanRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ActionPlan> UpdateActionPlan(
      const delivery::v1::UpdateActionPlanRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ActionPlan> SubmitActionPlan(
      const delivery::v1::SubmitActionPlanRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ActionPlan> ApproveActionPlan(
      const delivery::v1::ApproveActionPlanRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ActionPlan> RequestActionPlanChanges(
      const delivery::v1::RequestActionPlanChangesRequest& request, const Identity& caller);

  absl::StatusOr<delivery::v1::EndOfServiceReport> GetEndOfServiceReport(
      const delivery::v1::GetEndOfServiceReportRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::EndOfServiceReport> UpdateEndOfServiceReport(
      const delivery::v1::UpdateEndOfServiceReportRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::EndOfServiceReport> SubmitEndOfServiceReport(
      const delivery::v1::SubmitEndOfServiceReportRequest& request, const Identity& caller);

 private:
  // A delivery record's referral, read in the caller's scope.
  absl::StatusOr<v1::Referral> Load(absl::string_view method, absl::string_view field,
                                    absl::string_view referral_name, const Identity& caller);
  void Audit(const Identity& caller, absl::string_view method, const v1::Referral& referral);
  // Writes `record` with `referral` (read at its etag): the attendance summary from
  // `appointments` (every appointment of the referral, as they will be), the move `fact`
  // makes from its state, if any, with `notes`, the changelog entries `changes` (their who,
  // when and etag filled in here), and an event of `type`. Sets *conflict when
  // the referral or record changed since they were read, so the caller reads again and retries.
  absl::StatusOr<DeliveryRecordWrite> Commit(
      absl::string_view method, const v1::Referral& referral, DeliveryRecordWrite record,
      const std::vector<delivery::v1::Appointment>& appointments, int sessions_required,
      v1::DeliveryFact fact, absl::string_view notes, v1::ReferralEvent::Type type,
      std::vector<v1::ChangelogEntry> changes, const Identity& caller, bool* conflict);
  // Whether the referral's group member has attended what completes it, counting the attended
  // catch-ups among `appointments` (as they will be) up to what the machine allows.
  absl::StatusOr<bool> CatchUpCompletes(const v1::Referral& referral,
                                        const v1::GroupDelivery& groups,
                                        const std::vector<delivery::v1::Appointment>& appointments);
  // FAILED_PRECONDITION unless `plan` fits the referral as it is now: every activity towards
  // one of its desired outcomes, and no fewer sessions than those held or booked.
  absl::Status CheckPlanFits(const v1::Referral& referral, const delivery::v1::ActionPlan& plan);
  // The approved number of sessions of the referral's plan; 0 without one.
  absl::StatusOr<int> SessionsRequired(const v1::Referral& referral);
  // One attempt of each write, retried by the public methods on a conflict.
  absl::StatusOr<delivery::v1::Appointment> TrySchedule(
      const delivery::v1::ScheduleAppointmentRequest& request, const Identity& caller,
      bool* conflict);
  absl::StatusOr<delivery::v1::Appointment> TryChangeAppointment(
      absl::string_view method, absl::string_view name, absl::string_view etag,
      const std::function<absl::Status(const data::v1::AppointmentRules&, const v1::Referral&,
                                       delivery::v1::Appointment&, v1::DeliveryFact&,
                                       v1::ReferralEvent::Type&)>& change,
      const Identity& caller, bool* conflict);
  // A singleton record (ActionPlan or EndOfServiceReport) named `name`, read through
  // `method`: as stored, or empty with etag "0" if never written.
  template <typename Record>
  absl::StatusOr<Record> GetSingleton(absl::string_view method, absl::string_view name,
                                      const Identity& caller);
  // A step of a singleton record (Record: ActionPlan or EndOfServiceReport) named `name`:
  // `step` checks the caller and changes the record, saying which fact it records, the event
  // it makes and the notes of any move; without an event the record is written alone.
  template <typename Record>
  absl::StatusOr<Record> TrySingletonStep(
      absl::string_view method, absl::string_view name, absl::string_view etag,
      const std::function<absl::Status(const data::v1::RecordRules&, const v1::Referral&, Record&,
                                       v1::DeliveryFact&, v1::ReferralEvent::Type&, std::string&)>&
          step,
      const Identity& caller, bool* conflict);

  const StateMachineSet& machines_;
  const DeliveryRules& rules_;
  ReferralStore& store_;
  std::function<absl::Time()> now_;
  CallerGuards guards_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_WORKFLOW_H_
