#include "libs/server/grpc_server.h"

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "tests/support/catalogue_fixture.h"

namespace probation {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus Check(grpc::Channel* channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

constexpr char kCatalogueService[] = "probation.catalogue.v1.CatalogueService";

TEST(GrpcServer, HealthFollowsSetServing) {
  testing::RunningCatalogue running = testing::StartCatalogue(/*serving_at_start=*/false);
  EXPECT_EQ(Check(running.channel.get(), ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(running.channel.get(), kCatalogueService), HealthCheckResponse::NOT_SERVING);
  // Alive all the same: a liveness probe must not restart a server waiting to be ready.
  EXPECT_EQ(Check(running.channel.get(), kLivenessServiceName), HealthCheckResponse::SERVING);
  running.server->SetServing(true);
  EXPECT_EQ(Check(running.channel.get(), ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(running.channel.get(), kCatalogueService), HealthCheckResponse::SERVING);
  running.server->SetServing(false);
  EXPECT_EQ(Check(running.channel.get(), kLivenessServiceName), HealthCheckResponse::SERVING);
}

TEST(GrpcServer, CountsEveryCallInItsMetrics) {
  prometheus::Registry registry;
  RpcMetrics metrics(registry, RpcMetrics::Side::kServer);
  auto catalogue = testing::LoadEmbeddedCatalogue();
  catalogue::CatalogueServer service(catalogue, testing::kTestIdentitySecret);
  ServerOptions options;
  options.address = "127.0.0.1:0";
  options.services = {&service};
  options.health_service_names = {
      std::string(catalogue::v1::CatalogueService::service_full_name())};
  options.metrics = &metrics;
  auto server = GrpcServer::Start(options);
  ASSERT_TRUE(server.ok());
  auto stub = catalogue::v1::CatalogueService::NewStub(
      testing::SignedTestChannel(absl::StrCat("127.0.0.1:", (*server)->port())));
  for (const char* name : {"interventions/unpaid-work", "interventions/nothing"}) {
    grpc::ClientContext context;
    catalogue::v1::GetInterventionRequest request;
    request.set_name(name);
    catalogue::v1::Intervention intervention;
    stub->GetIntervention(&context, request, &intervention);
  }
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetIntervention\","
                      "grpc_service=\"probation.catalogue.v1.CatalogueService\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("grpc_code=\"NOT_FOUND\",grpc_method=\"GetIntervention\""),
            std::string::npos);
  EXPECT_NE(text.find("grpc_server_handling_seconds_count{grpc_method=\"GetIntervention\","
                      "grpc_service=\"probation.catalogue.v1.CatalogueService\"} 2"),
            std::string::npos);
}

TEST(GrpcServer, EchoesTheCallersRequestId) {
  testing::RunningCatalogue running = testing::StartCatalogue();
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "req-123");
  catalogue::v1::ListRegionsResponse response;
  ASSERT_TRUE(running.stub->ListRegions(&context, {}, &response).ok());
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "req-123");
}

TEST(GrpcServer, GeneratesARequestIdWhenNoneIsSent) {
  testing::RunningCatalogue running = testing::StartCatalogue();
  grpc::ClientContext context;
  catalogue::v1::ListRegionsResponse response;
  ASSERT_TRUE(running.stub->ListRegions(&context, {}, &response).ok());
  auto it = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(it, context.GetServerInitialMetadata().end());
  EXPECT_EQ(it->second.size(), 32u);
}

TEST(GrpcServer, ShutdownStopsServingAndRefusesNewCalls) {
  testing::RunningCatalogue running = testing::StartCatalogue();
  running.server->Shutdown(absl::Milliseconds(100));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  catalogue::v1::ListRegionsResponse response;
  EXPECT_EQ(running.stub->ListRegions(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(GrpcServer, AnAgedConnectionIsReplacedAndItsStreamsEndAfterTheGrace) {
  auto catalogue = testing::LoadEmbeddedCatalogue();
  catalogue::CatalogueServer service(catalogue, testing::kTestIdentitySecret);
  ServerOptions options;
  options.address = "127.0.0.1:0";
  options.services = {&service};
  options.health_service_names = {kCatalogueService};
  options.max_connection_age = absl::Seconds(1);
  options.max_connection_age_grace = absl::Seconds(1);
  auto server = GrpcServer::Start(options);
  ASSERT_TRUE(server.ok());
  auto channel = testing::SignedTestChannel(absl::StrCat("127.0.0.1:", (*server)->port()));
  // A stream that never ends by itself, as an event watch does not.
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext watching;
  HealthCheckRequest request;
  request.set_service(kCatalogueService);
  const absl::Time opened = absl::Now();
  auto watch = health->Watch(&watching, request);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_FALSE(watch->Read(&update));
  const grpc::Status ended = watch->Finish();
  const absl::Duration lasted = absl::Now() - opened;
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  // Age (1 s, gRPC varies it by 10%) and grace (1 s).
  EXPECT_GT(lasted, absl::Milliseconds(1800));
  EXPECT_LT(lasted, absl::Seconds(4));
  // Calls go on, on a new connection.
  auto stub = catalogue::v1::CatalogueService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  catalogue::v1::ListRegionsResponse response;
  EXPECT_TRUE(stub->ListRegions(&context, {}, &response).ok());
}

}  // namespace
}  // namespace probation
