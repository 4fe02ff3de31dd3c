// The internal mutual TLS through the four binaries: with a CA made by
// scripts/make-local-ca.sh the suite serves through the gateway as before, while a service
// refuses any caller without a certificate from that CA, and plaintext; unset, the suite
// speaks plaintext as it always has. A service given only some of the files will not start.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/textproto/text_proto.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/e2e/suite_test.h"
#include "tests/support/child_process.h"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

// A fresh directory under the test's temporary directory.
std::string TemporaryDirectory(absl::string_view name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::filesystem::path path = std::filesystem::path(root != nullptr ? root : "/tmp") /
                               absl::StrCat("internal-tls-", getpid(), "-", name);
  std::filesystem::remove_all(path);
  return path.string();
}

// Runs scripts/make-local-ca.sh into `directory`; its output, which must hold no key.
std::string MakeLocalCa(const std::string& directory) {
  auto script = testing::ChildProcess::Start({"/bin/bash", MAKE_LOCAL_CA_SCRIPT, directory});
  EXPECT_TRUE(script.ok()) << script.status();
  if (!script.ok()) return "";
  const absl::StatusOr<int> exit_code = (*script)->Wait(absl::Seconds(60));
  EXPECT_TRUE(exit_code.ok() && *exit_code == 0) << (*script)->Output();
  EXPECT_THAT((*script)->Output(), ::testing::Not(HasSubstr("PRIVATE KEY")));
  return (*script)->Output();
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  EXPECT_TRUE(contents.ok()) << contents.status();
  return contents.ok() ? *contents : "";
}

// The health check of the service at `port`, over `credentials`.
grpc::Status HealthCheck(int port, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), credentials);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, {}, &response);
}

// TLS trusting `ca_file`, presenting `name`'s certificate from `directory` if a name is given.
std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& ca_file,
                                              const std::string& directory = "",
                                              const std::string& name = "") {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Read(ca_file);
  if (!name.empty()) {
    options.pem_cert_chain = Read(absl::StrCat(directory, "/", name, ".crt"));
    options.pem_private_key = Read(absl::StrCat(directory, "/", name, ".key"));
  }
  return grpc::SslCredentials(options);
}

class InternalTlsProcessTest : public testing::SuiteTest {
 protected:
  void BeforeStart(testing::RunningSuite& suite) override {
    EXPECT_THAT(MakeLocalCa(ca_), HasSubstr("made a new CA"));
    // Idempotent: run again, it keeps every file and says nothing.
    const std::string before = Read(ca_ + "/catalogue.crt");
    EXPECT_EQ(MakeLocalCa(ca_), "");
    EXPECT_EQ(Read(ca_ + "/catalogue.crt"), before);
    EXPECT_EQ(std::filesystem::status(ca_ + "/catalogue.key").permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    suite.internal_tls_directory = ca_;
  }

  void TearDown() override {
    std::filesystem::remove_all(ca_);
    std::filesystem::remove_all(other_ca_);
  }

  const std::string ca_ = TemporaryDirectory("ca");
  const std::string other_ca_ = TemporaryDirectory("other-ca");
  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
};

TEST_F(InternalTlsProcessTest, TheSuiteServesThroughTheGatewayOverMutualTls) {
  for (const std::string& log : suite_->Logs()) {
    EXPECT_THAT(log, HasSubstr("\"internal_tls\":true"));
  }
  // The catalogue through the gateway.
  auto regions_context = As(practitioner_);
  catalogue::v1::ListRegionsResponse regions;
  grpc::Status status = stub_->ListRegions(regions_context.get(), {}, &regions);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(regions.regions_size(), 0);

  // Eligibility (which fetched the catalogue over mutual TLS) through the gateway, then a
  // referral, which the referrals service checks with both of them.
  const common::v1::PersonProfile person =
      testing::LondonPerson("T314159", "1984-09-30", common::v1::NEED_AREA_ACCOMMODATION);
  gateway::v1::FindInterventionsRequest find;
  *find.mutable_person() = person;
  gateway::v1::FindInterventionsResponse found;
  auto find_context = As(practitioner_);
  status = stub_->FindInterventions(find_context.get(), find, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::string eligible;
  for (const auto& match : found.matches()) {
    if (match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE &&
        match.intervention().kind() ==
            catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
      eligible = match.intervention().name();
      break;
    }
  }
  ASSERT_FALSE(eligible.empty()) << "nothing eligible";
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("internal-tls-1");
  create.mutable_referral()->set_intervention(eligible);
  *create.mutable_referral()->mutable_person() = person;
  create.mutable_referral()->set_region("london");
  create.mutable_referral()->set_provider("provider-a");
  const referrals::v1::Referral referral = CreateAndSubmit(practitioner_, create);
  // A CRS referral is sent to its provider when submitted.
  EXPECT_EQ(referral.state(), referrals::v1::REFERRAL_STATE_SENT);
}

TEST_F(InternalTlsProcessTest, AServiceRefusesCallersWithoutACertificateFromItsCa) {
  MakeLocalCa(other_ca_);
  for (const int port :
       {suite_->catalogue_port, suite_->eligibility_port, suite_->referrals_port}) {
    SCOPED_TRACE(port);
    // With a certificate of the suite's CA, the handshake succeeds.
    EXPECT_TRUE(HealthCheck(port, Tls(ca_ + "/ca.crt", ca_, "gateway")).ok());
    // With none, or with one from another CA (of the same names), it fails.
    EXPECT_EQ(HealthCheck(port, Tls(ca_ + "/ca.crt")).error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(HealthCheck(port, Tls(ca_ + "/ca.crt", other_ca_, "gateway")).error_code(),
              grpc::StatusCode::UNAVAILABLE);
    // A client trusting another CA does not accept the service either.
    EXPECT_EQ(HealthCheck(port, Tls(other_ca_ + "/ca.crt", other_ca_, "gateway")).error_code(),
              grpc::StatusCode::UNAVAILABLE);
    // Plaintext gets nowhere.
    EXPECT_EQ(HealthCheck(port, grpc::InsecureChannelCredentials()).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  // The gateway kept serving throughout.
  auto context = As(practitioner_);
  catalogue::v1::ListRegionsResponse regions;
  EXPECT_TRUE(stub_->ListRegions(context.get(), {}, &regions).ok());
}

TEST_F(InternalTlsProcessTest, AServiceWithSomeOfTheFilesDoesNotStart) {
  const struct {
    testing::Environment environment;
    std::string named;
  } cases[] = {
      {{{"CATALOGUE_INTERNAL_TLS_CERT_FILE", ca_ + "/catalogue.crt"}},
       "--internal_tls_key_file (CATALOGUE_INTERNAL_TLS_KEY_FILE): is not set"},
      {{{"CATALOGUE_INTERNAL_TLS_CERT_FILE", ca_ + "/catalogue.crt"},
        {"CATALOGUE_INTERNAL_TLS_KEY_FILE", ca_ + "/catalogue.key"},
        {"CATALOGUE_INTERNAL_TLS_CA_FILE", ca_ + "/missing.crt"}},
       "--internal_tls_ca_file (CATALOGUE_INTERNAL_TLS_CA_FILE): cannot read"},
      {{{"CATALOGUE_INTERNAL_TLS_CERT_FILE", ca_ + "/catalogue.crt"},
        {"CATALOGUE_INTERNAL_TLS_KEY_FILE", ca_ + "/gateway.key"},
        {"CATALOGUE_INTERNAL_TLS_CA_FILE", ca_ + "/ca.crt"}},
       "--internal_tls_key_file (CATALOGUE_INTERNAL_TLS_KEY_FILE): "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.named);
    testing::Environment environment = {
        {"CATALOGUE_PORT", "0"},
        {"CATALOGUE_METRICS_PORT", "0"},
        {"CATALOGUE_INTERNAL_SECRET", testing::kSuiteInternalSecret}};
    environment.insert(environment.end(), c.environment.begin(), c.environment.end());
    auto catalogue = testing::StartProcess(CATALOGUE_BINARY, environment);
    ASSERT_NE(catalogue, nullptr);
    const absl::StatusOr<int> exit_code = catalogue->Wait(absl::Seconds(10));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 2);
    EXPECT_THAT(catalogue->Output(), HasSubstr(c.named));
    EXPECT_THAT(catalogue->Output(), ::testing::Not(HasSubstr("PRIVATE KEY")));
  }
}

// Without the settings, the suite speaks plaintext, as it always has.
class PlaintextProcessTest : public testing::SuiteTest {};

TEST_F(PlaintextProcessTest, WithoutTheSettingsTheServicesSpeakPlaintext) {
  for (const std::string& log : suite_->Logs()) {
    EXPECT_THAT(log, HasSubstr("\"internal_tls\":false"));
  }
  EXPECT_TRUE(HealthCheck(suite_->catalogue_port, grpc::InsecureChannelCredentials()).ok());
  EXPECT_TRUE(HealthCheck(suite_->referrals_port, grpc::InsecureChannelCredentials()).ok());
  auto context = As(testing::SuiteToken("probation_practitioner", "london"));
  catalogue::v1::ListRegionsResponse regions;
  const grpc::Status status = stub_->ListRegions(context.get(), {}, &regions);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(regions.regions_size(), 0);
}

}  // namespace
}  // namespace probation
