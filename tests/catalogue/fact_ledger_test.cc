// The fact ledger against the data as it is in the source tree: every fact's quote is on its
// seed line, every path resolves, every rule is a condition, and the share served meets the
// bar. Reads the files at run time, so editing data or ledger needs no rebuild to re-check.
#include "services/catalogue/fact_ledger.h"

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/textproto/text_proto.h"
#include "services/catalogue/catalogue_loader.h"

namespace probation::catalogue {
namespace {

using ::testing::HasSubstr;

const std::string kData = std::string(PROBATION_SOURCE_DIR) + "/services/catalogue/data";

struct Loaded {
  data::v1::Catalogue catalogue;
  eligibility::data::v1::PathwayPolicy pathway;
  data::v1::FactLedger ledger;
  SeedTexts seeds;
};

const Loaded& Data() {
  static const Loaded* loaded = [] {
    auto* data = new Loaded;
    absl::StatusOr<data::v1::Catalogue> catalogue =
        LoadCatalogueFile(kData + "/catalogue.textproto");
    EXPECT_TRUE(catalogue.ok()) << catalogue.status();
    if (catalogue.ok()) data->catalogue = *std::move(catalogue);
    absl::StatusOr<std::string> policy = ReadFileToString(
        std::string(PROBATION_SOURCE_DIR) + "/services/eligibility/data/pathway_policy.textproto");
    EXPECT_TRUE(policy.ok()) << policy.status();
    if (policy.ok()) {
      EXPECT_TRUE(ParseTextProto(*policy, "pathway policy", &data->pathway).ok());
    }
    absl::StatusOr<data::v1::FactLedger> ledger = LoadFactLedger(kData + "/ledger");
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    if (ledger.ok()) data->ledger = *std::move(ledger);
    absl::StatusOr<SeedTexts> seeds = LoadSeeds(kData + "/seeds");
    EXPECT_TRUE(seeds.ok()) << seeds.status();
    if (seeds.ok()) data->seeds = *std::move(seeds);
    return data;
  }();
  return *loaded;
}

TEST(FactLedger, EveryFactIsQuotedAndEveryPathResolves) {
  const Loaded& data = Data();
  const LedgerCheck check = CheckFactLedger(data.ledger, data.seeds, data.catalogue, data.pathway);
  EXPECT_TRUE(check.problems.empty()) << check.problems.size() << " problems:\n"
                                      << absl::StrJoin(check.problems, "\n");
}

// A rule's citation must at least point at a line that exists (seed 003 has 81 lines).
TEST(FactLedger, EveryCitationInTheDataIsALineOfTheSeeds) {
  const Loaded& data = Data();
  EXPECT_THAT(CheckCitations(data.catalogue, data.seeds), ::testing::IsEmpty());
  EXPECT_THAT(CheckCitations(data.pathway, data.seeds), ::testing::IsEmpty());
  data::v1::Catalogue wrong;
  wrong.add_interventions()->add_sources("003:123");
  EXPECT_THAT(CheckCitations(wrong, data.seeds),
              ::testing::ElementsAre(HasSubstr("interventions[0].sources: \"003:123\" is not in")));
}

TEST(FactLedger, CoversAllFiveSeeds) {
  std::set<std::string> cited;
  for (const data::v1::SeedFact& fact : Data().ledger.facts()) {
    for (const std::string& source : fact.sources()) cited.insert(source.substr(0, 3));
  }
  EXPECT_THAT(cited, ::testing::IsSupersetOf({"000", "001", "002", "003", "004"}));
}

TEST(FactLedger, AtLeastNinetyFivePercentOfTheFactsInScopeAreServed) {
  const Loaded& data = Data();
  const LedgerCheck check = CheckFactLedger(data.ledger, data.seeds, data.catalogue, data.pathway);
  EXPECT_GE(check.ServedShare(), 0.95)
      << check.served << " served of " << check.facts - check.out_of_scope << " in scope";
}

// The checks themselves: a wrong path, a wrong quote and prose for a rule each fail.
TEST(FactLedger, RefusesWrongPathsQuotesAndProseRules) {
  const Loaded& data = Data();
  data::v1::FactLedger ledger;
  data::v1::SeedFact* fact = ledger.add_facts();
  fact->set_id("bbr-female-victim");
  fact->add_sources("001:25");
  fact->set_quote("against a female partner");
  fact->set_fact("BBR is for men whose IPV offence was against a female partner.");
  fact->set_category(data::v1::FACT_CATEGORY_CRITERION);
  fact->add_served_by("interventions/building-better-relationships#criteria[female-victim]");
  EXPECT_THAT(CheckFactLedger(ledger, data.seeds, data.catalogue, data.pathway).problems,
              ::testing::IsEmpty());

  data::v1::FactLedger renamed = ledger;
  renamed.mutable_facts(0)->set_served_by(
      0, "interventions/building-better-relationships#criteria[female-partner]");
  EXPECT_THAT(CheckFactLedger(renamed, data.seeds, data.catalogue, data.pathway).problems,
              ::testing::ElementsAre(HasSubstr("criteria has no element [female-partner]")));

  data::v1::FactLedger misquoted = ledger;
  misquoted.mutable_facts(0)->set_quote("against a male partner");
  EXPECT_THAT(CheckFactLedger(misquoted, data.seeds, data.catalogue, data.pathway).problems,
              ::testing::ElementsAre(HasSubstr("is not on 001:25")));

  data::v1::FactLedger prose = ledger;
  prose.mutable_facts(0)->set_served_by(0,
                                        "interventions/building-better-relationships#description");
  EXPECT_THAT(CheckFactLedger(prose, data.seeds, data.catalogue, data.pathway).problems,
              ::testing::ElementsAre(HasSubstr("a rule must be served by a machine-checked")));

  data::v1::FactLedger missing_id = ledger;
  missing_id.mutable_facts(0)->set_served_by(0, "interventions/basket-weaving");
  EXPECT_THAT(CheckFactLedger(missing_id, data.seeds, data.catalogue, data.pathway).problems,
              ::testing::ElementsAre(HasSubstr("no intervention \"basket-weaving\"")));
}

TEST(FactLedger, ResolvesNestedKeysIndexesAndOtherRoots) {
  const Loaded& data = Data();
  const auto resolve = [&](absl::string_view path) {
    return ResolveLedgerPath(path, data.catalogue, data.pathway);
  };
  EXPECT_TRUE(resolve("interventions/stepping-stones#criteria[risk-of-serious-harm].any_of."
                      "criteria[high-rosh-exceptional].exceptional")
                  .ok());
  EXPECT_TRUE(resolve("interventions/building-better-relationships#delivery.group_sessions").ok());
  EXPECT_TRUE(
      resolve("interventions/crs-accommodation#complexity_levels[COMPLEXITY_LEVEL_HIGH]").ok());
  EXPECT_TRUE(resolve("regions/north-east#pcc_areas[durham]").ok());
  EXPECT_TRUE(resolve("kinds/INTERVENTION_KIND_UNPAID_WORK#description").ok());
  EXPECT_TRUE(resolve("pathway/commissioned-service").ok());
  EXPECT_TRUE(resolve("regional_minimums/structured-intervention-per-need-area").ok());
  EXPECT_TRUE(resolve("catalogue#contacts[Effective Probation Practice].email").ok());
  EXPECT_FALSE(resolve("interventions/unpaid-work#delivery.max_sessions").ok());  // not set
  EXPECT_FALSE(resolve("interventions/unpaid-work#outcomes").ok());               // empty
  EXPECT_FALSE(resolve("prisons/hmp-x").ok());
}

}  // namespace
}  // namespace probation::catalogue
