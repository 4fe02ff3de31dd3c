// The eligibility service: loads its pathway policy, fetches the catalogue from the
// catalogue service (NOT_SERVING until it has one), keeps it fresh, and serves
// probation.eligibility.v1.EligibilityService until SIGTERM.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/auth/grpc_identity.h"
#include "libs/config/flag_environment.h"
#include "libs/logging/json_log.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/metrics/rpc_metrics.h"
#include "libs/server/grpc_server.h"
#include "services/eligibility/catalogue_watcher.h"
#include "services/eligibility/eligibility_server.h"
#include "services/eligibility/pathway_builder.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50052, "Port to listen on (0 picks a free port).");
ABSL_FLAG(int, metrics_port, 9462,
          "Port of the Prometheus endpoint, GET /metrics (0 picks a free port).");
ABSL_FLAG(std::string, catalogue_address, "localhost:50051", "host:port of the catalogue service.");
ABSL_FLAG(absl::Duration, catalogue_refresh_interval, absl::Minutes(1),
          "How often to fetch the catalogue again; the last good one serves meanwhile.");
ABSL_FLAG(absl::Duration, catalogue_timeout, absl::Seconds(5),
          "Deadline of each call to the catalogue service.");
ABSL_FLAG(std::string, pathway_policy_file, "",
          "Pathway policy (text-format probation.eligibility.v1.PathwayPolicy); empty uses the "
          "policy built into the binary.");
ABSL_FLAG(std::string, internal_secret, "",
          "The secret (at least 32 bytes) the suite's services sign identities with; calls "
          "without a valid signed identity are refused.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may take to finish.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(absl::Duration, log_flush_interval, absl::Seconds(1),
          "How often the per-call log lines are written out (whole seconds); 0s writes each "
          "line at once. Warnings and lifecycle events are always written at once.");

namespace {

constexpr absl::string_view kService = "eligibility";
[[noreturn]] void Fail(absl::string_view flag, absl::string_view message) {
  probation::ExitOnInvalidSetting("ELIGIBILITY_", flag, message);
}

}  // namespace

int main(int argc, char** argv) {
  probation::BlockTerminationSignals();
  probation::ParseFlagsAndEnvironment(argc, argv, "ELIGIBILITY_", __FILE__);
  const absl::Duration log_flush_interval = absl::GetFlag(FLAGS_log_flush_interval);
  if (log_flush_interval < absl::ZeroDuration() || log_flush_interval > absl::Hours(1)) {
    Fail("log_flush_interval", "must be from 0s to 1h");
  }
  if (absl::Status status =
          probation::InitJsonLogging(kService, absl::GetFlag(FLAGS_log_level), log_flush_interval);
      !status.ok()) {
    Fail("log_level", status.message());
  }
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) Fail("port", "must be 0-65535");
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  if (metrics_port < 0 || metrics_port > 65535) Fail("metrics_port", "must be 0-65535");
  if (absl::GetFlag(FLAGS_catalogue_address).empty()) Fail("catalogue_address", "is required");
  if (absl::GetFlag(FLAGS_catalogue_refresh_interval) < absl::Seconds(1)) {
    Fail("catalogue_refresh_interval", "must be at least 1s");
  }
  if (absl::GetFlag(FLAGS_catalogue_timeout) <= absl::ZeroDuration()) {
    Fail("catalogue_timeout", "must be positive");
  }
  if (absl::Status status = probation::CheckIdentitySecret(absl::GetFlag(FLAGS_internal_secret));
      !status.ok()) {
    Fail("internal_secret", status.message());
  }
  if (absl::GetFlag(FLAGS_drain_timeout) < absl::ZeroDuration()) {
    Fail("drain_timeout", "must not be negative");
  }

  namespace eligibility = probation::eligibility;
  const std::string policy_file = absl::GetFlag(FLAGS_pathway_policy_file);
  absl::StatusOr<eligibility::v1::PathwayPolicy> policy =
      policy_file.empty() ? eligibility::LoadPathwayPolicy(eligibility::EmbeddedPathwayPolicyText(),
                                                           "embedded pathway policy")
                          : eligibility::LoadPathwayPolicyFile(policy_file);
  if (!policy.ok()) {
    probation::Log(spdlog::level::critical, "pathway_policy_invalid",
                   {{"error", std::string(policy.status().message())}});
    std::cerr << "pathway policy not loaded:\n" << policy.status().message() << "\n";
    return 1;
  }
  auto pathway = std::make_shared<const eligibility::PathwayBuilder>(*std::move(policy));

  std::unique_ptr<probation::GrpcServer> server;
  eligibility::CatalogueWatcherOptions watcher_options;
  watcher_options.refresh_interval = absl::GetFlag(FLAGS_catalogue_refresh_interval);
  watcher_options.rpc_timeout = absl::GetFlag(FLAGS_catalogue_timeout);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> catalogue_channel = probation::CreateSignedChannel(
      absl::GetFlag(FLAGS_catalogue_address), kService, absl::GetFlag(FLAGS_internal_secret));
  if (!catalogue_channel.ok()) Fail("internal_secret", catalogue_channel.status().message());
  eligibility::CatalogueWatcher watcher(*catalogue_channel, pathway, watcher_options, [&server] {
    // The server starts before the watcher, so it is set by
    // the time this runs.
    server->SetServing(true);
    probation::Log(spdlog::level::info, "ready");
  });
  eligibility::EligibilityServer service([&watcher] { return watcher.current(); },
                                         absl::GetFlag(FLAGS_internal_secret));

  std::unique_ptr<probation::MetricsEndpoint> metrics =
      probation::StartMetricsOrExit(absl::StrCat(absl::GetFlag(FLAGS_host), ":", metrics_port));
  probation::RpcMetrics served(metrics->registry(), probation::RpcMetrics::Side::kServer);
  probation::ServerOptions options;
  options.metrics = &served;
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", port);
  options.services = {&service};
  options.health_service_names = {
      std::string(eligibility::v1::EligibilityService::service_full_name())};
  options.serving_at_start = false;
  server = probation::StartServerOrExit(
      options, {{"catalogue_address", absl::GetFlag(FLAGS_catalogue_address)}});
  watcher.Start();

  const int signal_number = probation::WaitForTerminationSignal();
  probation::Log(spdlog::level::info, "draining", {{"signal", signal_number}});
  watcher.Stop();
  server->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  probation::Log(spdlog::level::info, "stopped");
  return 0;
}
