// How the gateway tells the services who is calling, in request metadata they can trust:
// the identity it verified (actor, role, region, provider) with an expiry, signed with
// HMAC-SHA256 under a secret only the suite's services hold. A client that writes these
// headers itself cannot sign them, so it cannot skip the gateway by forging an identity.
#ifndef PROBATION_LIBS_AUTH_INTERNAL_IDENTITY_H_
#define PROBATION_LIBS_AUTH_INTERNAL_IDENTITY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"

namespace probation {

// Binary metadata (base64 on the wire), so any name a token carries travels as it is: a
// person called josé is never refused for the letters of their name.
inline constexpr char kActorHeader[] = "x-actor-bin";
inline constexpr char kRoleHeader[] = "x-role";
inline constexpr char kRegionHeader[] = "x-region";
inline constexpr char kProviderHeader[] = "x-provider";
inline constexpr char kIdentityExpiresHeader[] = "x-identity-expires";
inline constexpr char kIdentitySignatureHeader[] = "x-identity-signature";
// The method the identity is signed for ("/pkg.Service/Method"): a signature is good for that
// one method of that one service, so a captured header is useless on any other call.
inline constexpr char kIdentityMethodHeader[] = "x-identity-method";
// The method a server is serving, put beside the call's metadata by the server itself
// (ServedMethodStamp in grpc_identity.h) after removing any a client sent.
inline constexpr char kServedMethodHeader[] = "x-served-method";

// The shortest secret accepted: 256 bits.
inline constexpr size_t kMinIdentitySecretBytes = 32;

// INVALID_ARGUMENT unless `secret` is long enough to sign with.
absl::Status CheckIdentitySecret(absl::string_view secret);

// The metadata entries to send with a call of `method` ("/pkg.Service/Method").
// INVALID_ARGUMENT if a field holds a line break, the method is empty or the secret is too
// short.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SignIdentity(
    const Identity& identity, absl::string_view method, absl::string_view secret);

// Reads the entries with `header` (empty when absent) and checks them: UNAUTHENTICATED,
// saying why, unless they are present, signed with `secret` for the method being served
// (kServedMethodHeader) and not expired at `now`.
absl::StatusOr<Identity> VerifyIdentity(
    absl::FunctionRef<std::string(absl::string_view name)> header, absl::string_view secret,
    absl::Time now);

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_INTERNAL_IDENTITY_H_
