// Any bearer token and any internal identity headers are refused as UNAUTHENTICATED unless
// properly signed: never a crash, and never accepted by chance.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/internal_identity.h"
#include "libs/auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const verifier = new probation::JwtVerifier(*probation::JwtVerifier::Create(
      {probation::JwtAlgorithm::kHs256, std::string(40, 's')}, "probation-fuzz"));
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::Time now = absl::FromUnixSeconds(1795600000);
  auto principal = verifier->Verify(input, now);
  if (principal.ok() || principal.status().code() != absl::StatusCode::kUnauthenticated) {
    __builtin_trap();
  }
  // The same bytes split into the identity headers the services read.
  auto identity = probation::VerifyIdentity(
      [&](absl::string_view name) {
        const size_t part = name.size() % 4;
        const size_t length = input.size() / 4;
        return std::string(input.substr(part * length, length));
      },
      std::string(40, 'i'), now);
  if (identity.ok()) __builtin_trap();
  return 0;
}
