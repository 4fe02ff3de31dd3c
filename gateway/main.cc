// The gateway: the suite's one public API. Verifies bearer tokens, forwards calls to the
// catalogue, eligibility and referrals services with the caller's signed identity, and
// reports SERVING only while all three are, until SIGTERM.
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/backend_channel.h"
#include "gateway/backend_monitor.h"
#include "gateway/gateway_server.h"
#include "grpcpp/security/server_credentials.h"
#include "libs/auth/internal_identity.h"
#include "libs/auth/jwt.h"
#include "libs/config/flag_environment.h"
#include "libs/logging/json_log.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/metrics/rpc_metrics.h"
#include "libs/server/grpc_server.h"
#include "libs/textproto/text_proto.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50050, "Port to listen on (0 picks a free port).");
ABSL_FLAG(int, metrics_port, 9460,
          "Port of the Prometheus endpoint, GET /metrics (0 picks a free port).");
ABSL_FLAG(std::string, catalogue_address, "localhost:50051", "host:port of the catalogue service.");
ABSL_FLAG(std::string, eligibility_address, "localhost:50052",
          "host:port of the eligibility service.");
ABSL_FLAG(std::string, referrals_address, "localhost:50053", "host:port of the referrals service.");
ABSL_FLAG(std::string, jwt_issuer, "", "The `iss` every bearer token must carry.");
ABSL_FLAG(std::string, jwt_public_key_file, "",
          "PEM file of the RS256 public key tokens are signed with (production).");
ABSL_FLAG(std::string, jwt_hs256_secret, "",
          "Shared HS256 secret (at least 32 bytes) tokens are signed with, for local use; set "
          "this or jwt_public_key_file, not both.");
ABSL_FLAG(absl::Duration, jwt_leeway, absl::Seconds(30), "Clock skew allowed on token expiry.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain callers see; with tls_key_file, the port speaks TLS only.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of tls_cert_file.");
ABSL_FLAG(std::string, internal_secret, "",
          "The secret (at least 32 bytes) the suite's services sign identities with.");
ABSL_FLAG(absl::Duration, backend_timeout, absl::Seconds(5),
          "The longest a unary call to a service may take, whatever the caller's deadline.");
ABSL_FLAG(absl::Duration, health_check_interval, absl::Seconds(1),
          "How often the services' health is checked.");
ABSL_FLAG(int, max_message_bytes, 4 * 1024 * 1024,
          "Largest message accepted from callers or services.");
ABSL_FLAG(absl::Duration, catalogue_cache_ttl, absl::Seconds(30),
          "How long FindInterventions reuses the catalogue's interventions (0s: fetch them for "
          "every call).");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "How long calls in flight may finish after SIGTERM.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(absl::Duration, log_flush_interval, absl::Seconds(1),
          "How often the per-call log lines are written out (whole seconds); 0s writes each "
          "line at once. Warnings and lifecycle events are always written at once.");

namespace {

constexpr absl::string_view kService = "gateway";
[[noreturn]] void Fail(absl::string_view flag, absl::string_view message) {
  probation::ExitOnInvalidSetting("GATEWAY_", flag, message);
}

// The token key from the flags: exactly one of the RS256 public key and the HS256 secret.
probation::JwtKey TokenKeyOrExit() {
  const std::string key_file = absl::GetFlag(FLAGS_jwt_public_key_file);
  const std::string secret = absl::GetFlag(FLAGS_jwt_hs256_secret);
  if (key_file.empty() == secret.empty()) {
    Fail("jwt_public_key_file", "set it (RS256) or jwt_hs256_secret (HS256), exactly one");
  }
  if (!secret.empty()) return {probation::JwtAlgorithm::kHs256, secret};
  absl::StatusOr<std::string> pem = probation::ReadFileToString(key_file);
  if (!pem.ok()) Fail("jwt_public_key_file", pem.status().message());
  return {probation::JwtAlgorithm::kRs256, *std::move(pem)};
}

// TLS credentials from the certificate and key files, or null for plaintext.
std::shared_ptr<grpc::ServerCredentials> TlsCredentialsOrExit() {
  const std::string cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_tls_key_file);
  if (cert_file.empty() && key_file.empty()) return nullptr;
  if (cert_file.empty() || key_file.empty()) {
    Fail(cert_file.empty() ? "tls_cert_file" : "tls_key_file",
         "set both tls_cert_file and tls_key_file, or neither");
  }
  absl::StatusOr<std::string> chain = probation::ReadFileToString(cert_file);
  if (!chain.ok()) Fail("tls_cert_file", chain.status().message());
  absl::StatusOr<std::string> key = probation::ReadFileToString(key_file);
  if (!key.ok()) Fail("tls_key_file", key.status().message());
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(chain)});
  return grpc::SslServerCredentials(options);
}

}  // namespace

int main(int argc, char** argv) {
  probation::BlockTerminationSignals();
  probation::ParseFlagsAndEnvironment(argc, argv, "GATEWAY_", __FILE__);
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
  for (const auto& [flag, value] :
       {std::pair{"catalogue_address", absl::GetFlag(FLAGS_catalogue_address)},
        std::pair{"eligibility_address", absl::GetFlag(FLAGS_eligibility_address)},
        std::pair{"referrals_address", absl::GetFlag(FLAGS_referrals_address)},
        std::pair{"jwt_issuer", absl::GetFlag(FLAGS_jwt_issuer)}}) {
    if (value.empty()) Fail(flag, "is required");
  }
  if (absl::Status status = probation::CheckIdentitySecret(absl::GetFlag(FLAGS_internal_secret));
      !status.ok()) {
    Fail("internal_secret", status.message());
  }
  if (absl::GetFlag(FLAGS_jwt_leeway) < absl::ZeroDuration()) {
    Fail("jwt_leeway", "must not be negative");
  }
  if (absl::GetFlag(FLAGS_backend_timeout) <= absl::ZeroDuration()) {
    Fail("backend_timeout", "must be positive");
  }
  if (absl::GetFlag(FLAGS_catalogue_cache_ttl) < absl::ZeroDuration()) {
    Fail("catalogue_cache_ttl", "must not be negative");
  }
  if (absl::GetFlag(FLAGS_health_check_interval) < absl::Milliseconds(100)) {
    Fail("health_check_interval", "must be at least 100ms");
  }
  const int max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (max_message_bytes < 1024) Fail("max_message_bytes", "must be at least 1024");
  if (absl::GetFlag(FLAGS_drain_timeout) < absl::ZeroDuration()) {
    Fail("drain_timeout", "must not be negative");
  }
  absl::StatusOr<probation::JwtVerifier> verifier = probation::JwtVerifier::Create(
      TokenKeyOrExit(), absl::GetFlag(FLAGS_jwt_issuer), absl::GetFlag(FLAGS_jwt_leeway));
  if (!verifier.ok()) Fail("jwt_public_key_file", verifier.status().message());

  std::unique_ptr<probation::MetricsEndpoint> metrics =
      probation::StartMetricsOrExit(absl::StrCat(absl::GetFlag(FLAGS_host), ":", metrics_port));
  probation::RpcMetrics served(metrics->registry(), probation::RpcMetrics::Side::kServer);
  probation::RpcMetrics backend_calls(metrics->registry(), probation::RpcMetrics::Side::kClient);

  namespace gateway = probation::gateway;
  gateway::BackendChannelOptions channel_options;
  channel_options.max_message_bytes = max_message_bytes;
  channel_options.metrics = &backend_calls;
  const gateway::Backends backends{
      gateway::CreateBackendChannel(absl::GetFlag(FLAGS_catalogue_address),
                                    gateway::CatalogueReadMethods(), channel_options),
      gateway::CreateBackendChannel(absl::GetFlag(FLAGS_eligibility_address),
                                    gateway::EligibilityReadMethods(), channel_options),
      gateway::CreateBackendChannel(absl::GetFlag(FLAGS_referrals_address),
                                    gateway::ReferralsReadMethods(), channel_options)};
  gateway::BackendCallOptions call_options;
  call_options.default_timeout = absl::GetFlag(FLAGS_backend_timeout);
  call_options.internal_secret = absl::GetFlag(FLAGS_internal_secret);
  gateway::GatewayServer service(*std::move(verifier), call_options, backends,
                                 absl::GetFlag(FLAGS_catalogue_cache_ttl));

  probation::ServerOptions options;
  options.metrics = &served;
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", port);
  options.services = {&service};
  options.health_service_names = {
      std::string(gateway::v1::InterventionsGateway::service_full_name())};
  options.max_receive_message_bytes = max_message_bytes;
  options.credentials = TlsCredentialsOrExit();
  options.serving_at_start = false;
  std::unique_ptr<probation::GrpcServer> server = probation::StartServerOrExit(
      options, {{"tls", options.credentials != nullptr},
                {"catalogue_address", absl::GetFlag(FLAGS_catalogue_address)},
                {"eligibility_address", absl::GetFlag(FLAGS_eligibility_address)},
                {"referrals_address", absl::GetFlag(FLAGS_referrals_address)}});

  gateway::BackendMonitor monitor(
      {{"catalogue", "probation.catalogue.v1.CatalogueService", backends.catalogue},
       {"eligibility", "probation.eligibility.v1.EligibilityService", backends.eligibility},
       {"referrals", "probation.referrals.v1.ReferralService", backends.referrals}},
      absl::GetFlag(FLAGS_health_check_interval), [&server](bool serving) {
        server->SetServing(serving);
        probation::Log(serving ? spdlog::level::info : spdlog::level::warn,
                       serving ? "ready" : "not_ready");
      });
  monitor.Start();

  const int signal_number = probation::WaitForTerminationSignal();
  probation::Log(spdlog::level::info, "draining", {{"signal", signal_number}});
  monitor.Stop();
  service.EndWatches();
  server->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  probation::Log(spdlog::level::info, "stopped");
  return 0;
}
