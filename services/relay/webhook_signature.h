// Signs webhook deliveries as the Standard Webhooks specification says (standardwebhooks.com),
// so receivers can verify them with any of its libraries: an HMAC-SHA256 over
// "<id>.<timestamp>.<body>" with the endpoint's shared secret.
#ifndef PROBATION_SERVICES_RELAY_WEBHOOK_SIGNATURE_H_
#define PROBATION_SERVICES_RELAY_WEBHOOK_SIGNATURE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace probation::relay {

// The signing key in a secret file's content: after trimming whitespace, a "whsec_" secret is
// base64 of the key bytes; anything else is the key itself. INVALID_ARGUMENT when empty or
// when a whsec_ secret is not base64.
absl::StatusOr<std::string> SigningKeyFromSecret(absl::string_view secret);

// The `webhook-signature` header's value: "v1,<base64 of the HMAC>".
std::string WebhookSignature(absl::string_view key, absl::string_view id, int64_t timestamp,
                             absl::string_view body);

// Standard base64 with padding (OpenSSL), and back; Base64Decode is INVALID_ARGUMENT for
// anything that is not base64.
std::string Base64Encode(absl::string_view bytes);
absl::StatusOr<std::string> Base64Decode(absl::string_view text);

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_WEBHOOK_SIGNATURE_H_
