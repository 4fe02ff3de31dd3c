// The person profile from the command line: one flag per PersonProfile field, friendly enum
// values, lists, optional booleans kept unset unless given, a JSON file or stdin under the
// flags, and errors that name the flag.
#include "tools/probation/profile_flags.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace probation::cli {
namespace {

using common::v1::PersonProfile;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<PersonProfile> FromFlags(const Options& options, const std::string& input = "") {
  std::istringstream in(input);
  return ProfileFromOptions(options, in);
}

std::string WriteTempFile(const std::string& contents) {
  char path[] = "/tmp/probation-profile-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << contents;
  return path;
}

TEST(ProfileFlags, BuildsAProfileFromFlags) {
  const absl::StatusOr<PersonProfile> profile = FromFlags({
      {"crn", "X123456"},
      {"date_of_birth", "1990-04-01"},
      {"as_of_date", "2025-01-01"},
      {"sex", "male"},
      {"person_region", "north-east"},
      {"pcc_area", "durham"},
      {"sentence", "community-order"},
      {"has_rar", "true"},
      {"offences", "intimate-partner-violence, VIOLENCE"},
      {"risk_of_reoffending", "medium"},
      {"rosh", "very-high"},
      {"sara", "RISK_LEVEL_HIGH"},
      {"needs", "accommodation:high,substance-misuse"},
      {"alcohol_dependent", "no"},
      {"consents_to_treatment", "yes"},
      {"completed_programmes", "thinking-skills-programme"},
      {"days_remaining_on_sentence", "200"},
  });
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->crn(), "X123456");
  EXPECT_EQ(profile->date_of_birth(), "1990-04-01");
  EXPECT_EQ(profile->as_of_date(), "2025-01-01");
  EXPECT_EQ(profile->sex(), common::v1::SEX_MALE);
  EXPECT_EQ(profile->region(), "north-east");
  EXPECT_EQ(profile->pcc_area(), "durham");
  EXPECT_EQ(profile->sentence(), common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
  EXPECT_TRUE(profile->has_has_rar() && profile->has_rar());
  ASSERT_EQ(profile->offences_size(), 2);
  EXPECT_EQ(profile->offences(0), common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE);
  EXPECT_EQ(profile->offences(1), common::v1::OFFENCE_CATEGORY_VIOLENCE);
  EXPECT_EQ(profile->risk_of_reoffending(), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(profile->rosh(), common::v1::RISK_LEVEL_VERY_HIGH);
  EXPECT_EQ(profile->sara(), common::v1::RISK_LEVEL_HIGH);
  ASSERT_EQ(profile->needs_size(), 2);
  EXPECT_EQ(profile->needs(0).area(), common::v1::NEED_AREA_ACCOMMODATION);
  EXPECT_EQ(profile->needs(0).complexity(), common::v1::COMPLEXITY_LEVEL_HIGH);
  EXPECT_EQ(profile->needs(1).area(), common::v1::NEED_AREA_SUBSTANCE_MISUSE);
  EXPECT_EQ(profile->needs(1).complexity(), common::v1::COMPLEXITY_LEVEL_UNSPECIFIED);
  EXPECT_TRUE(profile->has_alcohol_dependent() && !profile->alcohol_dependent());
  EXPECT_TRUE(profile->has_consents_to_treatment() && profile->consents_to_treatment());
  // Not given, so not recorded: a rule that needs it says so rather than reading "no".
  EXPECT_FALSE(profile->has_no_fixed_abode());
  EXPECT_FALSE(profile->has_extremism_concern());
  EXPECT_THAT(profile->completed_programmes(), Contains("thinking-skills-programme"));
  EXPECT_EQ(profile->days_remaining_on_sentence(), 200);
}

TEST(ProfileFlags, SetsTheVictimsTheCustodialSentenceAndSuitability) {
  const absl::StatusOr<PersonProfile> profile = FromFlags({
      {"crn", "X123456"},
      {"sentence", "licence"},
      {"ipv_victim_sexes", "female,male"},
      {"drug_dependent", "no"},
      {"needs", "drug-misuse,alcohol-misuse:low"},
      {"custodial_sentence_type", "standard-determinate"},
      {"custodial_sentence_days", "120"},
      {"release_type", "home-detention-curfew"},
      {"consents_to_engage", "yes"},
      {"ready_to_engage", "no"},
      {"barriers_to_attendance", "no"},
  });
  ASSERT_TRUE(profile.ok()) << profile.status();
  ASSERT_EQ(profile->ipv_victim_sexes_size(), 2);
  EXPECT_EQ(profile->ipv_victim_sexes(0), common::v1::SEX_FEMALE);
  EXPECT_EQ(profile->ipv_victim_sexes(1), common::v1::SEX_MALE);
  EXPECT_TRUE(profile->has_drug_dependent() && !profile->drug_dependent());
  EXPECT_EQ(profile->needs(0).area(), common::v1::NEED_AREA_DRUG_MISUSE);
  EXPECT_EQ(profile->needs(1).area(), common::v1::NEED_AREA_ALCOHOL_MISUSE);
  EXPECT_EQ(profile->custodial_sentence_type(),
            common::v1::CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE);
  EXPECT_EQ(profile->custodial_sentence_days(), 120);
  EXPECT_EQ(profile->release_type(), common::v1::RELEASE_TYPE_HOME_DETENTION_CURFEW);
  EXPECT_TRUE(profile->consents_to_engage());
  EXPECT_TRUE(profile->has_ready_to_engage() && !profile->ready_to_engage());
  EXPECT_TRUE(profile->has_barriers_to_attendance() && !profile->barriers_to_attendance());
}

TEST(ProfileFlags, HasAFlagForEveryProfileField) {
  const std::vector<std::string>& flags = ProfileFlagNames();
  const google::protobuf::Descriptor& profile = *PersonProfile::descriptor();
  EXPECT_EQ(flags.size(), static_cast<size_t>(profile.field_count()) + 1);
  EXPECT_EQ(flags.front(), "person");
  EXPECT_THAT(flags, Contains("person_region"));
  EXPECT_THAT(flags, Contains("needs"));
  EXPECT_TRUE(IsProfileBooleanFlag("no_fixed_abode"));
  EXPECT_FALSE(IsProfileBooleanFlag("crn"));
  EXPECT_FALSE(IsProfileBooleanFlag("region"));
}

struct BadValue {
  std::string flag;
  std::string value;
  std::string message;
};

class ProfileFlagsRefuse : public ::testing::TestWithParam<BadValue> {};

TEST_P(ProfileFlagsRefuse, ABadValueNamingTheFlag) {
  const BadValue& bad = GetParam();
  const absl::StatusOr<PersonProfile> profile = FromFlags({{bad.flag, bad.value}});
  ASSERT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(profile.status().message()), StartsWith("--" + bad.flag + ": "));
  EXPECT_THAT(profile.status().message(), HasSubstr(bad.message));
}

INSTANTIATE_TEST_SUITE_P(
    Values, ProfileFlagsRefuse,
    ::testing::Values(
        BadValue{"sex", "woman", "unknown value 'woman'; accepted: male, female"},
        BadValue{"sentence", "probation",
                 "accepted: community-order, suspended-sentence-order, licence, "
                 "post-sentence-supervision, pre-sentence"},
        BadValue{"offences", "sexual,arson", "unknown value 'arson'"},
        BadValue{"rosh", "extreme", "accepted: low, medium, high, very-high"},
        BadValue{"needs", "accommodation:extreme",
                 "'accommodation:extreme': complexity: unknown value 'extreme'"},
        BadValue{"needs", "housing", "'housing': area: unknown value 'housing'"},
        BadValue{"needs", "accommodation:high:now", "too many parts; write area:complexity"},
        BadValue{"has_rar", "maybe", "'maybe' is not true or false"},
        BadValue{"days_remaining_on_sentence", "ninety", "'ninety' is not a whole number"}));

TEST(ProfileFlags, ReadsAJsonProfileAndAppliesTheFlagsOverIt) {
  const std::string path = WriteTempFile(
      R"({"crn": "X123456", "sex": "SEX_FEMALE", "region": "london", "rosh": "RISK_LEVEL_LOW",
          "needs": [{"area": "NEED_AREA_ACCOMMODATION"}]})");
  const absl::StatusOr<PersonProfile> profile =
      FromFlags({{"person", path}, {"rosh", "high"}, {"person_region", "wales"}});
  std::remove(path.c_str());
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->crn(), "X123456");
  EXPECT_EQ(profile->sex(), common::v1::SEX_FEMALE);
  EXPECT_EQ(profile->rosh(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(profile->region(), "wales");
  ASSERT_EQ(profile->needs_size(), 1);
}

TEST(ProfileFlags, ReadsTheJsonProfileFromStandardInput) {
  const absl::StatusOr<PersonProfile> profile =
      FromFlags({{"person", "-"}}, R"({"crn": "Y654321", "hasRar": false})");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->crn(), "Y654321");
  EXPECT_TRUE(profile->has_has_rar());
}

TEST(ProfileFlags, RefusesBadJsonNamingTheFlagAndTheSource) {
  const absl::StatusOr<PersonProfile> unknown_field =
      FromFlags({{"person", "-"}}, R"({"crn": "X123456", "colour": "blue"})");
  EXPECT_EQ(unknown_field.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown_field.status().message()),
              StartsWith("--person: standard input: "));

  const absl::StatusOr<PersonProfile> not_json = FromFlags({{"person", "-"}}, "crn=X123456");
  EXPECT_THAT(std::string(not_json.status().message()), StartsWith("--person: standard input: "));

  const absl::StatusOr<PersonProfile> missing = FromFlags({{"person", "/no/such/file.json"}});
  EXPECT_EQ(missing.status().message(), "--person: cannot read '/no/such/file.json'");
}

TEST(ProfileFlags, AJsonProfileRoundTripsThroughTheParser) {
  PersonProfile original;
  original.set_crn("X123456");
  original.set_sentence(common::v1::SENTENCE_TYPE_LICENCE);
  original.set_no_fixed_abode(false);
  original.add_needs()->set_area(common::v1::NEED_AREA_MENTAL_HEALTH);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(original, &json).ok());
  const absl::StatusOr<PersonProfile> parsed = ProfileFromJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*parsed, original));
}

TEST(ProfileFlags, ListsTheAcceptedValuesOfEachFlagForTheUsageText) {
  bool saw_sentence = false;
  for (const FlagHelp& help : ProfileFlagHelp()) {
    if (help.name != "sentence") continue;
    saw_sentence = true;
    EXPECT_THAT(help.help, HasSubstr("community-order | suspended-sentence-order"));
  }
  EXPECT_TRUE(saw_sentence);
}

}  // namespace
}  // namespace probation::cli
