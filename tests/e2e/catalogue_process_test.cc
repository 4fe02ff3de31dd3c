// The catalogue binary as an operator runs it: configured by flags or environment, healthy
// per grpc.health.v1, introspectable by reflection, logging JSON lines, refusing bad data
// and bad settings, and draining on SIGTERM.
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/test_identity.h"

namespace probation {
namespace {

using testing::ChildProcess;
using ::testing::Contains;
using ::testing::HasSubstr;

bool IsEvent(const std::string& line, absl::string_view event) {
  return absl::StrContains(line, absl::StrCat("\"event\":\"", event, "\""));
}

// Starts the catalogue on a free port and returns it with the port it reported.
std::pair<std::unique_ptr<ChildProcess>, int> StartCatalogue(
    std::vector<std::string> extra_args = {},
    std::vector<std::pair<std::string, std::string>> environment = {}) {
  std::vector<std::string> argv = {CATALOGUE_BINARY};
  if (std::none_of(environment.begin(), environment.end(),
                   [](const auto& entry) { return entry.first == "CATALOGUE_PORT"; })) {
    argv.push_back("--port=0");
    argv.push_back("--metrics_port=0");
  }
  argv.push_back("--host=127.0.0.1");
  environment.emplace_back("CATALOGUE_INTERNAL_SECRET", testing::kTestIdentitySecret);
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto process = ChildProcess::Start(argv, environment);
  EXPECT_TRUE(process.ok()) << process.status();
  auto line = (*process)->WaitForLine([](const std::string& l) { return IsEvent(l, "serving"); },
                                      absl::Seconds(20));
  EXPECT_TRUE(line.ok()) << line.status();
  const int port = line.ok() ? nlohmann::json::parse(*line).value("port", 0) : 0;
  return {*std::move(process), port};
}

std::string WriteTempFile(absl::string_view contents) {
  char path[] = "/tmp/catalogue-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << contents;
  return path;
}

TEST(CatalogueProcess, ServesHealthReflectionAndTheApiThenDrainsOnSigterm) {
  auto [process, port] = StartCatalogue();
  ASSERT_GT(port, 0);
  const std::string address = absl::StrCat("127.0.0.1:", port);

  // grpc_health_probe-style check, with the probe binary shipped for container health checks.
  auto probe = ChildProcess::Start({HEALTH_PROBE_BINARY, "--addr=" + address,
                                    "--service=probation.catalogue.v1.CatalogueService"});
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*(*probe)->Wait(absl::Seconds(10)), 0) << (*probe)->Output();
  EXPECT_THAT((*probe)->Output(), HasSubstr("SERVING"));

  {  // Clients are closed before SIGTERM: an idle open connection holds the drain ~5 s.
    auto channel = testing::SignedTestChannel(address);

    // Reflection lists the services, so grpcurl-style tools work without the protos.
    auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
    grpc::ClientContext reflection_context;
    auto stream = reflection->ServerReflectionInfo(&reflection_context);
    grpc::reflection::v1alpha::ServerReflectionRequest list_request;
    list_request.set_list_services("");
    ASSERT_TRUE(stream->Write(list_request));
    grpc::reflection::v1alpha::ServerReflectionResponse list_response;
    ASSERT_TRUE(stream->Read(&list_response));
    std::vector<std::string> services;
    for (const auto& service : list_response.list_services_response().service()) {
      services.push_back(service.name());
    }
    EXPECT_THAT(services, Contains("probation.catalogue.v1.CatalogueService"));
    EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
    grpc::reflection::v1alpha::ServerReflectionRequest symbol_request;
    symbol_request.set_file_containing_symbol("probation.catalogue.v1.CatalogueService");
    ASSERT_TRUE(stream->Write(symbol_request));
    grpc::reflection::v1alpha::ServerReflectionResponse symbol_response;
    ASSERT_TRUE(stream->Read(&symbol_response));
    EXPECT_GT(symbol_response.file_descriptor_response().file_descriptor_proto_size(), 0);
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());

    // The API itself.
    auto stub = catalogue::v1::CatalogueService::NewStub(channel);
    grpc::ClientContext context;
    catalogue::v1::GetInterventionRequest request;
    request.set_name("interventions/building-better-relationships");
    catalogue::v1::Intervention intervention;
    ASSERT_TRUE(stub->GetIntervention(&context, request, &intervention).ok());

    // A client that is not one of the suite's services (or the gateway) is refused.
    auto unsigned_stub = catalogue::v1::CatalogueService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext anonymous;
    EXPECT_EQ(unsigned_stub->GetIntervention(&anonymous, request, &intervention).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(intervention.short_title(), "BBR");
  }

  process->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = process->Wait(absl::Seconds(15));
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
  EXPECT_TRUE(process
                  ->WaitForLine([](const std::string& l) { return IsEvent(l, "stopped"); },
                                absl::Seconds(1))
                  .ok());

  // Every line it logged is a JSON object with time, level and service; calls carry their
  // method, status and request id.
  int rpc_lines = 0;
  std::istringstream output(process->Output());
  for (std::string line; std::getline(output, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(json.is_object()) << line;
    EXPECT_EQ(json.value("service", ""), "catalogue");
    EXPECT_TRUE(json.contains("time") && json.contains("level")) << line;
    if (json.value("event", "") == "rpc") {
      ++rpc_lines;
      EXPECT_TRUE(json.contains("method") && json.contains("status") &&
                  json.contains("request_id") && json.contains("latency_ms"))
          << line;
    }
  }
  EXPECT_GE(rpc_lines, 2);
}

TEST(CatalogueProcess, IsConfiguredByEnvironmentVariables) {
  const std::string data = WriteTempFile(R"pb(
    kinds { kind: INTERVENTION_KIND_UNPAID_WORK title: "Unpaid work" }
    regions { id: "only" title: "Only" }
    interventions {
      id: "only-one"
      title: "Only one"
      summary: "s"
      description: "d"
      kind: INTERVENTION_KIND_UNPAID_WORK
      status: INTERVENTION_STATUS_CURRENT
      availability_scope: AVAILABILITY_SCOPE_NATIONAL
      sources: "001:992"
    })pb");
  auto [process, port] =
      StartCatalogue({}, {{"CATALOGUE_DATA_FILE", data}, {"CATALOGUE_LOG_LEVEL", "debug"}});
  ASSERT_GT(port, 0);
  EXPECT_THAT(process->Output(), HasSubstr("\"interventions\":1"));
  std::remove(data.c_str());
}

TEST(CatalogueProcess, RefusesAnInvalidCatalogueNamingTheLine) {
  // One entry per line (and not a "pb" raw string, which clang-format would re-flow), so the
  // duplicate is on line 4.
  const std::string data = WriteTempFile(
      R"data(kinds { kind: INTERVENTION_KIND_UNPAID_WORK title: "U" }
regions { id: "only" title: "Only" }
interventions { id: "x" title: "X" summary: "s" description: "d" kind: INTERVENTION_KIND_UNPAID_WORK status: INTERVENTION_STATUS_CURRENT availability_scope: AVAILABILITY_SCOPE_NATIONAL }
interventions { id: "x" title: "X" summary: "s" description: "d" kind: INTERVENTION_KIND_UNPAID_WORK status: INTERVENTION_STATUS_CURRENT availability_scope: AVAILABILITY_SCOPE_NATIONAL }
)data");
  auto process =
      ChildProcess::Start({CATALOGUE_BINARY, "--port=0", "--metrics_port=0", "--data_file=" + data,
                           absl::StrCat("--internal_secret=", testing::kTestIdentitySecret)});
  ASSERT_TRUE(process.ok());
  EXPECT_EQ(*(*process)->Wait(absl::Seconds(10)), 1);
  EXPECT_THAT((*process)->Output(),
              HasSubstr(absl::StrCat(data, ":4: intervention \"x\": duplicate id")));
  std::remove(data.c_str());
}

TEST(CatalogueProcess, RefusesAnInvalidSettingNamingIt) {
  auto from_env = ChildProcess::Start({CATALOGUE_BINARY}, {{"CATALOGUE_PORT", "eighty"}});
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(*(*from_env)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*from_env)->Output(), HasSubstr("CATALOGUE_PORT"));

  auto out_of_range = ChildProcess::Start({CATALOGUE_BINARY, "--port=70000"});
  ASSERT_TRUE(out_of_range.ok());
  EXPECT_EQ(*(*out_of_range)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*out_of_range)->Output(), HasSubstr("--port"));

  auto bad_level = ChildProcess::Start({CATALOGUE_BINARY, "--log_level=loud"});
  ASSERT_TRUE(bad_level.ok());
  EXPECT_EQ(*(*bad_level)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*bad_level)->Output(), HasSubstr("log_level"));

  auto bad_flush =
      ChildProcess::Start({CATALOGUE_BINARY}, {{"CATALOGUE_LOG_FLUSH_INTERVAL", "-1s"}});
  ASSERT_TRUE(bad_flush.ok());
  EXPECT_EQ(*(*bad_flush)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*bad_flush)->Output(), HasSubstr("CATALOGUE_LOG_FLUSH_INTERVAL"));

  auto short_secret = ChildProcess::Start({CATALOGUE_BINARY}, {{"CATALOGUE_INTERNAL_SECRET", "x"}});
  ASSERT_TRUE(short_secret.ok());
  EXPECT_EQ(*(*short_secret)->Wait(absl::Seconds(10)), 2);
  EXPECT_THAT((*short_secret)->Output(), HasSubstr("CATALOGUE_INTERNAL_SECRET"));
}

TEST(CatalogueProcess, HealthProbeFailsWhenNothingListens) {
  auto probe =
      ChildProcess::Start({HEALTH_PROBE_BINARY, "--addr=127.0.0.1:1", "--connect_timeout=200ms"});
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*(*probe)->Wait(absl::Seconds(10)), 2);
}

}  // namespace
}  // namespace probation
