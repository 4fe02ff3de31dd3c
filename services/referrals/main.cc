// The referrals service: loads and validates the state machines, opens the store (SQLite),
// connects to the catalogue and eligibility services, purges stale drafts periodically, and
// serves probation.referrals.v1.ReferralService until SIGTERM.
#include <iostream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/auth/grpc_identity.h"
#include "libs/config/flag_environment.h"
#include "libs/logging/json_log.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/metrics/rpc_metrics.h"
#include "libs/server/grpc_server.h"
#include "services/referrals/grpc_dependencies.h"
#include "services/referrals/referral_server.h"
#include "services/referrals/referral_state_metrics.h"
#include "services/referrals/store/open_referral_store.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50053, "Port to listen on (0 picks a free port).");
ABSL_FLAG(int, metrics_port, 9463,
          "Port of the Prometheus endpoint, GET /metrics (0 picks a free port).");
ABSL_FLAG(std::string, database, "referrals.db", "The SQLite database file (created if missing).");
ABSL_FLAG(std::string, catalogue_address, "localhost:50051", "host:port of the catalogue service.");
ABSL_FLAG(std::string, eligibility_address, "localhost:50052",
          "host:port of the eligibility service.");
ABSL_FLAG(absl::Duration, dependency_timeout, absl::Seconds(5),
          "Deadline of each call to the catalogue and eligibility services.");
ABSL_FLAG(std::string, state_machines_file, "",
          "State machines (text-format probation.referrals.v1.StateMachines); empty uses the "
          "machines built into the binary.");
ABSL_FLAG(absl::Duration, retention_interval, absl::Hours(1),
          "How often drafts untouched for 90 days are purged.");
ABSL_FLAG(std::string, internal_secret, "",
          "The secret (at least 32 bytes) the suite's services sign identities with; calls "
          "without a valid signed identity are refused.");
ABSL_FLAG(int, workers, 16,
          "Threads that run calls, which block on the database and on the other services.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may take to finish.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(absl::Duration, log_flush_interval, absl::Seconds(1),
          "How often the per-call log lines are written out (whole seconds); 0s writes each "
          "line at once. Warnings and lifecycle events are always written at once.");

namespace {

constexpr absl::string_view kService = "referrals";
[[noreturn]] void Fail(absl::string_view flag, absl::string_view message) {
  probation::ExitOnInvalidSetting("REFERRALS_", flag, message);
}

}  // namespace

int main(int argc, char** argv) {
  namespace referrals = probation::referrals;
  probation::BlockTerminationSignals();
  probation::ParseFlagsAndEnvironment(argc, argv, "REFERRALS_", __FILE__);
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
  if (absl::GetFlag(FLAGS_database).empty()) Fail("database", "is required");
  if (absl::GetFlag(FLAGS_catalogue_address).empty()) Fail("catalogue_address", "is required");
  if (absl::GetFlag(FLAGS_eligibility_address).empty()) Fail("eligibility_address", "is required");
  if (absl::GetFlag(FLAGS_dependency_timeout) <= absl::ZeroDuration()) {
    Fail("dependency_timeout", "must be positive");
  }
  if (absl::GetFlag(FLAGS_retention_interval) < absl::Seconds(1)) {
    Fail("retention_interval", "must be at least 1s");
  }
  if (absl::Status status = probation::CheckIdentitySecret(absl::GetFlag(FLAGS_internal_secret));
      !status.ok()) {
    Fail("internal_secret", status.message());
  }
  if (absl::GetFlag(FLAGS_workers) < 1 || absl::GetFlag(FLAGS_workers) > 1024) {
    Fail("workers", "must be 1-1024");
  }
  if (absl::GetFlag(FLAGS_drain_timeout) < absl::ZeroDuration()) {
    Fail("drain_timeout", "must not be negative");
  }

  const std::string machines_file = absl::GetFlag(FLAGS_state_machines_file);
  absl::StatusOr<referrals::StateMachineSet> machines =
      machines_file.empty() ? referrals::StateMachineSet::Load(
                                  referrals::EmbeddedStateMachinesText(), "embedded state machines")
                            : referrals::StateMachineSet::LoadFile(machines_file);
  if (!machines.ok()) {
    probation::Log(spdlog::level::critical, "state_machines_invalid",
                   {{"error", std::string(machines.status().message())}});
    std::cerr << "state machines not loaded:\n" << machines.status().message() << "\n";
    return 1;
  }
  const std::string database = absl::GetFlag(FLAGS_database);
  absl::StatusOr<std::unique_ptr<referrals::SqlReferralStore>> store =
      referrals::OpenReferralStore(database);
  if (!store.ok()) {
    probation::Log(spdlog::level::critical, "database_unavailable",
                   {{"error", std::string(store.status().message())}});
    std::cerr << "database not opened: " << store.status().message() << "\n";
    return 1;
  }
  const absl::Duration timeout = absl::GetFlag(FLAGS_dependency_timeout);
  const std::string secret = absl::GetFlag(FLAGS_internal_secret);
  auto catalogue_channel =
      probation::CreateSignedChannel(absl::GetFlag(FLAGS_catalogue_address), kService, secret);
  auto eligibility_channel =
      probation::CreateSignedChannel(absl::GetFlag(FLAGS_eligibility_address), kService, secret);
  if (!catalogue_channel.ok()) Fail("internal_secret", catalogue_channel.status().message());
  if (!eligibility_channel.ok()) Fail("internal_secret", eligibility_channel.status().message());
  referrals::GrpcInterventionDirectory interventions(*catalogue_channel, timeout);
  referrals::GrpcEligibilityGate eligibility(*eligibility_channel, timeout);
  referrals::ReferralWorkflow workflow(*machines, **store, interventions, eligibility);
  referrals::CapacityWorkflow capacity(*machines, **store, interventions);
  referrals::ReferralReports reports(*machines, **store);
  referrals::EventBell bell;
  probation::WorkerPool pool(absl::GetFlag(FLAGS_workers));
  referrals::ReferralServer service(workflow, capacity, reports, **store, bell, pool,
                                    absl::GetFlag(FLAGS_internal_secret));

  std::unique_ptr<probation::MetricsEndpoint> metrics =
      probation::StartMetricsOrExit(absl::StrCat(absl::GetFlag(FLAGS_host), ":", metrics_port));
  probation::RpcMetrics served(metrics->registry(), probation::RpcMetrics::Side::kServer);
  auto state_metrics = std::make_shared<referrals::ReferralStateMetrics>(**store);
  metrics->Add(state_metrics);
  probation::ServerOptions options;
  options.metrics = &served;
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", port);
  options.services = {&service};
  options.health_service_names = {std::string(referrals::v1::ReferralService::service_full_name())};
  std::unique_ptr<probation::GrpcServer> server = probation::StartServerOrExit(
      options, {{"database", referrals::IsPostgresUrl(database) ? "postgresql" : "sqlite"},
                {"workers", absl::GetFlag(FLAGS_workers)}});

  // Retention: purge stale drafts now and then.
  absl::Notification stopping;
  std::thread retention([&] {
    do {
      absl::StatusOr<int> purged = workflow.PurgeStaleDrafts();
      if (!purged.ok()) {
        probation::Log(spdlog::level::err, "purge_failed",
                       {{"error", std::string(purged.status().message())}});
      } else if (*purged > 0) {
        probation::Log(spdlog::level::info, "drafts_purged", {{"count", *purged}});
      }
    } while (!stopping.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_retention_interval)));
  });

  const int signal_number = probation::WaitForTerminationSignal();
  probation::Log(spdlog::level::info, "draining", {{"signal", signal_number}});
  stopping.Notify();
  retention.join();
  bell.Close();
  server->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  probation::Log(spdlog::level::info, "stopped");
  return 0;
}
