// Bearer tokens (JWT) for the public API: verified against an identity provider's key set
// (json_web_keys.h: RS256, PS256, ES256 by key id, rotated without a restart), or with
// libjwt (Debian's libjwt-dev) against one RS256 public key or, for local use, an HS256
// shared secret; minted with libjwt for local use and tests. Verification checks the
// algorithm is one the key is for (so neither `alg: none` nor an HS256 token keyed with a
// public key gets through), the signature, expiry, issuer and audience, and reads the claims
// under the names the provider gives them.
#ifndef PROBATION_LIBS_AUTH_JWT_H_
#define PROBATION_LIBS_AUTH_JWT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "libs/auth/json_web_keys.h"

namespace probation {

// What a token claims about its bearer: the input to MintJwt. A verified token becomes an
// Identity (identity.h).
struct TokenClaims {
  std::string subject;
  // probation_practitioner, programme_team, service_provider, admin (RoleClaimName).
  std::vector<std::string> roles;
  // For staff: the region they work in.
  std::string region;
  // For service providers: the provider they work for.
  std::string provider;
  // Who the token is for (`aud`); none when empty.
  std::vector<std::string> audience;
};

enum class JwtAlgorithm { kRs256, kHs256 };

struct JwtKey {
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  // RS256: a PEM public key to verify (or private key to sign); HS256: the shared secret.
  std::string material;
};

// The shortest HS256 secret accepted: 256 bits, as RFC 7518 asks.
inline constexpr size_t kMinHs256SecretBytes = 32;

// Where a provider puts what the suite reads from its tokens. HMPPS Auth, for example, puts
// roles in `authorities`, as values such as "ROLE_PROBATION".
struct ClaimNames {
  // A list of role names, or one string of them separated by spaces.
  std::string roles = "roles";
  std::string region = "region";
  std::string provider = "provider";
  // The provider's role values and the suite role each stands for (RoleFromClaimName's
  // names); a value not here is read as a suite role name itself.
  absl::flat_hash_map<std::string, std::string> role_values;
};

class JwtVerifier {
 public:
  // INVALID_ARGUMENT naming what is wrong with the key or issuer.
  // With an `audience`, a token must name it in `aud` (a string, or a list holding it).
  static absl::StatusOr<JwtVerifier> Create(JwtKey key, std::string issuer,
                                            absl::Duration leeway = absl::Seconds(30),
                                            std::string audience = "", ClaimNames claims = {});
  // Tokens signed by the keys of `key_set`, whichever of them its header's `kid` names.
  static absl::StatusOr<JwtVerifier> Create(std::shared_ptr<JwksFile> key_set, std::string issuer,
                                            absl::Duration leeway = absl::Seconds(30),
                                            std::string audience = "", ClaimNames claims = {});

  // Who the token names, acting as admin if it grants that role and otherwise in the first
  // role it grants that the suite knows (ROLE_UNSPECIFIED if none); UNAUTHENTICATED, saying
  // why, unless the token is good at `now`.
  absl::StatusOr<Identity> Verify(absl::string_view token, absl::Time now) const;

 private:
  // A token that verified: who it names and when it is valid. A token's bytes fix its
  // signature and claims, so only the clock needs checking again.
  struct Verified {
    Identity identity;
    absl::Time not_before = absl::InfinitePast();
    // The key set it verified under: once the set changes, it is verified again (its key
    // may be gone).
    uint64_t key_set_generation = 0;
  };
  // Verified tokens by their text, so a client's calls with one token cost one signature
  // check, not one each. Bounded: emptied when full.
  struct VerifiedTokens {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Verified> tokens ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kMaxVerifiedTokens = 4096;

  JwtVerifier(JwtKey key, std::shared_ptr<JwksFile> key_set, std::string issuer,
              absl::Duration leeway, std::string audience, ClaimNames claims)
      : key_(std::move(key)),
        key_set_(std::move(key_set)),
        issuer_(std::move(issuer)),
        leeway_(leeway),
        audience_(std::move(audience)),
        claims_(std::move(claims)),
        verified_(std::make_shared<VerifiedTokens>()) {}
  absl::StatusOr<Verified> VerifySignatureAndClaims(absl::string_view token, absl::Time now) const;
  // The token's claims as JSON text once its signature verifies.
  absl::StatusOr<std::string> VerifiedClaims(absl::string_view token, absl::Time now) const;
  absl::Status CheckTimes(const Verified& verified, absl::Time now) const;
  uint64_t KeySetGeneration() const { return key_set_ == nullptr ? 0 : key_set_->generation(); }

  JwtKey key_;
  // Null when key_ is the one key.
  std::shared_ptr<JwksFile> key_set_;
  std::string issuer_;
  absl::Duration leeway_;
  std::string audience_;
  ClaimNames claims_;
  std::shared_ptr<VerifiedTokens> verified_;
};

// A signed token with `claims`, valid from `now` for `ttl`: for local use and tests.
absl::StatusOr<std::string> MintJwt(const JwtKey& signing_key, absl::string_view issuer,
                                    const TokenClaims& claims, absl::Time now, absl::Duration ttl);

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_JWT_H_
