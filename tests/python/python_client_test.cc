// Runs tests/python/client_flow.py, a client built with Python's grpcio from proto/, against
// the four services started as processes: the contract works from another implementation.
#include "gtest/gtest.h"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

TEST(PythonClient, RunsAFullReferralFlowThroughTheGateway) {
  testing::RunningSuite suite(
      {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
  suite.Start();
  auto client = testing::ChildProcess::Start(
      {PYTHON, PYTHON_CLIENT},
      {{"PYTHONPATH", PYTHON_STUBS},
       {"GATEWAY_ADDRESS", suite.GatewayAddress()},
       {"PRACTITIONER_TOKEN", testing::SuiteToken("probation_practitioner", "london")},
       {"PROGRAMME_TEAM_TOKEN", testing::SuiteToken("programme_team", "london")}});
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> exit_code = (*client)->Wait(absl::Seconds(60));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*client)->Output();
  EXPECT_NE((*client)->Output().find("python client flow: ok"), std::string::npos)
      << (*client)->Output();
}

}  // namespace
}  // namespace probation
