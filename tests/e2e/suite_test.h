// A test fixture with the four binaries running as processes (the targets define
// CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY and GATEWAY_BINARY) and a client of
// the gateway, the only service a test then talks to.
#ifndef PROBATION_TESTS_E2E_SUITE_TEST_H_
#define PROBATION_TESTS_E2E_SUITE_TEST_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/support/suite_processes.h"

namespace probation::testing {

class SuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<RunningSuite>(
        SuiteBinaries{CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
    suite_->Start();
    channel_ = grpc::CreateChannel(suite_->GatewayAddress(), grpc::InsecureChannelCredentials());
    stub_ = gateway::v1::InterventionsGateway::NewStub(channel_);
  }

  std::unique_ptr<RunningSuite> suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gateway::v1::InterventionsGateway::Stub> stub_;
};

}  // namespace probation::testing

#endif  // PROBATION_TESTS_E2E_SUITE_TEST_H_
