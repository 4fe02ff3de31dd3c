#include "libs/auth/internal_identity.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/status/error_reason.h"

namespace probation {
namespace {

// What is signed: a version tag and every field, one per line, so none can be moved into
// another.
std::string Canonical(const Identity& identity, absl::string_view method) {
  return absl::StrCat("probation-identity-v2\n", method, "\n", identity.actor, "\n",
                      RoleClaimName(identity.role), "\n", identity.region, "\n", identity.provider,
                      "\n", absl::ToUnixSeconds(identity.expires));
}

std::string ComputeMac(absl::string_view secret, absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// An HMAC costs more than the rest of a small call, and the gateway signs, and each service
// checks, the same identity (one caller, one second's expiry) for call after call: remember
// recent ones. Bounded; emptied when full.
std::string Mac(absl::string_view secret, absl::string_view message) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* recent = new absl::flat_hash_map<std::string, std::string>();
  constexpr size_t kMaxRecent = 4096;
  const std::string key = absl::StrCat(secret.size(), ":", secret, message);
  {
    absl::MutexLock lock(&mu);
    if (auto it = recent->find(key); it != recent->end()) return it->second;
  }
  std::string mac = ComputeMac(secret, message);
  absl::MutexLock lock(&mu);
  if (recent->size() >= kMaxRecent) recent->clear();
  recent->emplace(key, mac);
  return mac;
}

bool HasLineBreak(const Identity& identity) {
  for (const std::string* field : {&identity.actor, &identity.region, &identity.provider}) {
    if (absl::StrContains(*field, '\n') || absl::StrContains(*field, '\r')) return true;
  }
  return false;
}

absl::Status Unauthenticated(absl::string_view why) {
  return WithReason(
      absl::UnauthenticatedError(absl::StrCat("call the suite through its gateway: ", why)),
      reason::kIdentityInvalid);
}

}  // namespace

absl::Status CheckIdentitySecret(absl::string_view secret) {
  if (secret.size() < kMinIdentitySecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is required: at least ", kMinIdentitySecretBytes, " bytes, the same in every service"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SignIdentity(
    const Identity& identity, absl::string_view method, absl::string_view secret) {
  if (absl::Status status = CheckIdentitySecret(secret); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the identity secret ", status.message()));
  }
  if (HasLineBreak(identity) || absl::StrContains(method, '\n')) {
    return absl::InvalidArgumentError("identity fields hold a line break");
  }
  if (method.empty()) return absl::InvalidArgumentError("an identity is signed for a method");
  std::vector<std::pair<std::string, std::string>> headers = {
      {kActorHeader, identity.actor},
      {kRoleHeader, RoleClaimName(identity.role)},
      {kIdentityExpiresHeader, absl::StrCat(absl::ToUnixSeconds(identity.expires))},
      {kIdentityMethodHeader, std::string(method)},
      {kIdentitySignatureHeader,
       absl::WebSafeBase64Escape(Mac(secret, Canonical(identity, method)))}};
  if (!identity.region.empty()) headers.emplace_back(kRegionHeader, identity.region);
  if (!identity.provider.empty()) headers.emplace_back(kProviderHeader, identity.provider);
  return headers;
}

absl::StatusOr<Identity> VerifyIdentity(
    absl::FunctionRef<std::string(absl::string_view name)> header, absl::string_view secret,
    absl::Time now) {
  Identity identity;
  identity.actor = header(kActorHeader);
  identity.role = RoleFromClaimName(header(kRoleHeader));
  identity.region = header(kRegionHeader);
  identity.provider = header(kProviderHeader);
  const std::string signature = header(kIdentitySignatureHeader);
  if (identity.actor.empty() || identity.role == common::v1::ROLE_UNSPECIFIED ||
      signature.empty()) {
    return Unauthenticated("the caller's identity is missing");
  }
  int64_t expires = 0;
  if (!absl::SimpleAtoi(header(kIdentityExpiresHeader), &expires)) {
    return Unauthenticated("the identity has no expiry");
  }
  identity.expires = absl::FromUnixSeconds(expires);
  if (HasLineBreak(identity)) return Unauthenticated("the identity is malformed");
  const std::string method = header(kIdentityMethodHeader);
  if (method.empty() || method != header(kServedMethodHeader)) {
    return Unauthenticated("the identity is not signed for this method");
  }
  std::string given;
  const std::string expected = Mac(secret, Canonical(identity, method));
  if (!absl::WebSafeBase64Unescape(signature, &given) || given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("the identity is not signed by the suite");
  }
  if (now > identity.expires) return Unauthenticated("the identity has expired");
  return identity;
}

}  // namespace probation
