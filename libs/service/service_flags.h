// The settings every service shares. They are defined once, here; each service reads them
// from its own environment prefix (CATALOGUE_PORT, GATEWAY_LOG_LEVEL, ...) and sets its own
// default ports (ServiceDefaults).
#ifndef PROBATION_LIBS_SERVICE_SERVICE_FLAGS_H_
#define PROBATION_LIBS_SERVICE_SERVICE_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(std::string, host);
ABSL_DECLARE_FLAG(int, port);
ABSL_DECLARE_FLAG(int, metrics_port);
ABSL_DECLARE_FLAG(std::string, internal_secret);
ABSL_DECLARE_FLAG(std::string, internal_tls_cert_file);
ABSL_DECLARE_FLAG(std::string, internal_tls_key_file);
ABSL_DECLARE_FLAG(std::string, internal_tls_ca_file);
ABSL_DECLARE_FLAG(absl::Duration, drain_timeout);
ABSL_DECLARE_FLAG(absl::Duration, max_connection_age);
ABSL_DECLARE_FLAG(absl::Duration, max_connection_age_grace);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(absl::Duration, log_flush_interval);

namespace probation {

// The file the shared flags are defined in, as Abseil reports a flag's file.
extern const char kServiceFlagsFile[];

}  // namespace probation

#endif  // PROBATION_LIBS_SERVICE_SERVICE_FLAGS_H_
