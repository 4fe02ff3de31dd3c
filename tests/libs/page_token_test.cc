#include "libs/pagination/page_token.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace probation {
namespace {

TEST(PageToken, RoundTripsTheOffsetForTheSameFilters) {
  const uint64_t fingerprint = FilterFingerprint("kind=1;region=london");
  absl::StatusOr<uint64_t> offset = DecodePageToken(EncodePageToken(150, fingerprint), fingerprint);
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, 150u);
}

TEST(PageToken, EmptyTokenStartsAtTheBeginning) { EXPECT_EQ(*DecodePageToken("", 42), 0u); }

TEST(PageToken, RefusesATokenIssuedForOtherFilters) {
  const std::string token = EncodePageToken(10, FilterFingerprint("region=london"));
  absl::StatusOr<uint64_t> offset = DecodePageToken(token, FilterFingerprint("region=wales"));
  ASSERT_EQ(offset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(offset.status().message(), "page_token:"));
}

TEST(PageToken, RefusesGarbage) {
  for (const char* token : {"not base64!", "cDE6", "eDoxOjE=", "cDE6YWJjOjEw", "%%%"}) {
    EXPECT_EQ(DecodePageToken(token, 1).status().code(), absl::StatusCode::kInvalidArgument)
        << token;
  }
}

TEST(PageToken, FingerprintIsStableAcrossProcesses) {
  // FNV-1a of "" and "a" are fixed constants; a per-process seed would break tokens.
  EXPECT_EQ(FilterFingerprint(""), 14695981039346656037ULL);
  EXPECT_EQ(FilterFingerprint("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(PageSize, DefaultsCoercesAndRefusesNegative) {
  EXPECT_EQ(*ResolvePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*ResolvePageSize(7), 7);
  EXPECT_EQ(*ResolvePageSize(100000), kMaxPageSize);
  EXPECT_EQ(ResolvePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(ResolvePageSize(-1).status().message(), "page_size:"));
}

}  // namespace
TEST(KeysetPageToken, RoundTripsTheLastRowsKeyAndId) {
  const std::string token = EncodeKeysetPageToken({1764000000123456, "a:b/c"}, 7);
  auto position = DecodeKeysetPageToken(token, 7);
  ASSERT_TRUE(position.ok());
  ASSERT_TRUE(position->has_value());
  EXPECT_EQ((*position)->key, 1764000000123456);
  EXPECT_EQ((*position)->id, "a:b/c");
  EXPECT_FALSE(DecodeKeysetPageToken("", 7)->has_value());
}

TEST(KeysetPageToken, RefusesOtherFiltersAndOffsetTokens) {
  const std::string token = EncodeKeysetPageToken({5, "x"}, 7);
  EXPECT_EQ(DecodeKeysetPageToken(token, 8).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeKeysetPageToken(EncodePageToken(5, 7), 7).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeKeysetPageToken("%%%", 7).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace probation
