// The bearer token the relay calls the gateway with, read from a file that whoever issues the
// tokens rewrites before each expires (a mounted secret, a sidecar): read again whenever the
// file changes, so a long-running relay never calls with an expired token.
#ifndef PROBATION_SERVICES_RELAY_BEARER_TOKEN_FILE_H_
#define PROBATION_SERVICES_RELAY_BEARER_TOKEN_FILE_H_

#include <ctime>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace probation::relay {

class BearerTokenFile {
 public:
  explicit BearerTokenFile(std::string path) : path_(std::move(path)) {}

  // The token (whitespace trimmed), read again if the file's modification time or size has
  // changed since it was last read. UNAVAILABLE if it cannot be read or is empty; the last
  // good token is kept for the next call to try again.
  absl::StatusOr<std::string> Current();

 private:
  const std::string path_;
  absl::Mutex mutex_;
  std::string token_ ABSL_GUARDED_BY(mutex_);
  timespec modified_ ABSL_GUARDED_BY(mutex_) = {0, 0};
  off_t size_ ABSL_GUARDED_BY(mutex_) = -1;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_BEARER_TOKEN_FILE_H_
