// The eligibility operations over the embedded catalogue: request validation, verdict views,
// ordering and filters, and that verdicts follow the data rather than code.
#include "services/eligibility/eligibility_checker.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/catalogue/catalogue_loader.h"
#include "tests/support/eligibility_fixture.h"

namespace probation::eligibility {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

common::v1::PersonProfile Person(absl::string_view text) {
  common::v1::PersonProfile profile;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text), &profile));
  return profile;
}

constexpr char kIpvMan[] = R"data(
crn: "X123456" date_of_birth: "1990-05-01" sex: SEX_MALE region: "london"
sentence: SENTENCE_TYPE_COMMUNITY_ORDER has_rar: true no_fixed_abode: false
risk_of_reoffending: RISK_LEVEL_MEDIUM rosh: RISK_LEVEL_MEDIUM sara: RISK_LEVEL_HIGH
offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE ipv_victim_sexes: SEX_FEMALE
consents_to_engage: true barriers_to_attendance: false days_remaining_on_sentence: 300
needs { area: NEED_AREA_RELATIONSHIPS } needs { area: NEED_AREA_ACCOMMODATION }
)data";

v1::CheckEligibilityRequest Check(absl::string_view intervention) {
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = Person(kIpvMan);
  request.set_intervention(absl::StrCat("interventions/", intervention));
  return request;
}

TEST(EligibilityChecker, RefusesAMalformedOrUnknownIntervention) {
  auto checker = testing::EmbeddedChecker();
  EXPECT_THAT(std::string(checker->CheckEligibility(Check("")).status().message()),
              HasSubstr("intervention"));
  v1::CheckEligibilityRequest request = Check("x");
  request.set_intervention("building-better-relationships");
  EXPECT_EQ(checker->CheckEligibility(request).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(checker->CheckEligibility(Check("basket-weaving")).status().code(),
            absl::StatusCode::kNotFound);
  request = Check("unpaid-work");
  request.set_requirement_days(-5);
  EXPECT_THAT(std::string(checker->CheckEligibility(request).status().message()),
              HasSubstr("requirement_days"));
}

TEST(EligibilityChecker, AFullVerdictExplainsEveryCriterionAndAvailability) {
  auto checker = testing::EmbeddedChecker();
  absl::StatusOr<v1::Verdict> verdict =
      checker->CheckEligibility(Check("building-better-relationships"));
  ASSERT_TRUE(verdict.ok());
  EXPECT_EQ(verdict->intervention(), "interventions/building-better-relationships");
  EXPECT_EQ(verdict->intervention_title(), "Building Better Relationships");
  EXPECT_EQ(verdict->outcome(), v1::OUTCOME_ELIGIBLE);
  std::vector<std::string> criteria;
  for (const auto& reason : verdict->reasons()) {
    criteria.push_back(reason.criterion());
    EXPECT_EQ(reason.result(), v1::RESULT_MET) << reason.explanation();
    EXPECT_FALSE(reason.explanation().empty());
  }
  EXPECT_THAT(criteria, ElementsAre("sex", "age", "ipv-offence", "female-victim", "ipv-risk",
                                    "sentence", "consent-to-engage", "no-barriers-to-attendance",
                                    "time-to-complete", "availability"));
  EXPECT_EQ(verdict->suitability(), v1::SUITABILITY_SUITABLE);
  // Each brochure rule says where the brochures state it.
  EXPECT_THAT(verdict->reasons(3).sources(), ElementsAre("001:25"));
}

TEST(EligibilityChecker, ReportsTheApprovalsAVerdictWaitsFor) {
  auto checker = testing::EmbeddedChecker();
  v1::CheckEligibilityRequest request = Check("constructive-conversations");
  request.mutable_person()->set_extremism_concern(true);
  absl::StatusOr<v1::Verdict> verdict = checker->CheckEligibility(request);
  ASSERT_TRUE(verdict.ok());
  EXPECT_EQ(verdict->outcome(), v1::OUTCOME_NEEDS_MORE_INFORMATION);
  ASSERT_EQ(verdict->approvals_needed_size(), 1);
  EXPECT_THAT(verdict->approvals_needed(0), HasSubstr("CT-ARC"));
}

TEST(EligibilityChecker, FindsVerdictsEligibleFirstInPathwayOrder) {
  auto checker = testing::EmbeddedChecker();
  v1::FindEligibleInterventionsRequest request;
  *request.mutable_person() = Person(kIpvMan);
  absl::StatusOr<v1::FindEligibleInterventionsResponse> response =
      checker->FindEligibleInterventions(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->catalogue_size(), checker->catalogue().interventions().size());
  ASSERT_EQ(response->verdicts_size(), response->catalogue_size());
  // Outcomes never go back from not eligible to eligible down the list.
  int rank = 0;
  for (const auto& verdict : response->verdicts()) {
    const int this_rank = verdict.outcome() == v1::OUTCOME_ELIGIBLE                 ? 0
                          : verdict.outcome() == v1::OUTCOME_NEEDS_MORE_INFORMATION ? 1
                                                                                    : 2;
    EXPECT_GE(this_rank, rank) << verdict.intervention();
    rank = this_rank;
    EXPECT_FALSE(verdict.reasons().empty()) << "FULL is the default view";
  }
  // The pathway's steps lead the list, in order.
  ASSERT_FALSE(response->pathway().empty());
  for (int i = 0; i < response->pathway_size(); ++i) {
    EXPECT_EQ(response->verdicts(i).intervention(), response->pathway(i).intervention());
  }
}

TEST(EligibilityChecker, FiltersByKindAndNeedArea) {
  auto checker = testing::EmbeddedChecker();
  v1::FindEligibleInterventionsRequest request;
  *request.mutable_person() = Person(kIpvMan);
  request.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  request.set_need_area(common::v1::NEED_AREA_ACCOMMODATION);
  request.set_view(v1::VERDICT_VIEW_BASIC);
  absl::StatusOr<v1::FindEligibleInterventionsResponse> response =
      checker->FindEligibleInterventions(request);
  ASSERT_TRUE(response.ok());
  std::vector<std::string> names;
  for (const auto& verdict : response->verdicts()) {
    names.push_back(verdict.intervention());
    EXPECT_TRUE(verdict.reasons().empty()) << "BASIC has no reasons";
  }
  EXPECT_THAT(names, ElementsAre("interventions/crs-accommodation",
                                 "interventions/crs-womens-accommodation"));
  EXPECT_EQ(response->verdicts(0).outcome(), v1::OUTCOME_ELIGIBLE);
  EXPECT_EQ(response->verdicts(1).outcome(), v1::OUTCOME_NOT_ELIGIBLE);
  ASSERT_EQ(response->pathway_size(), 1);
  EXPECT_EQ(response->pathway(0).intervention(), "interventions/crs-accommodation");

  request.set_kind(static_cast<catalogue::v1::InterventionKind>(77));
  EXPECT_THAT(std::string(checker->FindEligibleInterventions(request).status().message()),
              HasSubstr("kind"));
}

TEST(EligibilityChecker, ScreeningReturnsOnlyEligibleVerdictsWhenAsked) {
  auto checker = testing::EmbeddedChecker();
  v1::ScreenCaseloadRequest request;
  *request.mutable_person() = Person(kIpvMan);
  absl::StatusOr<v1::ScreenCaseloadResponse> all = checker->Screen(request);
  request.set_eligible_only(true);
  request.set_include_pathway(true);
  absl::StatusOr<v1::ScreenCaseloadResponse> eligible = checker->Screen(request);
  ASSERT_TRUE(all.ok() && eligible.ok());
  EXPECT_EQ(all->crn(), "X123456");
  EXPECT_EQ(all->verdicts_size(), checker->catalogue().interventions().size());
  EXPECT_TRUE(all->pathway().empty());
  int eligible_in_all = 0;
  for (const auto& verdict : all->verdicts()) {
    eligible_in_all += verdict.outcome() == v1::OUTCOME_ELIGIBLE;
    EXPECT_TRUE(verdict.reasons().empty()) << "screening defaults to BASIC";
  }
  EXPECT_EQ(eligible->verdicts_size(), eligible_in_all);
  EXPECT_GT(eligible_in_all, 0);
  EXPECT_FALSE(eligible->pathway().empty());
}

TEST(EligibilityChecker, InvalidProfilesNameTheFieldUnderPerson) {
  auto checker = testing::EmbeddedChecker();
  v1::ScreenCaseloadRequest request;
  *request.mutable_person() = Person(kIpvMan);
  request.mutable_person()->set_date_of_birth("1990-02-30");
  absl::StatusOr<v1::ScreenCaseloadResponse> response = checker->Screen(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("person.date_of_birth"));
}

// No intervention has code of its own: a criterion added to the data changes the verdict.
TEST(EligibilityChecker, ACriterionAddedToTheDataChangesTheVerdict) {
  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded");
  ASSERT_TRUE(data.ok());
  std::vector<catalogue::v1::Intervention> interventions(data->interventions().begin(),
                                                         data->interventions().end());
  for (auto& intervention : interventions) {
    if (intervention.id() != "unpaid-work") continue;
    catalogue::v1::Criterion* criterion = intervention.add_criteria();
    criterion->set_name("young-adults");
    criterion->set_rule("A made-up rule: unpaid work for people under 30");
    criterion->set_effect(catalogue::v1::CRITERION_EFFECT_REQUIRED);
    criterion->mutable_age()->set_max_years(29);
  }
  auto before = testing::EmbeddedChecker();
  auto snapshot =
      CatalogueSnapshot::Build(interventions, {data->regions().begin(), data->regions().end()});
  ASSERT_TRUE(snapshot.ok());
  EligibilityChecker after(*snapshot, testing::EmbeddedPathway(),
                           [] { return testing::kTestToday; });
  const v1::CheckEligibilityRequest request = Check("unpaid-work");
  EXPECT_EQ(before->CheckEligibility(request)->outcome(), v1::OUTCOME_ELIGIBLE);
  absl::StatusOr<v1::Verdict> verdict = after.CheckEligibility(request);
  ASSERT_TRUE(verdict.ok());
  EXPECT_EQ(verdict->outcome(), v1::OUTCOME_NOT_ELIGIBLE);
  EXPECT_THAT(verdict->reasons(1).explanation(),
              HasSubstr("under 30; this person is 36 on 2026-11-25"));
}

TEST(CatalogueSnapshot, JudgesProgrammesBeforeTheInterventionsThatDependOnThem) {
  auto snapshot = testing::EmbeddedSnapshot();
  const auto& order = snapshot->evaluation_order();
  auto position = [&](absl::string_view id) {
    return std::find(order.begin(), order.end(), snapshot->IndexOf(id)) - order.begin();
  };
  EXPECT_LT(position("thinking-skills-programme"), position("positive-pathways"));
  EXPECT_LT(position("building-better-relationships"), position("skills-for-relationships"));
  EXPECT_LT(position("horizon"), position("stepping-stones"));
  EXPECT_EQ(order.size(), snapshot->interventions().size());
}

TEST(CatalogueSnapshot, RefusesAVerdictThatDependsOnItself) {
  catalogue::v1::Intervention alpha, beta;
  alpha.set_id("alpha");
  beta.set_id("beta");
  auto depends_on = [](catalogue::v1::Intervention& from, const std::string& on) {
    auto* criterion = from.add_criteria();
    criterion->set_name("not-" + on);
    criterion->mutable_not_eligible_for()->add_interventions(on);
  };
  depends_on(alpha, "beta");
  depends_on(beta, "alpha");
  auto snapshot = CatalogueSnapshot::Build({alpha, beta}, {});
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(snapshot.status().message()),
              HasSubstr("depends on itself through: alpha -> beta -> alpha"));
}

TEST(CatalogueSnapshot, RefusesUnknownInterventionsAndRegions) {
  catalogue::v1::Intervention alpha;
  alpha.set_id("alpha");
  alpha.add_criteria()->mutable_not_eligible_for()->add_interventions("gamma");
  EXPECT_THAT(std::string(CatalogueSnapshot::Build({alpha}, {}).status().message()),
              HasSubstr("unknown intervention \"gamma\""));
  catalogue::v1::Intervention beta;
  beta.set_id("beta");
  beta.add_regions()->set_region("narnia");
  EXPECT_THAT(std::string(CatalogueSnapshot::Build({beta}, {}).status().message()),
              HasSubstr("unknown region \"narnia\""));
}

}  // namespace
}  // namespace probation::eligibility
