// Opaque AIP-158 page tokens. A token records where the next page starts and a fingerprint of
// the request's filters, so a token reused with different filters is refused rather than
// silently skipping results.
#ifndef PROBATION_LIBS_PAGINATION_PAGE_TOKEN_H_
#define PROBATION_LIBS_PAGINATION_PAGE_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace probation {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 100;

// A stable 64-bit fingerprint (FNV-1a) of a canonical description of the filters; stable
// across processes and replicas, unlike absl::Hash.
uint64_t FilterFingerprint(absl::string_view canonical_filters);

std::string EncodePageToken(uint64_t offset, uint64_t filter_fingerprint);

// The offset the token points at; INVALID_ARGUMENT naming `page_token` when the token is
// malformed or was issued for other filters. An empty token is offset 0.
absl::StatusOr<uint64_t> DecodePageToken(absl::string_view token, uint64_t filter_fingerprint);

// Keyset tokens, for listings ordered by (key, id) that must stay stable while rows are
// added: the token holds the last row's key and id.
struct KeysetPosition {
  int64_t key = 0;
  std::string id;
};
std::string EncodeKeysetPageToken(const KeysetPosition& last, uint64_t filter_fingerprint);
// Empty for an empty token (the first page); INVALID_ARGUMENT naming `page_token` otherwise.
absl::StatusOr<std::optional<KeysetPosition>> DecodeKeysetPageToken(absl::string_view token,
                                                                    uint64_t filter_fingerprint);

// 0 becomes the default, values above the maximum are coerced to it (AIP-158), negative values
// are INVALID_ARGUMENT naming `page_size`.
absl::StatusOr<int> ResolvePageSize(int requested);

}  // namespace probation

#endif  // PROBATION_LIBS_PAGINATION_PAGE_TOKEN_H_
