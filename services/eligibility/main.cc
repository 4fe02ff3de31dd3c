// The eligibility service: loads its pathway policy, fetches the catalogue from the
// catalogue service (NOT_SERVING until it has one), keeps it fresh, and serves
// probation.eligibility.v1.EligibilityService until SIGTERM.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "libs/client/service_channel.h"
#include "libs/client/service_descriptors.h"
#include "libs/logging/json_log.h"
#include "libs/service/service_main.h"
#include "services/eligibility/catalogue_watcher.h"
#include "services/eligibility/eligibility_server.h"
#include "services/eligibility/pathway_builder.h"

ABSL_FLAG(std::string, catalogue_address, "127.0.0.1:50051",
          PROBATION_SERVICE_TARGET_HELP("catalogue"));
ABSL_FLAG(absl::Duration, catalogue_refresh_interval, absl::Minutes(1),
          "How often the catalogue is fetched again (at least `1s`).");
ABSL_FLAG(absl::Duration, catalogue_timeout, absl::Seconds(5),
          "Deadline of each call to the catalogue service.");
ABSL_FLAG(std::string, pathway_policy_file, "",
          "Pathway policy file (text-format probation.eligibility.data.v1.PathwayPolicy); empty "
          "uses the one built into the binary.");

int main(int argc, char** argv) {
  namespace eligibility = probation::eligibility;
  probation::ServiceMain service(argc, argv, {"eligibility", 50052, 9462, __FILE__});
  eligibility::CatalogueWatcherOptions watching;
  watching.refresh_interval = absl::GetFlag(FLAGS_catalogue_refresh_interval);
  watching.rpc_timeout = absl::GetFlag(FLAGS_catalogue_timeout);
  service.CheckDuration("catalogue_refresh_interval", watching.refresh_interval, absl::Seconds(1));
  service.CheckDuration("catalogue_timeout", watching.rpc_timeout, absl::Nanoseconds(1));
  const std::string policy_file = absl::GetFlag(FLAGS_pathway_policy_file);
  auto pathway = std::make_shared<const eligibility::PathwayBuilder>(service.LoadedOrExit(
      policy_file.empty() ? eligibility::LoadPathwayPolicy(eligibility::EmbeddedPathwayPolicyText(),
                                                           "embedded pathway policy")
                          : eligibility::LoadPathwayPolicyFile(policy_file),
      "pathway policy"));

  probation::GrpcServer* server = nullptr;
  eligibility::CatalogueWatcher watcher(
      service.SignedChannel("catalogue_address", absl::GetFlag(FLAGS_catalogue_address),
                            probation::CatalogueServiceDescriptor()),
      pathway, watching, [&server] {
        server->SetServing(true);  // The server starts before the watcher.
        probation::Log(spdlog::level::info, "ready");
      });
  eligibility::EligibilityServer eligibility_service([&watcher] { return watcher.current(); },
                                                     service.internal_secret());
  probation::ServerOptions options;
  options.services = {&eligibility_service};
  options.health_service_names = {
      std::string(eligibility::v1::EligibilityService::service_full_name())};
  options.serving_at_start = false;
  server = &service.Serve(options, {{"catalogue_address", absl::GetFlag(FLAGS_catalogue_address)}});
  watcher.Start();
  return service.WaitForTermination([&watcher] { watcher.Stop(); });
}
