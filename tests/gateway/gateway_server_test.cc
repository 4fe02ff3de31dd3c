// The gateway in front of real catalogue, eligibility and referrals servers on loopback:
// bearer tokens are required and checked, calls are forwarded with the caller's identity and
// deadline, FindInterventions joins the catalogue with the person's verdicts, referrals are
// seen only by those whose region or provider they belong to, and streams are relayed.
#include "gateway/gateway_server.h"

#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/backend_channel.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "libs/client/service_descriptors.h"
#include "tests/support/referrals_server_fixture.h"

namespace probation::gateway {
namespace {

using ::testing::HasSubstr;

constexpr char kIssuer[] = "probation-local";
const std::string kTokenSecret(40, 't');
const std::string kInternalSecret = testing::kTestIdentitySecret;

class GatewayServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    running_ = testing::StartReferrals();
    auto verifier = JwtVerifier::Create({JwtAlgorithm::kHs256, kTokenSecret}, kIssuer);
    ASSERT_TRUE(verifier.ok());
    BackendCallOptions options;
    options.default_timeout = absl::Seconds(2);
    service_ = std::make_unique<GatewayServer>(*std::move(verifier), options, RealBackends());
    ServerOptions server_options;
    server_options.address = "127.0.0.1:0";
    server_options.services = {service_.get()};
    auto server = GrpcServer::Start(server_options);
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    stub_ = v1::InterventionsGateway::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  // Channels as the gateway binary makes them, to the real servers.
  Backends RealBackends() {
    BackendChannelOptions channel_options;
    channel_options.internal_secret = kInternalSecret;
    return {CreateBackendChannel(absl::StrCat("127.0.0.1:", running_->catalogue.server->port()),
                                 CatalogueServiceDescriptor(), channel_options),
            CreateBackendChannel(absl::StrCat("127.0.0.1:", running_->eligibility->server->port()),
                                 EligibilityServiceDescriptor(), channel_options),
            CreateBackendChannel(absl::StrCat("127.0.0.1:", running_->server->port()),
                                 ReferralServiceDescriptor(), channel_options)};
  }

  void TearDown() override {
    server_->Shutdown(absl::Seconds(1));
    running_.reset();
  }

  static std::string Token(absl::string_view role = "probation_practitioner",
                           absl::string_view region = "london", absl::string_view provider = "") {
    TokenClaims principal;
    principal.subject = absl::StrCat(role, "-1");
    principal.roles = {std::string(role)};
    principal.region = std::string(region);
    principal.provider = std::string(provider);
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

  // A referral made and submitted by a London practitioner, to provider-a for CRS.
  referrals::v1::Referral CreateAndSubmit(const common::v1::PersonProfile& person,
                                          absl::string_view intervention) {
    grpc::ClientContext create_context;
    Authorise(create_context);
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("gateway-", person.crn(), "-", intervention));
    create.mutable_referral()->set_intervention(std::string(intervention));
    *create.mutable_referral()->mutable_person() = person;
    create.mutable_referral()->set_region("london");
    if (absl::StrContains(intervention, "crs-"))
      create.mutable_referral()->set_provider("provider-a");
    referrals::v1::Referral draft;
    grpc::Status status = stub_->CreateReferral(&create_context, create, &draft);
    EXPECT_TRUE(status.ok()) << status.error_message();
    grpc::ClientContext submit_context;
    Authorise(submit_context);
    referrals::v1::SubmitReferralRequest submit;
    submit.set_name(draft.name());
    submit.set_etag(draft.etag());
    submit.set_override_reason("Agreed with the programme team");
    referrals::v1::Referral submitted;
    status = stub_->SubmitReferral(&submit_context, submit, &submitted);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return submitted;
  }

  std::unique_ptr<testing::RunningReferrals> running_;
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
  EXPECT_EQ(response.matches_size(), running_->catalogue.catalogue->data().interventions_size());
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
  running_->eligibility->server->Shutdown(absl::ZeroDuration());
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

TEST_F(GatewayServerTest, GetReferralAddsTheTitleAndTheCallersAllowedMoves) {
  const referrals::v1::Referral submitted =
      CreateAndSubmit(Person(), "interventions/thinking-skills-programme");
  referrals::v1::GetReferralRequest request;
  request.set_name(submitted.name());

  grpc::ClientContext practitioner;
  Authorise(practitioner);
  referrals::v1::Referral referral;
  grpc::Status status = stub_->GetReferral(&practitioner, request, &referral);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(referral.intervention_title(), "Thinking Skills Programme");
  std::vector<std::string> actions;
  for (const auto& allowed : referral.allowed_transitions()) actions.push_back(allowed.action());
  EXPECT_THAT(actions, ::testing::Contains("withdraw"));

  // The programme team of the region may move it on; the practitioner may not do that.
  grpc::ClientContext team;
  Authorise(team, Token("programme_team", "london"));
  status = stub_->GetReferral(&team, request, &referral);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<referrals::v1::ReferralState> targets;
  for (const auto& allowed : referral.allowed_transitions()) targets.push_back(allowed.to_state());
  EXPECT_THAT(targets, ::testing::Contains(referrals::v1::REFERRAL_STATE_AWAITING_ASSESSMENT));
  EXPECT_THAT(actions, ::testing::Not(::testing::Contains("await-assessment")));
}

TEST_F(GatewayServerTest, ReferralsAreVisibleOnlyWithinTheCallersRegionOrProvider) {
  const referrals::v1::Referral submitted =
      CreateAndSubmit(Person(), "interventions/crs-accommodation");
  referrals::v1::GetReferralRequest request;
  request.set_name(submitted.name());
  referrals::v1::Referral referral;
  struct Case {
    std::string token;
    grpc::StatusCode expected;
  };
  const Case cases[] = {
      {Token("probation_practitioner", "london"), grpc::StatusCode::OK},
      {Token("probation_practitioner", "wales"), grpc::StatusCode::NOT_FOUND},
      {Token("service_provider", "", "provider-a"), grpc::StatusCode::OK},
      {Token("service_provider", "", "provider-b"), grpc::StatusCode::NOT_FOUND},
      {Token("admin", ""), grpc::StatusCode::OK},
  };
  for (const Case& item : cases) {
    grpc::ClientContext context;
    Authorise(context, item.token);
    EXPECT_EQ(stub_->GetReferral(&context, request, &referral).error_code(), item.expected);
  }

  // Writes outside the scope are refused the same way, and creating in another region too.
  grpc::ClientContext welsh;
  Authorise(welsh, Token("probation_practitioner", "wales"));
  referrals::v1::TransitionReferralRequest withdraw;
  withdraw.set_name(submitted.name());
  withdraw.set_etag(submitted.etag());
  withdraw.set_to_state(referrals::v1::REFERRAL_STATE_CANCELLED);
  withdraw.set_reason_code("other");
  EXPECT_EQ(stub_->TransitionReferral(&welsh, withdraw, &referral).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext elsewhere;
  Authorise(elsewhere, Token("probation_practitioner", "wales"));
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("gateway-elsewhere");
  create.mutable_referral()->set_intervention("interventions/positive-pathways");
  *create.mutable_referral()->mutable_person() = Person();
  create.mutable_referral()->set_region("london");
  EXPECT_EQ(stub_->CreateReferral(&elsewhere, create, &referral).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayServerTest, RelaysTheEventStreamLimitedToTheCallersScope) {
  const referrals::v1::Referral first =
      CreateAndSubmit(Person(), "interventions/thinking-skills-programme");
  grpc::ClientContext provider;
  Authorise(provider, Token("service_provider", "", "provider-b"));
  provider.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(700)));
  auto empty = stub_->WatchReferralEvents(&provider, {});
  referrals::v1::ReferralEvent event;
  EXPECT_FALSE(empty->Read(&event)) << "provider-b has no referrals";
  EXPECT_EQ(empty->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  grpc::ClientContext practitioner;
  Authorise(practitioner);
  auto reader = stub_->WatchReferralEvents(&practitioner, {});
  std::vector<referrals::v1::ReferralEvent::Type> types;
  while (types.size() < 2 && reader->Read(&event)) {
    EXPECT_EQ(event.referral().id(), first.id());
    types.push_back(event.type());
  }
  EXPECT_THAT(types, ::testing::ElementsAre(referrals::v1::ReferralEvent::TYPE_CREATED,
                                            referrals::v1::ReferralEvent::TYPE_SUBMITTED));
  // Live: a new referral's events arrive on the open stream.
  common::v1::PersonProfile other = Person();
  other.set_crn("G654321");
  const referrals::v1::Referral second =
      CreateAndSubmit(other, "interventions/thinking-skills-programme");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.referral().id(), second.id());
  practitioner.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GatewayServerTest, EndingWatchesClosesOpenStreamsAndRefusesNewOnes) {
  grpc::ClientContext open;
  Authorise(open);
  open.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = stub_->WatchReferralEvents(&open, {});
  // The stream is relayed once its first event arrives.
  CreateAndSubmit(Person(), "interventions/thinking-skills-programme");
  referrals::v1::ReferralEvent event;
  ASSERT_TRUE(reader->Read(&event));
  const absl::Time ended = absl::Now();
  service_->EndWatches();
  while (reader->Read(&event)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - ended, absl::Seconds(5)) << "not held until its deadline";

  grpc::ClientContext late;
  Authorise(late);
  late.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto refused = stub_->WatchReferralEvents(&late, {});
  EXPECT_FALSE(refused->Read(&event));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, RelaysACaseloadScreeningBothWays) {
  grpc::ClientContext context;
  Authorise(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto stream = stub_->ScreenCaseload(&context);
  constexpr int kPeople = 2000;
  std::thread writer([&] {
    for (int i = 0; i < kPeople; ++i) {
      eligibility::v1::ScreenCaseloadRequest request;
      *request.mutable_person() = Person();
      request.mutable_person()->set_crn(absl::StrCat("S", 100000 + i));
      // One bad profile in the middle gets its own error and the stream carries on.
      if (i == kPeople / 2) request.mutable_person()->set_date_of_birth("yesterday");
      request.set_eligible_only(true);
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  int answers = 0;
  int errors = 0;
  eligibility::v1::ScreenCaseloadResponse response;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.crn(), absl::StrCat("S", 100000 + answers));
    errors += response.has_error() ? 1 : 0;
    if (!response.has_error()) {
      EXPECT_FALSE(response.verdicts().empty());
    }
    ++answers;
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answers, kPeople);
  EXPECT_EQ(errors, 1);
}

TEST_F(GatewayServerTest, StreamsNeedABearerTokenToo) {
  grpc::ClientContext context;
  auto stream = stub_->ScreenCaseload(&context);
  eligibility::v1::ScreenCaseloadResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext watch;
  auto reader = stub_->WatchReferralEvents(&watch, {});
  referrals::v1::ReferralEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayServerTest, AnOversizedMessageIsRefusedAndTheGatewayCarriesOn) {
  grpc::ClientContext context;
  Authorise(context);
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("oversized");
  create.mutable_referral()->set_reason_for_referral(std::string(5 * 1024 * 1024, 'x'));
  referrals::v1::Referral referral;
  EXPECT_EQ(stub_->CreateReferral(&context, create, &referral).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext after;
  Authorise(after);
  catalogue::v1::ListRegionsResponse regions;
  EXPECT_TRUE(stub_->ListRegions(&after, {}, &regions).ok());
}

TEST_F(GatewayServerTest, EachCallerIsHeldToItsRateAndToldWhenToRetry) {
  auto verifier = JwtVerifier::Create({JwtAlgorithm::kHs256, kTokenSecret}, kIssuer);
  ASSERT_TRUE(verifier.ok());
  BackendCallOptions options;
  GatewayServer limited(*std::move(verifier), options, RealBackends(), absl::Seconds(30),
                        {/*calls_per_second=*/0.5, /*burst=*/2});
  ServerOptions server_options;
  server_options.address = "127.0.0.1:0";
  server_options.services = {&limited};
  auto server = GrpcServer::Start(server_options);
  ASSERT_TRUE(server.ok());
  auto stub = v1::InterventionsGateway::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  auto list_regions = [&](const std::string& token) {
    grpc::ClientContext context;
    Authorise(context, token);
    catalogue::v1::ListRegionsResponse regions;
    return stub->ListRegions(&context, {}, &regions);
  };
  const std::string practitioner = Token();
  EXPECT_TRUE(list_regions(practitioner).ok());
  EXPECT_TRUE(list_regions(practitioner).ok());
  const grpc::Status refused = list_regions(practitioner);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(refused.error_details()));
  ASSERT_EQ(details.details_size(), 2);  // ErrorInfo RATE_LIMITED and RetryInfo
  google::rpc::ErrorInfo info;
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&info) || details.details(1).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "RATE_LIMITED");
  ASSERT_TRUE(details.details(0).UnpackTo(&retry) || details.details(1).UnpackTo(&retry));
  EXPECT_GT(retry.retry_delay().seconds() * 1000 + retry.retry_delay().nanos() / 1000000, 0);
  // Another caller has its own allowance.
  EXPECT_TRUE(list_regions(Token("programme_team")).ok());
  (*server)->Shutdown(absl::Seconds(1));
}

// Ends `method` (a full path) on `channel` without sending any message: HEADERS, then the
// end of the stream at once.
grpc::Status CallWithNoMessage(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& method, const std::string& token) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      generic.PrepareCall(&context, method, &queue);
  grpc::Status status;
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  queue.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(2));
  queue.Next(&tag, &ok);
  call->Finish(&status, reinterpret_cast<void*>(3));
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

TEST_F(GatewayServerTest, ACallWithNoMessageIsRefusedAndTheGatewayCarriesOn) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials());
  for (const char* method : {"ListRegions", "CreateReferral", "FindInterventions"}) {
    const grpc::Status status = CallWithNoMessage(
        channel, absl::StrCat("/", v1::InterventionsGateway::service_full_name(), "/", method),
        Token());
    EXPECT_NE(status.error_code(), grpc::StatusCode::OK) << method;
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << method << ": still up";
  }
  grpc::ClientContext after;
  Authorise(after);
  catalogue::v1::ListRegionsResponse regions;
  EXPECT_TRUE(stub_->ListRegions(&after, {}, &regions).ok());
}

}  // namespace
}  // namespace probation::gateway
