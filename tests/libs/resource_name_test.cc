#include "libs/names/resource_name.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

TEST(ResourceName, OneIdRuleForEveryCollection) {
  for (const char* id : {"london", "kent-surrey-and-sussex", "bbr", "3f2a09b1c4d5e6f7", "a1-b2"}) {
    EXPECT_TRUE(IsResourceId(id)) << id;
  }
  for (const char* id : {"", "a--b", "-a", "a-", "London", "a_b", "a/b", "a b", "é"}) {
    EXPECT_FALSE(IsResourceId(id)) << id;
  }
  EXPECT_TRUE(IsResourceId(std::string(kMaxResourceIdLength, 'a')));
  EXPECT_FALSE(IsResourceId(std::string(kMaxResourceIdLength + 1, 'a')));
}

TEST(ResourceName, ParsesAndFormatsCollectionIdPairs) {
  EXPECT_EQ(ResourceName(kInterventions, "unpaid-work"), "interventions/unpaid-work");
  absl::StatusOr<std::string> id =
      ParseResourceName("intervention", kInterventions, "interventions/unpaid-work");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "unpaid-work");
  for (const char* name : {"", "referrals/unpaid-work", "interventions/", "interventions/a--b",
                           "interventions/unpaid-work/x", "interventionsx/a", "unpaid-work"}) {
    absl::StatusOr<std::string> parsed = ParseResourceName("intervention", kInterventions, name);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("intervention: ")) << name;
  }
}

TEST(ResourceName, IdOfTakesTheIdOutOfANameOfItsCollectionOnly) {
  EXPECT_EQ(IdOf(kRegions, "regions/london"), "london");
  EXPECT_EQ(IdOf(kRegions, "london"), "london");
  EXPECT_EQ(IdOf(kRegions, "regionsx/london"), "regionsx/london");
  EXPECT_EQ(IdOf(kRegions, "regions/"), "");
}

TEST(ResourceName, EchoesAHostileNameShortAndEscaped) {
  const std::string hostile = "interventions/" + std::string(5000, 'x') + "\n\xff";
  const absl::Status status = ParseResourceName("name", kInterventions, hostile).status();
  EXPECT_LT(status.message().size(), 300u);
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("\n")));
}

TEST(ResourceName, CapacityNamesRoundTrip) {
  for (const CapacityNameParts& parts :
       {CapacityNameParts{"bbr", "london", ""},
        CapacityNameParts{"crs-accommodation", "wales", "nacro"}}) {
    absl::StatusOr<CapacityNameParts> parsed = ParseCapacityName("name", FormatCapacityName(parts));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->intervention, parts.intervention);
    EXPECT_EQ(parsed->region, parts.region);
    EXPECT_EQ(parsed->provider, parts.provider);
  }
  EXPECT_EQ(FormatCapacityName({"bbr", "london", ""}), "interventions/bbr/regions/london/capacity");
  for (const char* name :
       {"interventions/bbr/regions/london", "interventions/bbr/regions/a--b/capacity",
        "interventions/bbr/providers/london/capacity",
        "interventions/bbr/regions/london/providers//capacity"}) {
    EXPECT_EQ(ParseCapacityName("name", name).status().code(), absl::StatusCode::kInvalidArgument)
        << name;
  }
}

}  // namespace
}  // namespace probation
