#include "gateway/gateway_settings.h"

#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/client/service_channel.h"
#include "libs/textproto/text_proto.h"

ABSL_FLAG(std::string, catalogue_address, "127.0.0.1:50051",
          PROBATION_SERVICE_TARGET_HELP("catalogue"));
ABSL_FLAG(std::string, eligibility_address, "127.0.0.1:50052",
          PROBATION_SERVICE_TARGET_HELP("eligibility"));
ABSL_FLAG(std::string, referrals_address, "127.0.0.1:50053",
          PROBATION_SERVICE_TARGET_HELP("referrals"));
ABSL_FLAG(std::string, jwt_issuer, "", "Required: the `iss` every bearer token must carry.");
ABSL_FLAG(std::string, jwt_jwks_file, "",
          "The identity provider's JSON Web Key Set (public keys with key ids; RS256, PS256, "
          "ES256), read again when it changes, so keys rotate without a restart (production).");
ABSL_FLAG(std::string, jwt_public_key_file, "",
          "PEM file of the one RS256 public key tokens are signed with.");
ABSL_FLAG(std::string, jwt_hs256_secret, "",
          "Shared HS256 secret (at least 32 bytes) tokens are signed with, for local use. Set "
          "this, `jwt_public_key_file` or `jwt_jwks_file`: exactly one.");
ABSL_FLAG(std::string, jwt_roles_claim, "roles",
          "The claim holding the bearer's roles: a list of names, or one string of them "
          "separated by spaces (HMPPS Auth: `authorities`).");
ABSL_FLAG(std::string, jwt_region_claim, "region", "The claim holding a staff member's region.");
ABSL_FLAG(std::string, jwt_provider_claim, "provider",
          "The claim holding a service provider's id.");
ABSL_FLAG(std::string, jwt_role_values, "",
          "The identity provider's role values and the suite roles they stand for, as "
          "`VALUE=role,...` (e.g. `ROLE_PROBATION=probation_practitioner`); a value not listed "
          "is read as a suite role name (probation_practitioner, programme_team, "
          "service_provider, admin).");
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

// The claim names and role values the identity provider uses.
ClaimNames TokenClaimNames(const ServiceMain& service) {
  ClaimNames names;
  names.roles = absl::GetFlag(FLAGS_jwt_roles_claim);
  names.region = absl::GetFlag(FLAGS_jwt_region_claim);
  names.provider = absl::GetFlag(FLAGS_jwt_provider_claim);
  service.CheckNotEmpty("jwt_roles_claim", names.roles);
  service.CheckNotEmpty("jwt_region_claim", names.region);
  service.CheckNotEmpty("jwt_provider_claim", names.provider);
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_jwt_role_values), ',', absl::SkipWhitespace())) {
    const std::pair<std::string, std::string> value_role =
        absl::StrSplit(absl::StripAsciiWhitespace(pair), absl::MaxSplits('=', 1));
    const common::v1::Role role = RoleFromClaimName(value_role.second);
    if (value_role.first.empty() || role == common::v1::ROLE_UNSPECIFIED ||
        role == common::v1::ROLE_SERVICE) {
      service.Fail(
          "jwt_role_values",
          absl::StrCat("\"", pair,
                       "\" is not VALUE=role with a role of "
                       "probation_practitioner, programme_team, service_provider or admin"));
    }
    names.role_values[value_role.first] = value_role.second;
  }
  return names;
}

// The verifier: exactly one of the key set, the RS256 public key and the HS256 secret.
JwtVerifier TokenVerifier(const ServiceMain& service) {
  const std::string jwks_file = absl::GetFlag(FLAGS_jwt_jwks_file);
  const std::string key_file = absl::GetFlag(FLAGS_jwt_public_key_file);
  const std::string secret = absl::GetFlag(FLAGS_jwt_hs256_secret);
  if (!jwks_file.empty() + !key_file.empty() + !secret.empty() != 1) {
    service.Fail("jwt_jwks_file",
                 "set it, jwt_public_key_file (one RS256 key) or jwt_hs256_secret (HS256): "
                 "exactly one");
  }
  const std::string issuer = absl::GetFlag(FLAGS_jwt_issuer);
  service.CheckNotEmpty("jwt_issuer", issuer);
  const absl::Duration leeway = absl::GetFlag(FLAGS_jwt_leeway);
  service.CheckDuration("jwt_leeway", leeway, absl::ZeroDuration());
  const std::string audience = absl::GetFlag(FLAGS_jwt_audience);
  ClaimNames names = TokenClaimNames(service);
  if (!jwks_file.empty()) {
    absl::StatusOr<std::shared_ptr<JwksFile>> key_set = JwksFile::Open(jwks_file);
    service.Check("jwt_jwks_file", key_set.status());
    absl::StatusOr<JwtVerifier> verifier =
        JwtVerifier::Create(*std::move(key_set), issuer, leeway, audience, std::move(names));
    service.Check("jwt_jwks_file", verifier.status());
    return *std::move(verifier);
  }
  JwtKey key;
  const char* flag = "jwt_hs256_secret";
  if (!secret.empty()) {
    key = {JwtAlgorithm::kHs256, secret};
  } else {
    flag = "jwt_public_key_file";
    absl::StatusOr<std::string> pem = ReadFileToString(key_file);
    service.Check(flag, pem.status());
    key = {JwtAlgorithm::kRs256, *std::move(pem)};
  }
  absl::StatusOr<JwtVerifier> verifier =
      JwtVerifier::Create(std::move(key), issuer, leeway, audience, std::move(names));
  service.Check(flag, verifier.status());
  return *std::move(verifier);
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
  settings.verifier.emplace(TokenVerifier(service));
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
