// The recommended pathway, ordered as the brochures say, for people whose facts call for
// different routes; and the policy file's validation.
#include "services/eligibility/pathway_builder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/eligibility_fixture.h"

namespace probation::eligibility {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// (stage, intervention id) per step.
std::vector<std::pair<std::string, std::string>> PathwayFor(
    absl::string_view profile_text, std::vector<v1::PathwayStep>* steps = nullptr) {
  v1::FindEligibleInterventionsRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(profile_text),
                                                            request.mutable_person()));
  auto response = testing::EmbeddedChecker()->FindEligibleInterventions(request);
  EXPECT_TRUE(response.ok()) << response.status();
  std::vector<std::pair<std::string, std::string>> result;
  for (const auto& step : response->pathway()) {
    result.emplace_back(step.stage(), step.intervention().substr(strlen("interventions/")));
    EXPECT_FALSE(step.rationale().empty());
    EXPECT_EQ(step.rationale().find('{'), std::string::npos) << step.rationale();
  }
  if (steps != nullptr) steps->assign(response->pathway().begin(), response->pathway().end());
  return result;
}

constexpr char kCommon[] = R"data(
crn: "X123456" date_of_birth: "1990-05-01" region: "london"
sentence: SENTENCE_TYPE_COMMUNITY_ORDER has_rar: true no_fixed_abode: false
rosh: RISK_LEVEL_MEDIUM
)data";

std::string Profile(absl::string_view extra) { return absl::StrCat(kCommon, extra); }

TEST(PathwayBuilder, StabilisesAccommodationThenProposesTheMostSpecificProgramme) {
  std::vector<v1::PathwayStep> steps;
  auto pathway =
      PathwayFor(Profile("sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_HIGH sara: RISK_LEVEL_HIGH "
                         "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE "
                         "ipv_victim_sexes: SEX_FEMALE "
                         "needs { area: NEED_AREA_ACCOMMODATION } "
                         "needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR } "
                         "needs { area: NEED_AREA_EDUCATION_TRAINING_EMPLOYMENT }"),
                 &steps);
  ASSERT_GE(pathway.size(), 3u);
  EXPECT_THAT(pathway[0], Pair("stabilise-accommodation", "crs-accommodation"));
  // BBR has more criteria than TSP, so it is the better match; TSP is named as an alternative.
  EXPECT_THAT(pathway[1], Pair("programme-requirement", "building-better-relationships"));
  EXPECT_THAT(steps[1].rationale(), HasSubstr("Also eligible: Thinking Skills Programme"));
  EXPECT_THAT(pathway, ::testing::Contains(
                           Pair("commissioned-service", "crs-education-training-employment")));
  for (const auto& [stage, id] : pathway) {
    EXPECT_NE(stage, "structured-intervention") << "no SI once a programme is proposed";
  }
}

TEST(PathwayBuilder, AtLowRiskProposesTheRegionsStructuredIntervention) {
  std::vector<v1::PathwayStep> steps;
  auto pathway = PathwayFor(Profile("sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_LOW "
                                    "offences: OFFENCE_CATEGORY_OTHER "
                                    "needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR }"),
                            &steps);
  ASSERT_FALSE(pathway.empty());
  EXPECT_THAT(pathway[0], Pair("structured-intervention", "positive-pathways"));
  EXPECT_THAT(steps[0].rationale(), HasSubstr("for the attitudes, thinking and behaviour need"));
}

// "All regions will deliver a minimum of one Structured Intervention in the need areas": the
// North West's brochure names none, so its pathway proposes the region's own, unnamed.
TEST(PathwayBuilder, WhereTheBrochureNamesNoStructuredInterventionTheRegionsOwnIsProposed) {
  std::vector<v1::PathwayStep> steps;
  const std::string person =
      "sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_LOW offences: OFFENCE_CATEGORY_OTHER "
      "needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR } region: 'north-west'";
  auto pathway =
      PathwayFor(absl::StrReplaceAll(Profile(person), {{"region: \"london\"", ""}}), &steps);
  ASSERT_FALSE(pathway.empty());
  EXPECT_THAT(pathway[0], Pair("structured-intervention",
                               "regional-attitudes-thinking-behaviour-structured-intervention"));
  // In London, which names Positive Pathways, the stand-in is not offered.
  for (const auto& [stage, id] : PathwayFor(Profile(
           "sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_LOW offences: OFFENCE_CATEGORY_OTHER "
           "needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR }"))) {
    EXPECT_NE(id, "regional-attitudes-thinking-behaviour-structured-intervention");
  }
}

TEST(PathwayBuilder, ALocalPolicyStageSaysSoInItsRationale) {
  std::vector<v1::PathwayStep> steps;
  PathwayFor(Profile("sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_LOW "
                     "offences: OFFENCE_CATEGORY_OTHER "
                     "needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR }"),
             &steps);
  ASSERT_FALSE(steps.empty());
  EXPECT_THAT(steps[0].sources(), ::testing::Contains("000:18"));
  EXPECT_TRUE(steps[0].local_policy().empty());
}

TEST(PathwayBuilder, AWomanIsOfferedWomensServicesForHerNeeds) {
  auto pathway = PathwayFor(
      Profile("sex: SEX_FEMALE risk_of_reoffending: RISK_LEVEL_LOW "
              "offences: OFFENCE_CATEGORY_ACQUISITIVE needs { area: NEED_AREA_ACCOMMODATION } "
              "needs { area: NEED_AREA_FINANCE_BENEFIT_DEBT }"));
  EXPECT_THAT(pathway,
              ElementsAre(Pair("stabilise-accommodation", "crs-womens-accommodation"),
                          Pair("commissioned-service", "crs-womens-finance-benefit-and-debt")));
}

TEST(PathwayBuilder, ProposesATreatmentRequirementOnlyWithConsent) {
  const std::string person =
      "sex: SEX_MALE risk_of_reoffending: RISK_LEVEL_LOW offences: OFFENCE_CATEGORY_OTHER "
      "needs { area: NEED_AREA_MENTAL_HEALTH } ";
  EXPECT_THAT(
      PathwayFor(Profile(person + "consents_to_treatment: true")),
      ::testing::Contains(Pair("treatment-requirement", "mental-health-treatment-requirement")));
  for (const auto& [stage, id] : PathwayFor(Profile(person))) {
    EXPECT_NE(stage, "treatment-requirement");
  }
}

TEST(PathwayBuilder, ToolkitsWrapAroundNeedsWithThePrioritisedOneFirst) {
  // 17, so BBR is out of reach: Skills for Relationships is prioritised for high SARA.
  auto pathway = PathwayFor(
      "crn: 'X123456' date_of_birth: '2009-06-01' region: 'london' sex: SEX_MALE "
      "sentence: SENTENCE_TYPE_COMMUNITY_ORDER has_rar: true sara: RISK_LEVEL_HIGH "
      "risk_of_reoffending: RISK_LEVEL_MEDIUM rosh: RISK_LEVEL_MEDIUM "
      "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE needs { area: NEED_AREA_RELATIONSHIPS "
      "}");
  EXPECT_THAT(pathway, ::testing::Contains(Pair("toolkit-wraparound", "skills-for-relationships")));
}

TEST(PathwayPolicy, TheEmbeddedPolicyIsValid) {
  EXPECT_TRUE(LoadPathwayPolicy(EmbeddedPathwayPolicyText(), "embedded").ok());
}

TEST(PathwayPolicy, RefusesAStageThatCannotWork) {
  auto error = [](absl::string_view text) {
    return std::string(LoadPathwayPolicy(text, "policy.textproto").status().message());
  };
  EXPECT_THAT(error("stages { name: 'a' kind: INTERVENTION_KIND_UNPAID_WORK rationale: 'x' "
                    "unless_stages: 'b' }"),
              HasSubstr("stage \"a\": unless_stages names \"b\", which is not an earlier stage"));
  EXPECT_THAT(error("stages { name: 'a' kind: INTERVENTION_KIND_UNPAID_WORK rationale: '{who}' }"),
              HasSubstr("placeholder other than {title}"));
  EXPECT_THAT(error("stages { name: 'a' rationale: 'x' }"), HasSubstr("kind is unspecified"));
  EXPECT_THAT(error("stages { name: 'a' kind: INTERVENTION_KIND_UNPAID_WORK rationale: 'x' } "
                    "stages { name: 'a' kind: INTERVENTION_KIND_UNPAID_WORK rationale: 'y' }"),
              HasSubstr("duplicate stage name"));
  EXPECT_THAT(error("stages { name: 'a' kind: INTERVENTION_KIND_UNPAID_WORK rationale: 'x' "
                    "one_per_need: true }"),
              HasSubstr("one_per_need needs requires_matching_need"));
  EXPECT_THAT(error("stages { nme: 'a' }"), HasSubstr("policy.textproto:1:"));
}

}  // namespace
}  // namespace probation::eligibility
