#include "libs/pagination/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/field_error.h"

namespace probation {
namespace {

constexpr absl::string_view kTokenVersion = "p1";
constexpr absl::string_view kKeysetTokenVersion = "k1";

absl::Status BadToken(absl::string_view why) { return InvalidFieldError("page_token", why); }

}  // namespace

uint64_t FilterFingerprint(absl::string_view canonical_filters) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : canonical_filters) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodePageToken(uint64_t offset, uint64_t filter_fingerprint) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenVersion, ":", offset, ":", absl::Hex(filter_fingerprint)));
}

absl::StatusOr<uint64_t> DecodePageToken(absl::string_view token, uint64_t filter_fingerprint) {
  if (token.empty()) return 0;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken("not a valid page token");
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  uint64_t offset = 0;
  uint64_t fingerprint = 0;
  if (parts.size() != 3 || parts[0] != kTokenVersion || !absl::SimpleAtoi(parts[1], &offset) ||
      !absl::SimpleHexAtoi(parts[2], &fingerprint)) {
    return BadToken("not a valid page token");
  }
  if (fingerprint != filter_fingerprint) {
    return BadToken("the token was issued for a request with different filters");
  }
  return offset;
}

std::string EncodeKeysetPageToken(const KeysetPosition& last, uint64_t filter_fingerprint) {
  return absl::WebSafeBase64Escape(absl::StrCat(kKeysetTokenVersion, ":", last.key, ":",
                                                absl::WebSafeBase64Escape(last.id), ":",
                                                absl::Hex(filter_fingerprint)));
}

absl::StatusOr<std::optional<KeysetPosition>> DecodeKeysetPageToken(absl::string_view token,
                                                                    uint64_t filter_fingerprint) {
  if (token.empty()) return std::nullopt;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken("not a valid page token");
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  KeysetPosition position;
  uint64_t fingerprint = 0;
  if (parts.size() != 4 || parts[0] != kKeysetTokenVersion ||
      !absl::SimpleAtoi(parts[1], &position.key) ||
      !absl::WebSafeBase64Unescape(parts[2], &position.id) ||
      !absl::SimpleHexAtoi(parts[3], &fingerprint)) {
    return BadToken("not a valid page token");
  }
  if (fingerprint != filter_fingerprint) {
    return BadToken("the token was issued for a request with different filters");
  }
  return position;
}

absl::StatusOr<int> ResolvePageSize(int requested) {
  if (requested < 0) return InvalidFieldError("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

}  // namespace probation
