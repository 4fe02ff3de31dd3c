// Referral and intervention ids as people type them: bare or as resource names.
#include "tools/probation/resource_names.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation::cli {
namespace {

using ::testing::HasSubstr;

TEST(ResourceNames, AcceptsABareIdOrTheResourceName) {
  EXPECT_EQ(*ReferralName("abc123", "referral"), "referrals/abc123");
  EXPECT_EQ(*ReferralName("referrals/abc123", "referral"), "referrals/abc123");
  EXPECT_EQ(*ReferralName(" abc123 ", "referral"), "referrals/abc123");
  EXPECT_EQ(*InterventionName("building-better-relationships", "intervention"),
            "interventions/building-better-relationships");
  EXPECT_EQ(*InterventionName("interventions/building-better-relationships", "intervention"),
            "interventions/building-better-relationships");
}

TEST(ResourceNames, RefusesEmptyNestedAndForeignNamesNamingWhatWasExpected) {
  for (const char* text : {"", "referrals/", "interventions/x", "referrals/a/b", "a b"}) {
    const absl::StatusOr<std::string> name = ReferralName(text, "referral");
    EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(name.status().message(), HasSubstr("referral: expected an id or referrals/<id>"));
  }
  EXPECT_THAT(InterventionName("referrals/abc", "--intervention").status().message(),
              HasSubstr("--intervention: expected an id or interventions/<id>, got "
                        "'referrals/abc'"));
}

}  // namespace
}  // namespace probation::cli
