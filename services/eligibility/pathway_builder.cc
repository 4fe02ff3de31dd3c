#include "services/eligibility/pathway_builder.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "libs/textproto/seed_source.h"
#include "libs/textproto/text_proto.h"
#include "services/eligibility/criterion_evaluator.h"
#include "services/eligibility/fact_text.h"

namespace probation::eligibility {
namespace {

using catalogue::v1::Intervention;

constexpr absl::string_view kPlaceholders[] = {"{title}", "{needs}", "{alternatives}"};

// Bit set of the need areas an intervention addresses.
uint32_t NeedBits(const Intervention& intervention) {
  uint32_t bits = 0;
  for (int area : intervention.need_areas()) bits |= 1U << area;
  return bits;
}

std::string NeedWords(uint32_t bits) {
  std::vector<absl::string_view> words;
  for (int area = 0; area < 32; ++area) {
    if ((bits >> area) & 1U) words.push_back(NeedAreaText(static_cast<common::v1::NeedArea>(area)));
  }
  return absl::StrJoin(words, " and ");
}

bool HasUnknownPlaceholder(absl::string_view text) {
  std::string stripped(text);
  for (absl::string_view placeholder : kPlaceholders) {
    stripped = absl::StrReplaceAll(stripped, {{placeholder, ""}});
  }
  return stripped.find('{') != std::string::npos || stripped.find('}') != std::string::npos;
}

}  // namespace

absl::StatusOr<data::v1::PathwayPolicy> LoadPathwayPolicy(absl::string_view text,
                                                          absl::string_view source) {
  data::v1::PathwayPolicy policy;
  if (absl::Status status = ParseTextProto(text, source, &policy); !status.ok()) return status;
  std::vector<std::string> errors;
  std::set<std::string> names;
  for (const data::v1::PathwayStage& stage : policy.stages()) {
    const std::string what = absl::StrCat(source, ": stage \"", stage.name(), "\": ");
    if (stage.name().empty()) errors.push_back(absl::StrCat(what, "needs a name"));
    if (stage.kind() == catalogue::v1::INTERVENTION_KIND_UNSPECIFIED) {
      errors.push_back(absl::StrCat(what, "kind is unspecified"));
    }
    for (const std::string& earlier : stage.unless_stages()) {
      if (!names.contains(earlier)) {
        errors.push_back(absl::StrCat(what, "unless_stages names \"", earlier,
                                      "\", which is not an earlier stage"));
      }
    }
    if (stage.max_steps() < 0) errors.push_back(absl::StrCat(what, "max_steps is negative"));
    if (stage.one_per_need() && !stage.requires_matching_need()) {
      errors.push_back(absl::StrCat(what, "one_per_need needs requires_matching_need"));
    }
    if (stage.rationale().empty()) errors.push_back(absl::StrCat(what, "empty rationale"));
    if (HasUnknownPlaceholder(stage.rationale()) ||
        HasUnknownPlaceholder(stage.alternatives_rationale())) {
      errors.push_back(absl::StrCat(what,
                                    "rationale uses a placeholder other than {title}, "
                                    "{needs} and {alternatives}"));
    }
    if (absl::Status cited =
            CheckCited(stage.sources(), stage.has_local_policy(), stage.local_policy().reason());
        !cited.ok()) {
      errors.push_back(absl::StrCat(what, cited.message()));
    }
    for (const catalogue::v1::Criterion& condition : stage.conditions()) {
      if (condition.condition_case() == catalogue::v1::Criterion::CONDITION_NOT_SET) {
        errors.push_back(absl::StrCat(what, "condition \"", condition.name(), "\" is empty"));
      }
      if (absl::Status cited = CheckCited(condition.sources(), condition.has_local_policy(),
                                          condition.local_policy().reason());
          !cited.ok()) {
        errors.push_back(
            absl::StrCat(what, "condition \"", condition.name(), "\": ", cited.message()));
      }
    }
    if (!names.insert(stage.name()).second) {
      errors.push_back(absl::StrCat(what, "duplicate stage name"));
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return policy;
}

absl::StatusOr<data::v1::PathwayPolicy> LoadPathwayPolicyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return LoadPathwayPolicy(*text, path);
}

std::vector<v1::PathwayStep> PathwayBuilder::Build(const CatalogueSnapshot& catalogue,
                                                   const ProfileFacts& facts,
                                                   const Screening& screening) const {
  const std::vector<Intervention>& interventions = catalogue.interventions();
  const CriterionEvaluator evaluator(catalogue, facts, screening, /*explain=*/false,
                                     /*approvals=*/nullptr);
  std::vector<v1::PathwayStep> steps;
  absl::flat_hash_set<std::string> stages_with_steps;
  absl::flat_hash_set<int> chosen;
  uint32_t addressed_needs = 0;

  for (const data::v1::PathwayStage& stage : policy_.stages()) {
    if (std::any_of(stage.unless_stages().begin(), stage.unless_stages().end(),
                    [&](const std::string& name) { return stages_with_steps.contains(name); })) {
      continue;
    }
    if (std::any_of(stage.conditions().begin(), stage.conditions().end(),
                    [&](const catalogue::v1::Criterion& condition) {
                      return evaluator.InForce(condition) &&
                             evaluator.Evaluate(condition).result == v1::RESULT_NOT_MET;
                    })) {
      continue;
    }
    uint32_t stage_needs = ~0U;
    if (!stage.need_areas().empty()) {
      stage_needs = 0;
      for (int area : stage.need_areas()) stage_needs |= 1U << area;
    }
    // The needs of the person this stage may serve.
    uint32_t wanted = stage_needs;
    if (stage.requires_matching_need()) wanted &= facts.needs;
    if (stage.only_unaddressed_needs()) wanted &= ~addressed_needs;

    std::vector<int> candidates;
    for (int index : catalogue.OfKind(stage.kind())) {
      if (screening.outcomes[index] != v1::OUTCOME_ELIGIBLE || screening.exceptional[index] ||
          chosen.contains(index)) {
        continue;
      }
      const uint32_t needs = NeedBits(interventions[index]);
      if (!stage.need_areas().empty() && (needs & stage_needs) == 0) continue;
      if ((stage.requires_matching_need() || stage.only_unaddressed_needs()) &&
          (needs & wanted) == 0) {
        continue;
      }
      candidates.push_back(index);
    }
    // Best match first: prioritised, then the most specific (most required criteria).
    std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
      if (screening.prioritised[a] != screening.prioritised[b]) {
        return screening.prioritised[a] > screening.prioritised[b];
      }
      return interventions[a].criteria_size() > interventions[b].criteria_size();
    });

    std::vector<int> picks;
    if (stage.one_per_need()) {
      uint32_t covered = 0;
      for (const common::v1::Need& need : facts.profile->needs()) {
        const uint32_t bit = 1U << need.area();
        if ((wanted & bit) == 0 || (covered & bit) != 0) continue;
        int taken = 0;
        for (int index : candidates) {
          if (stage.max_steps() > 0 && taken >= stage.max_steps()) break;
          if ((NeedBits(interventions[index]) & bit) == 0) continue;
          if (std::find(picks.begin(), picks.end(), index) != picks.end()) continue;
          picks.push_back(index);
          covered |= NeedBits(interventions[index]) & wanted;
          ++taken;
        }
      }
    } else {
      for (int index : candidates) {
        if (stage.max_steps() > 0 && static_cast<int>(picks.size()) >= stage.max_steps()) break;
        picks.push_back(index);
      }
    }

    for (int index : picks) {
      const Intervention& intervention = interventions[index];
      std::vector<absl::string_view> alternatives;
      for (int other : candidates) {
        if (std::find(picks.begin(), picks.end(), other) != picks.end()) continue;
        if (stage.one_per_need() &&
            (NeedBits(interventions[other]) & NeedBits(intervention) & wanted) == 0) {
          continue;
        }
        alternatives.push_back(interventions[other].title());
      }
      const uint32_t served =
          NeedBits(intervention) & facts.needs & (stage.need_areas().empty() ? ~0U : stage_needs);
      const std::string alternatives_text = absl::StrJoin(alternatives, ", ");
      const std::string needs_text = NeedWords(served);
      const std::vector<std::pair<absl::string_view, absl::string_view>> replacements = {
          {"{title}", intervention.title()},
          {"{needs}", needs_text},
          {"{alternatives}", alternatives_text}};
      std::string rationale = absl::StrReplaceAll(stage.rationale(), replacements);
      if (!alternatives.empty() && !stage.alternatives_rationale().empty()) {
        absl::StrAppend(&rationale, " ",
                        absl::StrReplaceAll(stage.alternatives_rationale(), replacements));
      }
      if (stage.has_local_policy()) {
        absl::StrAppend(&rationale,
                        " (Local policy, not the brochures: ", stage.local_policy().reason(), ")");
      }
      v1::PathwayStep& step = steps.emplace_back();
      step.set_intervention(intervention.name());
      step.set_intervention_title(intervention.title());
      step.set_kind(intervention.kind());
      step.set_stage(stage.name());
      step.set_rationale(std::move(rationale));
      *step.mutable_sources() = stage.sources();
      step.set_local_policy(stage.local_policy().reason());
      chosen.insert(index);
      addressed_needs |= NeedBits(intervention) & facts.needs;
    }
    if (!picks.empty()) stages_with_steps.insert(stage.name());
  }
  return steps;
}

}  // namespace probation::eligibility
