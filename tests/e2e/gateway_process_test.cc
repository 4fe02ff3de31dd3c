// The four binaries as separate processes, driven through the gateway only: find
// interventions for a person, refer and submit, walk each kind's state machine to its end
// with the right role at each step (and the wrong ones refused), watch the events, follow
// one request id through every service, and survive the eligibility service being killed.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/textproto/text_proto.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/e2e/suite_test.h"
#include "tests/support/jwk_signer.h"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using referrals::v1::Referral;
using referrals::v1::ReferralState;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCrn[] = "E271828";
// At low risk of reoffending, so a structured intervention rather than a programme.
constexpr char kLowRiskCrn[] = "E161803";
constexpr char kDateOfBirth[] = "1983-07-19";

class GatewayProcessTest : public testing::SuiteTest {
 protected:
  // A call as `token`'s holder, with a deadline and, if given, a request id.
  static common::v1::PersonProfile Person(
      common::v1::RiskLevel risk = common::v1::RISK_LEVEL_MEDIUM) {
    common::v1::PersonProfile person;
    person.set_crn(risk == common::v1::RISK_LEVEL_LOW ? kLowRiskCrn : kCrn);
    person.set_date_of_birth(kDateOfBirth);
    person.set_sex(common::v1::SEX_MALE);
    person.set_region("london");
    person.set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
    person.set_has_rar(true);
    person.set_risk_of_reoffending(risk);
    person.set_rosh(common::v1::RISK_LEVEL_MEDIUM);
    person.add_offences(common::v1::OFFENCE_CATEGORY_ACQUISITIVE);
    person.add_needs()->set_area(common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
    person.add_needs()->set_area(common::v1::NEED_AREA_ACCOMMODATION);
    person.add_needs()->set_area(common::v1::NEED_AREA_EDUCATION_TRAINING_EMPLOYMENT);
    return person;
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus GatewayHealth() {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (!health->Check(&context, request, &response).ok()) {
      return grpc::health::v1::HealthCheckResponse::UNKNOWN;
    }
    return response.status();
  }
};

// One move: the roles that may make it (the first makes it), and the reason and notes. A move a
// delivery record makes is made here by the admin, the one role TransitionReferral lets make
// it; `delivery_role` is the role whose record makes it, refused it with FAILED_PRECONDITION.
struct Step {
  Step(ReferralState to, std::vector<std::string> roles, std::string reason_code = "",
       std::string notes = "")
      : to(to),
        roles(std::move(roles)),
        reason_code(std::move(reason_code)),
        notes(std::move(notes)) {}

  ReferralState to;
  std::vector<std::string> roles;
  std::string reason_code;
  std::string notes;
  std::string delivery_role;
};

constexpr char kAdmin[] = "admin";
constexpr char kPractitioner[] = "probation_practitioner";
constexpr char kTeam[] = "programme_team";
constexpr char kProvider[] = "service_provider";

Step Driven(ReferralState to, const std::string& delivery_role) {
  Step step(to, {kAdmin});
  step.delivery_role = delivery_role;
  return step;
}

TEST_F(GatewayProcessTest, CompleteFlowsThroughTheGatewayWithRoleChecksBothWays) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::map<std::string, std::string> tokens = {
      {kPractitioner, practitioner},
      {kTeam, testing::SuiteToken(kTeam, "london")},
      {kProvider, testing::SuiteToken(kProvider, "", "provider-a")}};
  const std::string admin = testing::SuiteToken(kAdmin, "");
  const std::string outsider = testing::SuiteToken("probation_practitioner", "wales");
  const std::string other_provider = testing::SuiteToken("service_provider", "", "provider-b");
  EXPECT_EQ(GatewayHealth(), grpc::health::v1::HealthCheckResponse::SERVING);

  // What is there for each person, eligible first: the one at medium risk is referred to a
  // programme and to CRS, the one at low risk to a structured intervention.
  std::map<catalogue::v1::InterventionKind, std::pair<std::string, common::v1::PersonProfile>>
      referable;
  for (common::v1::RiskLevel risk : {common::v1::RISK_LEVEL_MEDIUM, common::v1::RISK_LEVEL_LOW}) {
    gateway::v1::FindInterventionsRequest find;
    *find.mutable_person() = Person(risk);
    gateway::v1::FindInterventionsResponse found;
    auto find_context = As(practitioner, "e2e-find-0001");
    grpc::Status found_status = stub_->FindInterventions(find_context.get(), find, &found);
    ASSERT_TRUE(found_status.ok()) << found_status.error_message();
    ASSERT_FALSE(found.pathway().empty());
    for (const auto& match : found.matches()) {
      if (match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE) {
        referable.emplace(match.intervention().kind(),
                          std::pair{match.intervention().name(), find.person()});
      }
    }
  }
  for (catalogue::v1::InterventionKind kind :
       {catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME,
        catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION,
        catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE}) {
    ASSERT_TRUE(referable.count(kind)) << catalogue::v1::InterventionKind_Name(kind);
  }
  grpc::Status status;

  // Watch everything the London practitioner may see while the referrals go through.
  auto watch_context = As(practitioner);
  watch_context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch = stub_->WatchReferralEvents(watch_context.get(), {});

  const std::map<catalogue::v1::InterventionKind, std::vector<Step>> walks = {
      {catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME,
       {{referrals::v1::REFERRAL_STATE_AWAITING_ASSESSMENT, {kTeam}},
        {referrals::v1::REFERRAL_STATE_ASSESSMENT_STARTED, {kTeam}},
        {referrals::v1::REFERRAL_STATE_ASSESSED_SUITABLE, {kTeam}},
        {referrals::v1::REFERRAL_STATE_ON_PROGRAMME, {kTeam}},
        {referrals::v1::REFERRAL_STATE_PROGRAMME_COMPLETE, {kTeam}}}},
      {catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION,
       {{referrals::v1::REFERRAL_STATE_ON_HOLD, {kPractitioner, kTeam}, "awaiting-information"},
        {referrals::v1::REFERRAL_STATE_SUBMITTED, {kTeam, kPractitioner}},
        {referrals::v1::REFERRAL_STATE_ALLOCATED, {kTeam}},
        {referrals::v1::REFERRAL_STATE_IN_PROGRESS, {kTeam}},
        {referrals::v1::REFERRAL_STATE_COMPLETED, {kTeam}}}},
      {catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE,
       {{referrals::v1::REFERRAL_STATE_ASSIGNED, {kProvider}},
        Driven(referrals::v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED, kProvider),
        Driven(referrals::v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE, kProvider),
        Driven(referrals::v1::REFERRAL_STATE_ACTION_PLAN_SUBMITTED, kProvider),
        Driven(referrals::v1::REFERRAL_STATE_ACTION_PLAN_APPROVED, kPractitioner),
        Driven(referrals::v1::REFERRAL_STATE_IN_DELIVERY, kProvider),
        Driven(referrals::v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED, kProvider),
        {referrals::v1::REFERRAL_STATE_CONCLUDED, {kPractitioner, kProvider}}}}};

  int writes = 0;
  for (const auto& [kind, steps] : walks) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("e2e-create-", kind));
    create.mutable_referral()->set_intervention(referable.at(kind).first);
    *create.mutable_referral()->mutable_person() = referable.at(kind).second;
    create.mutable_referral()->set_region("london");
    if (kind == catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
      create.mutable_referral()->set_provider("provider-a");
    }
    Referral referral;
    auto create_context = As(practitioner, absl::StrCat("e2e-create-request-", kind));
    status = stub_->CreateReferral(create_context.get(), create, &referral);
    ASSERT_TRUE(status.ok()) << status.error_message();
    // Another region's practitioner may not create here, see it, or submit it.
    auto elsewhere = As(outsider);
    Referral refused;
    create.set_request_id(absl::StrCat("e2e-elsewhere-", kind));
    EXPECT_EQ(stub_->CreateReferral(elsewhere.get(), create, &refused).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    referrals::v1::SubmitReferralRequest submit;
    submit.set_name(referral.name());
    submit.set_etag(referral.etag());
    auto outsider_submit = As(outsider);
    EXPECT_EQ(stub_->SubmitReferral(outsider_submit.get(), submit, &refused).error_code(),
              grpc::StatusCode::NOT_FOUND);
    auto submit_context = As(practitioner, absl::StrCat("e2e-submit-request-", kind));
    status = stub_->SubmitReferral(submit_context.get(), submit, &referral);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(referral.eligibility().outcome(), eligibility::v1::OUTCOME_ELIGIBLE);
    writes += 2;

    for (const Step& step : steps) {
      referrals::v1::TransitionReferralRequest move;
      move.set_name(referral.name());
      move.set_etag(referral.etag());
      move.set_to_state(step.to);
      move.set_reason_code(step.reason_code);
      move.set_notes(step.notes);
      // The roles whose allowed moves (as GetReferral lists them) lack this one are refused
      // it; the role that has it makes it. Another provider does not even see the referral.
      referrals::v1::GetReferralRequest get_current;
      get_current.set_name(referral.name());
      for (const auto& [role, token] : tokens) {
        if (role == kProvider &&
            kind != catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
          continue;  // only CRS referrals are sent to a provider
        }
        auto read_context = As(token);
        Referral current;
        ASSERT_TRUE(stub_->GetReferral(read_context.get(), get_current, &current).ok()) << role;
        const bool allowed =
            std::any_of(current.allowed_transitions().begin(), current.allowed_transitions().end(),
                        [&](const auto& transition) { return transition.to_state() == step.to; });
        EXPECT_EQ(allowed, absl::c_linear_search(step.roles, role))
            << role << " to " << ReferralState_Name(step.to);
        if (allowed) continue;
        auto wrong = As(token);
        EXPECT_EQ(stub_->TransitionReferral(wrong.get(), move, &refused).error_code(),
                  role == step.delivery_role ? grpc::StatusCode::FAILED_PRECONDITION
                                             : grpc::StatusCode::PERMISSION_DENIED)
            << role << " to " << ReferralState_Name(step.to);
      }
      if (step.roles.front() == kProvider) {
        auto stranger = As(other_provider);
        EXPECT_EQ(stub_->TransitionReferral(stranger.get(), move, &refused).error_code(),
                  grpc::StatusCode::NOT_FOUND);
      }
      auto right = As(step.roles.front() == kAdmin ? admin : tokens.at(step.roles.front()));
      status = stub_->TransitionReferral(right.get(), move, &referral);
      ASSERT_TRUE(status.ok()) << ReferralState_Name(step.to) << ": " << status.error_message();
      EXPECT_EQ(referral.state(), step.to);
      ++writes;
    }

    // At the end: nothing more to do for anyone, and the whole history is there. Providers
    // see only the CRS referrals sent to them.
    referrals::v1::GetReferralRequest get;
    get.set_name(referral.name());
    for (const auto& [role, token] : tokens) {
      auto context = As(token);
      Referral read;
      status = stub_->GetReferral(context.get(), get, &read);
      if (role == kProvider &&
          kind != catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
        continue;
      }
      ASSERT_TRUE(status.ok()) << role << ": " << status.error_message();
      EXPECT_TRUE(read.allowed_transitions().empty()) << role;
      EXPECT_FALSE(read.intervention_title().empty());
    }
    referrals::v1::GetReferralHistoryRequest history_request;
    history_request.set_name(referral.name());
    referrals::v1::GetReferralHistoryResponse history;
    auto history_context = As(practitioner);
    ASSERT_TRUE(stub_->GetReferralHistory(history_context.get(), history_request, &history).ok());
    EXPECT_EQ(history.entries_size(), static_cast<int>(steps.size()) + 2);
  }

  // Every write arrived on the watch, in sequence without gaps.
  referrals::v1::ReferralEvent event;
  int64_t last = 0;
  for (int i = 0; i < writes; ++i) {
    ASSERT_TRUE(watch->Read(&event)) << "event " << i;
    EXPECT_EQ(event.sequence(), last + 1);
    last = event.sequence();
  }
  watch_context->TryCancel();
  watch->Finish();

  // The provider lists only its own referral; a stranger provider none.
  referrals::v1::ListReferralsResponse listed;
  auto provider_list = As(tokens.at(kProvider));
  ASSERT_TRUE(stub_->ListReferrals(provider_list.get(), {}, &listed).ok());
  EXPECT_EQ(listed.total_size(), 1);
  auto stranger_list = As(other_provider);
  ASSERT_TRUE(stub_->ListReferrals(stranger_list.get(), {}, &listed).ok());
  EXPECT_EQ(listed.total_size(), 0);

  // Each service's Prometheus endpoint, fetched with curl as Prometheus would, shows the
  // calls made: by method and code, backend calls from the gateway, referrals by state.
  const std::map<std::string, std::vector<std::string>> expected_metrics = {
      {"gateway",
       {"grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"TransitionReferral\","
        "grpc_service=\"probation.gateway.v1.InterventionsGateway\"}",
        "grpc_server_handled_total{grpc_code=\"PERMISSION_DENIED\",grpc_method="
        "\"TransitionReferral\"",
        "grpc_client_handled_total{grpc_code=\"OK\",grpc_method=\"FindEligibleInterventions\","
        "grpc_service=\"probation.eligibility.v1.EligibilityService\"}",
        "grpc_server_handling_seconds_bucket{grpc_method=\"FindInterventions\""}},
      {"catalogue", {"grpc_method=\"ListInterventions\""}},
      {"eligibility", {"grpc_method=\"CheckEligibility\""}},
      {"referrals",
       {"probation_referrals{intervention=\"" +
            referable.at(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE)
                .first +
            "\",state=\"CONCLUDED\"} 1",
        "grpc_method=\"SubmitReferral\""}}};
  for (const auto& [service, needles] : expected_metrics) {
    auto curl = testing::ChildProcess::Start(
        {"/usr/bin/curl", "--silent", "--show-error", "--max-time", "5",
         absl::StrCat("http://127.0.0.1:", suite_->metrics_ports.at(service), "/metrics")});
    ASSERT_TRUE(curl.ok()) << curl.status();
    ASSERT_EQ(*(*curl)->Wait(absl::Seconds(10)), 0) << service << (*curl)->Output();
    (void)(*curl)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(5));
    for (const std::string& needle : needles) {
      EXPECT_THAT((*curl)->Output(), HasSubstr(needle)) << service;
    }
  }

  // One request id, in the logs of every service the request touched; and no service logged
  // the person's CRN or date of birth. Stopped first, so every line is there.
  suite_->Stop();
  const std::string submit_id = absl::StrCat("\"request_id\":\"e2e-submit-request-",
                                             catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  EXPECT_THAT(suite_->gateway->Output(), HasSubstr(submit_id));
  EXPECT_THAT(suite_->referrals->Output(), HasSubstr(submit_id));
  EXPECT_THAT(suite_->eligibility->Output(), HasSubstr(submit_id));
  EXPECT_THAT(suite_->catalogue->Output(), HasSubstr("\"request_id\":\"e2e-find-0001\""));
  for (const std::string& log : suite_->Logs()) {
    EXPECT_THAT(log, Not(HasSubstr(kCrn)));
    EXPECT_THAT(log, Not(HasSubstr(kLowRiskCrn)));
    EXPECT_THAT(log, Not(HasSubstr(kDateOfBirth)));
  }
}

TEST_F(GatewayProcessTest, FindInterventionsIsUnavailableWhileEligibilityIsDownThenRecovers) {
  const std::string token = testing::SuiteToken("probation_practitioner", "london");
  gateway::v1::FindInterventionsRequest find;
  *find.mutable_person() = Person();
  gateway::v1::FindInterventionsResponse found;
  auto before = As(token);
  ASSERT_TRUE(stub_->FindInterventions(before.get(), find, &found).ok());

  const int port = suite_->eligibility_port;
  suite_->eligibility->Signal(SIGKILL);
  ASSERT_TRUE(suite_->eligibility->Wait(absl::Seconds(10)).ok());

  auto during = As(token);
  during->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  const absl::Time start = absl::Now();
  const grpc::Status status = stub_->FindInterventions(during.get(), find, &found);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(took, absl::Seconds(3)) << "within the deadline";
  // Health follows: NOT_SERVING while a service the gateway needs is down.
  grpc::health::v1::HealthCheckResponse::ServingStatus health = GatewayHealth();
  for (int i = 0; i < 50 && health == grpc::health::v1::HealthCheckResponse::SERVING; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    health = GatewayHealth();
  }
  EXPECT_EQ(health, grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  // Back on the same port: the gateway finds it again by itself.
  suite_->StartEligibility(port);
  for (int i = 0; i < 50 && GatewayHealth() != grpc::health::v1::HealthCheckResponse::SERVING;
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto after = As(token);
  const grpc::Status recovered = stub_->FindInterventions(after.get(), find, &found);
  EXPECT_TRUE(recovered.ok()) << recovered.error_message();
  EXPECT_FALSE(found.matches().empty());
}

// A self-signed certificate for localhost, made with the openssl command.
std::pair<std::string, std::string> MakeCertificate(const std::string& directory) {
  const std::string cert = directory + "/cert.pem";
  const std::string key = directory + "/key.pem";
  auto openssl = testing::ChildProcess::Start(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
       "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert});
  EXPECT_TRUE(openssl.ok());
  EXPECT_EQ(*(*openssl)->Wait(absl::Seconds(30)), 0) << (*openssl)->Output();
  return {cert, key};
}

TEST(GatewayTls, ThePublicPortSpeaksTlsWhenGivenACertificate) {
  char directory[] = "/tmp/gateway-tls-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const auto [cert, key] = MakeCertificate(directory);
  testing::RunningSuite suite(
      {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
  suite.Start({{"GATEWAY_TLS_CERT_FILE", cert}, {"GATEWAY_TLS_KEY_FILE", key}});
  EXPECT_THAT(suite.gateway->Output(), HasSubstr("\"tls\":true"));
  const std::string address = absl::StrCat("localhost:", suite.gateway_port);

  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> root = ReadFileToString(cert);
  ASSERT_TRUE(root.ok());
  options.pem_root_certs = *root;
  auto secure = gateway::v1::InterventionsGateway::NewStub(
      grpc::CreateChannel(address, grpc::SslCredentials(options)));
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      "Bearer " + testing::SuiteToken("probation_practitioner", "london"));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  catalogue::v1::ListRegionsResponse regions;
  const grpc::Status status = secure->ListRegions(&context, {}, &regions);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(regions.regions_size(), 12);

  // Plaintext gets nowhere.
  auto plain = gateway::v1::InterventionsGateway::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  plain_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  EXPECT_FALSE(plain->ListRegions(&plain_context, {}, &regions).ok());

  // The container health check speaks TLS too.
  auto probe = testing::ChildProcess::Start(
      {HEALTH_PROBE_BINARY, absl::StrCat("--addr=127.0.0.1:", suite.gateway_port), "--tls",
       "--tls_ca_file=" + cert, "--tls_server_name=localhost"});
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*(*probe)->Wait(absl::Seconds(10)), 0) << (*probe)->Output();

  // And so does the CLI, given --tls and the certificate to trust; without --tls it cannot.
  const std::string token = testing::SuiteToken("probation_practitioner", "london");
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), PROBATION_BINARY);
    auto process = testing::ChildProcess::Start(
        std::move(args), {{"PROBATION_ADDRESS", address}, {"PROBATION_TOKEN", token}});
    EXPECT_TRUE(process.ok());
    const int code = (*process)->Wait(absl::Seconds(30)).value_or(-1);
    return std::pair{code, (*process)->Output()};
  };
  const auto [tls_code, tls_output] = cli({"regions", "list", "--tls", "--tls_ca_file=" + cert});
  EXPECT_EQ(tls_code, 0) << tls_output;
  EXPECT_THAT(tls_output, HasSubstr("london"));
  const auto [ip_code, ip_output] =
      cli({"regions", "list", "--tls", "--tls_ca_file=" + cert, "--tls_server_name=localhost",
           absl::StrCat("--address=127.0.0.1:", suite.gateway_port)});
  EXPECT_EQ(ip_code, 0) << ip_output;
  const auto [plain_code, plain_output] = cli({"regions", "list", "--timeout=3s"});
  EXPECT_NE(plain_code, 0) << plain_output;
  const auto [lone_code, lone_output] = cli({"regions", "list", "--tls_ca_file=" + cert});
  EXPECT_EQ(lone_code, 2) << lone_output;
  EXPECT_THAT(lone_output, HasSubstr("needs --tls"));
  std::filesystem::remove_all(directory);
}

// The gateway with an identity provider's key set: a key the provider adds to the file is
// accepted, and one it drops refused, while the gateway runs; claims are read under the
// provider's names, and a token for another audience is refused.
TEST(GatewayJwks, AKeyRotatedInTheFileIsAcceptedWithoutARestart) {
  char directory[] = "/tmp/gateway-jwks-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const std::string path = absl::StrCat(directory, "/jwks.json");
  auto publish = [&](const std::vector<const testing::JwkSigner*>& keys) {
    const std::string next = path + ".next";
    std::ofstream(next) << testing::KeySet(keys);
    std::filesystem::rename(next, path);
  };
  const testing::JwkSigner current("auth-2026", /*ec=*/false);
  const testing::JwkSigner next("auth-2027", /*ec=*/true);
  publish({&current});
  testing::RunningSuite suite(
      {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
  suite.Start({{"GATEWAY_JWT_HS256_SECRET", ""},
               {"GATEWAY_JWT_JWKS_FILE", path},
               {"GATEWAY_JWT_AUDIENCE", "probation-interventions"},
               {"GATEWAY_JWT_ROLES_CLAIM", "authorities"},
               {"GATEWAY_JWT_ROLE_VALUES", "ROLE_PROBATION=probation_practitioner"}});
  auto stub = gateway::v1::InterventionsGateway::NewStub(
      grpc::CreateChannel(suite.GatewayAddress(), grpc::InsecureChannelCredentials()));
  nlohmann::json claims = testing::Claims(testing::kSuiteIssuer, "AUTH_ADA", absl::Now());
  claims["aud"] = "probation-interventions";
  claims["authorities"] = {"ROLE_PROBATION"};
  claims["region"] = "london";
  auto list_regions = [&](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    catalogue::v1::ListRegionsResponse regions;
    return stub->ListRegions(&context, {}, &regions).error_code();
  };
  // Until `want`, for up to 5 s: the file is looked at again within a second of a change.
  auto eventually = [&](const std::string& token, grpc::StatusCode want) {
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    grpc::StatusCode got = list_regions(token);
    while (got != want && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(100));
      got = list_regions(token);
    }
    return got;
  };
  const std::string old_token = current.Sign(claims, "RS256");
  const std::string new_token = next.Sign(claims, "ES256");
  EXPECT_EQ(list_regions(old_token), grpc::StatusCode::OK);
  EXPECT_EQ(list_regions(current.Sign(claims, "PS256")), grpc::StatusCode::OK);
  EXPECT_EQ(list_regions(new_token), grpc::StatusCode::UNAUTHENTICATED);

  publish({&current, &next});
  EXPECT_EQ(eventually(new_token, grpc::StatusCode::OK), grpc::StatusCode::OK);
  EXPECT_EQ(list_regions(old_token), grpc::StatusCode::OK);

  publish({&next});
  EXPECT_EQ(eventually(old_token, grpc::StatusCode::UNAUTHENTICATED),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list_regions(new_token), grpc::StatusCode::OK);

  // A token the provider issued for another service.
  claims["aud"] = "another-service";
  EXPECT_EQ(list_regions(next.Sign(claims, "ES256")), grpc::StatusCode::UNAUTHENTICATED);
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace probation
