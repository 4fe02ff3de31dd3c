// Friendly enum names: every value of every enum the CLI reads or prints survives the round
// trip, the proto name is accepted too, and a wrong value is refused with the accepted list.
#include "tools/probation/enum_names.h"

#include <set>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/common/v1/person_profile.pb.h"
#include "probation/eligibility/v1/verdict.pb.h"
#include "probation/referrals/v1/referral.pb.h"
#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<const google::protobuf::EnumDescriptor*> EnumsTheCliUses() {
  return {common::v1::Sex_descriptor(),
          common::v1::SentenceType_descriptor(),
          common::v1::OffenceCategory_descriptor(),
          common::v1::RiskLevel_descriptor(),
          common::v1::NeedArea_descriptor(),
          common::v1::ComplexityLevel_descriptor(),
          catalogue::v1::InterventionKind_descriptor(),
          catalogue::v1::InterventionStatus_descriptor(),
          catalogue::v1::AvailabilityScope_descriptor(),
          catalogue::v1::AvailabilityStatus_descriptor(),
          catalogue::v1::CriterionEffect_descriptor(),
          eligibility::v1::Outcome_descriptor(),
          eligibility::v1::Result_descriptor(),
          referrals::v1::ReferralState_descriptor(),
          common::v1::Role_descriptor(),
          referrals::v1::ReferralEvent::Type_descriptor()};
}

TEST(EnumNames, EveryValueOfEveryEnumRoundTripsThroughItsFriendlyAndProtoNames) {
  for (const google::protobuf::EnumDescriptor* type : EnumsTheCliUses()) {
    std::set<std::string> seen;
    for (int i = 0; i < type->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor* value = type->value(i);
      const std::string friendly = FriendlyName(*value);
      SCOPED_TRACE(value->full_name() + " as " + friendly);
      EXPECT_TRUE(seen.insert(friendly).second) << "two values share a name";
      EXPECT_THAT(friendly, Not(HasSubstr("_")));
      EXPECT_EQ(friendly, absl::AsciiStrToLower(friendly));
      EXPECT_EQ(*ParseEnumValue(*type, friendly), value);
      EXPECT_EQ(*ParseEnumValue(*type, value->name()), value);
    }
  }
}

TEST(EnumNames, StripsTheEnumsPrefix) {
  EXPECT_EQ(FriendlyName(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER), "community-order");
  EXPECT_EQ(FriendlyName(common::v1::RISK_LEVEL_VERY_HIGH), "very-high");
  EXPECT_EQ(FriendlyName(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE),
            "commissioned-rehabilitative-service");
  EXPECT_EQ(FriendlyName(referrals::v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED),
            "end-of-service-report-submitted");
  EXPECT_EQ(FriendlyName(referrals::v1::ReferralEvent::TYPE_SUBMITTED), "submitted");
}

TEST(EnumNames, AcceptsUnderscoresAndAnyCase) {
  EXPECT_EQ(*ParseEnum<common::v1::SentenceType>("Community_Order"),
            common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
  EXPECT_EQ(*ParseEnum<common::v1::SentenceType>("SENTENCE_TYPE_LICENCE"),
            common::v1::SENTENCE_TYPE_LICENCE);
  EXPECT_EQ(ParseEnum<common::v1::NeedArea>("community-order").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseEnum<common::v1::RiskLevel>(" high "), common::v1::RISK_LEVEL_HIGH);
}

TEST(EnumNames, AnUnknownValueListsTheAcceptedOnesWithoutTheUnsetOne) {
  const absl::StatusOr<common::v1::Sex> sex = ParseEnum<common::v1::Sex>("woman");
  ASSERT_EQ(sex.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sex.status().message(), "unknown value 'woman'; accepted: male, female");
}

TEST(EnumNames, AnUnknownNumberPrintsAsTheNumber) {
  EXPECT_EQ(FriendlyName(*common::v1::Sex_descriptor(), 42), "42");
}

}  // namespace
}  // namespace probation::cli
