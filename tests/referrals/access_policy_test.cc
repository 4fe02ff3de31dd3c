#include "services/referrals/domain/access_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

TEST(AccessPolicy, TheEmbeddedPolicyLoadsAndSaysWhoMayDoWhat) {
  absl::StatusOr<AccessPolicy> policy = AccessPolicy::LoadEmbedded();
  ASSERT_TRUE(policy.ok()) << policy.status();
  const auto& practitioner = policy->For(common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(practitioner.scope(), data::v1::SCOPE_OWN_REGION);
  EXPECT_TRUE(practitioner.refers());
  EXPECT_EQ(practitioner.caseload(), data::v1::CASELOAD_REFERRED);
  EXPECT_FALSE(practitioner.exports_person_data());
  const auto& provider = policy->For(common::v1::ROLE_SERVICE_PROVIDER);
  EXPECT_EQ(provider.scope(), data::v1::SCOPE_OWN_PROVIDER);
  EXPECT_FALSE(provider.refers());
  EXPECT_EQ(provider.sets_capacity(), data::v1::CAPACITY_GRANT_CRS);
  EXPECT_TRUE(policy->For(common::v1::ROLE_ADMIN).exports_person_data());
  // A service calling on its own behalf, or nobody, has no access at all.
  for (common::v1::Role role : {common::v1::ROLE_SERVICE, common::v1::ROLE_UNSPECIFIED}) {
    EXPECT_EQ(policy->For(role).scope(), data::v1::SCOPE_UNSPECIFIED);
    EXPECT_FALSE(policy->For(role).refers());
  }
}

TEST(AccessPolicy, RefusesAPolicyThatCannotBeApplied) {
  const struct {
    const char* text;
    const char* problem;
  } cases[] = {
      {R"(roles { role: ROLE_ADMIN scope: SCOPE_EVERYTHING reason: "a" }
          roles { role: ROLE_ADMIN scope: SCOPE_EVERYTHING reason: "b" })",
       "listed twice"},
      {R"(roles { role: ROLE_SERVICE scope: SCOPE_EVERYTHING reason: "a" })", "person's role"},
      {R"(roles { role: ROLE_ADMIN scope: SCOPE_EVERYTHING })", "no reason"},
      {R"(roles { role: ROLE_ADMIN refers: true reason: "a" })", "no scope"},
      {R"(roles { role: ROLE_SERVICE_PROVIDER scope: SCOPE_OWN_PROVIDER refers: true
                  reason: "a" })",
       "not a region"},
      {R"(roles { role: ROLE_ADMIN scope: SCOPE_EVERYWHERE reason: "a" })", "SCOPE_EVERYWHERE"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<AccessPolicy> policy = AccessPolicy::Load(c.text, "test policy");
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(policy.status().message()), HasSubstr(c.problem)) << c.text;
  }
}

}  // namespace
}  // namespace probation::referrals
