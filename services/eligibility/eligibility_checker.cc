#include "services/eligibility/eligibility_checker.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/names/resource_name.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/eligibility/profile_validator.h"

namespace probation::eligibility {
namespace {

// No requirement the brochures describe runs longer than an order can: three years.
constexpr int kMaxRequirementDays = 3 * 366;

absl::Status ValidateFilters(catalogue::v1::InterventionKind kind, common::v1::NeedArea area,
                             v1::VerdictView view) {
  if (!catalogue::v1::InterventionKind_IsValid(kind)) {
    return InvalidFieldError("kind", "unknown intervention kind");
  }
  if (!common::v1::NeedArea_IsValid(area)) return InvalidFieldError("need_area", "unknown value");
  if (!v1::VerdictView_IsValid(view)) return InvalidFieldError("view", "unknown value");
  return absl::OkStatus();
}

bool MatchesFilters(const catalogue::v1::Intervention& intervention,
                    catalogue::v1::InterventionKind kind, common::v1::NeedArea area) {
  if (kind != catalogue::v1::INTERVENTION_KIND_UNSPECIFIED && intervention.kind() != kind) {
    return false;
  }
  return area == common::v1::NEED_AREA_UNSPECIFIED ||
         std::find(intervention.need_areas().begin(), intervention.need_areas().end(), area) !=
             intervention.need_areas().end();
}

// Eligible first, then needing more information, then not eligible.
int OutcomeRank(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_ELIGIBLE:
      return 0;
    case v1::OUTCOME_NEEDS_MORE_INFORMATION:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

absl::CivilDay TodayUtc() { return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()); }

EligibilityChecker::EligibilityChecker(std::shared_ptr<const CatalogueSnapshot> catalogue,
                                       std::shared_ptr<const PathwayBuilder> pathway,
                                       std::function<absl::CivilDay()> today)
    : catalogue_(std::move(catalogue)),
      pathway_(std::move(pathway)),
      today_(today ? std::move(today) : TodayUtc),
      engine_(catalogue_) {}

absl::StatusOr<v1::Verdict> EligibilityChecker::CheckEligibility(
    const v1::CheckEligibilityRequest& request) const {
  const std::string& name = request.intervention();
  absl::StatusOr<std::string> id = ParseResourceName("intervention", kInterventions, name);
  if (!id.ok()) return id.status();
  const int index = catalogue_->IndexOf(*id);
  if (index < 0) {
    return ResourceNotFoundError("probation.catalogue.v1.Intervention", name,
                                 absl::StrCat("intervention: no ", name));
  }
  if (request.requirement_days() < 0 || request.requirement_days() > kMaxRequirementDays) {
    return InvalidFieldError("requirement_days",
                             absl::StrCat("must be 0 (none proposed) to ", kMaxRequirementDays));
  }
  absl::StatusOr<ProfileFacts> facts =
      ValidateProfile(request.person(), "person", *catalogue_, today_());
  if (!facts.ok()) return facts.status();
  facts->requirement_days = request.requirement_days();
  const Screening screening = engine_.Screen(*facts);
  return engine_.Explain(*facts, screening, index, v1::VERDICT_VIEW_FULL);
}

absl::StatusOr<v1::FindEligibleInterventionsResponse> EligibilityChecker::FindEligibleInterventions(
    const v1::FindEligibleInterventionsRequest& request) const {
  absl::StatusOr<Judged> judged =
      Judge(request.person(), request.kind(), request.need_area(), request.view());
  if (!judged.ok()) return judged.status();
  // Named references, not a structured binding: clang 14 cannot capture those in lambdas.
  const ProfileFacts& facts = judged->facts;
  const Screening& screening = judged->screening;
  const v1::VerdictView view =
      request.view() == v1::VERDICT_VIEW_UNSPECIFIED ? v1::VERDICT_VIEW_FULL : request.view();

  v1::FindEligibleInterventionsResponse response;
  response.set_catalogue_size(static_cast<int>(catalogue_->interventions().size()));
  // Pathway position of each intervention, so eligible verdicts follow the pathway.
  std::vector<int> pathway_position(catalogue_->interventions().size(), -1);
  int position = 0;
  for (auto& [index, step] : Pathway(facts, screening, request.kind(), request.need_area())) {
    pathway_position[index] = position++;
    *response.add_pathway() = std::move(step);
  }
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(catalogue_->interventions().size()); ++i) {
    if (MatchesFilters(catalogue_->interventions()[i], request.kind(), request.need_area())) {
      order.push_back(i);
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const int rank_a = OutcomeRank(screening.outcomes[a]);
    const int rank_b = OutcomeRank(screening.outcomes[b]);
    if (rank_a != rank_b) return rank_a < rank_b;
    // Within the eligible: pathway steps in pathway order, then the rest (-1 is the largest
    // unsigned value, so interventions off the pathway sort last).
    const unsigned position_a = static_cast<unsigned>(pathway_position[a]);
    const unsigned position_b = static_cast<unsigned>(pathway_position[b]);
    return position_a < position_b;
  });
  for (int index : order) {
    *response.add_verdicts() = engine_.Explain(facts, screening, index, view);
  }
  return response;
}

absl::StatusOr<v1::ScreenCaseloadResponse> EligibilityChecker::Screen(
    const v1::ScreenCaseloadRequest& request) const {
  absl::StatusOr<Judged> judged =
      Judge(request.person(), request.kind(), request.need_area(), request.view());
  if (!judged.ok()) return judged.status();
  const auto& [facts, screening] = *judged;
  const v1::VerdictView view =
      request.view() == v1::VERDICT_VIEW_UNSPECIFIED ? v1::VERDICT_VIEW_BASIC : request.view();

  v1::ScreenCaseloadResponse response;
  response.set_crn(request.person().crn());
  for (int i = 0; i < static_cast<int>(catalogue_->interventions().size()); ++i) {
    if (request.eligible_only() && screening.outcomes[i] != v1::OUTCOME_ELIGIBLE) continue;
    if (!MatchesFilters(catalogue_->interventions()[i], request.kind(), request.need_area())) {
      continue;
    }
    *response.add_verdicts() = engine_.Explain(facts, screening, i, view);
  }
  if (request.include_pathway()) {
    for (auto& [index, step] : Pathway(facts, screening, request.kind(), request.need_area())) {
      *response.add_pathway() = std::move(step);
    }
  }
  return response;
}

absl::StatusOr<EligibilityChecker::Judged> EligibilityChecker::Judge(
    const common::v1::PersonProfile& person, catalogue::v1::InterventionKind kind,
    common::v1::NeedArea need_area, v1::VerdictView view) const {
  if (absl::Status status = ValidateFilters(kind, need_area, view); !status.ok()) return status;
  absl::StatusOr<ProfileFacts> facts = ValidateProfile(person, "person", *catalogue_, today_());
  if (!facts.ok()) return facts.status();
  Judged judged{*facts, engine_.Screen(*facts)};
  return judged;
}

std::vector<std::pair<int, v1::PathwayStep>> EligibilityChecker::Pathway(
    const ProfileFacts& facts, const Screening& screening, catalogue::v1::InterventionKind kind,
    common::v1::NeedArea need_area) const {
  std::vector<std::pair<int, v1::PathwayStep>> steps;
  for (v1::PathwayStep& step : pathway_->Build(*catalogue_, facts, screening)) {
    const int index = catalogue_->IndexOf(IdOf(kInterventions, step.intervention()));
    if (MatchesFilters(catalogue_->interventions()[index], kind, need_area)) {
      steps.emplace_back(index, std::move(step));
    }
  }
  return steps;
}

}  // namespace probation::eligibility
