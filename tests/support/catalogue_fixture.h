// A real catalogue gRPC server on a loopback ephemeral port, serving the embedded catalogue,
// with a client stub: the way tests reach the catalogue through the network.
#ifndef PROBATION_TESTS_SUPPORT_CATALOGUE_FIXTURE_H_
#define PROBATION_TESTS_SUPPORT_CATALOGUE_FIXTURE_H_

#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_server.h"
#include "services/catalogue/catalogue.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/catalogue/catalogue_server.h"
#include "tests/support/test_identity.h"

namespace probation::testing {

struct RunningCatalogue {
  std::shared_ptr<const catalogue::Catalogue> catalogue;
  std::unique_ptr<catalogue::CatalogueServer> service;
  std::unique_ptr<GrpcServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> stub;
};

inline std::shared_ptr<const catalogue::Catalogue> LoadEmbeddedCatalogue() {
  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded");
  EXPECT_TRUE(data.ok()) << data.status();
  return std::make_shared<const catalogue::Catalogue>(*std::move(data));
}

// `address` may name a fixed port, to bring a catalogue back where clients expect it.
inline RunningCatalogue StartCatalogue(bool serving_at_start = true,
                                       const std::string& address = "127.0.0.1:0") {
  RunningCatalogue running;
  running.catalogue = LoadEmbeddedCatalogue();
  running.service =
      std::make_unique<catalogue::CatalogueServer>(running.catalogue, kTestIdentitySecret);
  ServerOptions options;
  options.address = address;
  options.services = {running.service.get()};
  options.health_service_names = {
      std::string(catalogue::v1::CatalogueService::service_full_name())};
  options.serving_at_start = serving_at_start;
  auto server = GrpcServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  running.server = *std::move(server);
  running.channel = SignedTestChannel(absl::StrCat("127.0.0.1:", running.server->port()));
  running.stub = catalogue::v1::CatalogueService::NewStub(running.channel);
  return running;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_CATALOGUE_FIXTURE_H_
