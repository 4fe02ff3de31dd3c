#include "services/relay/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace probation::relay {

std::string Base64Encode(absl::string_view bytes) {
  // Four characters for every three bytes, rounded up, and the terminating NUL.
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  text.resize(length);
  return text;
}

absl::StatusOr<std::string> Base64Decode(absl::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return absl::InvalidArgumentError("not base64: its length is not a multiple of 4");
  }
  std::string bytes(3 * (text.size() / 4), '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (length < 0) return absl::InvalidArgumentError("not base64");
  // EVP_DecodeBlock counts the padding's bytes as decoded zeros.
  size_t padding = 0;
  if (absl::EndsWith(text, "==")) {
    padding = 2;
  } else if (absl::EndsWith(text, "=")) {
    padding = 1;
  }
  bytes.resize(length - padding);
  return bytes;
}

absl::StatusOr<std::string> SigningKeyFromSecret(absl::string_view secret) {
  secret = absl::StripAsciiWhitespace(secret);
  if (absl::ConsumePrefix(&secret, "whsec_")) {
    absl::StatusOr<std::string> key = Base64Decode(secret);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a whsec_ secret must be base64 after the prefix: ", key.status().message()));
    }
    if (key->empty()) return absl::InvalidArgumentError("the whsec_ secret is empty");
    return key;
  }
  if (secret.empty()) return absl::InvalidArgumentError("the secret is empty");
  return std::string(secret);
}

std::string WebhookSignature(absl::string_view key, absl::string_view id, int64_t timestamp,
                             absl::string_view body) {
  const std::string signed_content = absl::StrCat(id, ".", timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(), mac,
       &mac_length);
  return absl::StrCat(
      "v1,", Base64Encode(absl::string_view(reinterpret_cast<const char*>(mac), mac_length)));
}

}  // namespace probation::relay
