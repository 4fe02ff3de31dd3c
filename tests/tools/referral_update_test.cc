// `probation referrals update`: the mask names exactly the fields whose flags were given, the
// etag and the rest of the person come from the referral as it stands when not given.
#include "tools/probation/referral_update.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation::cli {
namespace {

using referrals::v1::Referral;
using referrals::v1::UpdateReferralRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<UpdateReferralRequest> Build(const Options& options) {
  std::istringstream in;
  return BuildUpdateReferralRequest("referrals/abc", options, in);
}

Referral Current() {
  Referral current;
  current.set_name("referrals/abc");
  current.set_etag("etag-7");
  current.set_region("london");
  current.mutable_person()->set_crn("X123456");
  current.mutable_person()->set_sex(common::v1::SEX_MALE);
  current.mutable_person()->set_rosh(common::v1::RISK_LEVEL_LOW);
  return current;
}

TEST(ReferralUpdate, MasksOnlyTheFieldsGiven) {
  const absl::StatusOr<UpdateReferralRequest> request =
      Build({{"etag", "e1"},
             {"reason_for_referral", "needs support with housing"},
             {"complexity_level", "medium"},
             {"desired_outcomes", "Finds a home; keeps it"}});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->update_mask().paths(),
              ElementsAre("reason_for_referral", "complexity_level", "desired_outcomes"));
  EXPECT_EQ(request->referral().name(), "referrals/abc");
  EXPECT_EQ(request->referral().etag(), "e1");
  EXPECT_EQ(request->referral().reason_for_referral(), "needs support with housing");
  EXPECT_EQ(request->referral().complexity_level(), common::v1::COMPLEXITY_LEVEL_MEDIUM);
  EXPECT_THAT(request->referral().desired_outcomes(), ElementsAre("Finds a home", "keeps it"));
  EXPECT_FALSE(NeedsCurrentReferral({{"etag", "e1"}}, *request));
}

TEST(ReferralUpdate, AnEmptyValueClearsTheField) {
  const absl::StatusOr<UpdateReferralRequest> request = Build({{"etag", "e1"}, {"provider", ""}});
  ASSERT_TRUE(request.ok());
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("provider"));
  EXPECT_EQ(request->referral().provider(), "");
}

TEST(ReferralUpdate, ProfileFlagsChangeThePersonOverTheCurrentOne) {
  const Options options = {{"rosh", "high"}, {"region", "wales"}};
  absl::StatusOr<UpdateReferralRequest> request = Build(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("person", "region"));
  ASSERT_TRUE(NeedsCurrentReferral(options, *request));
  ASSERT_TRUE(CompleteFromCurrentReferral(options, Current(), *request).ok());
  EXPECT_EQ(request->referral().etag(), "etag-7");
  EXPECT_EQ(request->referral().region(), "wales");
  EXPECT_EQ(request->referral().person().crn(), "X123456");
  EXPECT_EQ(request->referral().person().sex(), common::v1::SEX_MALE);
  EXPECT_EQ(request->referral().person().rosh(), common::v1::RISK_LEVEL_HIGH);
}

TEST(ReferralUpdate, APersonFileReplacesThePersonAndNeedsOnlyTheEtag) {
  const Options options = {{"person", "-"}, {"sara", "medium"}};
  std::istringstream in(R"({"crn": "Z111111"})");
  absl::StatusOr<UpdateReferralRequest> request =
      BuildUpdateReferralRequest("referrals/abc", options, in);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(NeedsCurrentReferral(options, *request));
  ASSERT_TRUE(CompleteFromCurrentReferral(options, Current(), *request).ok());
  EXPECT_EQ(request->referral().person().crn(), "Z111111");
  EXPECT_EQ(request->referral().person().sex(), common::v1::SEX_UNSPECIFIED);
  EXPECT_EQ(request->referral().person().sara(), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(request->referral().etag(), "etag-7");
}

TEST(ReferralUpdate, RefusesNothingToUpdateAndBadValuesNamingTheFlag) {
  EXPECT_THAT(Build({{"etag", "e1"}}).status().message(), HasSubstr("nothing to update"));
  EXPECT_THAT(Build({{"complexity_level", "extreme"}}).status().message(),
              HasSubstr("--complexity_level: unknown value 'extreme'"));
  EXPECT_THAT(Build({{"sex", "x"}}).status().message(), HasSubstr("--sex: unknown value 'x'"));
}

}  // namespace
}  // namespace probation::cli
