// The webhook relay: reads durable subscriptions' events through the gateway and POSTs each,
// signed, as a CloudEvent to a webhook URL, acknowledging them as they are delivered. It
// serves only grpc.health.v1 (for the probes) and its metrics, and on SIGTERM stops reading,
// lets deliveries under way finish for a short grace and acknowledges what they finished.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/create_channel.h"
#include "libs/service/service_main.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "services/relay/bearer_token_file.h"
#include "services/relay/relay_metrics.h"
#include "services/relay/relay_settings.h"
#include "services/relay/subscription_pipeline.h"
#include "services/relay/webhook_sender.h"

int main(int argc, char** argv) {
  namespace relay = probation::relay;
  probation::ServiceMain service(argc, argv,
                                 {.name = "relay",
                                  .port = 50054,
                                  .metrics_port = 9464,
                                  .main_file = __FILE__,
                                  .internal_tls_port = false,
                                  .serves_signed_calls = false});
  const relay::RelaySettings settings = relay::ReadRelaySettings(service);
  relay::RelayMetrics metrics(service.metrics().registry());
  relay::BearerTokenFile token(settings.token_file);
  auto gateway = probation::gateway::v1::InterventionsGateway::NewStub(grpc::CreateCustomChannel(
      settings.gateway_address, settings.gateway_credentials, settings.gateway_arguments));
  const auto new_sender = [&settings] {
    return std::make_unique<relay::WebhookSender>(settings.webhook);
  };

  std::vector<std::unique_ptr<relay::SubscriptionPipeline>> pipelines;
  for (const std::string& subscription : settings.subscriptions) {
    pipelines.push_back(std::make_unique<relay::SubscriptionPipeline>(
        subscription, *gateway, token, settings.pipeline, new_sender, &metrics));
  }
  service.Serve({}, {{"subscriptions", settings.subscriptions},
                     {"lanes", settings.pipeline.lanes},
                     {"gateway", settings.gateway_address}});
  for (auto& pipeline : pipelines) pipeline->Start();
  return service.WaitForTermination([&] {
    // Together, so that the shutdown takes one grace, not one per subscription.
    std::vector<std::thread> stopping;
    for (auto& pipeline : pipelines) {
      stopping.emplace_back([&pipeline] { pipeline->Stop(); });
    }
    for (std::thread& thread : stopping) thread.join();
  });
}
