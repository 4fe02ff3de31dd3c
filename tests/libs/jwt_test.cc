// Bearer token verification: good tokens pass with their claims; expired, wrongly issued,
// tampered, unsigned (`alg: none`) and algorithm-confused tokens are refused.
#include "libs/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://auth.probation.example";
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, length);
}

// A fresh 2048-bit key pair, generated with OpenSSL for the test run.
const RsaKeyPair& Keys() {
  static const RsaKeyPair* keys = [] {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* private_bio = BIO_new(BIO_s_mem());
    BIO* public_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(private_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_PUBKEY(public_bio, key);
    auto* pair = new RsaKeyPair{ReadBio(private_bio), ReadBio(public_bio)};
    BIO_free(private_bio);
    BIO_free(public_bio);
    EVP_PKEY_free(key);
    return pair;
  }();
  return *keys;
}

TokenClaims Practitioner() {
  TokenClaims principal;
  principal.subject = "pp-42";
  principal.roles = {"probation_practitioner"};
  principal.region = "london";
  return principal;
}

JwtVerifier RsaVerifier() {
  auto verifier = JwtVerifier::Create({JwtAlgorithm::kRs256, Keys().public_pem}, kIssuer);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *std::move(verifier);
}

std::string RsaToken(const TokenClaims& principal, absl::Time now = kNow,
                     absl::string_view issuer = kIssuer) {
  auto token = MintJwt({JwtAlgorithm::kRs256, Keys().private_pem}, issuer, principal, now,
                       absl::Minutes(15));
  EXPECT_TRUE(token.ok()) << token.status();
  return *token;
}

TEST(Jwt, AGoodRs256TokenGivesItsClaims) {
  auto principal = RsaVerifier().Verify(RsaToken(Practitioner()), kNow + absl::Minutes(1));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->actor, "pp-42");
  EXPECT_EQ(principal->role, common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(principal->region, "london");
  EXPECT_EQ(principal->expires, kNow + absl::Minutes(15));
}

TEST(Jwt, TheBearerActsAsAdminIfGrantedElseInTheFirstRoleTheSuiteKnows) {
  const auto role_of = [](std::vector<std::string> roles) {
    TokenClaims claims = Practitioner();
    claims.roles = std::move(roles);
    auto identity = RsaVerifier().Verify(RsaToken(claims), kNow);
    EXPECT_TRUE(identity.ok()) << identity.status();
    return identity.ok() ? identity->role : common::v1::ROLE_UNSPECIFIED;
  };
  EXPECT_EQ(role_of({"probation_practitioner", "admin"}), common::v1::ROLE_ADMIN);
  EXPECT_EQ(role_of({"juggler", "programme_team", "service_provider"}),
            common::v1::ROLE_PROGRAMME_TEAM);
  // Neither an unknown name, another spelling nor a service's role makes the bearer anyone.
  EXPECT_EQ(role_of({"ROLE_ADMIN", "Admin", "service"}), common::v1::ROLE_UNSPECIFIED);
  EXPECT_EQ(role_of({}), common::v1::ROLE_UNSPECIFIED);
}

TEST(Jwt, WithAnAudienceATokenMustNameIt) {
  auto verifier = JwtVerifier::Create({JwtAlgorithm::kRs256, Keys().public_pem}, kIssuer,
                                      absl::Seconds(30), "probation-gateway");
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const auto verify = [&](std::vector<std::string> audience) {
    TokenClaims claims = Practitioner();
    claims.audience = std::move(audience);
    return verifier->Verify(RsaToken(claims), kNow).status();
  };
  EXPECT_TRUE(verify({"probation-gateway"}).ok());
  EXPECT_TRUE(verify({"case-management", "probation-gateway"}).ok());
  for (const std::vector<std::string>& other :
       {std::vector<std::string>{}, std::vector<std::string>{"case-management"}}) {
    const absl::Status refused = verify(other);
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(refused.message()), HasSubstr("(aud)"));
  }
  // Without an audience configured, `aud` is not looked at.
  TokenClaims any = Practitioner();
  any.audience = {"case-management"};
  EXPECT_TRUE(RsaVerifier().Verify(RsaToken(any), kNow).ok());
}

TEST(Jwt, AGoodHs256TokenVerifiesWithTheSharedSecret) {
  const std::string secret(40, 's');
  auto verifier = JwtVerifier::Create({JwtAlgorithm::kHs256, secret}, kIssuer);
  ASSERT_TRUE(verifier.ok());
  TokenClaims provider;
  provider.subject = "sp-1";
  provider.roles = {"service_provider"};
  provider.provider = "nacro";
  auto token = MintJwt({JwtAlgorithm::kHs256, secret}, kIssuer, provider, kNow, absl::Hours(1));
  ASSERT_TRUE(token.ok());
  auto principal = verifier->Verify(*token, kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->provider, "nacro");
  auto other = JwtVerifier::Create({JwtAlgorithm::kHs256, std::string(40, 't')}, kIssuer);
  EXPECT_EQ(other->Verify(*token, kNow).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Jwt, RefusesAnExpiredToken) {
  const std::string token = RsaToken(Practitioner());
  EXPECT_TRUE(RsaVerifier().Verify(token, kNow + absl::Minutes(15) + absl::Seconds(20)).ok())
      << "within the leeway";
  auto late = RsaVerifier().Verify(token, kNow + absl::Minutes(16));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("expired"));
}

TEST(Jwt, RefusesATokenIssuedInTheFuture) {
  const std::string token = RsaToken(Practitioner(), kNow + absl::Minutes(5));
  EXPECT_TRUE(RsaVerifier().Verify(token, kNow + absl::Minutes(5) - absl::Seconds(20)).ok())
      << "within the leeway";
  auto early = RsaVerifier().Verify(token, kNow);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(early.status().message()), HasSubstr("(iat)"));
}

TEST(Jwt, RefusesAnotherIssuer) {
  auto verified = RsaVerifier().Verify(RsaToken(Practitioner(), kNow, "https://elsewhere"), kNow);
  EXPECT_THAT(std::string(verified.status().message()), HasSubstr("(iss)"));
}

TEST(Jwt, RefusesATamperedToken) {
  std::vector<std::string> parts = absl::StrSplit(RsaToken(Practitioner()), '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  payload.replace(payload.find("probation_practitioner"), 22, "admin\",\"x\":\"yyyyyyyyyy");
  parts[1] = absl::WebSafeBase64Escape(payload);
  const auto verified = RsaVerifier().Verify(absl::StrJoin(parts, "."), kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Jwt, RefusesAnUnsignedToken) {
  const std::string header = absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = absl::WebSafeBase64Escape(
      absl::StrCat(R"({"iss":")", kIssuer, R"(","sub":"intruder","roles":["admin"],"exp":)",
                   absl::ToUnixSeconds(kNow) + 600, "}"));
  for (const std::string& token :
       {absl::StrCat(header, ".", payload, "."), absl::StrCat(header, ".", payload)}) {
    EXPECT_EQ(RsaVerifier().Verify(token, kNow).status().code(), absl::StatusCode::kUnauthenticated)
        << token;
  }
}

TEST(Jwt, RefusesAnHs256TokenKeyedWithThePublicKey) {
  // The classic confusion: the attacker knows the public key and uses it as an HMAC secret.
  auto forged = MintJwt({JwtAlgorithm::kHs256, Keys().public_pem}, kIssuer, Practitioner(), kNow,
                        absl::Minutes(5));
  ASSERT_TRUE(forged.ok());
  auto verified = RsaVerifier().Verify(*forged, kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Jwt, RefusesGarbageAndOversizedTokens) {
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string("a.b.c"), std::string(9000, 'a')}) {
    EXPECT_EQ(RsaVerifier().Verify(token, kNow).status().code(), absl::StatusCode::kUnauthenticated)
        << token.substr(0, 20);
  }
}

TEST(Jwt, RefusesATokenWithoutASubject) {
  TokenClaims nobody = Practitioner();
  nobody.subject.clear();
  EXPECT_THAT(std::string(RsaVerifier().Verify(RsaToken(nobody), kNow).status().message()),
              HasSubstr("(sub)"));
}

TEST(Jwt, RefusesWeakOrMismatchedKeys) {
  EXPECT_EQ(JwtVerifier::Create({JwtAlgorithm::kHs256, "short"}, kIssuer).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JwtVerifier::Create({JwtAlgorithm::kRs256, "not a key"}, kIssuer).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JwtVerifier::Create({JwtAlgorithm::kRs256, Keys().public_pem}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace probation
