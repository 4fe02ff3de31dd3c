#include "services/catalogue/catalogue.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/catalogue_fixture.h"

namespace probation::catalogue {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::set<std::string> Ids(const v1::ListInterventionsResponse& response) {
  std::set<std::string> ids;
  for (const auto& intervention : response.interventions()) ids.insert(intervention.id());
  return ids;
}

class CatalogueTest : public ::testing::Test {
 protected:
  v1::ListInterventionsResponse List(v1::ListInterventionsRequest request) {
    request.set_page_size(100);
    auto response = catalogue_->ListInterventions(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : v1::ListInterventionsResponse();
  }

  std::shared_ptr<const Catalogue> catalogue_ = testing::LoadEmbeddedCatalogue();
};

TEST_F(CatalogueTest, FiltersByKind) {
  v1::ListInterventionsRequest request;
  request.set_kind(v1::INTERVENTION_KIND_PRACTITIONER_TOOLKIT);
  const auto response = List(request);
  EXPECT_EQ(response.total_size(), 12);  // the suite of 11 and the withdrawn Developing Dialogues
  for (const auto& intervention : response.interventions()) {
    EXPECT_EQ(intervention.kind(), v1::INTERVENTION_KIND_PRACTITIONER_TOOLKIT);
  }
}

TEST_F(CatalogueTest, FiltersByRegionKeepingNationalAndPartialOffers) {
  v1::ListInterventionsRequest request;
  request.set_region("south-central");
  const auto ids = Ids(List(request));
  EXPECT_THAT(ids, Contains("building-better-relationships"));     // national
  EXPECT_THAT(ids, Contains("crs-finance-benefit-and-debt"));      // Hampshire, Thames Valley
  EXPECT_THAT(ids, Not(Contains("crs-dependency-and-recovery")));  // not offered there
  EXPECT_THAT(ids, Not(Contains("stepwise-problem-solving")));     // not listed there
  EXPECT_THAT(ids, Not(Contains("kaizen")));                       // prison only
}

TEST_F(CatalogueTest, RegionFilterAcceptsAResourceName) {
  v1::ListInterventionsRequest by_id;
  by_id.set_region("london");
  v1::ListInterventionsRequest by_name;
  by_name.set_region("regions/london");
  EXPECT_EQ(Ids(List(by_id)), Ids(List(by_name)));
}

TEST_F(CatalogueTest, FiltersByNeedArea) {
  v1::ListInterventionsRequest request;
  request.set_need_area(probation::common::v1::NEED_AREA_FINANCE_BENEFIT_DEBT);
  EXPECT_EQ(Ids(List(request)), (std::set<std::string>{"crs-finance-benefit-and-debt",
                                                       "crs-womens-finance-benefit-and-debt"}));
}

TEST_F(CatalogueTest, FreeTextQueryMatchesEveryWordCaseInsensitively) {
  v1::ListInterventionsRequest request;
  request.set_query("ANGER management");
  const auto ids = Ids(List(request));
  EXPECT_THAT(ids, Contains("managing-my-emotions"));
  request.set_query("anger zebra");
  EXPECT_EQ(List(request).total_size(), 0);
}

TEST_F(CatalogueTest, QueryFindsShortTitles) {
  v1::ListInterventionsRequest request;
  request.set_query("aamr");
  EXPECT_THAT(Ids(List(request)), Contains("alcohol-abstinence-monitoring-requirement"));
}

TEST_F(CatalogueTest, FiltersCombine) {
  v1::ListInterventionsRequest request;
  request.set_kind(v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
  request.set_region("greater-manchester");
  EXPECT_EQ(Ids(List(request)), (std::set<std::string>{"better-solutions", "stepwise-relationships",
                                                       "managing-my-emotions"}));
}

TEST_F(CatalogueTest, RefusesBadFiltersNamingTheField) {
  v1::ListInterventionsRequest request;
  request.set_region("atlantis");
  auto response = catalogue_->ListInterventions(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("region: unknown region \"atlantis\""));

  v1::ListInterventionsRequest long_query;
  long_query.set_query(std::string(kMaxQueryLength + 1, 'a'));
  EXPECT_THAT(catalogue_->ListInterventions(long_query).status().message(), HasSubstr("query:"));

  v1::ListInterventionsRequest bad_kind;
  bad_kind.set_kind(static_cast<v1::InterventionKind>(99));
  EXPECT_THAT(catalogue_->ListInterventions(bad_kind).status().message(), HasSubstr("kind:"));
}

TEST_F(CatalogueTest, GetInterventionByName) {
  auto found = catalogue_->GetIntervention("interventions/unpaid-work");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ((*found)->title(), "Unpaid Work (Community Payback)");
}

TEST_F(CatalogueTest, GetInterventionErrorsNameWhatIsWrong) {
  auto missing = catalogue_->GetIntervention("interventions/no-such-thing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("interventions/no-such-thing"));
  for (const char* bad : {"", "unpaid-work", "interventions/", "regions/london"}) {
    auto malformed = catalogue_->GetIntervention(bad);
    EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(malformed.status().message(), HasSubstr("name:")) << bad;
  }
}

TEST_F(CatalogueTest, ListsTheTwelveRegionsWithTheirPccAreas) {
  const auto regions = catalogue_->ListRegions();
  ASSERT_EQ(regions.regions_size(), 12);
  EXPECT_EQ(regions.regions(1).id(), "north-east");
  ASSERT_EQ(regions.regions(1).pcc_areas_size(), 3);
  EXPECT_EQ(regions.regions(1).pcc_areas(0).id(), "durham");
}

TEST_F(CatalogueTest, RegionalOfferGroupsByKindAndSaysWhatIsNotListed) {
  auto offer = catalogue_->GetRegionalOffer("wales");
  ASSERT_TRUE(offer.ok()) << offer.status();
  EXPECT_EQ(offer->region().title(), "Wales");
  ASSERT_FALSE(offer->groups().empty());
  EXPECT_EQ(offer->groups(0).kind(), v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  // Wales names no structured intervention, but every region delivers one per need area:
  // the offer shows the three stand-ins, which say the brochures do not name them.
  std::vector<std::string> structured;
  for (const auto& group : offer->groups()) {
    EXPECT_FALSE(group.title().empty());
    if (group.kind() != v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION) continue;
    for (const auto& intervention : group.interventions()) structured.push_back(intervention.id());
  }
  EXPECT_THAT(structured, ::testing::UnorderedElementsAre(
                              "regional-attitudes-thinking-behaviour-structured-intervention",
                              "regional-domestic-abuse-structured-intervention",
                              "regional-emotional-management-structured-intervention"));
  EXPECT_THAT(offer->not_listed(),
              Contains(HasSubstr("Community Sentence Treatment Requirements for Mental Health")));
  ASSERT_FALSE(offer->contacts().empty());
  EXPECT_EQ(offer->contacts(0).email(), "EffectiveProbation.Practice@justice.gov.uk");
}

TEST_F(CatalogueTest, ARegionThatNamesItsStructuredInterventionsHasNoStandIns) {
  auto offer = catalogue_->GetRegionalOffer("london");
  ASSERT_TRUE(offer.ok()) << offer.status();
  for (const auto& group : offer->groups()) {
    for (const auto& intervention : group.interventions()) {
      EXPECT_THAT(intervention.id(), ::testing::Not(::testing::StartsWith("regional-")));
    }
  }
}

TEST_F(CatalogueTest, RegionalOfferOfAnUnknownRegionIsInvalid) {
  EXPECT_EQ(catalogue_->GetRegionalOffer("narnia").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalogue_->GetRegionalOffer("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace probation::catalogue
