#include "libs/service/service_flags.h"

#include "absl/flags/flag.h"

// The port defaults are each service's (ServiceDefaults); these are only placeholders.
// Loopback unless told otherwise: a deployment names the interface of its private network
// (0.0.0.0 in a container), so no service is reachable from further than it must be.
ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on (the gRPC and metrics ports); `0.0.0.0` for every interface, "
          "as in a container on a private network.");
ABSL_FLAG(int, port, 0,
          "Port of the gRPC API (0 picks a free one; the `serving` log line says which).");
ABSL_FLAG(int, metrics_port, 0,
          "Port of the Prometheus endpoint, `GET /metrics` (0 picks a free one; the "
          "`metrics_serving` log line says which).");
ABSL_FLAG(std::string, internal_secret, "",
          "Required: at least 32 bytes, the same in every service and the gateway. Calls "
          "without an identity signed with it are refused, and each service signs its own "
          "calls to the others with it.");
ABSL_FLAG(std::string, internal_tls_cert_file, "",
          "PEM certificate (then any intermediates) the service presents to the others; with "
          "`internal_tls_key_file` and `internal_tls_ca_file` (all three or none) calls between "
          "the services use mutual TLS: the service's own port accepts only callers with a "
          "certificate the CA signed (the gateway's keeps `tls_cert_file`), and its calls to "
          "the others trust only that CA. `scripts/make-local-ca.sh` makes a local set.");
ABSL_FLAG(std::string, internal_tls_key_file, "",
          "PEM private key of `internal_tls_cert_file` (unencrypted; keep it mode 0600).");
ABSL_FLAG(std::string, internal_tls_ca_file, "",
          "PEM certificate of the CA that signs every service's certificate.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may take to finish.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "How long a caller's connection lasts (gRPC varies it by up to 10%), at least `1s` "
          "or `inf`: then the caller is asked to reconnect, asking DNS again, so that replicas "
          "started since get a share of the calls.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(10),
          "How long calls in flight on a connection past `max_connection_age` may still take "
          "(`inf`: as long as they need); streams still open then, such as event watches, end "
          "UNAVAILABLE and are resumed by their callers on a new connection.");
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
