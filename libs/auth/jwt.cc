#include "libs/auth/jwt.h"

#include <jwt.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/error_reason.h"
#include "nlohmann/json.hpp"

namespace probation {
namespace {

// Tokens larger than this are refused before any parsing.
constexpr size_t kMaxTokenBytes = 8 * 1024;

using JwtPtr = std::unique_ptr<jwt_t, decltype(&jwt_free)>;

jwt_alg_t LibjwtAlgorithm(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kRs256 ? JWT_ALG_RS256 : JWT_ALG_HS256;
}

absl::Status Unauthenticated(absl::string_view why) { return TokenRejected(why); }

}  // namespace

absl::StatusOr<JwtVerifier> JwtVerifier::Create(JwtKey key, std::string issuer,
                                                absl::Duration leeway, std::string audience,
                                                ClaimNames claims) {
  if (issuer.empty()) return absl::InvalidArgumentError("the token issuer is required");
  if (key.algorithm == JwtAlgorithm::kHs256 && key.material.size() < kMinHs256SecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("an HS256 secret needs at least ", kMinHs256SecretBytes, " bytes"));
  }
  if (key.algorithm == JwtAlgorithm::kRs256 &&
      !absl::StrContains(key.material, "-----BEGIN PUBLIC KEY-----")) {
    return absl::InvalidArgumentError("an RS256 key must be a PEM public key");
  }
  if (leeway < absl::ZeroDuration()) return absl::InvalidArgumentError("negative leeway");
  return JwtVerifier(std::move(key), nullptr, std::move(issuer), leeway, std::move(audience),
                     std::move(claims));
}

absl::StatusOr<JwtVerifier> JwtVerifier::Create(std::shared_ptr<JwksFile> key_set,
                                                std::string issuer, absl::Duration leeway,
                                                std::string audience, ClaimNames claims) {
  if (key_set == nullptr) return absl::InvalidArgumentError("no key set");
  if (issuer.empty()) return absl::InvalidArgumentError("the token issuer is required");
  if (leeway < absl::ZeroDuration()) return absl::InvalidArgumentError("negative leeway");
  return JwtVerifier({}, std::move(key_set), std::move(issuer), leeway, std::move(audience),
                     std::move(claims));
}

absl::StatusOr<Identity> JwtVerifier::Verify(absl::string_view token, absl::Time now) const {
  if (token.empty()) return Unauthenticated("no token");
  if (token.size() > kMaxTokenBytes) return Unauthenticated("too large");
  {
    absl::MutexLock lock(&verified_->mu);
    if (auto it = verified_->tokens.find(token);
        it != verified_->tokens.end() && it->second.key_set_generation == KeySetGeneration()) {
      if (absl::Status times = CheckTimes(it->second, now); !times.ok()) return times;
      return it->second.identity;
    }
  }
  absl::StatusOr<Verified> verified = VerifySignatureAndClaims(token, now);
  if (!verified.ok()) return verified.status();
  absl::MutexLock lock(&verified_->mu);
  if (verified_->tokens.size() >= kMaxVerifiedTokens) verified_->tokens.clear();
  verified_->tokens.emplace(token, *verified);
  return verified->identity;
}

absl::Status JwtVerifier::CheckTimes(const Verified& verified, absl::Time now) const {
  if (now > verified.identity.expires + leeway_) return Unauthenticated("expired");
  if (now + leeway_ < verified.not_before) {
    return Unauthenticated("not valid yet (nbf), or issued in the future (iat)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> JwtVerifier::VerifiedClaims(absl::string_view token,
                                                        absl::Time now) const {
  if (key_set_ != nullptr) return key_set_->VerifiedPayload(token, now);
  jwt_t* raw = nullptr;
  const std::string text(token);
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key_.material.data()),
                 static_cast<int>(key_.material.size())) != 0 ||
      raw == nullptr) {
    return Unauthenticated("malformed, or the signature does not verify");
  }
  JwtPtr jwt(raw, &jwt_free);
  // The algorithm is ours to choose, not the token's.
  if (jwt_get_alg(jwt.get()) != LibjwtAlgorithm(key_.algorithm)) {
    return Unauthenticated("signed with an algorithm this service does not accept");
  }
  char* body = jwt_get_grants_json(jwt.get(), nullptr);
  if (body == nullptr) return Unauthenticated("no claims");
  std::string claims(body);
  free(body);
  return claims;
}

absl::StatusOr<JwtVerifier::Verified> JwtVerifier::VerifySignatureAndClaims(absl::string_view token,
                                                                            absl::Time now) const {
  // Read before the signature is checked: a token verified under this set or a later one.
  const uint64_t generation = KeySetGeneration();
  absl::StatusOr<std::string> body = VerifiedClaims(token, now);
  if (!body.ok()) return body.status();
  const nlohmann::json claims = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Unauthenticated("claims are not a JSON object");

  if (!claims.contains("exp") || !claims["exp"].is_number_integer()) {
    return Unauthenticated("no expiry (exp)");
  }
  const absl::Time expires = absl::FromUnixSeconds(claims["exp"].get<int64_t>());
  if (now > expires + leeway_) return Unauthenticated("expired");
  if (claims.contains("nbf") && claims["nbf"].is_number_integer() &&
      now + leeway_ < absl::FromUnixSeconds(claims["nbf"].get<int64_t>())) {
    return Unauthenticated("not valid yet (nbf)");
  }
  // A token issued in the future is forged or from a badly wrong clock; trust neither.
  if (claims.contains("iat") && claims["iat"].is_number_integer() &&
      now + leeway_ < absl::FromUnixSeconds(claims["iat"].get<int64_t>())) {
    return Unauthenticated("issued in the future (iat)");
  }
  if (!claims.contains("iss") || !claims["iss"].is_string() ||
      claims["iss"].get<std::string>() != issuer_) {
    return Unauthenticated("issued by someone this service does not trust (iss)");
  }
  if (!audience_.empty()) {
    const nlohmann::json* aud = claims.contains("aud") ? &claims["aud"] : nullptr;
    const bool named =
        aud != nullptr && ((aud->is_string() && aud->get<std::string>() == audience_) ||
                           (aud->is_array() &&
                            std::any_of(aud->begin(), aud->end(), [&](const nlohmann::json& entry) {
                              return entry.is_string() && entry.get<std::string>() == audience_;
                            })));
    if (!named) return Unauthenticated("meant for another audience (aud)");
  }
  Verified verified;
  verified.key_set_generation = generation;
  Identity& identity = verified.identity;
  identity.expires = expires;
  for (const char* claim : {"nbf", "iat"}) {
    if (claims.contains(claim) && claims[claim].is_number_integer()) {
      verified.not_before =
          std::max(verified.not_before, absl::FromUnixSeconds(claims[claim].get<int64_t>()));
    }
  }
  if (!claims.contains("sub") || !claims["sub"].is_string() ||
      claims["sub"].get<std::string>().empty()) {
    return Unauthenticated("no subject (sub)");
  }
  identity.actor = claims["sub"].get<std::string>();
  if (claims.contains(claims_.roles)) {
    const nlohmann::json& roles = claims[claims_.roles];
    std::vector<std::string> names;
    if (roles.is_string()) {
      names = absl::StrSplit(roles.get<std::string>(), ' ', absl::SkipEmpty());
    } else if (roles.is_array()) {
      for (const auto& role : roles) {
        if (!role.is_string()) {
          return Unauthenticated(absl::StrCat(claims_.roles, " holds something other than names"));
        }
        names.push_back(role.get<std::string>());
      }
    } else {
      return Unauthenticated(absl::StrCat(claims_.roles, " is not a list"));
    }
    for (const std::string& name : names) {
      const auto mapped = claims_.role_values.find(name);
      // The role acted in: admin if granted, else the first the suite knows. No token makes
      // its bearer one of the suite's own services.
      const common::v1::Role known =
          RoleFromClaimName(mapped == claims_.role_values.end() ? name : mapped->second);
      if (known == common::v1::ROLE_UNSPECIFIED || known == common::v1::ROLE_SERVICE) continue;
      if (identity.role == common::v1::ROLE_UNSPECIFIED || known == common::v1::ROLE_ADMIN) {
        identity.role = known;
      }
    }
  }
  for (auto [field, target] : {std::pair{&claims_.region, &identity.region},
                               std::pair{&claims_.provider, &identity.provider}}) {
    if (!claims.contains(*field)) continue;
    if (!claims[*field].is_string()) {
      return Unauthenticated(absl::StrCat(*field, " is not a string"));
    }
    *target = claims[*field].get<std::string>();
  }
  return verified;
}

absl::StatusOr<std::string> MintJwt(const JwtKey& signing_key, absl::string_view issuer,
                                    const TokenClaims& token_claims, absl::Time now,
                                    absl::Duration ttl) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw, &jwt_free);
  nlohmann::json claims = {{"iss", std::string(issuer)},
                           {"sub", token_claims.subject},
                           {"iat", absl::ToUnixSeconds(now)},
                           {"exp", absl::ToUnixSeconds(now + ttl)},
                           {"roles", token_claims.roles}};
  if (!token_claims.region.empty()) claims["region"] = token_claims.region;
  if (!token_claims.provider.empty()) claims["provider"] = token_claims.provider;
  if (!token_claims.audience.empty()) claims["aud"] = token_claims.audience;
  if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) {
    return absl::InternalError("cannot add the claims");
  }
  if (jwt_set_alg(jwt.get(), LibjwtAlgorithm(signing_key.algorithm),
                  reinterpret_cast<const unsigned char*>(signing_key.material.data()),
                  static_cast<int>(signing_key.material.size())) != 0) {
    return absl::InvalidArgumentError("the signing key does not suit the algorithm");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return absl::InvalidArgumentError("cannot sign with this key");
  std::string token(encoded);
  free(encoded);
  return token;
}

}  // namespace probation
