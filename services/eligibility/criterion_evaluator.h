// Judges one structured criterion from the catalogue against a person's facts: MET, NOT_MET,
// or UNKNOWN when the profile lacks what the criterion reads, with the fact it turned on in
// a practitioner's words. Generic over criterion types: no intervention has code of its own.
#ifndef PROBATION_SERVICES_ELIGIBILITY_CRITERION_EVALUATOR_H_
#define PROBATION_SERVICES_ELIGIBILITY_CRITERION_EVALUATOR_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/eligibility/v1/verdict.pb.h"
#include "services/eligibility/catalogue_snapshot.h"
#include "services/eligibility/profile_facts.h"
#include "services/eligibility/screening.h"

namespace probation::eligibility {

struct Judgement {
  v1::Result result = v1::RESULT_UNSPECIFIED;
  // The fact the result turned on ("this person is recorded as female"); empty unless the
  // evaluator was asked to explain.
  std::string fact;
  // Met only through a branch marked exceptional (Criterion.exceptional).
  bool exceptional = false;
};

class CriterionEvaluator {
 public:
  // `screening` holds the outcomes judged so far; the snapshot's evaluation order guarantees
  // every outcome a criterion reads is already there. Approvers of approval criteria that
  // were reached are appended to `approvals`.
  CriterionEvaluator(const CatalogueSnapshot& catalogue, const ProfileFacts& facts,
                     const Screening& screening, bool explain, std::vector<std::string>* approvals)
      : catalogue_(catalogue),
        facts_(facts),
        screening_(screening),
        explain_(explain),
        approvals_(approvals) {}

  Judgement Evaluate(const catalogue::v1::Criterion& criterion) const;

  // Whether the rule is in force on the profile's as_of date (Criterion.valid_from/until).
  // Inline: nearly every rule is undated, and this runs for each one a person is judged on.
  bool InForce(const catalogue::v1::Criterion& criterion) const {
    return (criterion.valid_from().empty() && criterion.valid_until().empty()) ||
           InForce(criterion.valid_from(), criterion.valid_until());
  }

  // Whether the intervention is offered where the person is supervised.
  Judgement Availability(const catalogue::v1::Intervention& intervention) const;

  // False when the brochures do not list the intervention for the person's region (or
  // anywhere): its availability can only be asked about, not relied on.
  bool IsListed(const catalogue::v1::Intervention& intervention) const;

 private:
  Judgement Sex(const catalogue::v1::SexCondition& condition) const;
  Judgement Age(const catalogue::v1::AgeCondition& condition) const;
  Judgement Offences(const catalogue::v1::OffenceCondition& condition) const;
  Judgement Risk(const catalogue::v1::RiskCondition& condition) const;
  Judgement Sentence(const catalogue::v1::SentenceCondition& condition) const;
  Judgement Flag(const catalogue::v1::FlagCondition& condition) const;
  Judgement Need(const catalogue::v1::NeedCondition& condition) const;
  Judgement CompletedProgrammes(const catalogue::v1::CompletedProgrammeCondition& condition) const;
  Judgement DaysRemaining(const catalogue::v1::DaysRemainingCondition& condition) const;
  Judgement NotEligibleFor(absl::Span<const int> interventions, absl::string_view what) const;
  Judgement RequirementLength(const catalogue::v1::RequirementLengthCondition& condition) const;
  Judgement VictimSex(const catalogue::v1::VictimSexCondition& condition) const;
  Judgement CustodialSentence(const catalogue::v1::CustodialSentenceCondition& condition) const;
  Judgement Combination(const catalogue::v1::CombinationCondition& condition) const;
  Judgement Condition(const catalogue::v1::Criterion& criterion) const;
  bool InForce(absl::string_view valid_from, absl::string_view valid_until) const;
  Judgement Approval(const catalogue::v1::ApprovalCondition& condition) const;
  Judgement AnyOf(const google::protobuf::RepeatedPtrField<catalogue::v1::Criterion>& nested) const;
  Judgement AllOf(const google::protobuf::RepeatedPtrField<catalogue::v1::Criterion>& nested) const;

  // Builds a judgement; `fact` is only called when explaining, so judging stays cheap.
  template <typename FactFn>
  Judgement Judge(v1::Result result, FactFn&& fact) const {
    Judgement judgement{result, {}, false};
    if (explain_) judgement.fact = fact();
    return judgement;
  }

  const CatalogueSnapshot& catalogue_;
  const ProfileFacts& facts_;
  const Screening& screening_;
  bool explain_;
  std::vector<std::string>* approvals_;
  // The as_of date as an ISO string, formatted on first use by a dated rule.
  mutable std::string today_;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_CRITERION_EVALUATOR_H_
