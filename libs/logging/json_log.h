// Structured logging: one JSON object per line on stderr, in UTC, with the service name, so
// container log collectors can index fields. Never log personal data (CRN, date of birth).
#ifndef PROBATION_LIBS_LOGGING_JSON_LOG_H_
#define PROBATION_LIBS_LOGGING_JSON_LOG_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace probation {

// Makes the default spdlog logger write JSON lines for `service` at `level` ("trace", "debug",
// "info", "warn", "error", "critical", "off"); INVALID_ARGUMENT for any other level.
absl::Status InitJsonLogging(absl::string_view service, absl::string_view level);

// Logs `event` with extra fields, e.g. Log(spdlog::level::info, "serving", {{"port", 50051}}).
void Log(spdlog::level::level_enum level, absl::string_view event,
         const nlohmann::json& fields = nlohmann::json::object());

}  // namespace probation

#endif  // PROBATION_LIBS_LOGGING_JSON_LOG_H_
