// The catalogue service: loads the catalogue (embedded, or --data_file), validates it, and
// serves probation.catalogue.v1.CatalogueService until SIGTERM.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/auth/internal_identity.h"
#include "libs/config/flag_environment.h"
#include "libs/logging/json_log.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/metrics/rpc_metrics.h"
#include "libs/server/grpc_server.h"
#include "services/catalogue/catalogue.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/catalogue/catalogue_server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50051, "Port to listen on (0 picks a free port).");
ABSL_FLAG(int, metrics_port, 9461,
          "Port of the Prometheus endpoint, GET /metrics (0 picks a free port).");
ABSL_FLAG(std::string, data_file, "",
          "Catalogue data file (text-format probation.catalogue.v1.Catalogue); empty uses the "
          "catalogue built into the binary.");
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

constexpr absl::string_view kService = "catalogue";
[[noreturn]] void Fail(absl::string_view flag, absl::string_view message) {
  probation::ExitOnInvalidSetting("CATALOGUE_", flag, message);
}

}  // namespace

int main(int argc, char** argv) {
  probation::BlockTerminationSignals();
  probation::ParseFlagsAndEnvironment(argc, argv, "CATALOGUE_", __FILE__);
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
  if (absl::Status status = probation::CheckIdentitySecret(absl::GetFlag(FLAGS_internal_secret));
      !status.ok()) {
    Fail("internal_secret", status.message());
  }
  if (absl::GetFlag(FLAGS_drain_timeout) < absl::ZeroDuration()) {
    Fail("drain_timeout", "must not be negative");
  }

  const std::string data_file = absl::GetFlag(FLAGS_data_file);
  absl::StatusOr<probation::catalogue::v1::Catalogue> data =
      data_file.empty() ? probation::catalogue::LoadCatalogue(
                              probation::catalogue::EmbeddedCatalogueText(), "embedded catalogue")
                        : probation::catalogue::LoadCatalogueFile(data_file);
  if (!data.ok()) {
    probation::Log(spdlog::level::critical, "catalogue_invalid",
                   {{"source", data_file.empty() ? "embedded" : data_file},
                    {"error", std::string(data.status().message())}});
    std::cerr << "catalogue not loaded:\n" << data.status().message() << "\n";
    return 1;
  }
  auto catalogue = std::make_shared<const probation::catalogue::Catalogue>(*std::move(data));
  probation::catalogue::CatalogueServer service(catalogue, absl::GetFlag(FLAGS_internal_secret));

  std::unique_ptr<probation::MetricsEndpoint> metrics =
      probation::StartMetricsOrExit(absl::StrCat(absl::GetFlag(FLAGS_host), ":", metrics_port));
  probation::RpcMetrics served(metrics->registry(), probation::RpcMetrics::Side::kServer);
  probation::ServerOptions options;
  options.metrics = &served;
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", port);
  options.services = {&service};
  options.health_service_names = {
      std::string(probation::catalogue::v1::CatalogueService::service_full_name())};
  std::unique_ptr<probation::GrpcServer> server = probation::StartServerOrExit(
      options, {{"interventions", catalogue->data().interventions_size()},
                {"regions", catalogue->data().regions_size()}});

  const int signal_number = probation::WaitForTerminationSignal();
  probation::Log(spdlog::level::info, "draining", {{"signal", signal_number}});
  server->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  probation::Log(spdlog::level::info, "stopped");
  return 0;
}
