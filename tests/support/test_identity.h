// The identity secret the in-process test servers share, and channels that sign every call
// with it, as the suite's own services do.
#ifndef PROBATION_TESTS_SUPPORT_TEST_IDENTITY_H_
#define PROBATION_TESTS_SUPPORT_TEST_IDENTITY_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "gtest/gtest.h"
#include "libs/auth/grpc_identity.h"

namespace probation::testing {

inline constexpr char kTestIdentitySecret[] = "test-identity-secret-0123456789abcdef";

inline std::shared_ptr<grpc::Channel> SignedTestChannel(const std::string& address) {
  auto channel = CreateSignedChannel(address, "test", kTestIdentitySecret);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *std::move(channel);
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_TEST_IDENTITY_H_
