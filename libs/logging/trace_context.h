// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a call arrives
// with is continued, or a trace is started when it has none (or one that does not parse), and
// passed on to every call made while serving it, so one request can be followed through every
// service's log lines by `trace_id`. Each served call is a span of its own (`span_id`), the
// parent of the calls it makes. Only the wire format and the log fields: no spans are
// exported (OpenTelemetry's SDK is not in Debian 12).
#ifndef PROBATION_LIBS_LOGGING_TRACE_CONTEXT_H_
#define PROBATION_LIBS_LOGGING_TRACE_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace probation {

// The metadata keys the trace context travels in.
inline constexpr char kTraceparentHeader[] = "traceparent";
inline constexpr char kTracestateHeader[] = "tracestate";

struct TraceContext {
  // 32 lowercase hex digits, not all zero; empty when there is no trace.
  std::string trace_id;
  // This span: 16 lowercase hex digits, not all zero.
  std::string span_id;
  // The caller's span; empty when this span started the trace.
  std::string parent_span_id;
  // trace-flags; bit 0 is `sampled`.
  uint8_t flags = 0;

  bool empty() const { return trace_id.empty(); }
  // "00-{trace_id}-{span_id}-{flags}": the traceparent the calls this span makes carry.
  std::string Traceparent() const;
};

// What a `traceparent` value says: its trace id, the sender's span (as `span_id`) and flags;
// nullopt when it is not valid by the specification (so the receiver starts a new trace).
std::optional<TraceContext> ParseTraceparent(absl::string_view traceparent);

// A new span of the trace `traceparent` names, or of a new trace when it names none.
TraceContext ContinueTrace(absl::string_view traceparent);

// The trace of the call this thread is serving; empty() when none.
const TraceContext& CurrentTrace();

// Makes `trace` the thread's current trace for the scope's lifetime.
class ScopedTrace {
 public:
  explicit ScopedTrace(TraceContext trace);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  TraceContext previous_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_LOGGING_TRACE_CONTEXT_H_
