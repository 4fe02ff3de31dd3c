// Tokens from an identity provider's key set: RS256, PS256 and ES256 by key id; what a key is
// not for, a key id not held, a private key in the set are refused; keys rotate in the file
// without a new verifier; and the claims are read under the provider's names.
#include "libs/auth/json_web_keys.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt.h"
#include "libs/status/error_reason.h"
#include "tests/support/jwk_signer.h"

namespace probation {
namespace {

using testing::Claims;
using ::testing::HasSubstr;
using testing::JwkSigner;
using testing::KeySet;

constexpr char kIssuer[] = "https://sign-in.example";

const JwkSigner& RsaKey() {
  static const JwkSigner* key = new JwkSigner("rsa-2026", /*ec=*/false);
  return *key;
}
const JwkSigner& EcKey() {
  static const JwkSigner* key = new JwkSigner("ec-2026", /*ec=*/true);
  return *key;
}

class KeySetFile {
 public:
  KeySetFile() {
    char path[] = "/tmp/jwks-XXXXXX";
    close(mkstemp(path));
    path_ = path;
  }
  ~KeySetFile() { std::remove(path_.c_str()); }
  // Written beside and renamed into place, as a provider's rotation (or a Kubernetes Secret
  // update) does: a reader never sees half a file.
  void Write(const std::string& text) const {
    const std::string next = path_ + ".next";
    std::ofstream(next) << text;
    std::rename(next.c_str(), path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

JwtVerifier Verifier(const std::shared_ptr<JwksFile>& file, ClaimNames names = {}) {
  absl::StatusOr<JwtVerifier> verifier =
      JwtVerifier::Create(file, kIssuer, absl::Seconds(30), "", std::move(names));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *std::move(verifier);
}

TEST(JsonWebKeys, VerifiesRs256Ps256AndEs256ByKeyId) {
  KeySetFile file;
  file.Write(KeySet({&RsaKey(), &EcKey()}));
  absl::StatusOr<std::shared_ptr<JwksFile>> keys = JwksFile::Open(file.path());
  ASSERT_TRUE(keys.ok()) << keys.status();
  JwtVerifier verifier = Verifier(*keys);
  const absl::Time now = absl::Now();
  nlohmann::json claims = Claims(kIssuer, "ada", now);
  claims["roles"] = {"probation_practitioner"};
  claims["region"] = "london";
  for (const auto& [signer, alg] : {std::pair{&RsaKey(), "RS256"}, std::pair{&RsaKey(), "PS256"},
                                    std::pair{&EcKey(), "ES256"}}) {
    SCOPED_TRACE(alg);
    absl::StatusOr<Identity> identity = verifier.Verify(signer->Sign(claims, alg), now);
    ASSERT_TRUE(identity.ok()) << identity.status();
    EXPECT_EQ(identity->actor, "ada");
    EXPECT_EQ(identity->role, common::v1::ROLE_PROBATION_PRACTITIONER);
    EXPECT_EQ(identity->region, "london");
  }
}

TEST(JsonWebKeys, RefusesWhatAKeyIsNotForAndKeysItDoesNotHold) {
  KeySetFile file;
  nlohmann::json pinned = RsaKey().Jwk();
  pinned["alg"] = "RS256";
  file.Write(nlohmann::json{{"keys", {pinned, EcKey().Jwk()}}}.dump());
  JwtVerifier verifier = Verifier(*JwksFile::Open(file.path()));
  const absl::Time now = absl::Now();
  const nlohmann::json claims = Claims(kIssuer, "ada", now);
  // The RSA key is pinned to RS256, so PS256 with it is refused.
  EXPECT_TRUE(verifier.Verify(RsaKey().Sign(claims, "RS256"), now).ok());
  const absl::Status ps256 = verifier.Verify(RsaKey().Sign(claims, "PS256"), now).status();
  EXPECT_EQ(ps256.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(ps256.message(), HasSubstr("algorithm"));
  EXPECT_EQ(ErrorReasonOf(ps256), "TOKEN_INVALID");
  // An RSA signature presented under the EC key's id.
  EXPECT_FALSE(verifier.Verify(RsaKey().Sign(claims, "RS256", "ec-2026"), now).ok());
  // A key id the set does not have.
  JwkSigner stranger("stranger", /*ec=*/true);
  const absl::Status unknown = verifier.Verify(stranger.Sign(claims, "ES256"), now).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unknown.message(), HasSubstr("stranger"));
  // The same key id, another key: the signature does not verify.
  JwkSigner impostor("ec-2026", /*ec=*/true);
  EXPECT_FALSE(verifier.Verify(impostor.Sign(claims, "ES256"), now).ok());
  // alg none, and a header with no key id.
  const std::string good = EcKey().Sign(claims, "ES256");
  const std::string payload = good.substr(good.find('.'));
  EXPECT_FALSE(verifier.Verify("eyJhbGciOiJub25lIiwia2lkIjoiZWMtMjAyNiJ9" + payload, now).ok());
  EXPECT_FALSE(verifier.Verify("eyJhbGciOiJFUzI1NiJ9" + payload, now).ok());
}

TEST(JsonWebKeys, AKeySetWithAPrivateKeyOrNoKeyIdsOrTwoAlikeIsRefused) {
  EXPECT_THAT(
      JsonWebKeys::Parse(nlohmann::json{{"keys", {RsaKey().Jwk(/*private_part=*/true)}}}.dump())
          .status()
          .message(),
      HasSubstr("private"));
  nlohmann::json no_kid = EcKey().Jwk();
  no_kid.erase("kid");
  EXPECT_THAT(JsonWebKeys::Parse(nlohmann::json{{"keys", {no_kid}}}.dump()).status().message(),
              HasSubstr("kid"));
  EXPECT_THAT(JsonWebKeys::Parse(nlohmann::json{{"keys", {EcKey().Jwk(), EcKey().Jwk()}}}.dump())
                  .status()
                  .message(),
              HasSubstr("two keys"));
  EXPECT_FALSE(JsonWebKeys::Parse("{\"keys\": []}").ok());
  EXPECT_FALSE(JsonWebKeys::Parse("not json").ok());
  nlohmann::json symmetric = {{"kty", "oct"}, {"kid", "s"}, {"k", "c2VjcmV0"}};
  EXPECT_FALSE(JsonWebKeys::Parse(nlohmann::json{{"keys", {symmetric}}}.dump()).ok());
  EXPECT_TRUE(JwksFile::Open("/nonexistent/jwks.json").status().code() ==
              absl::StatusCode::kNotFound);
}

TEST(JsonWebKeys, AKeyRotatedInTheFileIsUsedWithoutANewVerifier) {
  KeySetFile file;
  file.Write(KeySet({&RsaKey()}));
  JwtVerifier verifier = Verifier(*JwksFile::Open(file.path(), absl::ZeroDuration()));
  const absl::Time now = absl::Now();
  const nlohmann::json claims = Claims(kIssuer, "ada", now);
  const std::string old_token = RsaKey().Sign(claims, "RS256");
  ASSERT_TRUE(verifier.Verify(old_token, now).ok());

  // The provider publishes its new key beside the old one: both verify.
  JwkSigner next("rsa-2027", /*ec=*/false);
  file.Write(KeySet({&RsaKey(), &next}));
  const std::string new_token = next.Sign(claims, "PS256");
  EXPECT_TRUE(verifier.Verify(new_token, now).ok());
  EXPECT_TRUE(verifier.Verify(old_token, now).ok());

  // Then drops the old one: its tokens are refused, though verified before.
  file.Write(KeySet({&next}));
  EXPECT_TRUE(verifier.Verify(new_token, now).ok());
  EXPECT_FALSE(verifier.Verify(old_token, now).ok());

  // A broken file leaves the keys as they were.
  file.Write("{\"keys\": [");
  EXPECT_TRUE(verifier.Verify(new_token, now).ok());
}

TEST(JsonWebKeys, ClaimsAreReadUnderTheProvidersNames) {
  KeySetFile file;
  file.Write(KeySet({&EcKey()}));
  ClaimNames names;
  names.roles = "authorities";
  names.region = "probation_region";
  names.role_values = {{"ROLE_PROBATION", "probation_practitioner"},
                       {"ROLE_INTERVENTIONS_ADMIN", "admin"}};
  JwtVerifier verifier = Verifier(*JwksFile::Open(file.path()), names);
  const absl::Time now = absl::Now();
  nlohmann::json claims = Claims(kIssuer, "AUTH_USER", now);
  claims["authorities"] = {"ROLE_GLOBAL_SEARCH", "ROLE_PROBATION"};
  claims["probation_region"] = "wales";
  claims["roles"] = {"admin"};  // not where this provider puts roles: ignored
  absl::StatusOr<Identity> identity = verifier.Verify(EcKey().Sign(claims, "ES256"), now);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->role, common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(identity->region, "wales");

  // Roles as one space-separated string, as some providers send scopes.
  claims["authorities"] = "ROLE_GLOBAL_SEARCH ROLE_INTERVENTIONS_ADMIN";
  identity = verifier.Verify(EcKey().Sign(claims, "ES256"), now);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->role, common::v1::ROLE_ADMIN);
}

}  // namespace
}  // namespace probation
