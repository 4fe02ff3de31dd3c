#include "gateway/gateway_settings.h"

#include <utility>

#include "absl/flags/flag.h"
#include "libs/client/service_channel.h"
#include "libs/textproto/text_proto.h"

ABSL_FLAG(std::string, catalogue_address, "127.0.0.1:50051",
          PROBATION_SERVICE_TARGET_HELP("catalogue"));
ABSL_FLAG(std::string, eligibility_address, "127.0.0.1:50052",
          PROBATION_SERVICE_TARGET_HELP("eligibility"));
ABSL_FLAG(std::string, referrals_address, "127.0.0.1:50053",
          PROBATION_SERVICE_TARGET_HELP("referrals"));
ABSL_FLAG(std::string, jwt_issuer, "", "Required: the `iss` every bearer token must carry.");
ABSL_FLAG(std::string, jwt_public_key_file, "",
          "PEM file of the RS256 public key tokens are signed with (production).");
ABSL_FLAG(std::string, jwt_hs256_secret, "",
          "Shared HS256 secret (at least 32 bytes) tokens are signed with, for local use; set "
          "this or `jwt_public_key_file`, exactly one.");
ABSL_FLAG(absl::Duration, jwt_leeway, absl::Seconds(30), "Clock skew allowed on token expiry.");
ABSL_FLAG(std::string, jwt_audience, "",
          "When set, every bearer token must name it in `aud`: tokens the identity provider "
          "issued for another service are refused.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain callers see; with `tls_key_file`, the port speaks TLS only.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of `tls_cert_file`.");
ABSL_FLAG(absl::Duration, backend_timeout, absl::Seconds(5),
          "The longest a unary call to a service may take, whatever the caller's deadline.");
ABSL_FLAG(absl::Duration, health_check_interval, absl::Seconds(1),
          "How often the services' health is checked (at least `100ms`); the gateway is "
          "NOT_SERVING while any of them is.");
ABSL_FLAG(int, max_message_bytes, 4 * 1024 * 1024,
          "Largest message accepted from callers or services (at least 1024).");
ABSL_FLAG(absl::Duration, catalogue_cache_ttl, absl::Seconds(30),
          "How long `FindInterventions` reuses the catalogue's interventions (per kind and need "
          "area) before fetching them again; `0s` fetches them for every call. The eligibility "
          "service refreshes its own copy every `--catalogue_refresh_interval`.");
ABSL_FLAG(double, caller_rate_limit, 100,
          "Calls per second each caller (token subject) may make over time, beyond which the "
          "gateway answers RESOURCE_EXHAUSTED with a RetryInfo; `0` turns the limit off.");
ABSL_FLAG(int, caller_burst, 200,
          "Calls a caller may make at once, after being idle (at least 1).");

namespace probation::gateway {
namespace {

// The token key: exactly one of the RS256 public key and the HS256 secret.
JwtKey TokenKey(const ServiceMain& service) {
  const std::string key_file = absl::GetFlag(FLAGS_jwt_public_key_file);
  const std::string secret = absl::GetFlag(FLAGS_jwt_hs256_secret);
  if (key_file.empty() == secret.empty()) {
    service.Fail("jwt_public_key_file", "set it (RS256) or jwt_hs256_secret (HS256), exactly one");
  }
  if (!secret.empty()) return {JwtAlgorithm::kHs256, secret};
  absl::StatusOr<std::string> pem = ReadFileToString(key_file);
  service.Check("jwt_public_key_file", pem.status());
  return {JwtAlgorithm::kRs256, *std::move(pem)};
}

// TLS credentials from the certificate and key files, or null for plaintext.
std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const ServiceMain& service) {
  const std::string cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_tls_key_file);
  if (cert_file.empty() && key_file.empty()) return nullptr;
  if (cert_file.empty() || key_file.empty()) {
    service.Fail(cert_file.empty() ? "tls_cert_file" : "tls_key_file",
                 "set both tls_cert_file and tls_key_file, or neither");
  }
  absl::StatusOr<std::string> chain = ReadFileToString(cert_file);
  service.Check("tls_cert_file", chain.status());
  absl::StatusOr<std::string> key = ReadFileToString(key_file);
  service.Check("tls_key_file", key.status());
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(chain)});
  return grpc::SslServerCredentials(options);
}

}  // namespace

GatewaySettings ReadGatewaySettings(const ServiceMain& service) {
  GatewaySettings settings;
  settings.catalogue_address = absl::GetFlag(FLAGS_catalogue_address);
  settings.eligibility_address = absl::GetFlag(FLAGS_eligibility_address);
  settings.referrals_address = absl::GetFlag(FLAGS_referrals_address);
  service.CheckNotEmpty("catalogue_address", settings.catalogue_address);
  service.CheckNotEmpty("eligibility_address", settings.eligibility_address);
  service.CheckNotEmpty("referrals_address", settings.referrals_address);
  const std::string issuer = absl::GetFlag(FLAGS_jwt_issuer);
  service.CheckNotEmpty("jwt_issuer", issuer);
  const absl::Duration leeway = absl::GetFlag(FLAGS_jwt_leeway);
  service.CheckDuration("jwt_leeway", leeway, absl::ZeroDuration());
  absl::StatusOr<JwtVerifier> verifier =
      JwtVerifier::Create(TokenKey(service), issuer, leeway, absl::GetFlag(FLAGS_jwt_audience));
  service.Check("jwt_public_key_file", verifier.status());
  settings.verifier.emplace(*std::move(verifier));
  settings.credentials = TlsCredentials(service);
  settings.backend_calls.default_timeout = absl::GetFlag(FLAGS_backend_timeout);
  service.CheckDuration("backend_timeout", settings.backend_calls.default_timeout,
                        absl::Nanoseconds(1));
  settings.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (settings.max_message_bytes < 1024) service.Fail("max_message_bytes", "must be at least 1024");
  settings.health_check_interval = absl::GetFlag(FLAGS_health_check_interval);
  service.CheckDuration("health_check_interval", settings.health_check_interval,
                        absl::Milliseconds(100));
  settings.catalogue_cache_ttl = absl::GetFlag(FLAGS_catalogue_cache_ttl);
  service.CheckDuration("catalogue_cache_ttl", settings.catalogue_cache_ttl, absl::ZeroDuration());
  settings.rate_limit.calls_per_second = absl::GetFlag(FLAGS_caller_rate_limit);
  if (!(settings.rate_limit.calls_per_second >= 0 && settings.rate_limit.calls_per_second <= 1e6)) {
    service.Fail("caller_rate_limit", "must be 0 (off) to 1000000");
  }
  settings.rate_limit.burst = absl::GetFlag(FLAGS_caller_burst);
  if (settings.rate_limit.burst < 1 || settings.rate_limit.burst > 1000000) {
    service.Fail("caller_burst", "must be 1-1000000");
  }
  settings.internal_secret = service.internal_secret();
  return settings;
}

}  // namespace probation::gateway
