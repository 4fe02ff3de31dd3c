// An identity provider's side, for tests: signing keys with key ids (RSA or P-256, made by
// libcjose), the public JSON Web Key Set a verifier reads, and tokens signed with RS256,
// PS256 or ES256.
#ifndef PROBATION_TESTS_SUPPORT_JWK_SIGNER_H_
#define PROBATION_TESTS_SUPPORT_JWK_SIGNER_H_

#include <cjose/cjose.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace probation::testing {

class JwkSigner {
 public:
  // A new RSA key (2048 bits) or, with `ec`, a P-256 key, with id `kid`.
  JwkSigner(std::string kid, bool ec) : kid_(std::move(kid)) {
    cjose_err error;
    static const uint8_t kExponent[] = {0x01, 0x00, 0x01};
    jwk_ = ec ? cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &error)
              : cjose_jwk_create_RSA_random(2048, kExponent, sizeof(kExponent), &error);
    cjose_jwk_set_kid(jwk_, kid_.data(), kid_.size(), &error);
  }
  ~JwkSigner() { cjose_jwk_release(jwk_); }
  JwkSigner(const JwkSigner&) = delete;
  JwkSigner& operator=(const JwkSigner&) = delete;

  // The public key as a JWK, or with `private_part` the whole key (a key set must refuse it).
  nlohmann::json Jwk(bool private_part = false) const {
    cjose_err error;
    char* json = cjose_jwk_to_json(jwk_, private_part, &error);
    nlohmann::json jwk = nlohmann::json::parse(json);
    free(json);
    return jwk;
  }

  // `claims` signed with `alg` ("RS256", "PS256", "ES256"); `kid` in the header unless
  // another is given.
  std::string Sign(const nlohmann::json& claims, const std::string& alg,
                   const std::string& kid_in_header = "") const {
    cjose_err error;
    cjose_header_t* header = cjose_header_new(&error);
    cjose_header_set(header, CJOSE_HDR_ALG, alg.c_str(), &error);
    const std::string kid = kid_in_header.empty() ? kid_ : kid_in_header;
    cjose_header_set(header, CJOSE_HDR_KID, kid.c_str(), &error);
    cjose_header_set(header, "typ", "JWT", &error);
    const std::string payload = claims.dump();
    cjose_jws_t* jws = cjose_jws_sign(
        jwk_, header, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), &error);
    cjose_header_release(header);
    if (jws == nullptr) return "";
    const char* compact = nullptr;
    cjose_jws_export(jws, &compact, &error);
    std::string token = compact == nullptr ? "" : compact;
    cjose_jws_release(jws);
    return token;
  }

 private:
  std::string kid_;
  cjose_jwk_t* jwk_ = nullptr;
};

// {"keys": [...]} of the signers' public keys.
inline std::string KeySet(const std::vector<const JwkSigner*>& signers) {
  nlohmann::json keys = nlohmann::json::array();
  for (const JwkSigner* signer : signers) keys.push_back(signer->Jwk());
  return nlohmann::json{{"keys", keys}}.dump();
}

// The claims of a good token for `subject` at `now`, valid for an hour.
inline nlohmann::json Claims(const std::string& issuer, const std::string& subject,
                             absl::Time now) {
  return {{"iss", issuer},
          {"sub", subject},
          {"iat", absl::ToUnixSeconds(now)},
          {"exp", absl::ToUnixSeconds(now + absl::Hours(1))}};
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_JWK_SIGNER_H_
