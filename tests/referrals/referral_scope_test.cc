// Who may see which referrals, and how lists are narrowed, without a network.
#include "services/referrals/domain/referral_scope.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/referrals/domain/case_access_rules.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

Identity MakeCaller(common::v1::Role role, std::string region, std::string provider) {
  Identity caller;
  caller.actor = "someone";
  caller.role = role;
  caller.region = std::move(region);
  caller.provider = std::move(provider);
  return caller;
}

v1::Referral MakeReferral(std::string region, std::string provider) {
  v1::Referral referral;
  referral.set_name("referrals/abc");
  referral.set_region(std::move(region));
  referral.set_provider(std::move(provider));
  return referral;
}

TEST(ReferralScopeTest, EachRoleSeesItsOwnShare) {
  const v1::Referral referral = MakeReferral("london", "nacro");
  EXPECT_TRUE(InScope(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", ""), referral));
  EXPECT_FALSE(InScope(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "wales", ""), referral));
  EXPECT_TRUE(InScope(MakeCaller(common::v1::ROLE_PROGRAMME_TEAM, "london", ""), referral));
  EXPECT_TRUE(InScope(MakeCaller(common::v1::ROLE_SERVICE_PROVIDER, "", "nacro"), referral));
  EXPECT_FALSE(InScope(MakeCaller(common::v1::ROLE_SERVICE_PROVIDER, "london", "other"), referral));
  EXPECT_TRUE(InScope(MakeCaller(common::v1::ROLE_ADMIN, "", ""), referral));
  EXPECT_FALSE(InScope(MakeCaller(common::v1::ROLE_UNSPECIFIED, "london", "nacro"), referral));
}

TEST(ReferralScopeTest, AnEmptyRegionOrProviderMatchesNothing) {
  // A referral with no provider must not be visible to a provider token without one.
  EXPECT_FALSE(
      InScope(MakeCaller(common::v1::ROLE_SERVICE_PROVIDER, "", ""), MakeReferral("london", "")));
  EXPECT_FALSE(InScope(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "", ""),
                       MakeReferral("", "nacro")));
}

// Limited-access cases: an exclusion keeps the named staff out, a restriction everyone but the
// named staff; an admin, who manages them, is kept out of none. Lists leave them out.
TEST(ReferralScopeTest, LimitedAccessCasesKeepOutWhomTheyName) {
  v1::Referral excluded = MakeReferral("london", "");
  excluded.mutable_person()->set_crn("L000001");
  v1::Referral restricted = MakeReferral("london", "");
  restricted.mutable_person()->set_crn("L000002");
  v1::CaseAccess exclusion;
  exclusion.set_name("cases/L000001/access");
  exclusion.add_excluded_actors("relative");
  v1::CaseAccess restriction;
  restriction.set_name("cases/L000002/access");
  restriction.add_restricted_to_actors("trusted");
  CaseAccessRules::Process().Replace({exclusion, restriction});

  Identity relative = MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", "");
  relative.actor = "relative";
  Identity trusted = relative;
  trusted.actor = "trusted";
  Identity admin = MakeCaller(common::v1::ROLE_ADMIN, "", "");
  admin.actor = "relative";
  EXPECT_FALSE(InScope(relative, excluded));
  EXPECT_EQ(CheckInScope(relative, excluded).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(InScope(trusted, excluded));
  EXPECT_FALSE(InScope(relative, restricted));
  EXPECT_TRUE(InScope(trusted, restricted));
  EXPECT_TRUE(InScope(admin, excluded));
  EXPECT_TRUE(InScope(admin, restricted));

  ListQuery query;
  ASSERT_TRUE(NarrowToScope(relative, query).ok());
  EXPECT_THAT(query.hidden_crns, ::testing::UnorderedElementsAre("L000001", "L000002"));
  ListQuery trusted_query;
  ASSERT_TRUE(NarrowToScope(trusted, trusted_query).ok());
  EXPECT_TRUE(trusted_query.hidden_crns.empty());

  CaseAccessRules::Process().Remove("L000001");
  EXPECT_TRUE(InScope(relative, excluded));
  CaseAccessRules::Process().Replace({});
  EXPECT_TRUE(InScope(relative, restricted));
}

TEST(ReferralScopeTest, OutOfScopeReadsAsMissing) {
  const absl::Status status = CheckInScope(
      MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "wales", ""), MakeReferral("london", ""));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no referral referrals/abc");
}

TEST(ReferralScopeTest, StaffCreateOnlyInTheirRegion) {
  EXPECT_TRUE(CheckMayCreate(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", ""),
                             MakeReferral("london", ""))
                  .ok());
  const absl::Status elsewhere = CheckMayCreate(
      MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", ""), MakeReferral("wales", ""));
  EXPECT_EQ(elsewhere.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(elsewhere.message(), HasSubstr("referral.region"));
  EXPECT_TRUE(
      CheckMayCreate(MakeCaller(common::v1::ROLE_ADMIN, "", ""), MakeReferral("wales", "")).ok());
}

TEST(ReferralScopeTest, ListsAreNarrowedToTheCallersScope) {
  ListQuery query;
  ASSERT_TRUE(
      NarrowToScope(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", ""), query).ok());
  EXPECT_EQ(query.region, "london");

  ListQuery by_provider;
  by_provider.region = "wales";
  ASSERT_TRUE(
      NarrowToScope(MakeCaller(common::v1::ROLE_SERVICE_PROVIDER, "", "nacro"), by_provider).ok());
  EXPECT_EQ(by_provider.provider, "nacro");
  EXPECT_EQ(by_provider.region, "wales") << "a provider may still filter by region";

  ListQuery other_region;
  other_region.region = "wales";
  const absl::Status refused = NarrowToScope(
      MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "london", ""), other_region);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("region"));

  ListQuery everything;
  ASSERT_TRUE(NarrowToScope(MakeCaller(common::v1::ROLE_ADMIN, "", ""), everything).ok());
  EXPECT_TRUE(everything.region.empty());
  EXPECT_TRUE(everything.provider.empty());

  ListQuery anything;
  EXPECT_EQ(
      NarrowToScope(MakeCaller(common::v1::ROLE_PROBATION_PRACTITIONER, "", ""), anything).code(),
      absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace probation::referrals
