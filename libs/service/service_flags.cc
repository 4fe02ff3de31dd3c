#include "libs/service/service_flags.h"

#include "absl/flags/flag.h"

// The port defaults are each service's (ServiceDefaults); these are only placeholders.
ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on (the gRPC and metrics ports).");
ABSL_FLAG(int, port, 0,
          "Port of the gRPC API (0 picks a free one; the `serving` log line says which).");
ABSL_FLAG(int, metrics_port, 0,
          "Port of the Prometheus endpoint, `GET /metrics` (0 picks a free one; the "
          "`metrics_serving` log line says which).");
ABSL_FLAG(std::string, internal_secret, "",
          "Required: at least 32 bytes, the same in every service and the gateway. Calls "
          "without an identity signed with it are refused, and each service signs its own "
          "calls to the others with it.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may take to finish.");
ABSL_FLAG(std::string, log_level, "info",
          "`trace`, `debug`, `info`, `warn`, `error`, `critical` or `off`.");
ABSL_FLAG(absl::Duration, log_flush_interval, absl::Seconds(1),
          "How often the per-call log lines are written out, in one write (whole seconds, at "
          "most `1h`); `0s` writes each line at once. Warnings, errors and lifecycle events "
          "(`serving`, `stopped`, ...) are written at once either way; a process killed "
          "outright loses at most this much of the per-call lines.");

namespace probation {

const char kServiceFlagsFile[] = __FILE__;

}  // namespace probation
