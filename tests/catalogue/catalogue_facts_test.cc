// Facts taken from the brochures in shared/seeds/, checked against the catalogue as a client
// sees it through a real server. Each row quotes or paraphrases its seed.
#include <functional>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/support/catalogue_fixture.h"

namespace probation::catalogue {
namespace {

using common::v1::COMPLEXITY_LEVEL_HIGH;
using common::v1::COMPLEXITY_LEVEL_MEDIUM;

class CatalogueFacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    running_ = new testing::RunningCatalogue(testing::StartCatalogue());
  }
  static void TearDownTestSuite() {
    delete running_;
    running_ = nullptr;
  }

  static v1::Intervention Get(const std::string& id) {
    grpc::ClientContext context;
    v1::GetInterventionRequest request;
    request.set_name("interventions/" + id);
    v1::Intervention intervention;
    const grpc::Status status = running_->stub->GetIntervention(&context, request, &intervention);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    return intervention;
  }

  static bool Offers(const std::string& region, const std::string& id) {
    grpc::ClientContext context;
    v1::GetRegionalOfferRequest request;
    request.set_region(region);
    v1::RegionalOffer offer;
    const grpc::Status status = running_->stub->GetRegionalOffer(&context, request, &offer);
    EXPECT_TRUE(status.ok()) << region << ": " << status.error_message();
    for (const auto& group : offer.groups()) {
      for (const auto& intervention : group.interventions()) {
        if (intervention.id() == id) return true;
      }
    }
    return false;
  }

  static testing::RunningCatalogue* running_;
};

testing::RunningCatalogue* CatalogueFacts::running_ = nullptr;

// --- What each region's brochure lists -------------------------------------------------

struct RegionalFact {
  const char* region;
  const char* intervention;
  bool offered;
};

constexpr RegionalFact kRegionalFacts[] = {
    // "Structured Interventions - Greater Manchester": ATB Better Solutions, DA Stepwise
    // Relationships, EM Managing My Emotions.
    {"greater-manchester", "better-solutions", true},
    {"greater-manchester", "stepwise-relationships", true},
    {"greater-manchester", "managing-my-emotions", true},
    {"greater-manchester", "stepwise-problem-solving", false},
    // London: Positive Pathways, Positive Pathways Plus, MME.
    {"london", "positive-pathways", true},
    {"london", "positive-pathways-plus", true},
    {"london", "managing-my-emotions", true},
    {"london", "stepwise-relationships", false},
    // North East, KSS, East of England and East Midlands: the three Stepwise interventions.
    {"north-east", "stepwise-problem-solving", true},
    {"north-east", "stepwise-emotions", true},
    {"kent-surrey-and-sussex", "stepwise-relationships", true},
    {"east-of-england", "stepwise-emotions", true},
    {"east-midlands", "stepwise-problem-solving", true},
    // Wales has no structured interventions page in the seeds.
    {"wales", "stepwise-problem-solving", false},
    // "Finance, Benefit & Debt ... only available in Wales, West Midlands, London, East
    // Midlands, Hampshire and Thames Valley".
    {"wales", "crs-finance-benefit-and-debt", true},
    {"south-central", "crs-finance-benefit-and-debt", true},
    {"north-west", "crs-finance-benefit-and-debt", false},
    // "Dependency & Recovery ... only available in Durham, Northumbria, Cleveland,
    // Humberside, West Yorkshire, North Yorkshire and London".
    {"north-east", "crs-dependency-and-recovery", true},
    {"yorkshire-and-the-humber", "crs-dependency-and-recovery", true},
    {"london", "crs-dependency-and-recovery", true},
    {"south-west", "crs-dependency-and-recovery", false},
    // "DRRs, ATRs and secondary care MHTRs are available to every court in England."
    {"north-west", "alcohol-treatment-requirement", true},
    {"wales", "alcohol-treatment-requirement", false},
    // "All regions will deliver, as a minimum: TSP, BBR, Sexual Offending Programmes."
    {"south-west", "thinking-skills-programme", true},
    {"wales", "building-better-relationships", true},
    {"west-midlands", "sexual-offending-programmes", true},
    // "*Currently available in prisons only".
    {"north-west", "kaizen", false},
};

TEST_F(CatalogueFacts, RegionalOffersMatchTheBrochures) {
  for (const RegionalFact& fact : kRegionalFacts) {
    EXPECT_EQ(Offers(fact.region, fact.intervention), fact.offered)
        << fact.region << " / " << fact.intervention;
  }
}

// --- What the brochures say about each intervention ------------------------------------

struct InterventionFact {
  const char* fact;
  const char* intervention;
  std::function<bool(const v1::Intervention&)> holds;
};

bool HasCriterion(const v1::Intervention& intervention, absl::string_view name,
                  const std::function<bool(const v1::Criterion&)>& holds) {
  for (const auto& criterion : intervention.criteria()) {
    if (criterion.name() == name) return holds(criterion);
  }
  return false;
}

bool ComplexityMentions(const v1::Intervention& intervention, common::v1::ComplexityLevel level,
                        absl::string_view text) {
  for (const auto& description : intervention.complexity_levels()) {
    if (description.level() == level) return absl::StrContains(description.description(), text);
  }
  return false;
}

bool IsForAdults(const v1::Intervention& intervention) {
  return HasCriterion(intervention, "age",
                      [](const v1::Criterion& c) { return c.age().min_years() == 18; });
}

const InterventionFact kInterventionFacts[] = {
    {"BBR is comprised of 24 group and 5 individual sessions", "building-better-relationships",
     [](const v1::Intervention& i) {
       return i.delivery().group_sessions() == 24 && i.delivery().individual_sessions() == 5;
     }},
    {"The BBR Foundation Module comprises six 2.5-hour sessions", "building-better-relationships",
     [](const v1::Intervention& i) {
       return i.delivery().components(0).title() == "Foundation Module" &&
              i.delivery().components(0).sessions() == 6 &&
              i.delivery().components(0).session_hours() == 2.5;
     }},
    {"BBR is for men", "building-better-relationships",
     [](const v1::Intervention& i) {
       return HasCriterion(
           i, "sex", [](const v1::Criterion& c) { return c.sex().sex() == common::v1::SEX_MALE; });
     }},
    {"BBR is for those aged 18+", "building-better-relationships", IsForAdults},
    {"BBR needs an IPV related offence", "building-better-relationships",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "ipv-offence", [](const v1::Criterion& c) {
         return c.offences().any_of(0) == common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE;
       });
     }},
    {"Accredited programmes are groups of up to 12", "building-better-relationships",
     [](const v1::Intervention& i) { return i.delivery().max_group_size() == 12; }},
    {"BBR lists coercive control among its suitability factors", "building-better-relationships",
     [](const v1::Intervention& i) {
       return std::count(i.suitability_factors().begin(), i.suitability_factors().end(),
                         "Coercive control") == 1;
     }},
    {"AAMR lasts at most 120 days", "alcohol-abstinence-monitoring-requirement",
     [](const v1::Intervention& i) {
       return i.delivery().max_days() == 120 &&
              HasCriterion(i, "length", [](const v1::Criterion& c) {
                return c.requirement_length().max_days() == 120;
              });
     }},
    {"AAMR can only be imposed on those over 18", "alcohol-abstinence-monitoring-requirement",
     IsForAdults},
    {"AAMR cannot be used on the alcohol dependent", "alcohol-abstinence-monitoring-requirement",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "not-alcohol-dependent", [](const v1::Criterion& c) {
         return c.flag().flag() == v1::PROFILE_FLAG_ALCOHOL_DEPENDENT && !c.flag().required_value();
       });
     }},
    {"AAMR cannot be used with an ATR", "alcohol-abstinence-monitoring-requirement",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "no-alcohol-treatment-requirement", [](const v1::Criterion& c) {
         return c.flag().flag() == v1::PROFILE_FLAG_HAS_ALCOHOL_TREATMENT_REQUIREMENT &&
                !c.flag().required_value();
       });
     }},
    {"The alcohol tag can be used for someone of no fixed abode",
     "alcohol-abstinence-monitoring-requirement",
     [](const v1::Intervention& i) {
       return !HasCriterion(i, "fixed-abode", [](const v1::Criterion&) { return true; });
     }},
    {"Other EM tags need an address", "electronic-monitoring-curfew",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "fixed-abode", [](const v1::Criterion& c) {
         return c.flag().flag() == v1::PROFILE_FLAG_NO_FIXED_ABODE;
       });
     }},
    {"Trail monitoring is not a sentencing option for under-18s", "gps-trail-monitoring",
     IsForAdults},
    {"Unpaid work is 40 to 300 hours", "unpaid-work",
     [](const v1::Intervention& i) {
       return i.delivery().min_hours() == 40 && i.delivery().max_hours() == 300;
     }},
    {"A medium level order carries 80-150 hours of unpaid work", "unpaid-work",
     [](const v1::Intervention& i) {
       return i.delivery().hour_bands_size() == 3 && i.delivery().hour_bands(1).min_hours() == 80 &&
              i.delivery().hour_bands(1).max_hours() == 150;
     }},
    {"ETE can be used for up to 30% of unpaid work hours", "unpaid-work",
     [](const v1::Intervention& i) {
       return i.delivery().components(2).max_share_percent() == 30;
     }},
    {"Unpaid work must be completed within 12 months", "unpaid-work",
     [](const v1::Intervention& i) { return i.delivery().complete_within_months() == 12; }},
    {"Unpaid work does not require consent", "unpaid-work",
     [](const v1::Intervention& i) {
       return !HasCriterion(i, "consent", [](const v1::Criterion&) { return true; });
     }},
    {"Choices and Changes is for young adult men aged 18-25", "choices-and-changes",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "age", [](const v1::Criterion& c) {
         return c.age().min_years() == 18 && c.age().max_years() == 25;
       });
     }},
    {"Kaizen is currently available in prisons only", "kaizen",
     [](const v1::Intervention& i) {
       return i.status() == v1::INTERVENTION_STATUS_CUSTODY_ONLY &&
              i.regions(0).status() == v1::AVAILABILITY_STATUS_NOT_OFFERED;
     }},
    {"Becoming New Me + is currently available in prisons only", "becoming-new-me-plus",
     [](const v1::Intervention& i) { return i.status() == v1::INTERVENTION_STATUS_CUSTODY_ONLY; }},
    {"The Healthy Sex Programme is currently available in prisons only", "healthy-sex-programme",
     [](const v1::Intervention& i) { return i.status() == v1::INTERVENTION_STATUS_CUSTODY_ONLY; }},
    {"The Self-Change Programme was previously CSAAP accredited", "self-change-programme",
     [](const v1::Intervention& i) {
       return i.status() == v1::INTERVENTION_STATUS_NO_LONGER_ACCREDITED;
     }},
    {"The Cognitive Self-Change Programme was previously CSAAP accredited",
     "cognitive-self-change-programme",
     [](const v1::Intervention& i) {
       return i.status() == v1::INTERVENTION_STATUS_NO_LONGER_ACCREDITED;
     }},
    {"New Me MOT supports graduates of Horizon", "new-me-mot",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "programme-graduate", [](const v1::Criterion& c) {
         return std::count(c.completed_programmes().any_of().begin(),
                           c.completed_programmes().any_of().end(), "horizon") == 1 &&
                c.completed_programmes().any_of_size() == 9;
       });
     }},
    {"Moving On is 8 conversations over at least 14 sessions", "moving-on",
     [](const v1::Intervention& i) {
       return i.delivery().min_sessions() == 14 && i.delivery().components_size() == 8;
     }},
    {"Creating Positive Connections is 12 exercises over at least 8 sessions",
     "creating-positive-connections",
     [](const v1::Intervention& i) {
       return i.delivery().exercises() == 12 && i.delivery().min_sessions() == 8;
     }},
    {"Skills for Relationships is a workbook of 36 exercises", "skills-for-relationships",
     [](const v1::Intervention& i) { return i.delivery().exercises() == 36; }},
    {"SRT is prioritised (not restricted) for medium and high SARA", "skills-for-relationships",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "sara-priority", [](const v1::Criterion& c) {
         return c.effect() == v1::CRITERION_EFFECT_PRIORITY;
       });
     }},
    {"Pathways to Change is 40 exercises for women", "pathways-to-change",
     [](const v1::Intervention& i) {
       return i.delivery().exercises() == 40 && HasCriterion(i, "sex", [](const v1::Criterion& c) {
                return c.sex().sex() == common::v1::SEX_FEMALE;
              });
     }},
    {"Maps for Change has 6 Maps", "maps-for-change",
     [](const v1::Intervention& i) { return i.delivery().components_size() == 6; }},
    {"Responsibly Aware runs over 5-6 sessions", "responsibly-aware",
     [](const v1::Intervention& i) {
       return i.delivery().min_sessions() == 5 && i.delivery().max_sessions() == 6;
     }},
    {"Constructive Conversations is piloted and needs CT-ARC approval",
     "constructive-conversations",
     [](const v1::Intervention& i) {
       return i.status() == v1::INTERVENTION_STATUS_PILOT &&
              HasCriterion(i, "ct-arc-approval", [](const v1::Criterion& c) {
                return absl::StrContains(c.approval().approver(), "CT-ARC");
              });
     }},
    {"Structured interventions are at least four sessions", "stepwise-emotions",
     [](const v1::Intervention& i) { return i.delivery().min_sessions() == 4; }},
    {"Treatment requirements need consent", "drug-rehabilitation-requirement",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "consent", [](const v1::Criterion& c) {
         return c.flag().flag() == v1::PROFILE_FLAG_CONSENTS_TO_TREATMENT &&
                c.flag().required_value();
       });
     }},
    {"High complexity accommodation: the person is homeless or in temporary accommodation",
     "crs-accommodation",
     [](const v1::Intervention& i) {
       return i.complexity_levels_size() == 3 &&
              ComplexityMentions(i, COMPLEXITY_LEVEL_HIGH, "homeless or in temporary/unstable");
     }},
    {"The women's accommodation service adds exiting domestic abuse at high complexity",
     "crs-womens-accommodation",
     [](const v1::Intervention& i) {
       return ComplexityMentions(i, COMPLEXITY_LEVEL_HIGH,
                                 "exiting situations with domestic abuse");
     }},
    {"Women's Dependency and Recovery: co-dependency from a controlling relationship",
     "crs-womens-dependency-and-recovery",
     [](const v1::Intervention& i) {
       return ComplexityMentions(i, COMPLEXITY_LEVEL_MEDIUM, "co-dependency");
     }},
    {"Accommodation CRS outcome: prevented from homelessness", "crs-accommodation",
     [](const v1::Intervention& i) {
       return std::count(i.outcomes().begin(), i.outcomes().end(), "Prevented from homelessness") ==
              1;
     }},
    {"Dependency and Recovery is offered in part of Yorkshire and the Humber",
     "crs-dependency-and-recovery",
     [](const v1::Intervention& i) {
       for (const auto& region : i.regions()) {
         if (region.region() == "yorkshire-and-the-humber") {
           return region.status() == v1::AVAILABILITY_STATUS_OFFERED_IN_PART &&
                  region.pcc_areas_size() == 3;
         }
       }
       return false;
     }},
    {"Personal wellbeing has an Emotional Wellbeing sub-type", "crs-emotional-wellbeing",
     [](const v1::Intervention& i) {
       return i.service_category() == "Personal Wellbeing" &&
              i.service_sub_type() == "Emotional Wellbeing";
     }},
    {"Women's services are for women", "crs-womens-finance-benefit-and-debt",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "sex", [](const v1::Criterion& c) {
         return c.sex().sex() == common::v1::SEX_FEMALE;
       });
     }},
    {"CRS need a RAR on a community or suspended sentence order", "crs-accommodation",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "sentence", [](const v1::Criterion& c) {
         return c.sentence().rar_required_for_size() == 2;
       });
     }},
    {"The acquisitive crime tag needs 30 days left on licence after HDC or re-release",
     "acquisitive-crime-gps-monitoring",
     [](const v1::Intervention& i) {
       return i.delivery().max_months() == 12 &&
              HasCriterion(i, "release", [](const v1::Criterion& c) {
                const auto& branch = c.any_of().criteria(1).all_of();
                return branch.criteria(1).days_remaining().min_days() == 30;
              });
     }},
    {"BBR is for an IPV offence against a female partner", "building-better-relationships",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "female-victim", [](const v1::Criterion& c) {
         return c.victim_sex().any_of_size() == 1 &&
                c.victim_sex().any_of(0) == common::v1::SEX_FEMALE;
       });
     }},
    {"From 26 October 2022 a Standard Determinate Sentence of 90 days is in scope",
     "acquisitive-crime-gps-monitoring",
     [](const v1::Intervention& i) {
       return HasCriterion(i, "sentence-of-90-days", [](const v1::Criterion& c) {
         return c.valid_from() == "2022-10-26" && c.custodial_sentence().min_length_days() == 90;
       });
     }},
};

TEST_F(CatalogueFacts, InterventionsMatchTheBrochures) {
  for (const InterventionFact& fact : kInterventionFacts) {
    EXPECT_TRUE(fact.holds(Get(fact.intervention))) << fact.fact;
  }
}

TEST_F(CatalogueFacts, ThereAreAtLeastFortyFacts) {
  EXPECT_GE(std::size(kRegionalFacts) + std::size(kInterventionFacts), 40u);
}

TEST_F(CatalogueFacts, CountsPerKindMatchTheBrochures) {
  std::map<v1::InterventionKind, int> counts;
  for (const auto& intervention : running_->catalogue->data().interventions()) {
    ++counts[intervention.kind()];
  }
  // The 11 toolkits of the suite and Developing Dialogues, which Constructive Conversations
  // replaces.
  EXPECT_EQ(counts[v1::INTERVENTION_KIND_PRACTITIONER_TOOLKIT], 12);
  EXPECT_EQ(counts[v1::INTERVENTION_KIND_TREATMENT_REQUIREMENT], 3);  // MHTR, DRR, ATR
  // Seven named, and one stand-in per need area for the regions that do not name theirs.
  EXPECT_EQ(counts[v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION], 10);
  EXPECT_EQ(counts[v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE], 14);
  EXPECT_EQ(counts[v1::INTERVENTION_KIND_UNPAID_WORK], 1);
}

}  // namespace
}  // namespace probation::catalogue
