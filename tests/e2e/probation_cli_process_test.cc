// The probation CLI against the whole suite, as a person at a terminal or a script uses it:
// search the catalogue, find interventions for a profile given as flags, refer, submit, move
// the referral on as the programme team, list and watch, with --json for machines.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

struct Finished {
  int exit_code = -1;
  std::string output;
};

class ProbationCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new testing::RunningSuite(
        {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
    suite_->Start();
  }
  static void TearDownTestSuite() { delete suite_; }

  // Runs `probation` with the gateway's address and `token` from the environment, as a
  // shell session would have them.
  static Finished Run(std::vector<std::string> args, const std::string& token) {
    args.insert(args.begin(), PROBATION_BINARY);
    auto process = testing::ChildProcess::Start(
        std::move(args),
        {{"PROBATION_ADDRESS", suite_->GatewayAddress()}, {"PROBATION_TOKEN", token}});
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return {};
    const absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    (void)(*process)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(10));
    return {exit_code.ok() ? *exit_code : -1, (*process)->Output()};
  }

  // The JSON lines of an output, skipping anything else.
  static std::vector<nlohmann::json> JsonLines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    for (absl::string_view line : absl::StrSplit(output, '\n')) {
      auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (json.is_object()) lines.push_back(std::move(json));
    }
    return lines;
  }

  static testing::RunningSuite* suite_;
};
testing::RunningSuite* ProbationCliTest::suite_ = nullptr;

const std::vector<std::string> kProfile = {"--crn=C577215",
                                           "--date_of_birth=1979-03-14",
                                           "--sex=male",
                                           "--person_region=london",
                                           "--sentence=community-order",
                                           "--has_rar",
                                           "--risk_of_reoffending=medium",
                                           "--offences=acquisitive",
                                           "--needs=attitudes-thinking-behaviour"};

TEST_F(ProbationCliTest, SearchesTheCatalogue) {
  const std::string token = testing::SuiteToken("probation_practitioner", "london");
  Finished found = Run({"interventions", "search", "thinking", "skills"}, token);
  EXPECT_EQ(found.exit_code, 0) << found.output;
  EXPECT_THAT(found.output, HasSubstr("Thinking Skills Programme"));
  Finished offer = Run({"regions", "offer", "wales"}, token);
  EXPECT_EQ(offer.exit_code, 0) << offer.output;
  Finished missing = Run({"interventions", "get", "basket-weaving"}, token);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));
  Finished no_token = Run({"regions", "list"}, "");
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_THAT(no_token.output, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ProbationCliTest, FindsRefersAndMovesAReferralOn) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::string team = testing::SuiteToken("programme_team", "london");

  std::vector<std::string> find = {"--json", "find", "--kind=accredited-programme"};
  find.insert(find.end(), kProfile.begin(), kProfile.end());
  Finished found = Run(find, practitioner);
  ASSERT_EQ(found.exit_code, 0) << found.output;
  std::vector<nlohmann::json> lines = JsonLines(found.output);
  ASSERT_EQ(lines.size(), 1u) << found.output;
  const nlohmann::json& first = lines[0]["matches"][0];
  ASSERT_EQ(first["verdict"]["outcome"], "OUTCOME_ELIGIBLE") << found.output;
  const std::string intervention = first["intervention"]["name"];

  std::vector<std::string> create = {
      "--json",          "referrals",
      "create",          "--intervention=" + intervention,
      "--region=london", "--reason_for_referral=Thinking skills need"};
  create.insert(create.end(), kProfile.begin(), kProfile.end());
  Finished created = Run(create, practitioner);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  lines = JsonLines(created.output);
  ASSERT_EQ(lines.size(), 1u) << created.output;
  const std::string id = lines[0]["id"];

  // Without --etag the CLI reads the referral first.
  Finished submitted = Run({"referrals", "submit", id}, practitioner);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  EXPECT_THAT(submitted.output, HasSubstr("state:          submitted"));
  Finished refused = Run({"referrals", "transition", id, "--to=awaiting-assessment"}, practitioner);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  Finished moved = Run({"referrals", "transition", id, "--to=awaiting-assessment"}, team);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  Finished allowed = Run({"referrals", "transitions", id}, team);
  EXPECT_THAT(allowed.output, HasSubstr("start-assessment"));

  Finished listed = Run({"--json", "referrals", "list", "--state=awaiting-assessment"}, team);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  lines = JsonLines(listed.output);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["referrals"][0]["id"], id);
  Finished welsh =
      Run({"referrals", "get", id}, testing::SuiteToken("probation_practitioner", "wales"));
  EXPECT_EQ(welsh.exit_code, 1);
  EXPECT_THAT(welsh.output, HasSubstr("NOT_FOUND"));

  // The watch replays the three events, then ends at its deadline.
  Finished watched = Run({"--json", "--timeout=2s", "referrals", "watch"}, practitioner);
  EXPECT_EQ(watched.exit_code, 0) << watched.output;
  lines = JsonLines(watched.output);
  ASSERT_EQ(lines.size(), 3u) << watched.output;
  EXPECT_EQ(lines[2]["type"], "TYPE_TRANSITIONED");
}

}  // namespace
}  // namespace probation
