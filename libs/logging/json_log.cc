#include "libs/logging/json_log.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "libs/logging/buffered_stderr_sink.h"
#include "libs/logging/trace_context.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace probation {
namespace {

// gRPC and protobuf write their own plain-text lines to stderr (a message that failed to
// parse, a port that failed to bind); these bring them into the same JSON stream.
void LogFromGrpc(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  Log(level, "grpc", {{"message", args->message}, {"file", args->file}, {"line", args->line}});
}

void LogFromProtobuf(google::protobuf::LogLevel severity, const char* file, int line,
                     const std::string& message) {
  const spdlog::level::level_enum level =
      severity >= google::protobuf::LOGLEVEL_ERROR     ? spdlog::level::err
      : severity == google::protobuf::LOGLEVEL_WARNING ? spdlog::level::warn
                                                       : spdlog::level::info;
  Log(level, "protobuf", {{"message", message}, {"file", file}, {"line", line}});
}

// Appends `text` as a JSON string. Plain printable ASCII, the usual case, is copied as it is;
// anything else goes through nlohmann's escaping, which also replaces invalid UTF-8.
void AppendJsonString(std::string& out, absl::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    absl::StrAppend(&out, "\"", text, "\"");
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

absl::Status InitJsonLogging(absl::string_view service, absl::string_view level,
                             absl::Duration flush_interval) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps anything unknown to "off"; only "off" itself may mean off.
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("log_level: unknown level '", level, "'"));
  }
  if (flush_interval < absl::ZeroDuration() || flush_interval > absl::Hours(1)) {
    return absl::InvalidArgumentError("log_flush_interval: must be from 0s to 1h");
  }
  spdlog::drop(std::string(service));  // Re-initialising (tests) replaces the logger.
  std::shared_ptr<spdlog::logger> logger;
  if (flush_interval == absl::ZeroDuration()) {
    logger = spdlog::stderr_logger_mt(std::string(service));
    logger->flush_on(spdlog::level::info);
  } else {
    logger = std::make_shared<spdlog::logger>(std::string(service),
                                              std::make_shared<BufferedStderrSink>());
    spdlog::register_logger(logger);
    logger->flush_on(spdlog::level::warn);
    spdlog::flush_every(absl::ToChronoSeconds(std::max(flush_interval, absl::Seconds(1))));
  }
  // The message is the rest of the JSON object, written by Log(); the service name goes
  // through json so it is escaped like any other field.
  const std::string service_json = nlohmann::json(std::string(service)).dump();
  logger->set_pattern(absl::StrCat(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","service":)",
                                   service_json, ",%v}"),
                      spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
  gpr_set_log_function(LogFromGrpc);
  google::protobuf::SetLogHandler(LogFromProtobuf);
  return absl::OkStatus();
}

void Log(spdlog::level::level_enum level, absl::string_view event, const nlohmann::json& fields) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  nlohmann::json line = {{"event", std::string(event)}};
  if (fields.is_object()) line.update(fields);
  // A line written while serving a call says which trace and span it belongs to.
  if (const TraceContext& trace = CurrentTrace(); !trace.empty()) {
    line["trace_id"] = trace.trace_id;
    line["span_id"] = trace.span_id;
  }
  std::string body = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Strip the braces: the pattern supplies them around time, level and service.
  spdlog::default_logger_raw()->log(level, spdlog::string_view_t(body.data() + 1, body.size() - 2));
  // Events such as "serving" or "stopped" are rare and watched for; only the per-call lines
  // (LogScalars) wait for the next flush.
  spdlog::default_logger_raw()->flush();
}

void LogScalars(spdlog::level::level_enum level, absl::string_view event,
                std::initializer_list<std::pair<absl::string_view, LogScalar>> fields) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  // The pattern supplies the braces around time, level and service, as for Log().
  std::string body = "\"event\":";
  AppendJsonString(body, event);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&body, ",\"", key, "\":");
    if (const auto* text = std::get_if<absl::string_view>(&value)) {
      AppendJsonString(body, *text);
    } else if (const auto* integer = std::get_if<int64_t>(&value)) {
      absl::StrAppend(&body, *integer);
    } else if (const double number = std::get<double>(value); std::isfinite(number)) {
      absl::StrAppend(&body, number);
    } else {
      body += "null";  // JSON has no NaN or infinity
    }
  }
  if (const TraceContext& trace = CurrentTrace(); !trace.empty()) {
    // Ids are hex digits: nothing to escape.
    absl::StrAppend(&body, ",\"trace_id\":\"", trace.trace_id, "\",\"span_id\":\"", trace.span_id,
                    "\"");
  }
  spdlog::default_logger_raw()->log(level, spdlog::string_view_t(body.data(), body.size()));
}

}  // namespace probation
