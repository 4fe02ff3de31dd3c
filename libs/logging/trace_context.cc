#include "libs/logging/trace_context.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace probation {
namespace {

thread_local TraceContext current_trace;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !text.empty();
}

bool IsAllZero(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

std::string RandomHex(int digits) {
  thread_local absl::BitGen generator;
  std::string hex;
  while (static_cast<int>(hex.size()) < digits) {
    absl::StrAppend(&hex, absl::Hex(absl::Uniform<uint64_t>(generator), absl::kZeroPad16));
  }
  hex.resize(digits);
  // All zeros is invalid; one in 2^64 is not worth a loop.
  if (IsAllZero(hex)) hex.back() = '1';
  return hex;
}

}  // namespace

std::string TraceContext::Traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, "-", absl::Hex(flags, absl::kZeroPad2));
}

std::optional<TraceContext> ParseTraceparent(absl::string_view value) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kLength = 55;
  if (value.size() < kLength) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  // Version 00 is exactly this long; a later version may add fields after another dash.
  if (version == "00" ? value.size() != kLength : value.size() > kLength && value[kLength] != '-') {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  TraceContext parsed;
  parsed.trace_id = std::string(value.substr(3, 32));
  parsed.span_id = std::string(value.substr(36, 16));
  const absl::string_view flags = value.substr(53, 2);
  if (!IsLowerHex(parsed.trace_id) || IsAllZero(parsed.trace_id) || !IsLowerHex(parsed.span_id) ||
      IsAllZero(parsed.span_id) || !IsLowerHex(flags)) {
    return std::nullopt;
  }
  uint32_t flag_bits = 0;
  if (!absl::SimpleHexAtoi(flags, &flag_bits)) return std::nullopt;
  parsed.flags = static_cast<uint8_t>(flag_bits);
  return parsed;
}

TraceContext ContinueTrace(absl::string_view traceparent) {
  TraceContext trace;
  if (std::optional<TraceContext> parent = ParseTraceparent(traceparent)) {
    trace.trace_id = std::move(parent->trace_id);
    trace.parent_span_id = std::move(parent->span_id);
    // Only `sampled` is defined; the rest are not passed on (the specification's advice).
    trace.flags = parent->flags & 0x01;
  } else {
    trace.trace_id = RandomHex(32);
    trace.flags = 0x01;
  }
  trace.span_id = RandomHex(16);
  return trace;
}

const TraceContext& CurrentTrace() { return current_trace; }

ScopedTrace::ScopedTrace(TraceContext trace)
    : previous_(std::exchange(current_trace, std::move(trace))) {}

ScopedTrace::~ScopedTrace() { current_trace = std::move(previous_); }

}  // namespace probation
