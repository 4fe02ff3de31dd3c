#include "gateway/routes.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probation/gateway/v1/gateway_service.pb.h"

namespace probation::gateway {
namespace {

const google::protobuf::ServiceDescriptor& Gateway() {
  return *v1::FindInterventionsRequest::descriptor()->file()->FindServiceByName(
      "InterventionsGateway");
}

TEST(GatewayRoutes, EveryUnaryMethodIsRoutedOrAnAggregateOfTheGateway) {
  // Answered by the gateway itself from several services; everything else is passed on.
  const std::set<std::string> aggregates = {"FindInterventions", "GetReferral"};
  const auto& routes = GatewayRoutes();
  for (int i = 0; i < Gateway().method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *Gateway().method(i);
    if (method.client_streaming() || method.server_streaming()) continue;
    SCOPED_TRACE(method.name());
    EXPECT_TRUE(routes.contains(method.name()) || aggregates.contains(method.name()));
  }
  EXPECT_FALSE(routes.contains("FindInterventions"));
}

TEST(GatewayRoutes, ARouteReachesTheSameMethodOfTheServiceThatOwnsTheRequest) {
  const auto& routes = GatewayRoutes();
  ASSERT_TRUE(routes.contains("ListInterventions"));
  EXPECT_EQ(routes.at("ListInterventions").backend, Backend::kCatalogue);
  EXPECT_EQ(routes.at("ListInterventions").path,
            "/probation.catalogue.v1.CatalogueService/ListInterventions");
  EXPECT_EQ(routes.at("CheckEligibility").backend, Backend::kEligibility);
  EXPECT_EQ(routes.at("GetReferralReport").path,
            "/probation.referrals.v1.ReferralService/GetReferralReport");
  for (const auto& [name, route] : routes) {
    SCOPED_TRACE(name);
    const google::protobuf::MethodDescriptor* backend_method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            route.path.substr(1, route.path.rfind('/') - 1) + "." + name);
    ASSERT_NE(backend_method, nullptr);
    const google::protobuf::MethodDescriptor& method = *Gateway().FindMethodByName(name);
    EXPECT_EQ(backend_method->input_type(), method.input_type());
    EXPECT_EQ(backend_method->output_type(), method.output_type());
  }
}

TEST(GatewayRoutes, AServiceNoBackendServesIsNeverRouted) {
  EXPECT_EQ(BackendServing("probation.gateway.v1.InterventionsGateway"), nullptr);
  EXPECT_EQ(BackendServing("grpc.health.v1.Health"), nullptr);
  ASSERT_NE(BackendServing("probation.referrals.v1.ReferralService"), nullptr);
  EXPECT_EQ(*BackendServing("probation.referrals.v1.ReferralService"), Backend::kReferrals);
}

}  // namespace
}  // namespace probation::gateway
