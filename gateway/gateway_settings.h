// The gateway's own settings (its flags, beside the shared ones in libs/service), read and
// checked into the typed values main() wires together.
#ifndef PROBATION_GATEWAY_GATEWAY_SETTINGS_H_
#define PROBATION_GATEWAY_GATEWAY_SETTINGS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gateway/caller_identity.h"
#include "gateway/caller_rate_limit.h"
#include "grpcpp/security/server_credentials.h"
#include "libs/auth/jwt.h"
#include "libs/service/service_main.h"

namespace probation::gateway {

struct GatewaySettings {
  std::string catalogue_address;
  std::string eligibility_address;
  std::string referrals_address;
  // Verifies callers' bearer tokens (always set once read).
  std::optional<JwtVerifier> verifier;
  // TLS for callers; null serves plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  BackendCallOptions backend_calls;
  int max_message_bytes = 0;
  absl::Duration health_check_interval;
  absl::Duration catalogue_cache_ttl;
  CallerRateLimit rate_limit;
  // Signs each backend call's identity (gateway/backend_channel.h).
  std::string internal_secret;
};

// The settings from the flags and the environment; an invalid one exits through
// `service.Fail` naming it.
GatewaySettings ReadGatewaySettings(const ServiceMain& service);

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_GATEWAY_SETTINGS_H_
