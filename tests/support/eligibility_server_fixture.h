// A real eligibility gRPC server on a loopback ephemeral port, fed by a CatalogueWatcher
// that fetches from a catalogue service over gRPC, with a client stub.
#ifndef PROBATION_TESTS_SUPPORT_ELIGIBILITY_SERVER_FIXTURE_H_
#define PROBATION_TESTS_SUPPORT_ELIGIBILITY_SERVER_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_server.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "services/eligibility/catalogue_watcher.h"
#include "services/eligibility/eligibility_server.h"
#include "tests/support/eligibility_fixture.h"
#include "tests/support/test_identity.h"

namespace probation::testing {

struct RunningEligibility {
  std::unique_ptr<eligibility::CatalogueWatcher> watcher;
  std::unique_ptr<eligibility::EligibilityServer> service;
  std::unique_ptr<GrpcServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<eligibility::v1::EligibilityService::Stub> stub;

  ~RunningEligibility() {
    if (watcher != nullptr) watcher->Stop();
    if (server != nullptr) server->Shutdown(absl::Seconds(1));
  }
};

// Starts NOT_SERVING; the watcher (started here) switches it to SERVING once it has the
// catalogue at `catalogue_address`.
inline std::unique_ptr<RunningEligibility> StartEligibility(
    const std::string& catalogue_address, eligibility::CatalogueWatcherOptions options = {}) {
  auto running = std::make_unique<RunningEligibility>();
  RunningEligibility* raw = running.get();
  running->watcher = std::make_unique<eligibility::CatalogueWatcher>(
      SignedTestChannel(catalogue_address), EmbeddedPathway(), options,
      [raw] { raw->server->SetServing(true); });
  running->service = std::make_unique<eligibility::EligibilityServer>(
      [raw] { return raw->watcher->current(); }, kTestIdentitySecret);
  ServerOptions server_options;
  server_options.address = "127.0.0.1:0";
  server_options.services = {running->service.get()};
  server_options.health_service_names = {
      std::string(eligibility::v1::EligibilityService::service_full_name())};
  server_options.serving_at_start = false;
  auto server = GrpcServer::Start(server_options);
  EXPECT_TRUE(server.ok()) << server.status();
  running->server = *std::move(server);
  running->channel = SignedTestChannel(absl::StrCat("127.0.0.1:", running->server->port()));
  running->stub = eligibility::v1::EligibilityService::NewStub(running->channel);
  running->watcher->Start();
  return running;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_ELIGIBILITY_SERVER_FIXTURE_H_
