// The delivery rules (services/referrals/data/delivery_rules.textproto), loaded and checked:
// who writes which delivery record, in which states of the referral, and the appointment rules
// that differ by type.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_RULES_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_RULES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/referrals/data/v1/delivery_rules.pb.h"

namespace probation::referrals {

// The embedded text of data/delivery_rules.textproto.
absl::string_view EmbeddedDeliveryRulesText();

class DeliveryRules {
 public:
  // Parses and checks: each appointment type once, each with kinds, roles and states, and the
  // durations in order. INVALID_ARGUMENT naming `source` and the fault otherwise.
  static absl::StatusOr<DeliveryRules> Load(absl::string_view text, absl::string_view source);
  static absl::StatusOr<DeliveryRules> LoadEmbedded();

  // The rules of `type` for a referral of `kind`; null when such a referral has none.
  const data::v1::AppointmentRules* Appointments(catalogue::v1::InterventionKind kind,
                                                 delivery::v1::AppointmentType type) const;
  // The rules of a kind's action plan or end-of-service report; null when it has none.
  const data::v1::RecordRules* ActionPlan(catalogue::v1::InterventionKind kind) const;
  const data::v1::RecordRules* EndOfServiceReport(catalogue::v1::InterventionKind kind) const;

 private:
  data::v1::DeliveryRules rules_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_DELIVERY_RULES_H_
