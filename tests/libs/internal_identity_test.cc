#include "libs/auth/internal_identity.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

const std::string kSecret(32, 'k');
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
constexpr char kMethod[] = "/probation.referrals.v1.ReferralService/GetReferral";

std::map<std::string, std::string> Signed(const Identity& identity,
                                          const std::string& secret = kSecret) {
  auto headers = SignIdentity(identity, kMethod, secret);
  EXPECT_TRUE(headers.ok()) << headers.status();
  return {headers->begin(), headers->end()};
}

// Checked as a server serving `served` checks it.
absl::StatusOr<Identity> Verify(const std::map<std::string, std::string>& headers,
                                absl::Time now = kNow, absl::string_view served = kMethod) {
  return VerifyIdentity(
      [&](absl::string_view name) {
        if (name == kServedMethodHeader) return std::string(served);
        auto it = headers.find(std::string(name));
        return it == headers.end() ? std::string() : it->second;
      },
      kSecret, now);
}

Identity Provider() {
  return {"sp-7", common::v1::ROLE_SERVICE_PROVIDER, "", "nacro", kNow + absl::Minutes(5)};
}

TEST(InternalIdentity, ASignedIdentityVerifies) {
  auto identity = Verify(Signed(Provider()));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->actor, "sp-7");
  EXPECT_EQ(identity->role, common::v1::ROLE_SERVICE_PROVIDER);
  EXPECT_EQ(identity->provider, "nacro");
}

TEST(InternalIdentity, AForgedOrAlteredIdentityIsRefused) {
  auto headers = Signed(Provider());
  headers["x-provider"] = "someone-else";
  EXPECT_THAT(std::string(Verify(headers).status().message()), HasSubstr("not signed"));
  headers = Signed(Provider());
  headers["x-role"] = "admin";
  EXPECT_EQ(Verify(headers).status().code(), absl::StatusCode::kUnauthenticated);
  headers = Signed(Provider(), std::string(32, 'x'));
  EXPECT_EQ(Verify(headers).status().code(), absl::StatusCode::kUnauthenticated);
  headers = Signed(Provider());
  headers.erase("x-identity-signature");
  EXPECT_THAT(std::string(Verify(headers).status().message()), HasSubstr("missing"));
  headers = Signed(Provider());
  headers["x-role"] = "";
  EXPECT_THAT(std::string(Verify(headers).status().message()), HasSubstr("missing"));
  EXPECT_EQ(Verify({{"x-actor", "a"}, {"x-role", "admin"}}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(InternalIdentity, AnIdentityIsGoodOnlyForTheMethodItWasSignedFor) {
  const auto headers = Signed(Provider());
  EXPECT_THAT(
      std::string(Verify(headers, kNow, "/probation.referrals.v1.ReferralService/ExportPersonData")
                      .status()
                      .message()),
      HasSubstr("not signed for this method"));
  // Naming the other method in the headers breaks the signature instead.
  auto moved = headers;
  moved["x-identity-method"] = "/probation.referrals.v1.ReferralService/ExportPersonData";
  EXPECT_THAT(
      std::string(Verify(moved, kNow, "/probation.referrals.v1.ReferralService/ExportPersonData")
                      .status()
                      .message()),
      HasSubstr("not signed by the suite"));
  // A server that stamps no method refuses every identity.
  EXPECT_EQ(Verify(headers, kNow, "").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalIdentity, AnExpiredIdentityIsRefused) {
  EXPECT_THAT(std::string(Verify(Signed(Provider()), kNow + absl::Minutes(6)).status().message()),
              HasSubstr("expired"));
}

TEST(InternalIdentity, RefusesWeakSecretsAndLineBreaks) {
  EXPECT_EQ(SignIdentity(Provider(), kMethod, "short").status().code(),
            absl::StatusCode::kInvalidArgument);
  Identity sneaky = Provider();
  sneaky.actor = "a\nadmin";
  EXPECT_EQ(SignIdentity(sneaky, kMethod, kSecret).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SignIdentity(Provider(), "", kSecret).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace probation
