// A test fixture with the four binaries running as processes (the targets define
// CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY and GATEWAY_BINARY) and a client of
// the gateway, the only service a test then talks to.
#ifndef PROBATION_TESTS_E2E_SUITE_TEST_H_
#define PROBATION_TESTS_E2E_SUITE_TEST_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/support/suite_processes.h"

namespace probation::testing {

// A man in london on a community order with a RAR, at medium risk, convicted of an
// acquisitive offence, with one assessed `need`: eligible for the suite's main pathways.
inline common::v1::PersonProfile LondonPerson(absl::string_view crn,
                                              absl::string_view date_of_birth,
                                              common::v1::NeedArea need) {
  common::v1::PersonProfile person;
  person.set_crn(std::string(crn));
  person.set_date_of_birth(std::string(date_of_birth));
  person.set_sex(common::v1::SEX_MALE);
  person.set_region("london");
  person.set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
  person.set_has_rar(true);
  person.set_risk_of_reoffending(common::v1::RISK_LEVEL_MEDIUM);
  person.set_rosh(common::v1::RISK_LEVEL_MEDIUM);
  person.add_offences(common::v1::OFFENCE_CATEGORY_ACQUISITIVE);
  person.add_needs()->set_area(need);
  return person;
}

class SuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<RunningSuite>(
        SuiteBinaries{CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
    BeforeStart(*suite_);
    suite_->Start();
    channel_ = grpc::CreateChannel(suite_->GatewayAddress(), grpc::InsecureChannelCredentials());
    stub_ = gateway::v1::InterventionsGateway::NewStub(channel_);
  }

  // Runs before the services start, e.g. to fill the referrals database.
  virtual void BeforeStart(RunningSuite&) {}

  // A call context as `token`'s bearer (none when empty), with a 10 s deadline and, if given,
  // the request id.
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token,
                                                 absl::string_view request_id = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    if (!request_id.empty()) context->AddMetadata("x-request-id", std::string(request_id));
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return context;
  }

  // Creates the draft `create` describes and submits it, both as `token`'s bearer.
  referrals::v1::Referral CreateAndSubmit(const std::string& token,
                                          const referrals::v1::CreateReferralRequest& create) {
    referrals::v1::Referral referral;
    auto context = As(token);
    grpc::Status status = stub_->CreateReferral(context.get(), create, &referral);
    EXPECT_TRUE(status.ok()) << status.error_message();
    referrals::v1::SubmitReferralRequest submit;
    submit.set_name(referral.name());
    submit.set_etag(referral.etag());
    auto submit_context = As(token);
    status = stub_->SubmitReferral(submit_context.get(), submit, &referral);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return referral;
  }

  std::unique_ptr<RunningSuite> suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gateway::v1::InterventionsGateway::Stub> stub_;
};

}  // namespace probation::testing

#endif  // PROBATION_TESTS_E2E_SUITE_TEST_H_
