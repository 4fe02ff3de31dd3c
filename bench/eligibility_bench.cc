// How long the eligibility engine takes for one person. The figure to watch is
// BM_ScreenWholeCatalogue: every intervention in the catalogue judged for one validated
// person, the work behind a screening (issue 7's target: at most 20 microseconds of CPU).
// The others add validation, explanations and the pathway, as the RPCs do.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/eligibility/eligibility_checker.h"
#include "services/eligibility/profile_validator.h"
#include "tests/support/profile_generator.h"

namespace probation::eligibility {
namespace {

constexpr absl::CivilDay kToday(2026, 11, 25);
constexpr int kPeople = 256;

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << value.status() << "\n";
    std::abort();
  }
  return *std::move(value);
}

// Built once: the embedded catalogue and pathway policy, and varied people.
struct Setup {
  Setup() {
    catalogue::data::v1::Catalogue data =
        OrDie(catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded"));
    snapshot =
        OrDie(CatalogueSnapshot::Build({data.interventions().begin(), data.interventions().end()},
                                       {data.regions().begin(), data.regions().end()}));
    auto pathway = std::make_shared<const PathwayBuilder>(
        OrDie(LoadPathwayPolicy(EmbeddedPathwayPolicyText(), "embedded")));
    checker = std::make_unique<EligibilityChecker>(snapshot, pathway, [] { return kToday; });
    people = testing::GenerateProfiles(kPeople);
    for (const auto& person : people) {
      facts.push_back(OrDie(ValidateProfile(person, "person", *snapshot, kToday)));
    }
  }

  std::shared_ptr<const CatalogueSnapshot> snapshot;
  std::unique_ptr<EligibilityChecker> checker;
  std::vector<common::v1::PersonProfile> people;
  std::vector<ProfileFacts> facts;
};

const Setup& Shared() {
  static const Setup* setup = new Setup();
  return *setup;
}

void BM_ScreenWholeCatalogue(benchmark::State& state) {
  const Setup& setup = Shared();
  const EligibilityEngine& engine = setup.checker->engine();
  size_t i = 0;
  for (auto _ : state) {
    Screening screening = engine.Screen(setup.facts[i++ % kPeople]);
    benchmark::DoNotOptimize(screening);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["interventions"] = static_cast<double>(setup.snapshot->interventions().size());
}
BENCHMARK(BM_ScreenWholeCatalogue);

void BM_ValidateAndScreen(benchmark::State& state) {
  const Setup& setup = Shared();
  size_t i = 0;
  for (auto _ : state) {
    ProfileFacts facts =
        OrDie(ValidateProfile(setup.people[i++ % kPeople], "person", *setup.snapshot, kToday));
    Screening screening = setup.checker->engine().Screen(facts);
    benchmark::DoNotOptimize(screening);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateAndScreen);

void BM_ScreenCaseloadEligibleOnlyWithPathway(benchmark::State& state) {
  const Setup& setup = Shared();
  std::vector<v1::ScreenCaseloadRequest> requests(kPeople);
  for (int p = 0; p < kPeople; ++p) {
    *requests[p].mutable_person() = setup.people[p];
    requests[p].set_eligible_only(true);
    requests[p].set_include_pathway(true);
  }
  size_t i = 0;
  for (auto _ : state) {
    auto response = setup.checker->Screen(requests[i++ % kPeople]);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScreenCaseloadEligibleOnlyWithPathway);

void BM_FindEligibleInterventionsFullView(benchmark::State& state) {
  const Setup& setup = Shared();
  std::vector<v1::FindEligibleInterventionsRequest> requests(kPeople);
  for (int p = 0; p < kPeople; ++p) *requests[p].mutable_person() = setup.people[p];
  size_t i = 0;
  for (auto _ : state) {
    auto response = setup.checker->FindEligibleInterventions(requests[i++ % kPeople]);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindEligibleInterventionsFullView);

}  // namespace
}  // namespace probation::eligibility

BENCHMARK_MAIN();
