// The channels between the suite's processes (libs/client/service_channel.h), against real
// catalogue servers on loopback: calls go round-robin over every address of the target, an
// address whose health service reports NOT_SERVING gets none, and a server restarted on its
// port is called again within a second. On gRPC's default pick_first, or without the health
// check or the reconnect cap, these fail.
#include "libs/client/service_channel.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/client/service_descriptors.h"
#include "libs/metrics/rpc_metrics.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "tests/support/catalogue_fixture.h"

namespace probation {
namespace {

// A server counts a call as it sends the answer, which may be just after the client has it.
constexpr absl::Duration kCountsSettle = absl::Milliseconds(100);

// One catalogue server that counts the calls it serves.
struct Replica {
  explicit Replica(const std::string& address = "127.0.0.1:0")
      : metrics(registry, RpcMetrics::Side::kServer),
        service(testing::LoadEmbeddedCatalogue(), testing::kTestIdentitySecret) {
    ServerOptions options;
    options.address = address;
    options.services = {&service};
    options.health_service_names = {CatalogueServiceDescriptor().full_name()};
    options.metrics = &metrics;
    auto started = GrpcServer::Start(options);
    EXPECT_TRUE(started.ok()) << started.status();
    server = *std::move(started);
  }

  // ListRegions calls served.
  double served() {
    double total = 0;
    for (const prometheus::MetricFamily& family : registry.Collect()) {
      if (family.name != "grpc_server_handled_total") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        for (const prometheus::ClientMetric::Label& label : metric.label) {
          if (label.name == "grpc_method" && label.value == "ListRegions") {
            total += metric.counter.value;
          }
        }
      }
    }
    return total;
  }

  prometheus::Registry registry;
  RpcMetrics metrics;
  catalogue::CatalogueServer service;
  std::unique_ptr<GrpcServer> server;
};

std::shared_ptr<grpc::Channel> ChannelTo(const std::string& target) {
  auto channel = CreateSignedChannel(target, "test", testing::kTestIdentitySecret,
                                     ServiceChannelArguments(CatalogueServiceDescriptor()));
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *std::move(channel);
}

// The target naming both replicas, as --catalogue_address=ipv4:... would.
std::string BothOf(const Replica& a, const Replica& b) {
  return absl::StrCat("ipv4:127.0.0.1:", a.server->port(), ",127.0.0.1:", b.server->port());
}

grpc::Status ListRegions(grpc::Channel& channel, absl::Duration timeout = absl::Seconds(5)) {
  auto stub = catalogue::v1::CatalogueService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  catalogue::v1::ListRegionsRequest request;
  catalogue::v1::ListRegionsResponse response;
  return stub->ListRegions(&context, request, &response);
}

// Calls until `done` holds or five seconds pass; true if it came to hold.
template <typename Condition>
bool CallUntil(grpc::Channel& channel, Condition done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    ListRegions(channel);
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST(ServiceChannel, ConfigBalancesChecksHealthAndRetriesOnlyTheReads) {
  const nlohmann::json config = nlohmann::json::parse(ServiceChannelConfig(
      ReferralServiceDescriptor().full_name(), ReadMethodsOf(ReferralServiceDescriptor()), 3));
  EXPECT_EQ(config["loadBalancingConfig"], nlohmann::json::parse(R"([{"round_robin": {}}])"));
  EXPECT_EQ(config["healthCheckConfig"]["serviceName"], "probation.referrals.v1.ReferralService");
  const nlohmann::json& method_config = config["methodConfig"][0];
  EXPECT_EQ(method_config["retryPolicy"]["maxAttempts"], 3);
  EXPECT_EQ(method_config["retryPolicy"]["retryableStatusCodes"],
            nlohmann::json::array({"UNAVAILABLE"}));
  std::vector<std::string> methods;
  for (const auto& name : method_config["name"]) {
    EXPECT_EQ(name["service"], "probation.referrals.v1.ReferralService");
    methods.push_back(name["method"]);
  }
  EXPECT_THAT(methods, ::testing::Contains("GetReferral"));
  for (const char* write : {"CreateReferral", "UpdateReferral", "SubmitReferral",
                            "TransitionReferral", "WatchReferralEvents"}) {
    EXPECT_THAT(methods, ::testing::Not(::testing::Contains(write)));
  }
  // A whole service is named without a method.
  const nlohmann::json whole = nlohmann::json::parse(
      ServiceChannelConfig("", {"probation.catalogue.v1.CatalogueService"}, 3));
  EXPECT_FALSE(whole["methodConfig"][0]["name"][0].contains("method"));
  // Every catalogue RPC is a read, each named from its proto's mark.
  const nlohmann::json catalogue = nlohmann::json::parse(
      ServiceChannelConfig("", ReadMethodsOf(CatalogueServiceDescriptor()), 3));
  EXPECT_EQ(catalogue["methodConfig"][0]["name"].size(), 4u);
}

TEST(ServiceChannel, CallsGoRoundRobinOverEveryAddress) {
  Replica a, b;
  auto channel = ChannelTo(BothOf(a, b));
  ASSERT_TRUE(CallUntil(*channel, [&] { return a.served() > 0 && b.served() > 0; }))
      << "one replica never got a call: " << a.served() << " and " << b.served();
  absl::SleepFor(kCountsSettle);
  const double a_before = a.served(), b_before = b.served();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ListRegions(*channel).ok());
  absl::SleepFor(kCountsSettle);
  EXPECT_EQ(a.served() - a_before, 10);
  EXPECT_EQ(b.served() - b_before, 10);
}

TEST(ServiceChannel, AnAddressThatIsNotServingGetsNoCalls) {
  Replica a, b;
  auto channel = ChannelTo(BothOf(a, b));
  ASSERT_TRUE(CallUntil(*channel, [&] { return a.served() > 0 && b.served() > 0; }));
  // Draining, or waiting for a dependency: its health watch tells the channel at once, but a
  // call or two may already be on their way.
  a.server->SetServing(false);
  absl::SleepFor(absl::Milliseconds(200));
  const double a_before = a.served();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ListRegions(*channel).ok());
  absl::SleepFor(kCountsSettle);
  EXPECT_EQ(a.served(), a_before) << "calls reached a replica that was NOT_SERVING";
  // Serving again, it is called again.
  a.server->SetServing(true);
  EXPECT_TRUE(CallUntil(*channel, [&] { return a.served() > a_before; }));
}

TEST(ServiceChannel, AServerRestartedOnItsPortIsCalledAgainWithinASecond) {
  auto first = std::make_unique<Replica>();
  const std::string address = absl::StrCat("127.0.0.1:", first->server->port());
  auto channel = ChannelTo(address);
  ASSERT_TRUE(ListRegions(*channel).ok());
  first.reset();
  // Long enough down for the reconnection backoff to reach its cap.
  const absl::Time down_until = absl::Now() + absl::Seconds(4);
  while (absl::Now() < down_until) {
    EXPECT_FALSE(ListRegions(*channel, absl::Milliseconds(200)).ok());
    absl::SleepFor(absl::Milliseconds(50));
  }
  Replica second(address);
  const absl::Time restarted = absl::Now();
  while (!ListRegions(*channel, absl::Milliseconds(200)).ok()) {
    ASSERT_LT(absl::Now() - restarted, absl::Seconds(5));
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration took = absl::Now() - restarted;
  EXPECT_LT(took, absl::Seconds(1));
  ::testing::Test::RecordProperty("reconnect_ms", absl::ToInt64Milliseconds(took));
  std::cout << "called again " << absl::FormatDuration(took) << " after the restart\n";
}

}  // namespace
}  // namespace probation
