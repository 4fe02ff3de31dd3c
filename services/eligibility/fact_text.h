// The words a practitioner reads in explanations: how each recorded fact is phrased.
#ifndef PROBATION_SERVICES_ELIGIBILITY_FACT_TEXT_H_
#define PROBATION_SERVICES_ELIGIBILITY_FACT_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/common/v1/person_profile.pb.h"

namespace probation::eligibility {

absl::string_view SexText(common::v1::Sex sex);                      // "male"
absl::string_view OffenceText(common::v1::OffenceCategory offence);  // "intimate partner violence"
absl::string_view RiskLevelText(common::v1::RiskLevel level);        // "medium"
absl::string_view RiskMeasureText(catalogue::v1::RiskMeasure measure);  // "SARA risk"
absl::string_view NeedAreaText(common::v1::NeedArea area);              // "accommodation"
// With its article: "a community order", "licence".
absl::string_view SentenceText(common::v1::SentenceType sentence);
// "a standard determinate sentence", "Home Detention Curfew".
absl::string_view CustodialSentenceText(common::v1::CustodialSentenceType type);
absl::string_view ReleaseText(common::v1::ReleaseType release);
// Singular and plural: "an accredited programme", "accredited programmes".
absl::string_view KindText(catalogue::v1::InterventionKind kind);
absl::string_view KindPluralText(catalogue::v1::InterventionKind kind);

// How a yes/no fact reads when true, when false, and the question when it is not recorded.
struct FlagText {
  absl::string_view when_true;
  absl::string_view when_false;
  absl::string_view question;
};
const FlagText& FlagTextFor(catalogue::v1::ProfileFlag flag);

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_FACT_TEXT_H_
