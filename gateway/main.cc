// The gateway: the suite's one public API. Checks each caller's bearer token, then calls the
// catalogue, eligibility and referrals services with the caller's signed identity, and serves
// probation.gateway.v1.InterventionsGateway until SIGTERM (NOT_SERVING while a service is
// down).
#include <string>

#include "gateway/backend_channel.h"
#include "gateway/backend_monitor.h"
#include "gateway/gateway_server.h"
#include "gateway/gateway_settings.h"
#include "libs/client/service_descriptors.h"
#include "libs/logging/json_log.h"
#include "libs/service/service_main.h"

int main(int argc, char** argv) {
  namespace gateway = probation::gateway;
  // Its own port is for clients through the edge, with its own TLS (--tls_cert_file); the
  // internal mutual TLS is for its calls to the services.
  probation::ServiceMain service(argc, argv, {"gateway", 50050, 9460, __FILE__, false});
  gateway::GatewaySettings settings = gateway::ReadGatewaySettings(service);

  probation::RpcMetrics backend_calls(service.metrics().registry(),
                                      probation::RpcMetrics::Side::kClient);
  gateway::BackendChannelOptions channels;
  channels.channel.max_message_bytes = settings.max_message_bytes;
  channels.metrics = &backend_calls;
  channels.internal_secret = settings.internal_secret;
  channels.credentials = service.internal_tls().ChannelCredentials();
  const gateway::Backends backends{
      gateway::CreateBackendChannel(settings.catalogue_address,
                                    probation::CatalogueServiceDescriptor(), channels),
      gateway::CreateBackendChannel(settings.eligibility_address,
                                    probation::EligibilityServiceDescriptor(), channels),
      gateway::CreateBackendChannel(settings.referrals_address,
                                    probation::ReferralServiceDescriptor(), channels)};
  gateway::GatewayServer gateway_service(*std::move(settings.verifier), settings.backend_calls,
                                         backends, settings.catalogue_cache_ttl,
                                         settings.rate_limit);

  probation::ServerOptions options;
  options.services = {&gateway_service};
  options.health_service_names = {
      std::string(gateway::v1::InterventionsGateway::service_full_name())};
  options.max_receive_message_bytes = settings.max_message_bytes;
  options.credentials = settings.credentials;
  options.serving_at_start = false;
  probation::GrpcServer& server =
      service.Serve(options, {{"tls", options.credentials != nullptr},
                              {"catalogue_address", settings.catalogue_address},
                              {"eligibility_address", settings.eligibility_address},
                              {"referrals_address", settings.referrals_address}});
  gateway::BackendMonitor monitor(
      {{"catalogue", probation::CatalogueServiceDescriptor().full_name(), backends.catalogue},
       {"eligibility", probation::EligibilityServiceDescriptor().full_name(), backends.eligibility},
       {"referrals", probation::ReferralServiceDescriptor().full_name(), backends.referrals}},
      settings.health_check_interval, [&server](bool serving) {
        server.SetServing(serving);
        probation::Log(serving ? spdlog::level::info : spdlog::level::warn,
                       serving ? "ready" : "not_ready");
      });
  monitor.Start();
  return service.WaitForTermination([&] {
    monitor.Stop();
    gateway_service.EndWatches();
  });
}
