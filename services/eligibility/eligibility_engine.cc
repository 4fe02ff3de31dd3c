#include "services/eligibility/eligibility_engine.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/eligibility/criterion_evaluator.h"

namespace probation::eligibility {
namespace {

using catalogue::v1::Criterion;
using catalogue::v1::Intervention;

// The rule a practitioner reads for availability.
constexpr char kAvailabilityRule[] = "Offered where the person is supervised";

// Folds one required result into the outcome so far: any NOT_MET decides it.
v1::Outcome Fold(v1::Outcome outcome, v1::Result result) {
  if (outcome == v1::OUTCOME_NOT_ELIGIBLE || result == v1::RESULT_NOT_MET) {
    return v1::OUTCOME_NOT_ELIGIBLE;
  }
  if (result == v1::RESULT_UNKNOWN) return v1::OUTCOME_NEEDS_MORE_INFORMATION;
  return outcome;
}

std::string Explanation(const Criterion& criterion, const Judgement& judgement) {
  std::string text = judgement.fact.empty() ? criterion.rule()
                                            : absl::StrCat(criterion.rule(), "; ", judgement.fact);
  if (judgement.exceptional) absl::StrAppend(&text, " (only in exceptional circumstances)");
  if (criterion.has_local_policy()) {
    absl::StrAppend(&text, " (local policy, not the brochures: ", criterion.local_policy().reason(),
                    ")");
  }
  return text;
}

v1::Suitability SuitabilityOf(bool assessed, v1::Outcome folded) {
  if (!assessed) return v1::SUITABILITY_NOT_ASSESSED;
  switch (folded) {
    case v1::OUTCOME_NOT_ELIGIBLE:
      return v1::SUITABILITY_NOT_SUITABLE;
    case v1::OUTCOME_NEEDS_MORE_INFORMATION:
      return v1::SUITABILITY_UNKNOWN;
    default:
      return v1::SUITABILITY_SUITABLE;
  }
}

}  // namespace

Screening EligibilityEngine::Screen(const ProfileFacts& facts) const {
  const std::vector<Intervention>& interventions = catalogue_->interventions();
  Screening screening;
  screening.outcomes.assign(interventions.size(), v1::OUTCOME_UNSPECIFIED);
  screening.prioritised.assign(interventions.size(), 0);
  screening.listed.assign(interventions.size(), 0);
  screening.exceptional.assign(interventions.size(), 0);
  const CriterionEvaluator evaluator(*catalogue_, facts, screening, /*explain=*/false,
                                     /*approvals=*/nullptr);
  for (int index : catalogue_->evaluation_order()) {
    const Intervention& intervention = interventions[index];
    screening.listed[index] = evaluator.IsListed(intervention);
    v1::Outcome outcome = Fold(v1::OUTCOME_ELIGIBLE, evaluator.Availability(intervention).result);
    bool has_priority = false;
    bool priority_met = true;
    bool exceptional = false;
    for (const Criterion& criterion : intervention.criteria()) {
      if (criterion.effect() != catalogue::v1::CRITERION_EFFECT_REQUIRED) {
        has_priority |= criterion.effect() == catalogue::v1::CRITERION_EFFECT_PRIORITY;
        continue;
      }
      if (outcome == v1::OUTCOME_NOT_ELIGIBLE) break;
      if (!evaluator.InForce(criterion)) continue;
      const Judgement judgement = evaluator.Evaluate(criterion);
      exceptional |= judgement.exceptional;
      outcome = Fold(outcome, judgement.result);
    }
    if (has_priority && outcome != v1::OUTCOME_NOT_ELIGIBLE) {
      for (const Criterion& criterion : intervention.criteria()) {
        if (criterion.effect() != catalogue::v1::CRITERION_EFFECT_PRIORITY) continue;
        if (!evaluator.InForce(criterion)) continue;
        priority_met = priority_met && evaluator.Evaluate(criterion).result == v1::RESULT_MET;
      }
      screening.prioritised[index] = priority_met;
    }
    screening.outcomes[index] = outcome;
    screening.exceptional[index] = exceptional && outcome == v1::OUTCOME_ELIGIBLE;
  }
  return screening;
}

v1::Verdict EligibilityEngine::Explain(const ProfileFacts& facts, const Screening& screening,
                                       int index, v1::VerdictView view) const {
  const Intervention& intervention = catalogue_->interventions()[index];
  v1::Verdict verdict;
  verdict.set_intervention(intervention.name());
  verdict.set_intervention_title(intervention.title());
  verdict.set_kind(intervention.kind());
  verdict.set_outcome(screening.outcomes[index]);
  verdict.set_prioritised(screening.prioritised[index] != 0);

  const bool full = view == v1::VERDICT_VIEW_FULL;
  std::vector<std::string> approvals;
  const CriterionEvaluator evaluator(*catalogue_, facts, screening, full, &approvals);
  bool suitability_assessed = false;
  v1::Outcome suitability = v1::OUTCOME_ELIGIBLE;
  for (const Criterion& criterion : intervention.criteria()) {
    if (!evaluator.InForce(criterion)) continue;
    const Judgement judgement = evaluator.Evaluate(criterion);
    if (criterion.effect() == catalogue::v1::CRITERION_EFFECT_SUITABILITY) {
      suitability_assessed = true;
      suitability = Fold(suitability, judgement.result);
    }
    if (judgement.exceptional && criterion.effect() == catalogue::v1::CRITERION_EFFECT_REQUIRED) {
      verdict.add_exceptional(criterion.rule());
    }
    if (!full) continue;
    v1::CriterionResult* reason = verdict.add_reasons();
    reason->set_criterion(criterion.name());
    reason->set_result(judgement.result);
    reason->set_effect(criterion.effect());
    reason->set_explanation(Explanation(criterion, judgement));
    *reason->mutable_sources() = criterion.sources();
    reason->set_local_policy(criterion.local_policy().reason());
    reason->set_exceptional(judgement.exceptional);
  }
  verdict.set_suitability(SuitabilityOf(suitability_assessed, suitability));
  if (full) {
    v1::CriterionResult* reason = verdict.add_reasons();
    reason->set_criterion(kAvailabilityCriterion);
    const Judgement judgement = evaluator.Availability(intervention);
    reason->set_result(judgement.result);
    reason->set_effect(catalogue::v1::CRITERION_EFFECT_REQUIRED);
    reason->set_explanation(judgement.fact.empty()
                                ? std::string(kAvailabilityRule)
                                : absl::StrCat(kAvailabilityRule, "; ", judgement.fact));
  }
  for (std::string& approver : approvals) verdict.add_approvals_needed(std::move(approver));
  return verdict;
}

}  // namespace probation::eligibility
