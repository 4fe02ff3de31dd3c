#include "services/relay/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gtest/gtest.h"

namespace probation::relay {
namespace {

// The Standard Webhooks specification's published example (its libraries all test it).
constexpr char kVectorSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kVectorId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kVectorTimestamp = 1614265330;
constexpr char kVectorBody[] = "{\"test\": 2432232314}";
constexpr char kVectorSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, MatchesTheStandardWebhooksTestVector) {
  const absl::StatusOr<std::string> key = SigningKeyFromSecret(kVectorSecret);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(WebhookSignature(*key, kVectorId, kVectorTimestamp, kVectorBody), kVectorSignature);
}

TEST(WebhookSignature, MatchesAnHmacComputedHereWithARawKey) {
  const std::string key = "a raw shared secret";
  const std::string content = "42.1700000000.{\"a\":1}";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), key.size(), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &length);
  unsigned char text[64] = {0};
  EVP_EncodeBlock(text, mac, length);
  EXPECT_EQ(WebhookSignature(key, "42", 1700000000, "{\"a\":1}"),
            std::string("v1,") + reinterpret_cast<const char*>(text));
}

TEST(WebhookSignature, SecretsAreWhsecBase64OrTheTrimmedBytes) {
  EXPECT_EQ(*SigningKeyFromSecret("whsec_aGVsbG8=\n"), "hello");
  EXPECT_EQ(*SigningKeyFromSecret("  plain-secret-value \n"), "plain-secret-value");
  EXPECT_EQ(*SigningKeyFromSecret("whsec_AAEC"), std::string("\x00\x01\x02", 3));
}

TEST(WebhookSignature, RefusesEmptyOrBadSecrets) {
  EXPECT_FALSE(SigningKeyFromSecret("").ok());
  EXPECT_FALSE(SigningKeyFromSecret(" \n").ok());
  EXPECT_FALSE(SigningKeyFromSecret("whsec_").ok());
  EXPECT_FALSE(SigningKeyFromSecret("whsec_not base64!").ok());
  EXPECT_FALSE(SigningKeyFromSecret("whsec_abc").ok());
}

TEST(WebhookSignature, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 10; ++i) {
    bytes.push_back(static_cast<char>(0xf0 + i));
    const absl::StatusOr<std::string> decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, bytes) << i;
  }
}

}  // namespace
}  // namespace probation::relay
