// The public keys of an identity provider, as a JSON Web Key Set (RFC 7517) file, to verify
// its tokens' signatures with libcjose (Debian's libcjose-dev): RSA keys for RS256 and PS256,
// P-256 EC keys for ES256, each found by the key id (`kid`) a token's header names. The file
// is read again when it changes, so keys rotate without a restart: the provider publishes the
// new key beside the old, starts signing with it, then drops the old one.
#ifndef PROBATION_LIBS_AUTH_JSON_WEB_KEYS_H_
#define PROBATION_LIBS_AUTH_JSON_WEB_KEYS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation {

// UNAUTHENTICATED, TOKEN_INVALID: "bearer token rejected: <why>".
absl::Status TokenRejected(absl::string_view why);

// One parsed key set.
class JsonWebKeys {
 public:
  // INVALID_ARGUMENT naming the key and what is wrong: every key needs a unique `kid`, a `kty`
  // of RSA (at least 2048 bits) or EC on P-256, no private part, `use` "sig" if given and an
  // `alg` of RS256, PS256 or ES256 if given.
  static absl::StatusOr<std::shared_ptr<const JsonWebKeys>> Parse(absl::string_view json);

  // The payload of the compact JWS `token` once its signature verifies with the key its `kid`
  // names, under an algorithm that key may sign with. NOT_FOUND when no key has that id (the
  // file may have changed: read it again); UNAUTHENTICATED, saying why, otherwise.
  absl::StatusOr<std::string> VerifiedPayload(absl::string_view token) const;

  size_t size() const { return keys_.size(); }

  struct Key;

 private:
  absl::flat_hash_map<std::string, std::shared_ptr<const Key>> keys_;
};

// A key set file, read again when it changes.
class JwksFile {
 public:
  // The file's keys (INVALID_ARGUMENT or NOT_FOUND naming the file if it cannot be read or
  // parsed). Its changes are looked for at most every `recheck`, and at once when a token
  // names a key id it does not hold.
  static absl::StatusOr<std::shared_ptr<JwksFile>> Open(std::string path,
                                                        absl::Duration recheck = absl::Seconds(1));

  // As JsonWebKeys::VerifiedPayload, with the file as it is now; UNAUTHENTICATED for a key id
  // the file does not hold.
  absl::StatusOr<std::string> VerifiedPayload(absl::string_view token, absl::Time now);

  // Counts the key sets read: a token verified under an older one is verified again.
  uint64_t generation();

 private:
  // What tells a changed file: its inode, size and modification time.
  struct Stamp {
    uint64_t inode = 0;
    int64_t size = -1;
    int64_t modified_ns = 0;
    bool operator==(const Stamp&) const = default;
  };

  JwksFile(std::string path, absl::Duration recheck) : path_(std::move(path)), recheck_(recheck) {}
  // Reads the file again if it changed since it was last read; a file that no longer parses
  // leaves the keys as they were (and is logged).
  absl::Status Refresh(absl::Time now, bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<const JsonWebKeys> Keys(absl::Time now, bool force);

  const std::string path_;
  const absl::Duration recheck_;
  absl::Mutex mu_;
  std::shared_ptr<const JsonWebKeys> keys_ ABSL_GUARDED_BY(mu_);
  Stamp stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time checked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace probation

#endif  // PROBATION_LIBS_AUTH_JSON_WEB_KEYS_H_
