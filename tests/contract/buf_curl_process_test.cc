// `buf curl`, a gRPC client none of us wrote, learns the gateway's API from server reflection
// alone and drives it: list regions, find interventions for a person, create a referral.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

class BufCurl : public ::testing::Test {
 protected:
  void SetUp() override { suite_.Start(); }

  // The JSON `method` answers to `request`, as `buf curl` prints it; fails the test on an
  // error, with what buf printed.
  nlohmann::json Call(const std::string& method, const std::string& request) {
    auto curl = testing::ChildProcess::Start(
        {BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--header",
         absl::StrCat("authorization: Bearer ", token_), "--data", request,
         absl::StrCat("http://", suite_.GatewayAddress(),
                      "/probation.gateway.v1.InterventionsGateway/", method)},
        {{"HOME", ::testing::TempDir()}});
    EXPECT_TRUE(curl.ok()) << curl.status();
    if (!curl.ok()) return {};
    const absl::StatusOr<int> exit_code = (*curl)->Wait(absl::Seconds(60));
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(exit_code.value_or(-1), 0) << method << ": " << (*curl)->Output();
    nlohmann::json answer = nlohmann::json::parse((*curl)->Output(), nullptr, false);
    EXPECT_FALSE(answer.is_discarded()) << method << " printed no JSON: " << (*curl)->Output();
    return answer;
  }

  testing::RunningSuite suite_{
      {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY}};
  const std::string token_ = testing::SuiteToken("probation_practitioner", "london");
};

constexpr char kPerson[] = R"({
  "crn": "B271828", "dateOfBirth": "1988-07-01", "sex": "SEX_MALE", "region": "london",
  "sentence": "SENTENCE_TYPE_COMMUNITY_ORDER", "hasRar": true,
  "riskOfReoffending": "RISK_LEVEL_MEDIUM", "rosh": "RISK_LEVEL_MEDIUM",
  "offences": ["OFFENCE_CATEGORY_ACQUISITIVE"],
  "needs": [{"area": "NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR"}]})";

TEST_F(BufCurl, ListsRegionsFindsInterventionsAndCreatesAReferralOverReflection) {
  const nlohmann::json regions = Call("ListRegions", "{}");
  std::vector<std::string> ids;
  for (const auto& region : regions.value("regions", nlohmann::json::array())) {
    ids.push_back(region.value("id", ""));
  }
  EXPECT_THAT(ids, ::testing::Contains("london"));
  EXPECT_EQ(ids.size(), 12u);

  const nlohmann::json found =
      Call("FindInterventions",
           absl::StrCat(R"({"kind": "INTERVENTION_KIND_ACCREDITED_PROGRAMME", "person": )", kPerson,
                        "}"));
  std::string eligible;
  for (const auto& match : found.value("matches", nlohmann::json::array())) {
    if (match["verdict"].value("outcome", "") == "OUTCOME_ELIGIBLE") {
      eligible = match["intervention"].value("name", "");
      break;
    }
  }
  ASSERT_THAT(eligible, HasSubstr("interventions/")) << found.dump();

  const nlohmann::json referral =
      Call("CreateReferral",
           absl::StrCat(R"({"requestId": "6f1d2f0e-4a8b-4c3d-9e2f-1a2b3c4d5e6f", "referral": {)",
                        R"("intervention": ")", eligible, R"(", "region": "london", )",
                        R"("reasonForReferral": "Thinking skills", "person": )", kPerson, "}}"));
  EXPECT_THAT(referral.value("name", ""), HasSubstr("referrals/"));
  EXPECT_EQ(referral.value("state", ""), "REFERRAL_STATE_DRAFT");
  EXPECT_EQ(referral.value("intervention", ""), eligible);
  EXPECT_FALSE(referral.value("etag", "").empty());
}

}  // namespace
}  // namespace probation
