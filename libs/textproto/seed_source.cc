#include "libs/textproto/seed_source.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace probation {
namespace {

bool IsDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<SeedSource> ParseSeedSource(absl::string_view text) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "source \"", text, "\" is not a seed and line: \"001\", \"001:25\" or \"001:25-27\""));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  if (parts[0].size() != 3 || !IsDigits(parts[0])) return invalid();
  SeedSource source{std::string(parts[0]), 0, 0};
  if (parts.size() == 1) return source;
  const std::vector<absl::string_view> lines = absl::StrSplit(parts[1], absl::MaxSplits('-', 1));
  if (!IsDigits(lines[0]) || !absl::SimpleAtoi(lines[0], &source.first_line) ||
      source.first_line <= 0) {
    return invalid();
  }
  source.last_line = source.first_line;
  if (lines.size() == 2 && (!IsDigits(lines[1]) || !absl::SimpleAtoi(lines[1], &source.last_line) ||
                            source.last_line < source.first_line)) {
    return invalid();
  }
  return source;
}

absl::Status CheckCited(const google::protobuf::RepeatedPtrField<std::string>& sources,
                        bool has_local_policy, absl::string_view policy_reason) {
  for (const std::string& source : sources) {
    if (absl::StatusOr<SeedSource> parsed = ParseSeedSource(source); !parsed.ok()) {
      return parsed.status();
    }
  }
  if (has_local_policy && absl::StripAsciiWhitespace(policy_reason).empty()) {
    return absl::InvalidArgumentError("local_policy needs a reason");
  }
  if (sources.empty() && !has_local_policy) {
    return absl::InvalidArgumentError(
        "cites no seed source and is not marked as local policy with a reason");
  }
  return absl::OkStatus();
}

absl::Status CheckIsoDate(absl::string_view text) {
  absl::CivilDay day;
  if (text.empty() || (text.size() == 10 && absl::ParseCivilTime(text, &day))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an ISO date (YYYY-MM-DD)"));
}

}  // namespace probation
