// Bearer tokens (JWT) for the public API, verified and minted with libjwt (Debian's
// libjwt-dev): RS256 with a configured public key, or HS256 with a shared secret for local
// use. Verification checks the algorithm is the configured one (so neither `alg: none` nor
// an HS256 token keyed with the public key gets through), the signature, expiry and issuer.
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

class JwtVerifier {
 public:
  // INVALID_ARGUMENT naming what is wrong with the key or issuer.
  // With an `audience`, a token must name it in `aud` (a string, or a list holding it).
  static absl::StatusOr<JwtVerifier> Create(JwtKey key, std::string issuer,
                                            absl::Duration leeway = absl::Seconds(30),
                                            std::string audience = "");

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
  };
  // Verified tokens by their text, so a client's calls with one token cost one signature
  // check, not one each. Bounded: emptied when full.
  struct VerifiedTokens {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Verified> tokens ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kMaxVerifiedTokens = 4096;

  JwtVerifier(JwtKey key, std::string issuer, absl::Duration leeway, std::string audience)
      : key_(std::move(key)),
        issuer_(std::move(issuer)),
        leeway_(leeway),
        audience_(std::move(audience)),
        verified_(std::make_shared<VerifiedTokens>()) {}
  absl::StatusOr<Verified> VerifySignatureAndClaims(absl::string_view token, absl::Time now) const;
  absl::Status CheckTimes(const Verified& verified, absl::Time now) const;

  JwtKey key_;
  std::string issuer_;
  absl::Duration leeway_;
  std::string audience_;
  std::shared_ptr<VerifiedTokens> verified_;
};

// A signed token with `claims`, valid from `now` for `ttl`: for local use and tests.
absl::StatusOr<std::string> MintJwt(const JwtKey& signing_key, absl::string_view issuer,
                                    const TokenClaims& claims, absl::Time now, absl::Duration ttl);

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_JWT_H_
