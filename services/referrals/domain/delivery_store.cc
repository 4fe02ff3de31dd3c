#include "services/referrals/domain/delivery_store.h"

#include "absl/strings/str_cat.h"

namespace probation::referrals {

std::string AppointmentName(absl::string_view referral_id, absl::string_view id) {
  return absl::StrCat("referrals/", referral_id, "/appointments/", id);
}

std::string ActionPlanName(absl::string_view referral_id) {
  return absl::StrCat("referrals/", referral_id, "/actionPlan");
}

std::string EndOfServiceReportName(absl::string_view referral_id) {
  return absl::StrCat("referrals/", referral_id, "/endOfServiceReport");
}

void SetStoredEtag(DeliveryRecordWrite& write) {
  const std::string etag = absl::StrCat(write.expected_version + 1);
  switch (write.kind) {
    case DeliveryRecordWrite::Kind::kAppointment:
      write.appointment.set_etag(etag);
      break;
    case DeliveryRecordWrite::Kind::kActionPlan:
      write.action_plan.set_etag(etag);
      break;
    case DeliveryRecordWrite::Kind::kEndOfServiceReport:
      write.report.set_etag(etag);
      break;
  }
}

}  // namespace probation::referrals
