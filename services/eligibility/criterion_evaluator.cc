#include "services/eligibility/criterion_evaluator.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/eligibility/fact_text.h"

namespace probation::eligibility {
namespace {

using catalogue::v1::Criterion;
using common::v1::PersonProfile;

std::optional<bool> FlagValue(const PersonProfile& profile, catalogue::v1::ProfileFlag flag) {
  switch (flag) {
    case catalogue::v1::PROFILE_FLAG_HAS_RAR:
      return profile.has_has_rar() ? std::optional(profile.has_rar()) : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_EXTREMISM_CONCERN:
      return profile.has_extremism_concern() ? std::optional(profile.extremism_concern())
                                             : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_ALCOHOL_DEPENDENT:
      return profile.has_alcohol_dependent() ? std::optional(profile.alcohol_dependent())
                                             : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_HAS_ALCOHOL_TREATMENT_REQUIREMENT:
      return profile.has_has_alcohol_treatment_requirement()
                 ? std::optional(profile.has_alcohol_treatment_requirement())
                 : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_CONSENTS_TO_TREATMENT:
      return profile.has_consents_to_treatment() ? std::optional(profile.consents_to_treatment())
                                                 : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_NO_FIXED_ABODE:
      return profile.has_no_fixed_abode() ? std::optional(profile.no_fixed_abode()) : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_DRUG_DEPENDENT:
      return profile.has_drug_dependent() ? std::optional(profile.drug_dependent()) : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_CONSENTS_TO_ENGAGE:
      return profile.has_consents_to_engage() ? std::optional(profile.consents_to_engage())
                                              : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_READY_TO_ENGAGE:
      return profile.has_ready_to_engage() ? std::optional(profile.ready_to_engage())
                                           : std::nullopt;
    case catalogue::v1::PROFILE_FLAG_BARRIERS_TO_ATTENDANCE:
      return profile.has_barriers_to_attendance() ? std::optional(profile.barriers_to_attendance())
                                                  : std::nullopt;
    default:
      return std::nullopt;
  }
}

common::v1::RiskLevel RiskValue(const PersonProfile& profile, catalogue::v1::RiskMeasure measure) {
  switch (measure) {
    case catalogue::v1::RISK_MEASURE_REOFFENDING:
      return profile.risk_of_reoffending();
    case catalogue::v1::RISK_MEASURE_SERIOUS_HARM:
      return profile.rosh();
    case catalogue::v1::RISK_MEASURE_SARA:
      return profile.sara();
    default:
      return common::v1::RISK_LEVEL_UNSPECIFIED;
  }
}

template <typename Repeated, typename Value>
bool Contains(const Repeated& values, Value value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// "sexual or violence": the categories a condition lists, in words.
template <typename Repeated, typename TextFn>
std::string OrList(const Repeated& values, TextFn text) {
  std::vector<absl::string_view> words;
  for (auto value : values) words.push_back(text(value));
  return absl::StrJoin(words, " or ");
}

std::string OffenceList(const google::protobuf::RepeatedField<int>& offences) {
  return OrList(offences, [](int offence) {
    return OffenceText(static_cast<common::v1::OffenceCategory>(offence));
  });
}

}  // namespace

Judgement CriterionEvaluator::Evaluate(const Criterion& criterion) const {
  Judgement judgement = Condition(criterion);
  if (criterion.exceptional() && judgement.result == v1::RESULT_MET) judgement.exceptional = true;
  return judgement;
}

bool CriterionEvaluator::InForce(absl::string_view valid_from,
                                 absl::string_view valid_until) const {
  if (valid_from.empty() && valid_until.empty()) return true;
  // ISO dates order as strings; the loaders check their form. Formatted once per evaluator.
  if (today_.empty()) today_ = absl::FormatCivilTime(facts_.as_of);
  return (valid_from.empty() || valid_from <= today_) &&
         (valid_until.empty() || today_ <= valid_until);
}

Judgement CriterionEvaluator::Condition(const Criterion& criterion) const {
  switch (criterion.condition_case()) {
    case Criterion::kSex:
      return Sex(criterion.sex());
    case Criterion::kAge:
      return Age(criterion.age());
    case Criterion::kOffences:
      return Offences(criterion.offences());
    case Criterion::kRisk:
      return Risk(criterion.risk());
    case Criterion::kSentence:
      return Sentence(criterion.sentence());
    case Criterion::kFlag:
      return Flag(criterion.flag());
    case Criterion::kNeed:
      return Need(criterion.need());
    case Criterion::kCompletedProgrammes:
      return CompletedProgrammes(criterion.completed_programmes());
    case Criterion::kDaysRemaining:
      return DaysRemaining(criterion.days_remaining());
    case Criterion::kNotEligibleForKind: {
      const catalogue::v1::InterventionKind kind = criterion.not_eligible_for_kind().kind();
      return NotEligibleFor(catalogue_.OfKind(kind),
                            absl::StrCat("any of the ", KindPluralText(kind)));
    }
    case Criterion::kNotEligibleFor: {
      std::vector<int> indexes;
      for (const std::string& id : criterion.not_eligible_for().interventions()) {
        indexes.push_back(catalogue_.IndexOf(id));
      }
      return NotEligibleFor(indexes, "them");
    }
    case Criterion::kRequirementLength:
      return RequirementLength(criterion.requirement_length());
    case Criterion::kVictimSex:
      return VictimSex(criterion.victim_sex());
    case Criterion::kCustodialSentence:
      return CustodialSentence(criterion.custodial_sentence());
    case Criterion::kCombination:
      return Combination(criterion.combination());
    case Criterion::kApproval:
      return Approval(criterion.approval());
    case Criterion::kAnyOf:
      return AnyOf(criterion.any_of().criteria());
    case Criterion::kAllOf:
      return AllOf(criterion.all_of().criteria());
    case Criterion::CONDITION_NOT_SET:
      break;
  }
  // The catalogue loader refuses criteria without a condition; a newer catalogue may send a
  // condition this build does not know, which it cannot judge.
  return Judge(v1::RESULT_UNKNOWN,
               [] { return std::string("this service cannot judge this kind of criterion"); });
}

Judgement CriterionEvaluator::Sex(const catalogue::v1::SexCondition& condition) const {
  const common::v1::Sex sex = facts_.profile->sex();
  if (sex == common::v1::SEX_UNSPECIFIED) {
    return Judge(v1::RESULT_UNKNOWN,
                 [] { return std::string("the profile does not record the person's sex"); });
  }
  return Judge(sex == condition.sex() ? v1::RESULT_MET : v1::RESULT_NOT_MET,
               [&] { return absl::StrCat("this person is recorded as ", SexText(sex)); });
}

Judgement CriterionEvaluator::Age(const catalogue::v1::AgeCondition& condition) const {
  if (!facts_.age_years.has_value()) {
    return Judge(v1::RESULT_UNKNOWN,
                 [] { return std::string("the profile does not record a date of birth"); });
  }
  const int age = *facts_.age_years;
  const bool met =
      age >= condition.min_years() && (condition.max_years() == 0 || age <= condition.max_years());
  return Judge(met ? v1::RESULT_MET : v1::RESULT_NOT_MET, [&] {
    return absl::StrCat("this person is ", age, " on ", absl::FormatCivilTime(facts_.as_of));
  });
}

Judgement CriterionEvaluator::Offences(const catalogue::v1::OffenceCondition& condition) const {
  if (facts_.offences == 0) {
    return Judge(v1::RESULT_UNKNOWN, [] { return std::string("the profile records no offences"); });
  }
  for (int excluded : condition.none_of()) {
    if (facts_.HasOffence(excluded)) {
      return Judge(v1::RESULT_NOT_MET, [&] {
        return absl::StrCat("a recorded offence is ",
                            OffenceText(static_cast<common::v1::OffenceCategory>(excluded)));
      });
    }
  }
  if (condition.any_of().empty()) {
    return Judge(v1::RESULT_MET, [&] {
      return absl::StrCat("no recorded offence is ", OffenceList(condition.none_of()));
    });
  }
  for (int wanted : condition.any_of()) {
    if (facts_.HasOffence(wanted)) {
      return Judge(v1::RESULT_MET, [&] {
        return absl::StrCat("a recorded offence is ",
                            OffenceText(static_cast<common::v1::OffenceCategory>(wanted)));
      });
    }
  }
  return Judge(v1::RESULT_NOT_MET, [&] {
    return absl::StrCat("no recorded offence is ", OffenceList(condition.any_of()));
  });
}

Judgement CriterionEvaluator::Risk(const catalogue::v1::RiskCondition& condition) const {
  const common::v1::RiskLevel level = RiskValue(*facts_.profile, condition.measure());
  if (level == common::v1::RISK_LEVEL_UNSPECIFIED) {
    return Judge(v1::RESULT_UNKNOWN, [&] {
      return absl::StrCat("the profile does not record the ", RiskMeasureText(condition.measure()));
    });
  }
  return Judge(Contains(condition.levels(), level) ? v1::RESULT_MET : v1::RESULT_NOT_MET, [&] {
    return absl::StrCat(RiskMeasureText(condition.measure()), " is recorded as ",
                        RiskLevelText(level));
  });
}

Judgement CriterionEvaluator::Sentence(const catalogue::v1::SentenceCondition& condition) const {
  const common::v1::SentenceType sentence = facts_.profile->sentence();
  if (sentence == common::v1::SENTENCE_TYPE_UNSPECIFIED) {
    return Judge(v1::RESULT_UNKNOWN,
                 [] { return std::string("the profile does not record the sentence"); });
  }
  const auto on = [&] { return absl::StrCat("this person is on ", SentenceText(sentence)); };
  if (Contains(condition.not_stated(), sentence)) {
    return Judge(v1::RESULT_UNKNOWN,
                 [&] { return absl::StrCat(on(), "; ", condition.not_stated_note()); });
  }
  if (!Contains(condition.allowed(), sentence)) return Judge(v1::RESULT_NOT_MET, on);
  // A pre-sentence proposal needs (or must lack) the RAR whenever the order it proposes would.
  const bool pre_sentence = sentence == common::v1::SENTENCE_TYPE_PRE_SENTENCE;
  const bool rar_needed = Contains(condition.rar_required_for(), sentence) ||
                          (pre_sentence && !condition.rar_required_for().empty());
  const bool rar_excluded = Contains(condition.rar_absent_for(), sentence) ||
                            (pre_sentence && !condition.rar_absent_for().empty());
  if (!rar_needed && !rar_excluded) return Judge(v1::RESULT_MET, on);
  const FlagText& rar = FlagTextFor(catalogue::v1::PROFILE_FLAG_HAS_RAR);
  const PersonProfile& profile = *facts_.profile;
  if (!profile.has_has_rar()) {
    return Judge(v1::RESULT_UNKNOWN,
                 [&] { return absl::StrCat(on(), "; the profile does not say ", rar.question); });
  }
  return Judge(profile.has_rar() == rar_needed ? v1::RESULT_MET : v1::RESULT_NOT_MET, [&] {
    return absl::StrCat(on(), " and ", profile.has_rar() ? rar.when_true : rar.when_false);
  });
}

Judgement CriterionEvaluator::VictimSex(const catalogue::v1::VictimSexCondition& condition) const {
  const auto& victims = facts_.profile->ipv_victim_sexes();
  if (victims.empty()) {
    return Judge(v1::RESULT_UNKNOWN, [] {
      return std::string("the profile does not record the sex of the partner the offence harmed");
    });
  }
  for (int victim : victims) {
    if (Contains(condition.any_of(), victim)) {
      return Judge(v1::RESULT_MET, [&] {
        return absl::StrCat("a recorded victim is ", SexText(static_cast<common::v1::Sex>(victim)));
      });
    }
  }
  return Judge(v1::RESULT_NOT_MET, [&] {
    return absl::StrCat("every recorded victim is ", OrList(victims, [](int sex) {
                          return SexText(static_cast<common::v1::Sex>(sex));
                        }));
  });
}

Judgement CriterionEvaluator::Combination(
    const catalogue::v1::CombinationCondition& condition) const {
  const auto title = [&](const std::string& id) {
    const int index = catalogue_.IndexOf(id);
    return index < 0 ? id : catalogue_.interventions()[index].title();
  };
  for (const std::string& proposed : facts_.profile->proposed_requirements()) {
    if (Contains(condition.not_with(), proposed)) {
      return Judge(v1::RESULT_NOT_MET,
                   [&] { return absl::StrCat(title(proposed), " is proposed with it"); });
    }
  }
  return Judge(v1::RESULT_MET, [&] {
    std::vector<std::string> titles;
    for (const std::string& id : condition.not_with()) titles.push_back(title(id));
    return absl::StrCat("no ", absl::StrJoin(titles, " or "), " is proposed with it");
  });
}

Judgement CriterionEvaluator::CustodialSentence(
    const catalogue::v1::CustodialSentenceCondition& condition) const {
  const PersonProfile& profile = *facts_.profile;
  const common::v1::CustodialSentenceType type = profile.custodial_sentence_type();
  if (type == common::v1::CUSTODIAL_SENTENCE_TYPE_UNSPECIFIED) {
    return Judge(v1::RESULT_UNKNOWN, [] {
      return std::string("the profile does not record the custodial sentence released from");
    });
  }
  const auto described = [&] {
    std::string text(CustodialSentenceText(type));
    if (profile.custodial_sentence_days() > 0) {
      absl::StrAppend(&text, " of ", profile.custodial_sentence_days(), " days");
    }
    if (profile.release_type() != common::v1::RELEASE_TYPE_UNSPECIFIED) {
      absl::StrAppend(&text, ", ", ReleaseText(profile.release_type()));
    }
    return absl::StrCat("this person is serving ", text);
  };
  if (!condition.types().empty() && !Contains(condition.types(), type)) {
    return Judge(v1::RESULT_NOT_MET, described);
  }
  if (condition.min_length_days() > 0) {
    if (profile.custodial_sentence_days() == 0) {
      return Judge(v1::RESULT_UNKNOWN, [&] {
        return absl::StrCat(described(), "; the profile does not record its length");
      });
    }
    if (profile.custodial_sentence_days() < condition.min_length_days()) {
      return Judge(v1::RESULT_NOT_MET, described);
    }
  }
  if (!condition.releases().empty()) {
    if (profile.release_type() == common::v1::RELEASE_TYPE_UNSPECIFIED) {
      return Judge(v1::RESULT_UNKNOWN, [&] {
        return absl::StrCat(described(), "; the profile does not record how they were released");
      });
    }
    if (!Contains(condition.releases(), profile.release_type())) {
      return Judge(v1::RESULT_NOT_MET, described);
    }
  }
  return Judge(v1::RESULT_MET, described);
}

Judgement CriterionEvaluator::Flag(const catalogue::v1::FlagCondition& condition) const {
  const FlagText& text = FlagTextFor(condition.flag());
  const std::optional<bool> value = FlagValue(*facts_.profile, condition.flag());
  if (!value.has_value()) {
    return Judge(v1::RESULT_UNKNOWN,
                 [&] { return absl::StrCat("the profile does not say ", text.question); });
  }
  return Judge(*value == condition.required_value() ? v1::RESULT_MET : v1::RESULT_NOT_MET,
               [&] { return std::string(*value ? text.when_true : text.when_false); });
}

Judgement CriterionEvaluator::Need(const catalogue::v1::NeedCondition& condition) const {
  if (facts_.needs == 0) {
    return Judge(v1::RESULT_UNKNOWN,
                 [] { return std::string("the profile records no assessed needs"); });
  }
  // Substance misuse is drugs, alcohol or both: either narrower need meets it, and it leaves
  // a rule that asks for one of them unanswered.
  constexpr int kSubstance = common::v1::NEED_AREA_SUBSTANCE_MISUSE;
  constexpr int kDrugs = common::v1::NEED_AREA_DRUG_MISUSE;
  constexpr int kAlcohol = common::v1::NEED_AREA_ALCOHOL_MISUSE;
  bool ambiguous = false;
  for (int area : condition.any_of()) {
    int met_by = facts_.HasNeed(area) ? area : -1;
    if (met_by < 0 && area == kSubstance) {
      met_by = facts_.HasNeed(kDrugs) ? kDrugs : facts_.HasNeed(kAlcohol) ? kAlcohol : -1;
    }
    if (met_by >= 0) {
      return Judge(v1::RESULT_MET, [&] {
        return absl::StrCat("an assessed need is ",
                            NeedAreaText(static_cast<common::v1::NeedArea>(met_by)));
      });
    }
    ambiguous |= (area == kDrugs || area == kAlcohol) && facts_.HasNeed(kSubstance);
  }
  if (ambiguous) {
    return Judge(v1::RESULT_UNKNOWN, [&] {
      return absl::StrCat("the profile records substance misuse without saying whether it is ",
                          OrList(condition.any_of(), [](int area) {
                            return NeedAreaText(static_cast<common::v1::NeedArea>(area));
                          }));
    });
  }
  return Judge(v1::RESULT_NOT_MET, [&] {
    return absl::StrCat("no assessed need is ", OrList(condition.any_of(), [](int area) {
                          return NeedAreaText(static_cast<common::v1::NeedArea>(area));
                        }));
  });
}

Judgement CriterionEvaluator::CompletedProgrammes(
    const catalogue::v1::CompletedProgrammeCondition& condition) const {
  for (const std::string& completed : facts_.profile->completed_programmes()) {
    if (Contains(condition.any_of(), completed)) {
      return Judge(v1::RESULT_MET, [&] {
        const int index = catalogue_.IndexOf(completed);
        return absl::StrCat("this person has completed ",
                            index < 0 ? completed : catalogue_.interventions()[index].title());
      });
    }
  }
  return Judge(v1::RESULT_NOT_MET, [] {
    return std::string("the profile records none of these programmes as completed");
  });
}

Judgement CriterionEvaluator::DaysRemaining(
    const catalogue::v1::DaysRemainingCondition& condition) const {
  const int days = facts_.profile->days_remaining_on_sentence();
  if (days == 0) {
    return Judge(v1::RESULT_UNKNOWN, [] {
      return std::string("the profile does not record the days remaining on the sentence");
    });
  }
  const bool met =
      days >= condition.min_days() && (condition.max_days() == 0 || days <= condition.max_days());
  return Judge(met ? v1::RESULT_MET : v1::RESULT_NOT_MET,
               [&] { return absl::StrCat(days, " days remain on the sentence"); });
}

Judgement CriterionEvaluator::NotEligibleFor(absl::Span<const int> interventions,
                                             absl::string_view what) const {
  std::vector<absl::string_view> eligible, undecided;
  for (int index : interventions) {
    if (index < 0 || !screening_.listed[index]) continue;
    const v1::Outcome outcome = screening_.outcomes[index];
    if (outcome == v1::OUTCOME_ELIGIBLE) {
      eligible.push_back(catalogue_.interventions()[index].title());
    } else if (outcome != v1::OUTCOME_NOT_ELIGIBLE) {
      undecided.push_back(catalogue_.interventions()[index].title());
    }
  }
  if (!eligible.empty()) {
    return Judge(v1::RESULT_NOT_MET, [&] {
      return absl::StrCat("this person is eligible for ", absl::StrJoin(eligible, ", "));
    });
  }
  if (!undecided.empty()) {
    return Judge(v1::RESULT_UNKNOWN, [&] {
      return absl::StrCat("eligibility for ", absl::StrJoin(undecided, ", "),
                          " needs more information");
    });
  }
  return Judge(v1::RESULT_MET,
               [&] { return absl::StrCat("this person is not eligible for ", what); });
}

Judgement CriterionEvaluator::RequirementLength(
    const catalogue::v1::RequirementLengthCondition& condition) const {
  const int proposed = facts_.requirement_days;
  const int remaining = facts_.profile->days_remaining_on_sentence();
  if (proposed == 0) {
    return Judge(v1::RESULT_MET, [&] {
      const int longest =
          remaining > 0 ? std::min(remaining, condition.max_days()) : condition.max_days();
      return absl::StrCat("no length is proposed; it can run for up to ", longest, " days");
    });
  }
  if (proposed > condition.max_days()) {
    return Judge(v1::RESULT_NOT_MET, [&] { return absl::StrCat(proposed, " days are proposed"); });
  }
  if (remaining > 0 && proposed > remaining) {
    return Judge(v1::RESULT_NOT_MET, [&] {
      return absl::StrCat(proposed, " days are proposed but only ", remaining,
                          " remain on the sentence");
    });
  }
  return Judge(v1::RESULT_MET, [&] { return absl::StrCat(proposed, " days are proposed"); });
}

Judgement CriterionEvaluator::Approval(const catalogue::v1::ApprovalCondition& condition) const {
  if (approvals_ != nullptr) approvals_->push_back(condition.approver());
  return Judge(v1::RESULT_UNKNOWN, [&] {
    return absl::StrCat("approval by ", condition.approver(),
                        " cannot be recorded on a profile: seek it before referring");
  });
}

Judgement CriterionEvaluator::AnyOf(
    const google::protobuf::RepeatedPtrField<Criterion>& nested) const {
  // The unmet branches' facts are kept only when explaining: judging stays allocation-free.
  std::vector<Judgement> judgements;
  bool unknown = false;
  std::optional<Judgement> exceptional;
  for (const Criterion& criterion : nested) {
    if (!InForce(criterion)) continue;
    Judgement judgement = Evaluate(criterion);
    if (judgement.result == v1::RESULT_MET) {
      // The branch met, in the rule's words: it says which route applies.
      if (explain_) judgement.fact = absl::StrCat(criterion.rule(), ": ", judgement.fact);
      if (!judgement.exceptional) return judgement;
      // An ordinary branch met later is preferred to an exceptional one.
      if (!exceptional) exceptional = std::move(judgement);
      continue;
    }
    unknown |= judgement.result == v1::RESULT_UNKNOWN;
    if (explain_) judgements.push_back(std::move(judgement));
  }
  if (exceptional) return *std::move(exceptional);
  return Judge(unknown ? v1::RESULT_UNKNOWN : v1::RESULT_NOT_MET, [&] {
    std::vector<absl::string_view> facts;
    for (const Judgement& judgement : judgements) facts.push_back(judgement.fact);
    return absl::StrJoin(facts, "; ");
  });
}

Judgement CriterionEvaluator::AllOf(
    const google::protobuf::RepeatedPtrField<Criterion>& nested) const {
  std::vector<Judgement> judgements;
  bool unknown = false;
  bool exceptional = false;
  for (const Criterion& criterion : nested) {
    if (!InForce(criterion)) continue;
    Judgement judgement = Evaluate(criterion);
    if (judgement.result == v1::RESULT_NOT_MET) return judgement;
    unknown |= judgement.result == v1::RESULT_UNKNOWN;
    exceptional |= judgement.exceptional;
    if (explain_) judgements.push_back(std::move(judgement));
  }
  Judgement all = Judge(unknown ? v1::RESULT_UNKNOWN : v1::RESULT_MET, [&] {
    std::vector<absl::string_view> facts;
    for (const Judgement& judgement : judgements) {
      // When unknown, the unknown parts are what the practitioner must find out.
      if (!unknown || judgement.result == v1::RESULT_UNKNOWN) facts.push_back(judgement.fact);
    }
    return absl::StrJoin(facts, "; ");
  });
  all.exceptional = exceptional && all.result == v1::RESULT_MET;
  return all;
}

bool CriterionEvaluator::IsListed(const catalogue::v1::Intervention& intervention) const {
  if (intervention.availability_scope() == catalogue::v1::AVAILABILITY_SCOPE_NOT_LISTED) {
    return false;
  }
  for (const auto& entry : intervention.regions()) {
    if (entry.region() == facts_.region) {
      return entry.status() != catalogue::v1::AVAILABILITY_STATUS_NOT_LISTED;
    }
  }
  return true;
}

Judgement CriterionEvaluator::Availability(const catalogue::v1::Intervention& intervention) const {
  const bool dated = !intervention.valid_from().empty() || !intervention.valid_until().empty();
  if (dated && !InForce(intervention.valid_from(), intervention.valid_until())) {
    return Judge(v1::RESULT_NOT_MET, [&] {
      return absl::StrCat("it is not in force on ", absl::FormatCivilTime(facts_.as_of));
    });
  }
  if (intervention.availability_scope() == catalogue::v1::AVAILABILITY_SCOPE_NONE) {
    return Judge(v1::RESULT_NOT_MET, [&] {
      return intervention.availability_note().empty()
                 ? std::string("it is not offered in the community")
                 : intervention.availability_note();
    });
  }
  // Empty regions: offered everywhere.
  if (intervention.regions().empty()) {
    return Judge(v1::RESULT_MET, [] { return std::string("it is offered in every region"); });
  }
  if (facts_.region.empty()) {
    return Judge(v1::RESULT_UNKNOWN,
                 [] { return std::string("the profile records neither a region nor a PCC area"); });
  }
  const catalogue::v1::RegionalAvailability* availability = nullptr;
  for (const auto& entry : intervention.regions()) {
    if (entry.region() == facts_.region) {
      availability = &entry;
      break;
    }
  }
  // Looked up only to explain: judging alone neither searches nor allocates.
  const auto region_title = [&]() -> absl::string_view {
    const catalogue::v1::Region* region = catalogue_.FindRegion(facts_.region);
    return region != nullptr ? absl::string_view(region->title()) : facts_.region;
  };
  if (availability == nullptr ||
      availability->status() == catalogue::v1::AVAILABILITY_STATUS_NOT_LISTED) {
    return Judge(v1::RESULT_UNKNOWN, [&] {
      return absl::StrCat("the brochures do not say whether ", region_title(),
                          " offers it: ask the region");
    });
  }
  switch (availability->status()) {
    case catalogue::v1::AVAILABILITY_STATUS_OFFERED:
      return Judge(v1::RESULT_MET,
                   [&] { return absl::StrCat("it is offered in ", region_title()); });
    case catalogue::v1::AVAILABILITY_STATUS_OFFERED_IN_PART: {
      const auto areas = [&] { return absl::StrJoin(availability->pcc_areas(), ", "); };
      const std::string& pcc_area = facts_.profile->pcc_area();
      if (pcc_area.empty()) {
        return Judge(v1::RESULT_UNKNOWN, [&] {
          return absl::StrCat("in ", region_title(), " it is offered only in ", areas(),
                              "; the profile does not record the PCC area");
        });
      }
      const bool met = Contains(availability->pcc_areas(), pcc_area);
      return Judge(met ? v1::RESULT_MET : v1::RESULT_NOT_MET, [&] {
        return absl::StrCat("in ", region_title(), " it is offered only in ", areas(),
                            "; this person is in ", pcc_area);
      });
    }
    default:
      return Judge(v1::RESULT_NOT_MET,
                   [&] { return absl::StrCat("it is not offered in ", region_title()); });
  }
}

}  // namespace probation::eligibility
