#include "services/eligibility/profile_validator.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/support/eligibility_fixture.h"

namespace probation::eligibility {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kValid[] = R"data(
crn: "X123456" date_of_birth: "1990-05-01" sex: SEX_MALE region: "london"
sentence: SENTENCE_TYPE_COMMUNITY_ORDER offences: OFFENCE_CATEGORY_VIOLENCE
needs { area: NEED_AREA_ACCOMMODATION complexity: COMPLEXITY_LEVEL_HIGH }
)data";

class ProfileValidatorTest : public ::testing::Test {
 protected:
  common::v1::PersonProfile Valid() const {
    common::v1::PersonProfile profile;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kValid, &profile));
    return profile;
  }

  absl::StatusOr<ProfileFacts> Validate(const common::v1::PersonProfile& profile) const {
    return ValidateProfile(profile, "person", *snapshot_, testing::kTestToday);
  }

  // The field the error names in its google.rpc.BadRequest, and its message.
  std::string FieldOf(const common::v1::PersonProfile& profile) const {
    absl::StatusOr<ProfileFacts> facts = Validate(profile);
    EXPECT_EQ(facts.status().code(), absl::StatusCode::kInvalidArgument);
    auto payload = facts.status().GetPayload("type.googleapis.com/google.rpc.BadRequest");
    EXPECT_TRUE(payload.has_value());
    google::rpc::BadRequest bad_request;
    if (payload.has_value()) bad_request.ParseFromString(std::string(*payload));
    EXPECT_EQ(bad_request.field_violations_size(), 1);
    return bad_request.field_violations_size() == 1 ? bad_request.field_violations(0).field() : "";
  }

  std::shared_ptr<const CatalogueSnapshot> snapshot_ = testing::EmbeddedSnapshot();
};

TEST_F(ProfileValidatorTest, WorksOutTheFactsOfAValidProfile) {
  const common::v1::PersonProfile profile = Valid();
  absl::StatusOr<ProfileFacts> facts = Validate(profile);
  ASSERT_TRUE(facts.ok()) << facts.status();
  EXPECT_EQ(facts->age_years, 36);
  EXPECT_EQ(facts->as_of, testing::kTestToday);
  EXPECT_EQ(facts->region, "london");
  EXPECT_TRUE(facts->HasOffence(common::v1::OFFENCE_CATEGORY_VIOLENCE));
  EXPECT_FALSE(facts->HasOffence(common::v1::OFFENCE_CATEGORY_SEXUAL));
  EXPECT_TRUE(facts->HasNeed(common::v1::NEED_AREA_ACCOMMODATION));
}

TEST_F(ProfileValidatorTest, ChecksVictimsAndTheCustodialSentence) {
  common::v1::PersonProfile profile = Valid();
  profile.add_ipv_victim_sexes(common::v1::SEX_FEMALE);
  profile.set_custodial_sentence_type(common::v1::CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE);
  profile.set_custodial_sentence_days(120);
  profile.set_release_type(common::v1::RELEASE_TYPE_HOME_DETENTION_CURFEW);
  EXPECT_TRUE(Validate(profile).ok());

  common::v1::PersonProfile unspecified_victim = Valid();
  unspecified_victim.add_ipv_victim_sexes(common::v1::SEX_UNSPECIFIED);
  EXPECT_EQ(FieldOf(unspecified_victim), "person.ipv_victim_sexes[0]");
  common::v1::PersonProfile unknown_victim = Valid();
  unknown_victim.add_ipv_victim_sexes(static_cast<common::v1::Sex>(7));
  EXPECT_EQ(FieldOf(unknown_victim), "person.ipv_victim_sexes[0]");
  common::v1::PersonProfile negative = Valid();
  negative.set_custodial_sentence_days(-1);
  EXPECT_EQ(FieldOf(negative), "person.custodial_sentence_days");
  common::v1::PersonProfile endless = Valid();
  endless.set_custodial_sentence_days(1'000'000);
  EXPECT_EQ(FieldOf(endless), "person.custodial_sentence_days");
  common::v1::PersonProfile release = Valid();
  release.set_release_type(static_cast<common::v1::ReleaseType>(99));
  EXPECT_EQ(FieldOf(release), "person.release_type");
  common::v1::PersonProfile proposed = Valid();
  proposed.add_proposed_requirements("unpaid-work");
  proposed.add_proposed_requirements("basket-weaving");
  EXPECT_EQ(FieldOf(proposed), "person.proposed_requirements[1]");
  common::v1::PersonProfile type = Valid();
  type.set_custodial_sentence_type(static_cast<common::v1::CustodialSentenceType>(99));
  EXPECT_EQ(FieldOf(type), "person.custodial_sentence_type");
}

TEST_F(ProfileValidatorTest, TheCrnIsRequiredAndShaped) {
  for (const char* crn : {"", "x123456", "X12345", "X1234567", "12345678", "XX23456"}) {
    common::v1::PersonProfile profile = Valid();
    profile.set_crn(crn);
    EXPECT_EQ(FieldOf(profile), "person.crn") << crn;
  }
  common::v1::PersonProfile profile = Valid();
  profile.set_crn("x123456");
  EXPECT_THAT(std::string(Validate(profile).status().message()),
              StartsWith("person.crn: must be one capital letter and six digits"));
}

TEST_F(ProfileValidatorTest, RefusesImpossibleAndMalformedDates) {
  for (const char* date : {"2023-02-29", "1990-13-01", "1990-1-01", "01/05/1990", "1990-05-32"}) {
    common::v1::PersonProfile profile = Valid();
    profile.set_date_of_birth(date);
    EXPECT_EQ(FieldOf(profile), "person.date_of_birth") << date;
  }
  common::v1::PersonProfile profile = Valid();
  profile.set_as_of_date("2026-02-30");
  EXPECT_EQ(FieldOf(profile), "person.as_of_date");
}

TEST_F(ProfileValidatorTest, RefusesBirthsAfterTheAsOfDateAndImplausibleAges) {
  common::v1::PersonProfile profile = Valid();
  profile.set_date_of_birth("2027-01-01");
  EXPECT_THAT(std::string(Validate(profile).status().message()),
              HasSubstr("is after the as-of date 2026-11-25"));
  profile.set_date_of_birth("2020-01-01");
  EXPECT_THAT(std::string(Validate(profile).status().message()),
              HasSubstr("gives an age of 6 on 2026-11-25"));
  profile.set_date_of_birth("1890-01-01");
  EXPECT_EQ(FieldOf(profile), "person.date_of_birth");
}

TEST_F(ProfileValidatorTest, AnUnrecordedDateOfBirthLeavesTheAgeUnknown) {
  common::v1::PersonProfile profile = Valid();
  profile.clear_date_of_birth();
  absl::StatusOr<ProfileFacts> facts = Validate(profile);
  ASSERT_TRUE(facts.ok());
  EXPECT_FALSE(facts->age_years.has_value());
}

TEST_F(ProfileValidatorTest, RefusesAnUnknownRegionListingTheKnownOnes) {
  common::v1::PersonProfile profile = Valid();
  profile.set_region("narnia");
  EXPECT_EQ(FieldOf(profile), "person.region");
  EXPECT_THAT(std::string(Validate(profile).status().message()),
              HasSubstr("unknown region \"narnia\"; expected one of north-west"));
}

TEST_F(ProfileValidatorTest, ChecksThePccAreaAgainstTheRegion) {
  common::v1::PersonProfile profile = Valid();
  profile.set_pcc_area("Durham");
  EXPECT_EQ(FieldOf(profile), "person.pcc_area");
  profile.set_pcc_area("durham");
  EXPECT_THAT(std::string(Validate(profile).status().message()),
              HasSubstr("\"durham\" is in region \"north-east\", not \"london\""));
  // The brochures name only some PCC areas; a well-formed unknown one is accepted.
  profile.set_pcc_area("metropolitan");
  EXPECT_TRUE(Validate(profile).ok());
}

TEST_F(ProfileValidatorTest, AKnownPccAreaAlonePlacesThePersonInItsRegion) {
  common::v1::PersonProfile profile = Valid();
  profile.clear_region();
  profile.set_pcc_area("thames-valley");
  absl::StatusOr<ProfileFacts> facts = Validate(profile);
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->region, "south-central");
}

TEST_F(ProfileValidatorTest, NamesTheEntryOfABadRepeatedField) {
  common::v1::PersonProfile profile = Valid();
  profile.add_offences(common::v1::OFFENCE_CATEGORY_UNSPECIFIED);
  EXPECT_EQ(FieldOf(profile), "person.offences[1]");

  profile = Valid();
  profile.add_needs()->set_area(common::v1::NEED_AREA_UNSPECIFIED);
  EXPECT_EQ(FieldOf(profile), "person.needs[1].area");

  profile = Valid();
  profile.add_completed_programmes("horizon");
  profile.add_completed_programmes("hooks-and-ladders");
  EXPECT_EQ(FieldOf(profile), "person.completed_programmes[1]");
}

TEST_F(ProfileValidatorTest, RefusesEnumValuesOutsideTheContract) {
  common::v1::PersonProfile profile = Valid();
  profile.set_sex(static_cast<common::v1::Sex>(7));
  EXPECT_EQ(FieldOf(profile), "person.sex");
  profile = Valid();
  profile.set_sara(static_cast<common::v1::RiskLevel>(42));
  EXPECT_EQ(FieldOf(profile), "person.sara");
  profile = Valid();
  profile.set_sentence(static_cast<common::v1::SentenceType>(99));
  EXPECT_EQ(FieldOf(profile), "person.sentence");
}

TEST_F(ProfileValidatorTest, RefusesNegativeDaysRemaining) {
  common::v1::PersonProfile profile = Valid();
  profile.set_days_remaining_on_sentence(-1);
  EXPECT_EQ(FieldOf(profile), "person.days_remaining_on_sentence");
}

TEST(AgeInYears, ALeapDayBirthdayFallsOnTheFirstOfMarch) {
  const absl::CivilDay born(2008, 2, 29);
  EXPECT_EQ(AgeInYears(born, absl::CivilDay(2026, 2, 28)), 17);
  EXPECT_EQ(AgeInYears(born, absl::CivilDay(2026, 3, 1)), 18);
  EXPECT_EQ(AgeInYears(born, absl::CivilDay(2028, 2, 29)), 20);
}

TEST(ParseIsoDate, AcceptsOnlyRealCalendarDates) {
  absl::CivilDay day;
  EXPECT_TRUE(ParseIsoDate("2024-02-29", &day));
  EXPECT_EQ(day, absl::CivilDay(2024, 2, 29));
  EXPECT_FALSE(ParseIsoDate("2023-02-29", &day));
  EXPECT_FALSE(ParseIsoDate("2023-2-28", &day));
  EXPECT_FALSE(ParseIsoDate("2023-02-28T00:00", &day));
  EXPECT_FALSE(ParseIsoDate("", &day));
}

}  // namespace
}  // namespace probation::eligibility
