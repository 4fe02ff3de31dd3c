#include "libs/server/grpc_server.h"

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
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
  running.server->SetServing(true);
  EXPECT_EQ(Check(running.channel.get(), ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(running.channel.get(), kCatalogueService), HealthCheckResponse::SERVING);
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

}  // namespace
}  // namespace probation
