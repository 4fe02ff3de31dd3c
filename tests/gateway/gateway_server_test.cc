// The gateway in front of real catalogue and eligibility servers on loopback: bearer tokens
// are required and checked, calls are forwarded with the caller's identity and deadline,
// and FindInterventions joins the catalogue with the person's verdicts.
#include "gateway/gateway_server.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/catalogue_fixture.h"
#include "tests/support/eligibility_server_fixture.h"

namespace probation::gateway {
namespace {

using ::testing::HasSubstr;

constexpr char kIssuer[] = "probation-local";
const std::string kTokenSecret(40, 't');
const std::string kInternalSecret = testing::kTestIdentitySecret;

class GatewayServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalogue_ = testing::StartCatalogue();
    eligibility_ = testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue_.server->port()));
    for (int i = 0; i < 400 && eligibility_->watcher->current() == nullptr; ++i) {
      absl::SleepFor(absl::Milliseconds(25));
    }
    auto verifier = JwtVerifier::Create({JwtAlgorithm::kHs256, kTokenSecret}, kIssuer);
    ASSERT_TRUE(verifier.ok());
    BackendCallOptions options;
    options.internal_secret = kInternalSecret;
    options.default_timeout = absl::Seconds(2);
    service_ = std::make_unique<GatewayServer>(*std::move(verifier), options,
                                               Backends{catalogue_.channel, eligibility_->channel});
    ServerOptions server_options;
    server_options.address = "127.0.0.1:0";
    server_options.services = {service_.get()};
    auto server = GrpcServer::Start(server_options);
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    stub_ = v1::InterventionsGateway::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    server_->Shutdown(absl::Seconds(1));
    eligibility_.reset();
  }

  static std::string Token() {
    Principal principal;
    principal.subject = "pp-1";
    principal.roles = {"probation_practitioner"};
    principal.region = "london";
    auto token = MintJwt({JwtAlgorithm::kHs256, kTokenSecret}, kIssuer, principal, absl::Now(),
                         absl::Minutes(10));
    EXPECT_TRUE(token.ok());
    return *token;
  }

  static void Authorise(grpc::ClientContext& context, const std::string& token = Token()) {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  }

  static common::v1::PersonProfile Person() {
    common::v1::PersonProfile person;
    person.set_crn("G123456");
    person.set_date_of_birth("1985-06-01");
    person.set_as_of_date("2026-11-25");
    person.set_sex(common::v1::SEX_MALE);
    person.set_region("london");
    person.set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
    person.set_has_rar(true);
    person.set_risk_of_reoffending(common::v1::RISK_LEVEL_MEDIUM);
    person.add_offences(common::v1::OFFENCE_CATEGORY_OTHER);
    person.add_needs()->set_area(common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
    return person;
  }

  testing::RunningCatalogue catalogue_;
  std::unique_ptr<testing::RunningEligibility> eligibility_;
  std::unique_ptr<GatewayServer> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::InterventionsGateway::Stub> stub_;
};

TEST_F(GatewayServerTest, EveryCallNeedsAGoodBearerToken) {
  catalogue::v1::GetInterventionRequest request;
  request.set_name("interventions/building-better-relationships");
  catalogue::v1::Intervention intervention;
  grpc::ClientContext none;
  EXPECT_EQ(stub_->GetIntervention(&none, request, &intervention).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext wrong_scheme;
  wrong_scheme.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(stub_->GetIntervention(&wrong_scheme, request, &intervention).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext tampered;
  std::string token = Token();
  token.back() = token.back() == 'A' ? 'B' : 'A';
  Authorise(tampered, token);
  EXPECT_EQ(stub_->GetIntervention(&tampered, request, &intervention).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext good;
  Authorise(good);
  const grpc::Status status = stub_->GetIntervention(&good, request, &intervention);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(intervention.short_title(), "BBR");
}

TEST_F(GatewayServerTest, BackendErrorsReachTheCallerUnchanged) {
  grpc::ClientContext context;
  Authorise(context);
  catalogue::v1::GetInterventionRequest request;
  request.set_name("interventions/basket-weaving");
  catalogue::v1::Intervention intervention;
  EXPECT_EQ(stub_->GetIntervention(&context, request, &intervention).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext invalid;
  Authorise(invalid);
  eligibility::v1::CheckEligibilityRequest check;
  *check.mutable_person() = Person();
  check.mutable_person()->set_crn("nope");
  check.set_intervention("interventions/unpaid-work");
  eligibility::v1::Verdict verdict;
  const grpc::Status status = stub_->CheckEligibility(&invalid, check, &verdict);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("person.crn"));
}

TEST_F(GatewayServerTest, FindInterventionsJoinsTheCatalogueWithVerdictsInPathwayOrder) {
  grpc::ClientContext context;
  Authorise(context);
  v1::FindInterventionsRequest request;
  *request.mutable_person() = Person();
  v1::FindInterventionsResponse response;
  const grpc::Status status = stub_->FindInterventions(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.matches_size(), catalogue_.catalogue->data().interventions_size());
  for (const auto& match : response.matches()) {
    EXPECT_EQ(match.intervention().name(), match.verdict().intervention());
    EXPECT_FALSE(match.intervention().description().empty());
  }
  ASSERT_FALSE(response.pathway().empty());
  for (int i = 0; i < response.pathway_size(); ++i) {
    EXPECT_EQ(response.matches(i).intervention().name(), response.pathway(i).intervention());
    EXPECT_EQ(response.matches(i).verdict().outcome(), eligibility::v1::OUTCOME_ELIGIBLE);
  }
}

TEST_F(GatewayServerTest, FindInterventionsIsUnavailableQuicklyWhenEligibilityIsDown) {
  eligibility_->server->Shutdown(absl::ZeroDuration());
  grpc::ClientContext context;
  Authorise(context);
  v1::FindInterventionsRequest request;
  *request.mutable_person() = Person();
  v1::FindInterventionsResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status = stub_->FindInterventions(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(GatewayServerTest, TheCallersDeadlineBindsTheBackendCall) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + Token());
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Microseconds(200)));
  v1::FindInterventionsRequest request;
  *request.mutable_person() = Person();
  v1::FindInterventionsResponse response;
  EXPECT_EQ(stub_->FindInterventions(&context, request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace probation::gateway
