// The eligibility binary as an operator runs it beside the catalogue binary: configured by
// environment, NOT_SERVING until the catalogue is reachable, SERVING by itself once it is,
// logging JSON without personal data, refusing bad settings, and draining on SIGTERM.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/test_identity.h"

namespace probation {
namespace {

using testing::ChildProcess;
using ::testing::HasSubstr;

bool IsEvent(const std::string& line, absl::string_view event) {
  return absl::StrContains(line, absl::StrCat("\"event\":\"", event, "\""));
}

int PortFromServingLine(ChildProcess& process) {
  auto line = process.WaitForLine([](const std::string& l) { return IsEvent(l, "serving"); },
                                  absl::Seconds(20));
  EXPECT_TRUE(line.ok()) << line.status() << process.Output();
  return line.ok() ? nlohmann::json::parse(*line).value("port", 0) : 0;
}

std::unique_ptr<ChildProcess> StartCatalogue(int port) {
  auto process = ChildProcess::Start({CATALOGUE_BINARY},
                                     {{"CATALOGUE_HOST", "127.0.0.1"},
                                      {"CATALOGUE_PORT", std::to_string(port)},
                                      {"CATALOGUE_METRICS_PORT", "0"},
                                      {"CATALOGUE_INTERNAL_SECRET", testing::kTestIdentitySecret}});
  EXPECT_TRUE(process.ok()) << process.status();
  return *std::move(process);
}

int ProbeHealth(int port) {
  auto probe = ChildProcess::Start({HEALTH_PROBE_BINARY, absl::StrCat("--addr=127.0.0.1:", port),
                                    "--service=probation.eligibility.v1.EligibilityService"});
  EXPECT_TRUE(probe.ok());
  return *(*probe)->Wait(absl::Seconds(10));
}

TEST(EligibilityProcess, ServesOnceTheCatalogueServiceIsReachable) {
  // Learn a free port from a catalogue that is then stopped: the catalogue starts "down".
  int catalogue_port = 0;
  {
    std::unique_ptr<ChildProcess> first = StartCatalogue(0);
    catalogue_port = PortFromServingLine(*first);
    first->Signal(SIGTERM);
    ASSERT_EQ(*first->Wait(absl::Seconds(15)), 0);
  }
  ASSERT_GT(catalogue_port, 0);

  auto eligibility = ChildProcess::Start(
      {ELIGIBILITY_BINARY},
      {{"ELIGIBILITY_HOST", "127.0.0.1"},
       {"ELIGIBILITY_PORT", "0"},
       {"ELIGIBILITY_METRICS_PORT", "0"},
       {"ELIGIBILITY_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
       {"ELIGIBILITY_CATALOGUE_REFRESH_INTERVAL", "2s"},
       {"ELIGIBILITY_CATALOGUE_TIMEOUT", "500ms"},
       {"ELIGIBILITY_INTERNAL_SECRET", testing::kTestIdentitySecret}});
  ASSERT_TRUE(eligibility.ok());
  const int port = PortFromServingLine(**eligibility);
  ASSERT_GT(port, 0);
  EXPECT_EQ(ProbeHealth(port), 4) << "NOT_SERVING while the catalogue is unreachable";

  std::unique_ptr<ChildProcess> catalogue = StartCatalogue(catalogue_port);
  ASSERT_TRUE(
      (*eligibility)
          ->WaitForLine([](const std::string& l) { return IsEvent(l, "ready"); }, absl::Seconds(20))
          .ok())
      << (*eligibility)->Output();
  EXPECT_EQ(ProbeHealth(port), 0);

  {
    auto stub = eligibility::v1::EligibilityService::NewStub(
        testing::SignedTestChannel(absl::StrCat("127.0.0.1:", port)));
    grpc::ClientContext context;
    eligibility::v1::FindEligibleInterventionsRequest request;
    request.mutable_person()->set_crn("Q765432");
    request.mutable_person()->set_date_of_birth("1979-08-14");
    request.mutable_person()->set_sex(common::v1::SEX_MALE);
    request.mutable_person()->set_region("north-east");
    request.mutable_person()->set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
    eligibility::v1::FindEligibleInterventionsResponse response;
    ASSERT_TRUE(stub->FindEligibleInterventions(&context, request, &response).ok());
    EXPECT_GT(response.verdicts_size(), 50);
  }

  // The catalogue goes away; eligibility keeps serving what it has.
  catalogue->Signal(SIGTERM);
  ASSERT_EQ(*catalogue->Wait(absl::Seconds(15)), 0);
  EXPECT_TRUE(
      (*eligibility)
          ->WaitForLine([](const std::string& l) { return IsEvent(l, "catalogue_refresh_failed"); },
                        absl::Seconds(10))
          .ok());
  EXPECT_EQ(ProbeHealth(port), 0);

  (*eligibility)->Signal(SIGTERM);
  EXPECT_EQ(*(*eligibility)->Wait(absl::Seconds(15)), 0);
  // Reads the rest of the pipe: the last buffered lines come out at exit.
  (void)(*eligibility)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(5));

  // JSON lines only, and the person's CRN and date of birth appear in none of them.
  std::istringstream output((*eligibility)->Output());
  for (std::string line; std::getline(output, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(json.is_object()) << line;
    EXPECT_EQ(json.value("service", ""), "eligibility");
    EXPECT_THAT(line, ::testing::Not(HasSubstr("Q765432")));
    EXPECT_THAT(line, ::testing::Not(HasSubstr("1979-08-14")));
  }
}

TEST(EligibilityProcess, RefusesAnInvalidSettingNamingIt) {
  auto interval =
      ChildProcess::Start({ELIGIBILITY_BINARY}, {{"ELIGIBILITY_CATALOGUE_REFRESH_INTERVAL", "0s"}});
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(*(*interval)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*interval)->Output(), HasSubstr("ELIGIBILITY_CATALOGUE_REFRESH_INTERVAL"));

  auto timeout =
      ChildProcess::Start({ELIGIBILITY_BINARY}, {{"ELIGIBILITY_CATALOGUE_TIMEOUT", "soon"}});
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(*(*timeout)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*timeout)->Output(), HasSubstr("ELIGIBILITY_CATALOGUE_TIMEOUT"));

  auto negative = ChildProcess::Start({ELIGIBILITY_BINARY, "--catalogue_timeout=-1s"});
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(*(*negative)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*negative)->Output(), HasSubstr("--catalogue_timeout"));
}

TEST(EligibilityProcess, RefusesAnInvalidPathwayPolicyNamingTheLine) {
  char path[] = "/tmp/pathway-policy-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "stages { name: \"a\" kind: INTERVENTION_KIND_UNPAID_WORK }\n"
                         "stages { name: \"b\" colour: \"red\" }\n";
  auto process =
      ChildProcess::Start({ELIGIBILITY_BINARY, std::string("--pathway_policy_file=") + path,
                           absl::StrCat("--internal_secret=", testing::kTestIdentitySecret)});
  ASSERT_TRUE(process.ok());
  EXPECT_EQ(*(*process)->Wait(absl::Seconds(10)), 1);
  EXPECT_THAT((*process)->Output(), HasSubstr(absl::StrCat(path, ":2:")));
  std::remove(path);
}

}  // namespace
}  // namespace probation
