// Log lines are one JSON object each, whatever the fields hold: what Log() and LogScalars()
// write is parsed back here as a log collector would.
#include "libs/logging/json_log.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace probation {
namespace {

// Runs `write` with logging to stderr captured; returns each line parsed.
template <typename Write>
std::vector<nlohmann::json> LoggedLines(Write write) {
  EXPECT_TRUE(InitJsonLogging("json-log-test", "info").ok());
  ::testing::internal::CaptureStderr();
  write();
  spdlog::default_logger_raw()->flush();
  const std::string output = ::testing::internal::GetCapturedStderr();
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    lines.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
    EXPECT_FALSE(lines.back().is_discarded()) << "not JSON: " << line;
  }
  return lines;
}

TEST(LogScalars, WritesTextAndNumbersAsJsonFields) {
  const auto lines = LoggedLines([] {
    LogScalars(spdlog::level::info, "rpc",
               {{"method", "/probation.catalogue.v1.CatalogueService/GetIntervention"},
                {"count", int64_t{42}},
                {"latency_ms", 1.25}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "rpc");
  EXPECT_EQ(lines[0]["service"], "json-log-test");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["method"], "/probation.catalogue.v1.CatalogueService/GetIntervention");
  EXPECT_EQ(lines[0]["count"], 42);
  EXPECT_DOUBLE_EQ(lines[0]["latency_ms"].get<double>(), 1.25);
}

TEST(LogScalars, EscapesWhatAClientCanSend) {
  // A request id is the client's: quotes, a newline that would start a forged line, control
  // characters and bytes that are not UTF-8 all stay inside one field of one line.
  const std::string hostile = "a\"b\\c\n{\"event\":\"forged\"}\x01\xff\xfe";
  const auto lines = LoggedLines([&] {
    LogScalars(spdlog::level::warn, "rpc",
               {{"request_id", hostile}, {"latency_ms", std::numeric_limits<double>::quiet_NaN()}});
  });
  ASSERT_EQ(lines.size(), 1u);
  const std::string logged = lines[0]["request_id"];
  const size_t valid = hostile.size() - 2;  // all but the two bytes that are not UTF-8
  EXPECT_EQ(logged.substr(0, valid), hostile.substr(0, valid));
  EXPECT_NE(logged.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD for the bad bytes
  EXPECT_TRUE(lines[0]["latency_ms"].is_null());
}

TEST(LogScalars, WritesNothingBelowTheLevel) {
  const auto lines = LoggedLines([] { LogScalars(spdlog::level::debug, "rpc", {{"x", "y"}}); });
  EXPECT_TRUE(lines.empty());
}

TEST(Log, WritesNestedFields) {
  const auto lines = LoggedLines([] {
    Log(spdlog::level::info, "serving",
        {{"port", 50051}, {"backends", {"catalogue", "referrals"}}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "serving");
  EXPECT_EQ(lines[0]["port"], 50051);
  EXPECT_EQ(lines[0]["backends"][1], "referrals");
}

std::vector<std::string> Events(const std::string& output) {
  std::vector<std::string> events;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    events.push_back(json.is_object() ? absl::StrCat(json.value("event", ""), json.value("n", 0))
                                      : "not JSON");
  }
  return events;
}

// With a flush interval, per-call lines wait; an event line or a warning writes them out at
// once, in the order they were logged.
TEST(BufferedLogging, PerCallLinesWaitForAnEventOrAWarning) {
  ASSERT_TRUE(InitJsonLogging("json-log-test", "info", absl::Seconds(60)).ok());
  ::testing::internal::CaptureStderr();
  LogScalars(spdlog::level::info, "rpc", {{"n", int64_t{1}}});
  LogScalars(spdlog::level::info, "rpc", {{"n", int64_t{2}}});
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

  ::testing::internal::CaptureStderr();
  Log(spdlog::level::info, "serving");
  EXPECT_EQ(Events(::testing::internal::GetCapturedStderr()),
            (std::vector<std::string>{"rpc1", "rpc2", "serving0"}));

  ::testing::internal::CaptureStderr();
  LogScalars(spdlog::level::info, "rpc", {{"n", int64_t{3}}});
  LogScalars(spdlog::level::warn, "rpc", {{"n", int64_t{4}}});
  EXPECT_EQ(Events(::testing::internal::GetCapturedStderr()),
            (std::vector<std::string>{"rpc3", "rpc4"}));

  EXPECT_EQ(InitJsonLogging("json-log-test", "info", absl::Seconds(-1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InitJsonLogging("json-log-test", "info", absl::InfiniteDuration()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace probation
