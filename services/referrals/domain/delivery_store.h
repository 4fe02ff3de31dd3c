// Where a referral's delivery records live: appointments, the action plan and the end-of-service
// report, beside the referral in its database. A record is written in the transaction that
// writes its referral (the attendance summary, any move the record drives, the history entry
// and the event), as ReferralWrite::record; a draft's edit that changes nothing of the
// referral is written alone (PutDeliveryRecord).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_STORE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/delivery/v1/action_plan.pb.h"
#include "probation/delivery/v1/appointment.pb.h"
#include "probation/delivery/v1/end_of_service_report.pb.h"

namespace probation::referrals {

inline constexpr absl::string_view kAppointmentType = "probation.delivery.v1.Appointment";
inline constexpr absl::string_view kActionPlanType = "probation.delivery.v1.ActionPlan";
inline constexpr absl::string_view kEndOfServiceReportType =
    "probation.delivery.v1.EndOfServiceReport";

// "referrals/{referral}/appointments/{id}", ".../actionPlan", ".../endOfServiceReport".
std::string AppointmentName(absl::string_view referral_id, absl::string_view id);
std::string ActionPlanName(absl::string_view referral_id);
std::string EndOfServiceReportName(absl::string_view referral_id);

// One delivery record to write. The store sets its etag to expected_version + 1.
struct DeliveryRecordWrite {
  enum class Kind { kAppointment, kActionPlan, kEndOfServiceReport };
  Kind kind = Kind::kAppointment;
  std::string referral_id;
  // The appointment's id; unused for the singletons, whose key is the referral.
  std::string id;
  // The version the record was read at; 0 for one not stored yet (inserted).
  int64_t expected_version = 0;
  // A new appointment's idempotency key.
  std::string request_id;
  // The referral's, kept beside an appointment for the caseload views.
  std::string crn;
  std::string region;
  std::string provider;
  // The record of `kind`; the others are unused.
  delivery::v1::Appointment appointment;
  delivery::v1::ActionPlan action_plan;
  delivery::v1::EndOfServiceReport report;
};

// The record as stored: `write`'s record with the etag it will have.
void SetStoredEtag(DeliveryRecordWrite& write);

// A page of appointments by (start time, id): one referral's, or a caseload's across
// referrals of a provider or region (every one's when both are empty).
struct AppointmentQuery {
  std::string referral_id;
  std::string provider;
  std::string region;
  // Starting in [start_from_us, start_before_us).
  std::optional<int64_t> start_from_us;
  std::optional<int64_t> start_before_us;
  // Only those with no attendance recorded.
  bool unrecorded_only = false;
  // Only those of open referrals (a caseload's: a closed referral's are no one's work).
  bool open_referrals_only = false;
  // People whose appointments the caller may not see (limited-access cases).
  std::vector<std::string> hidden_crns;
  // Keyset cursor: the (start time, id) of the last appointment of the previous page.
  std::optional<std::pair<int64_t, std::string>> after;
  // Reads one more than this, to say whether there is another page.
  int page_size = 50;
};

// An appointment of a caseload, with its person (for the access audit).
struct ListedAppointment {
  std::string crn;
  delivery::v1::Appointment appointment;
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // NOT_FOUND if the referral has no such appointment.
  virtual absl::StatusOr<delivery::v1::Appointment> GetAppointment(absl::string_view referral_id,
                                                                   absl::string_view id) = 0;
  // The appointment `request_id` created for the referral, if one did.
  virtual absl::StatusOr<std::optional<delivery::v1::Appointment>> AppointmentOfRequest(
      absl::string_view referral_id, absl::string_view request_id) = 0;
  // Every appointment of a referral, by start time.
  virtual absl::StatusOr<std::vector<delivery::v1::Appointment>> AppointmentsOf(
      absl::string_view referral_id) = 0;
  virtual absl::StatusOr<std::vector<ListedAppointment>> ListAppointments(
      const AppointmentQuery& query) = 0;

  // Unset when the referral's plan or report has never been written.
  virtual absl::StatusOr<std::optional<delivery::v1::ActionPlan>> GetActionPlan(
      absl::string_view referral_id) = 0;
  virtual absl::StatusOr<std::optional<delivery::v1::EndOfServiceReport>> GetEndOfServiceReport(
      absl::string_view referral_id) = 0;

  // Writes a record alone, if it is still at write.expected_version (else ABORTED); returns
  // the stored write.
  virtual absl::StatusOr<DeliveryRecordWrite> PutDeliveryRecord(
      const DeliveryRecordWrite& write) = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_STORE_H_
