#include "services/catalogue/catalogue_loader.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation::catalogue {
namespace {

using ::testing::HasSubstr;

// A small valid catalogue; each test breaks one thing in it. Line numbers matter: the
// intervention "alpha" starts on line 10, "beta" on line 20.
// The delimiter is not "pb" so that clang-format leaves the layout (and the lines) alone.
constexpr absl::string_view kValid =
    R"data(kinds { kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION title: "SIs" }
need_areas { area: NEED_AREA_MATURITY title: "Maturity" }
regions { id: "north" title: "North" pcc_areas { id: "fells" title: "Fells" } }
regions { id: "south" title: "South" pcc_areas { id: "downs" title: "Downs" } }
regions { id: "west" title: "West" }
# padding so that the first intervention starts on line 10
#
#
#
interventions {
  id: "alpha"
  title: "Alpha"
  summary: "Alpha summary"
  description: "Alpha description"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION
  status: INTERVENTION_STATUS_CURRENT sources: "000:1"
  availability_scope: AVAILABILITY_SCOPE_REGIONAL
  regions { region: "north" status: AVAILABILITY_STATUS_OFFERED }
}
interventions {
  id: "beta"
  title: "Beta"
  summary: "Beta summary"
  description: "Beta description"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION
  status: INTERVENTION_STATUS_CURRENT sources: "001"
  availability_scope: AVAILABILITY_SCOPE_LIMITED
  regions { region: "south" status: AVAILABILITY_STATUS_OFFERED_IN_PART pcc_areas: "downs" }
  criteria { name: "age" rule: "Adults" effect: CRITERION_EFFECT_REQUIRED age { min_years: 18 } sources: "001:37" }
}
)data";

std::string With(absl::string_view from, absl::string_view to) {
  std::string text(kValid);
  const size_t at = text.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), std::string(to));
  return text;
}

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<data::v1::Catalogue> catalogue = LoadCatalogue(text, "test.textproto");
  EXPECT_FALSE(catalogue.ok());
  EXPECT_EQ(catalogue.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(catalogue.status().message());
}

TEST(CatalogueLoader, LoadsAValidCatalogueAndDerivesNames) {
  absl::StatusOr<data::v1::Catalogue> catalogue = LoadCatalogue(kValid, "test.textproto");
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  EXPECT_EQ(catalogue->interventions(0).name(), "interventions/alpha");
  EXPECT_EQ(catalogue->regions(1).name(), "regions/south");
}

TEST(CatalogueLoader, SpellsOutEveryRegionsAvailability) {
  absl::StatusOr<data::v1::Catalogue> catalogue = LoadCatalogue(kValid, "test.textproto");
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  // Regional: unlisted regions are NOT_LISTED (the brochures do not say).
  const v1::Intervention& alpha = catalogue->interventions(0);
  ASSERT_EQ(alpha.regions_size(), 3);
  EXPECT_EQ(alpha.regions(0).status(), v1::AVAILABILITY_STATUS_OFFERED);
  EXPECT_EQ(alpha.regions(1).status(), v1::AVAILABILITY_STATUS_NOT_LISTED);
  EXPECT_EQ(alpha.regions(2).status(), v1::AVAILABILITY_STATUS_NOT_LISTED);
  // Limited: the brochures say "only in", so the rest are NOT_OFFERED.
  const v1::Intervention& beta = catalogue->interventions(1);
  ASSERT_EQ(beta.regions_size(), 3);
  EXPECT_EQ(beta.regions(0).status(), v1::AVAILABILITY_STATUS_NOT_OFFERED);
  EXPECT_EQ(beta.regions(1).status(), v1::AVAILABILITY_STATUS_OFFERED_IN_PART);
  EXPECT_EQ(beta.regions(2).status(), v1::AVAILABILITY_STATUS_NOT_OFFERED);
}

TEST(CatalogueLoader, TheEmbeddedCatalogueIsValid) {
  absl::StatusOr<data::v1::Catalogue> catalogue =
      LoadCatalogue(EmbeddedCatalogueText(), "embedded");
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  EXPECT_EQ(catalogue->regions_size(), 12);
  EXPECT_GE(catalogue->interventions_size(), 50);
}

TEST(CatalogueLoader, SyntaxErrorNamesLineAndColumn) {
  const std::string message = ErrorOf(With("  title: \"Beta\"", "  title: Beta\""));
  EXPECT_THAT(message, HasSubstr("test.textproto:22:"));
}

TEST(CatalogueLoader, UnknownFieldIsASyntaxError) {
  EXPECT_THAT(ErrorOf(With("  title: \"Beta\"", "  titel: \"Beta\"")),
              HasSubstr("test.textproto:22:"));
}

TEST(CatalogueLoader, DuplicateIdNamesBothLines) {
  const std::string message = ErrorOf(With("id: \"beta\"", "id: \"alpha\""));
  EXPECT_THAT(message, HasSubstr("test.textproto:20: intervention \"alpha\": duplicate id "
                                 "(first at line 10)"));
}

TEST(CatalogueLoader, UnknownRegionNamesTheEntryAndLine) {
  const std::string message =
      ErrorOf(With("region: \"north\" status", "region: \"narnia\" status"));
  EXPECT_THAT(message,
              HasSubstr("test.textproto:18: intervention \"alpha\": unknown region \"narnia\""));
}

TEST(CatalogueLoader, EmptyTitleNamesTheEntryAndLine) {
  EXPECT_THAT(ErrorOf(With("title: \"Alpha\"", "title: \"  \"")),
              HasSubstr("test.textproto:12: intervention \"alpha\": empty title"));
}

TEST(CatalogueLoader, MissingTitleNamesTheEntry) {
  EXPECT_THAT(ErrorOf(With("  title: \"Alpha\"\n", "")),
              HasSubstr("test.textproto:10: intervention \"alpha\": empty title"));
}

TEST(CatalogueLoader, RefusesMalformedIds) {
  EXPECT_THAT(ErrorOf(With("id: \"alpha\"", "id: \"Alpha Programme\"")),
              HasSubstr("id must be lower-case words joined by hyphens"));
}

TEST(CatalogueLoader, RefusesDuplicateRegions) {
  EXPECT_THAT(ErrorOf(With("id: \"west\"", "id: \"north\"")),
              HasSubstr("region \"north\": duplicate id (first at line 3)"));
}

TEST(CatalogueLoader, RefusesAPccAreaOutsideItsRegion) {
  EXPECT_THAT(ErrorOf(With("pcc_areas: \"downs\"", "pcc_areas: \"fells\"")),
              HasSubstr("PCC area \"fells\" is in region \"north\", not \"south\""));
}

TEST(CatalogueLoader, RefusesAnUnknownPccArea) {
  EXPECT_THAT(ErrorOf(With("pcc_areas: \"downs\"", "pcc_areas: \"atlantis\"")),
              HasSubstr("unknown PCC area \"atlantis\""));
}

TEST(CatalogueLoader, RefusesRegionalAvailabilityWithoutRegions) {
  EXPECT_THAT(
      ErrorOf(With("  regions { region: \"north\" status: AVAILABILITY_STATUS_OFFERED }\n", "")),
      HasSubstr("intervention \"alpha\": a regional or limited availability needs the regions"));
}

TEST(CatalogueLoader, RefusesRegionsOnANationalIntervention) {
  EXPECT_THAT(ErrorOf(With("AVAILABILITY_SCOPE_REGIONAL", "AVAILABILITY_SCOPE_NATIONAL")),
              HasSubstr("regions are listed only for REGIONAL or LIMITED availability"));
}

TEST(CatalogueLoader, RefusesListingARegionAsNotListed) {
  EXPECT_THAT(ErrorOf(With("status: AVAILABILITY_STATUS_OFFERED }",
                           "status: AVAILABILITY_STATUS_NOT_LISTED }")),
              HasSubstr("list only where it is OFFERED or OFFERED_IN_PART"));
}

TEST(CatalogueLoader, RefusesAnUnspecifiedKindOrAKindWithoutDescription) {
  EXPECT_THAT(ErrorOf(With("kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION\n  status", "status")),
              HasSubstr("intervention \"alpha\": kind is unspecified"));
  EXPECT_THAT(ErrorOf(With("kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION\n  status",
                           "kind: INTERVENTION_KIND_UNPAID_WORK\n  status")),
              HasSubstr("its kind has no `kinds` entry"));
}

TEST(CatalogueLoader, RefusesAnExplicitName) {
  EXPECT_THAT(ErrorOf(With("id: \"alpha\"", "id: \"alpha\" name: \"interventions/alpha\"")),
              HasSubstr("name is derived from the id; omit it"));
}

TEST(CatalogueLoader, RefusesCriteriaWithoutACondition) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }", "")),
              HasSubstr("intervention \"beta\" criterion \"age\": no condition"));
}

TEST(CatalogueLoader, RefusesAnImpossibleAgeRange) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }", "age { min_years: 26 max_years: 18 }")),
              HasSubstr("age range must have a bound and min <= max"));
}

TEST(CatalogueLoader, RefusesNotEligibleForAnUnknownIntervention) {
  EXPECT_THAT(
      ErrorOf(With("age { min_years: 18 }", "not_eligible_for { interventions: \"gamma\" }")),
      HasSubstr("criterion \"age\": unknown intervention \"gamma\""));
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }", "not_eligible_for { }")),
              HasSubstr("criterion \"age\": no interventions"));
}

TEST(CatalogueLoader, RefusesARequirementLengthWithoutAPositiveLimit) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }", "requirement_length { max_days: 0 }")),
              HasSubstr("criterion \"age\": max_days must be positive"));
}

TEST(CatalogueLoader, RefusesDuplicateCriterionNames) {
  EXPECT_THAT(
      ErrorOf(With("sources: \"001:37\" }",
                   "sources: \"001:37\" }\n  criteria { name: \"age\" rule: \"x\" effect: "
                   "CRITERION_EFFECT_REQUIRED age { max_years: 30 } sources: \"001:37\" }")),
      HasSubstr("criterion \"age\": duplicate criterion name"));
}

TEST(CatalogueLoader, RefusesUnknownProgrammesInCriteriaAndRelations) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }", "completed_programmes { any_of: \"gamma\" }")),
              HasSubstr("unknown programme \"gamma\""));
  EXPECT_THAT(ErrorOf(With("id: \"alpha\"", "id: \"alpha\" related_interventions: \"gamma\"")),
              HasSubstr("related intervention \"gamma\" does not exist"));
}

TEST(CatalogueLoader, ValidatesNestedCriteria) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }",
                           "any_of { criteria { name: \"inner\" rule: \"r\" effect: "
                           "CRITERION_EFFECT_REQUIRED risk { measure: RISK_MEASURE_SARA } } }")),
              HasSubstr("criterion \"age\" criterion \"inner\": risk condition needs a measure and "
                        "levels"));
}

TEST(CatalogueLoader, RefusesARuleThatCitesNoSourceAndIsNotPolicy) {
  EXPECT_THAT(ErrorOf(With(" sources: \"001:37\"", "")),
              HasSubstr("test.textproto:29: intervention \"beta\" criterion \"age\": cites no seed "
                        "source and is not marked as local policy with a reason"));
  EXPECT_THAT(ErrorOf(With(" sources: \"001:37\"", " local_policy { reason: \" \" }")),
              HasSubstr("criterion \"age\": local_policy needs a reason"));
  EXPECT_THAT(ErrorOf(With("sources: \"001:37\"", "sources: \"1:37\"")),
              HasSubstr("source \"1:37\" is not a seed and line"));
  EXPECT_THAT(ErrorOf(With("sources: \"001:37\"", "sources: \"001:40-37\"")),
              HasSubstr("source \"001:40-37\" is not a seed and line"));
}

TEST(CatalogueLoader, AcceptsALocalPolicyRuleWithItsReason) {
  absl::StatusOr<data::v1::Catalogue> catalogue = LoadCatalogue(
      With(" sources: \"001:37\"", " local_policy { reason: \"Adults only here\" }"), "test");
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  EXPECT_EQ(catalogue->interventions(1).criteria(0).local_policy().reason(), "Adults only here");
}

TEST(CatalogueLoader, RefusesAnInterventionWithoutSources) {
  EXPECT_THAT(ErrorOf(With(" sources: \"000:1\"", "")),
              HasSubstr("intervention \"alpha\": cites no seed sources"));
}

TEST(CatalogueLoader, RefusesMalformedDates) {
  EXPECT_THAT(
      ErrorOf(With("sources: \"001:37\" }", "sources: \"001:37\" valid_from: \"26/10/2022\" }")),
      HasSubstr("\"26/10/2022\" is not an ISO date"));
  EXPECT_THAT(
      ErrorOf(With("sources: \"001:37\" }",
                   "sources: \"001:37\" valid_from: \"2022-10-26\" valid_until: \"2022-10-25\" }")),
      HasSubstr("valid_until is before valid_from"));
}

TEST(CatalogueLoader, AWithdrawnInterventionNamesItsReplacement) {
  EXPECT_THAT(ErrorOf(With("status: INTERVENTION_STATUS_CURRENT sources: \"001\"",
                           "status: INTERVENTION_STATUS_WITHDRAWN sources: \"001\"")),
              HasSubstr("replaced_by is for WITHDRAWN interventions, and they need it"));
  EXPECT_THAT(ErrorOf(With("status: INTERVENTION_STATUS_CURRENT sources: \"001\"",
                           "status: INTERVENTION_STATUS_WITHDRAWN sources: \"001\" "
                           "replaced_by: \"gamma\"")),
              HasSubstr("replaced by \"gamma\", which does not exist"));
}

TEST(CatalogueLoader, SentenceRulesCannotContradictThemselves) {
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }",
                           "sentence { allowed: SENTENCE_TYPE_LICENCE not_stated: "
                           "SENTENCE_TYPE_LICENCE not_stated_note: \"n\" }")),
              HasSubstr("a sentence type is both allowed and not stated"));
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }",
                           "sentence { allowed: SENTENCE_TYPE_LICENCE not_stated: "
                           "SENTENCE_TYPE_POST_SENTENCE_SUPERVISION }")),
              HasSubstr("not_stated needs a not_stated_note"));
  EXPECT_THAT(ErrorOf(With("age { min_years: 18 }",
                           "sentence { allowed: SENTENCE_TYPE_COMMUNITY_ORDER rar_required_for: "
                           "SENTENCE_TYPE_COMMUNITY_ORDER rar_absent_for: "
                           "SENTENCE_TYPE_COMMUNITY_ORDER }")),
              HasSubstr("a sentence type both needs and must lack a RAR"));
}

// A stand-in for "every region delivers one" is offered exactly where no named
// intervention of its kind serves its need area.
TEST(CatalogueLoader, AStandInIsOfferedWhereNoNamedInterventionMeetsTheMinimum) {
  std::string text = With("id: \"alpha\"", "id: \"alpha\" need_areas: NEED_AREA_MATURITY");
  absl::StrAppend(&text, R"data(
interventions {
  id: "stand-in" title: "The region's own" summary: "s" description: "d" sources: "000:22"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION status: INTERVENTION_STATUS_CURRENT
  need_areas: NEED_AREA_MATURITY availability_scope: AVAILABILITY_SCOPE_REGIONAL_MINIMUM
}
regional_minimums {
  name: "one-per-need" rule: "Every region delivers one" sources: "000:22"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION
  stand_ins { need_area: NEED_AREA_MATURITY intervention: "stand-in" }
}
)data");
  absl::StatusOr<data::v1::Catalogue> catalogue = LoadCatalogue(text, "test");
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  const v1::Intervention& stand_in = catalogue->interventions(2);
  ASSERT_EQ(stand_in.regions_size(), 3);
  EXPECT_EQ(stand_in.regions(0).region(), "north");
  EXPECT_EQ(stand_in.regions(0).status(), v1::AVAILABILITY_STATUS_NOT_OFFERED);
  EXPECT_THAT(stand_in.regions(0).note(), HasSubstr("names it: Alpha"));
  EXPECT_EQ(stand_in.regions(1).status(), v1::AVAILABILITY_STATUS_OFFERED);
  EXPECT_THAT(stand_in.regions(1).note(), HasSubstr("South delivers at least one"));
  EXPECT_EQ(stand_in.regions(2).status(), v1::AVAILABILITY_STATUS_OFFERED);
}

TEST(CatalogueLoader, RefusesAMinimumAnInterventionDoesNotMeet) {
  std::string text(kValid);
  absl::StrAppend(&text, R"data(
regional_minimums {
  name: "alpha-everywhere" rule: "Every region delivers Alpha" sources: "001:14"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION interventions: "alpha"
}
)data");
  const std::string message = ErrorOf(text);
  EXPECT_THAT(message, HasSubstr("\"alpha\" is not offered in south"));
  EXPECT_THAT(message, HasSubstr("\"alpha\" is not offered in west"));
}

TEST(CatalogueLoader, AStandInNeedsAMinimumNamingIt) {
  std::string text(kValid);
  absl::StrAppend(&text, R"data(
interventions {
  id: "stand-in" title: "The region's own" summary: "s" description: "d" sources: "000:22"
  kind: INTERVENTION_KIND_STRUCTURED_INTERVENTION status: INTERVENTION_STATUS_CURRENT
  need_areas: NEED_AREA_MATURITY availability_scope: AVAILABILITY_SCOPE_REGIONAL_MINIMUM
}
)data");
  EXPECT_THAT(ErrorOf(text), HasSubstr("REGIONAL_MINIMUM availability needs a regional minimum"));
}

TEST(CatalogueLoader, ReportsEveryProblemAtOnce) {
  std::string text = With("title: \"Alpha\"", "title: \"\"");
  text = absl::StrReplaceAll(text, {{"title: \"Beta\"", "title: \"\""}});
  const std::string message = ErrorOf(text);
  EXPECT_THAT(message, HasSubstr("intervention \"alpha\": empty title"));
  EXPECT_THAT(message, HasSubstr("intervention \"beta\": empty title"));
}

TEST(CatalogueLoader, MissingFileIsNotFound) {
  EXPECT_EQ(LoadCatalogueFile("/nonexistent/catalogue.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace probation::catalogue
