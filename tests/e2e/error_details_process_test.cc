// Errors as a client sees them through the gateway (AIP-193): each carries a
// google.rpc.ErrorInfo whose reason tells the cases apart without reading the message, in the
// suite's domain, with the detail that says what to do next.
#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using ::testing::Contains;
using ::testing::Property;

// What a status's details say.
struct Details {
  google::rpc::ErrorInfo info;
  google::rpc::PreconditionFailure precondition;
  google::rpc::ResourceInfo resource;
  google::rpc::RetryInfo retry;
  bool has_retry = false;
};

Details DetailsOf(const grpc::Status& status) {
  Details details;
  google::rpc::Status rpc_status;
  EXPECT_TRUE(rpc_status.ParseFromString(status.error_details())) << status.error_message();
  for (const auto& any : rpc_status.details()) {
    if (any.UnpackTo(&details.info)) continue;
    if (any.UnpackTo(&details.precondition)) continue;
    if (any.UnpackTo(&details.resource)) continue;
    if (any.UnpackTo(&details.retry)) details.has_retry = true;
  }
  EXPECT_EQ(details.info.domain(), "probation-interventions") << status.error_message();
  return details;
}

class ErrorDetailsProcessTest : public testing::SuiteTest {};

TEST_F(ErrorDetailsProcessTest, StaleEtagNotEligibleAndWrongStateEachHaveTheirOwnReason) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  gateway::v1::FindInterventionsRequest find;
  *find.mutable_person() = testing::LondonPerson(
      "E161803", "1984-05-06", common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
  find.set_kind(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  gateway::v1::FindInterventionsResponse found;
  auto find_context = As(practitioner);
  ASSERT_TRUE(stub_->FindInterventions(find_context.get(), find, &found).ok());
  std::string eligible, not_eligible;
  for (const auto& match : found.matches()) {
    if (match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE && eligible.empty()) {
      eligible = match.intervention().name();
    }
    if (match.verdict().outcome() == eligibility::v1::OUTCOME_NOT_ELIGIBLE &&
        not_eligible.empty()) {
      not_eligible = match.intervention().name();
    }
  }
  ASSERT_FALSE(eligible.empty());
  ASSERT_FALSE(not_eligible.empty());

  auto draft_of = [&](const std::string& intervention, const std::string& request_id) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(request_id);
    create.mutable_referral()->set_intervention(intervention);
    create.mutable_referral()->set_region("london");
    *create.mutable_referral()->mutable_person() = find.person();
    referrals::v1::Referral draft;
    auto context = As(practitioner);
    EXPECT_TRUE(stub_->CreateReferral(context.get(), create, &draft).ok());
    return draft;
  };

  // Not eligible: one PreconditionFailure violation per criterion the person fails.
  const referrals::v1::Referral refused_draft =
      draft_of(not_eligible, "7d0f6a3e-5b2c-4e1f-8a9b-0c1d2e3f4a5b");
  referrals::v1::SubmitReferralRequest submit;
  submit.set_name(refused_draft.name());
  submit.set_etag(refused_draft.etag());
  referrals::v1::Referral unused;
  auto submit_context = As(practitioner);
  const grpc::Status not_eligible_status =
      stub_->SubmitReferral(submit_context.get(), submit, &unused);
  ASSERT_EQ(not_eligible_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const Details refused = DetailsOf(not_eligible_status);
  EXPECT_EQ(refused.info.reason(), "NOT_ELIGIBLE");
  ASSERT_GT(refused.precondition.violations_size(), 0);
  EXPECT_EQ(refused.precondition.violations(0).type(), "ELIGIBILITY");
  EXPECT_FALSE(refused.precondition.violations(0).subject().empty());

  // Submitted, then a move with an etag that is no longer current.
  const referrals::v1::Referral draft = draft_of(eligible, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  submit.set_name(draft.name());
  submit.set_etag(draft.etag());
  referrals::v1::Referral submitted;
  auto submitted_context = As(practitioner);
  ASSERT_TRUE(stub_->SubmitReferral(submitted_context.get(), submit, &submitted).ok());
  referrals::v1::TransitionReferralRequest move;
  move.set_name(submitted.name());
  move.set_etag(draft.etag());
  move.set_to_state(referrals::v1::REFERRAL_STATE_WITHDRAWN);
  auto stale_context = As(practitioner);
  const grpc::Status stale = stub_->TransitionReferral(stale_context.get(), move, &unused);
  ASSERT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  const Details stale_details = DetailsOf(stale);
  EXPECT_EQ(stale_details.info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(stale_details.info.metadata().at("current_etag"), submitted.etag());
  EXPECT_TRUE(stale_details.has_retry);

  // A move the machine does not have from here.
  move.set_etag(submitted.etag());
  move.set_to_state(referrals::v1::REFERRAL_STATE_PROGRAMME_COMPLETE);
  auto wrong_context = As(practitioner);
  const grpc::Status wrong_state = stub_->TransitionReferral(wrong_context.get(), move, &unused);
  ASSERT_EQ(wrong_state.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const Details wrong = DetailsOf(wrong_state);
  EXPECT_EQ(wrong.info.reason(), "TRANSITION_NOT_ALLOWED");
  EXPECT_THAT(wrong.precondition.violations(),
              Contains(Property(&google::rpc::PreconditionFailure::Violation::type, "TRANSITION")));

  // Three reasons, three different things to do.
  EXPECT_NE(refused.info.reason(), stale_details.info.reason());
  EXPECT_NE(stale_details.info.reason(), wrong.info.reason());
}

TEST_F(ErrorDetailsProcessTest, NotFoundNamesTheResourceAndAMissingTokenSaysSo) {
  referrals::v1::GetReferralRequest get;
  get.set_name("referrals/no-such-referral");
  referrals::v1::Referral unused;
  auto context = As(testing::SuiteToken("probation_practitioner", "london"));
  const grpc::Status missing = stub_->GetReferral(context.get(), get, &unused);
  ASSERT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  const Details not_found = DetailsOf(missing);
  EXPECT_EQ(not_found.info.reason(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(not_found.resource.resource_type(), "probation.referrals.v1.Referral");
  EXPECT_EQ(not_found.resource.resource_name(), "referrals/no-such-referral");

  auto anonymous = As("");
  catalogue::v1::ListRegionsResponse regions;
  const grpc::Status unauthenticated = stub_->ListRegions(anonymous.get(), {}, &regions);
  ASSERT_EQ(unauthenticated.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DetailsOf(unauthenticated).info.reason(), "TOKEN_MISSING");

  // A field the gateway refuses names itself.
  catalogue::v1::GetInterventionRequest bad;
  bad.set_name("not a name");
  catalogue::v1::Intervention intervention;
  auto bad_context = As(testing::SuiteToken("probation_practitioner", "london"));
  const grpc::Status invalid = stub_->GetIntervention(bad_context.get(), bad, &intervention);
  ASSERT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const Details field = DetailsOf(invalid);
  EXPECT_EQ(field.info.reason(), "FIELD_INVALID");
  EXPECT_EQ(field.info.metadata().at("field"), "name");
}

}  // namespace
}  // namespace probation
