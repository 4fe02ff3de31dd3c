// Structured logging: one JSON object per line on stderr, in UTC, with the service name, so
// container log collectors can index fields. Never log personal data (CRN, date of birth).
#ifndef PROBATION_LIBS_LOGGING_JSON_LOG_H_
#define PROBATION_LIBS_LOGGING_JSON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace probation {

// Makes the default spdlog logger write JSON lines for `service` at `level` ("trace", "debug",
// "info", "warn", "error", "critical", "off"); INVALID_ARGUMENT for any other level.
// Per-call lines (LogScalars) are written out every `flush_interval` (whole seconds, at least
// one; at most an hour), on any warning and at exit; zero writes every line as it comes.
absl::Status InitJsonLogging(absl::string_view service, absl::string_view level,
                             absl::Duration flush_interval = absl::ZeroDuration());

// Logs `event` with extra fields, e.g. Log(spdlog::level::info, "serving", {{"port", 50051}}).
void Log(spdlog::level::level_enum level, absl::string_view event,
         const nlohmann::json& fields = nlohmann::json::object());

// A field's value on a line of text and numbers only.
using LogScalar = std::variant<absl::string_view, int64_t, double>;

// Like Log(), for lines whose fields are all text or numbers: writes the line directly rather
// than building a JSON object first, for lines written on every call's path. Text is escaped
// as JSON (invalid UTF-8 replaced); keys are the caller's literals, written as they are.
void LogScalars(spdlog::level::level_enum level, absl::string_view event,
                std::initializer_list<std::pair<absl::string_view, LogScalar>> fields);

}  // namespace probation

#endif  // PROBATION_LIBS_LOGGING_JSON_LOG_H_
