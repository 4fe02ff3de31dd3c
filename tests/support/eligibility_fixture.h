// The eligibility domain over the embedded catalogue and pathway policy, with a fixed
// "today", for tests that need no network.
#ifndef PROBATION_TESTS_SUPPORT_ELIGIBILITY_FIXTURE_H_
#define PROBATION_TESTS_SUPPORT_ELIGIBILITY_FIXTURE_H_

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/eligibility/catalogue_snapshot.h"
#include "services/eligibility/eligibility_checker.h"
#include "services/eligibility/pathway_builder.h"

namespace probation::testing {

// The date the tests' profiles are judged at when they give no as_of_date.
inline constexpr absl::CivilDay kTestToday(2026, 11, 25);

inline std::shared_ptr<const eligibility::CatalogueSnapshot> EmbeddedSnapshot() {
  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded");
  EXPECT_TRUE(data.ok()) << data.status();
  auto snapshot = eligibility::CatalogueSnapshot::Build(
      {data->interventions().begin(), data->interventions().end()},
      {data->regions().begin(), data->regions().end()});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return *snapshot;
}

inline std::shared_ptr<const eligibility::PathwayBuilder> EmbeddedPathway() {
  auto policy = eligibility::LoadPathwayPolicy(eligibility::EmbeddedPathwayPolicyText(),
                                               "embedded pathway policy");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return std::make_shared<const eligibility::PathwayBuilder>(*std::move(policy));
}

inline std::shared_ptr<const eligibility::EligibilityChecker> EmbeddedChecker() {
  return std::make_shared<const eligibility::EligibilityChecker>(
      EmbeddedSnapshot(), EmbeddedPathway(), [] { return kTestToday; });
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_ELIGIBILITY_FIXTURE_H_
