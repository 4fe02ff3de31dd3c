// The whole suite as operators run it: the catalogue, eligibility, referrals (on a SQLite
// file) and gateway binaries as separate processes on loopback, configured only through
// environment variables, and a way to mint the bearer tokens the gateway accepts.
#ifndef PROBATION_TESTS_SUPPORT_SUITE_PROCESSES_H_
#define PROBATION_TESTS_SUPPORT_SUITE_PROCESSES_H_

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"

namespace probation::testing {

inline constexpr char kSuiteIssuer[] = "probation-e2e";
inline constexpr char kSuiteTokenSecret[] = "e2e-token-secret-0123456789abcdefghij";
inline constexpr char kSuiteInternalSecret[] = "e2e-internal-secret-0123456789abcdefgh";

using Environment = std::vector<std::pair<std::string, std::string>>;

inline bool IsLogEvent(const std::string& line, absl::string_view event) {
  return absl::StrContains(line, absl::StrCat("\"event\":\"", event, "\""));
}

// The port a service reports in its `serving` (or another) log line.
inline int ServingPortOf(ChildProcess& process, absl::string_view event = "serving") {
  auto line = process.WaitForLine([&](const std::string& l) { return IsLogEvent(l, event); },
                                  absl::Seconds(20));
  EXPECT_TRUE(line.ok()) << line.status() << process.Output();
  return line.ok() ? nlohmann::json::parse(*line).value("port", 0) : 0;
}

inline std::unique_ptr<ChildProcess> StartProcess(const std::string& binary,
                                                  const Environment& environment) {
  auto process = ChildProcess::Start({binary}, environment);
  EXPECT_TRUE(process.ok()) << process.status();
  return process.ok() ? *std::move(process) : nullptr;
}

struct SuiteBinaries {
  std::string catalogue;
  std::string eligibility;
  std::string referrals;
  std::string gateway;
};

class RunningSuite {
 public:
  explicit RunningSuite(SuiteBinaries binaries) : binaries_(std::move(binaries)) {
    char path[] = "/tmp/suite-e2e-XXXXXX";
    close(mkstemp(path));
    std::remove(path);
    database_ = absl::StrCat(path, ".db");
  }

  ~RunningSuite() {
    for (auto* process : {&gateway, &referrals, &eligibility, &catalogue}) process->reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database_ + suffix).c_str());
  }

  // The referrals service's SQLite file: a test may fill it before Start().
  const std::string& database() const { return database_; }

  // When set before Start(), a directory as scripts/make-local-ca.sh makes it: every service
  // then uses the internal mutual TLS with its own certificate there.
  std::string internal_tls_directory;

  // Starts all four and waits until the gateway reports every service ready; the gateway
  // also gets `gateway_environment`.
  void Start(const Environment& gateway_environment = {}) {
    catalogue =
        StartProcess(binaries_.catalogue,
                     WithTls("catalogue", {{"CATALOGUE_HOST", "127.0.0.1"},
                                           {"CATALOGUE_PORT", "0"},
                                           {"CATALOGUE_METRICS_PORT", "0"},
                                           {"CATALOGUE_INTERNAL_SECRET", kSuiteInternalSecret}}));
    catalogue_port = ServingPortOf(*catalogue);
    metrics_ports["catalogue"] = ServingPortOf(*catalogue, "metrics_serving");
    StartEligibility(0);
    referrals = StartProcess(
        binaries_.referrals,
        WithTls("referrals",
                {{"REFERRALS_HOST", "127.0.0.1"},
                 {"REFERRALS_PORT", "0"},
                 {"REFERRALS_METRICS_PORT", "0"},
                 {"REFERRALS_DATABASE", database_},
                 {"REFERRALS_INTERNAL_SECRET", kSuiteInternalSecret},
                 {"REFERRALS_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
                 {"REFERRALS_ELIGIBILITY_ADDRESS", absl::StrCat("127.0.0.1:", eligibility_port)}}));
    referrals_port = ServingPortOf(*referrals);
    metrics_ports["referrals"] = ServingPortOf(*referrals, "metrics_serving");
    Environment environment = {
        {"GATEWAY_HOST", "127.0.0.1"},
        {"GATEWAY_PORT", "0"},
        {"GATEWAY_METRICS_PORT", "0"},
        {"GATEWAY_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
        {"GATEWAY_ELIGIBILITY_ADDRESS", absl::StrCat("127.0.0.1:", eligibility_port)},
        {"GATEWAY_REFERRALS_ADDRESS", absl::StrCat("127.0.0.1:", referrals_port)},
        {"GATEWAY_JWT_ISSUER", kSuiteIssuer},
        {"GATEWAY_JWT_HS256_SECRET", kSuiteTokenSecret},
        {"GATEWAY_INTERNAL_SECRET", kSuiteInternalSecret},
        {"GATEWAY_HEALTH_CHECK_INTERVAL", "200ms"},
        {"GATEWAY_BACKEND_TIMEOUT", "3s"}};
    environment.insert(environment.end(), gateway_environment.begin(), gateway_environment.end());
    gateway = StartProcess(binaries_.gateway, WithTls("gateway", std::move(environment)));
    gateway_port = ServingPortOf(*gateway);
    metrics_ports["gateway"] = ServingPortOf(*gateway, "metrics_serving");
    auto ready = gateway->WaitForLine([](const std::string& l) { return IsLogEvent(l, "ready"); },
                                      absl::Seconds(30));
    EXPECT_TRUE(ready.ok()) << ready.status() << gateway->Output();
  }

  // Starts eligibility on `port` (0: any), and waits until it has the catalogue.
  void StartEligibility(int port) {
    eligibility = StartProcess(
        binaries_.eligibility,
        WithTls("eligibility",
                {{"ELIGIBILITY_HOST", "127.0.0.1"},
                 {"ELIGIBILITY_PORT", std::to_string(port)},
                 {"ELIGIBILITY_METRICS_PORT", "0"},
                 {"ELIGIBILITY_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
                 {"ELIGIBILITY_INTERNAL_SECRET", kSuiteInternalSecret}}));
    eligibility_port = ServingPortOf(*eligibility);
    metrics_ports["eligibility"] = ServingPortOf(*eligibility, "metrics_serving");
    auto ready = eligibility->WaitForLine(
        [](const std::string& l) { return IsLogEvent(l, "ready"); }, absl::Seconds(30));
    EXPECT_TRUE(ready.ok()) << ready.status() << eligibility->Output();
  }

  std::string GatewayAddress() const { return absl::StrCat("127.0.0.1:", gateway_port); }

  // Stops every process as an orchestrator would (SIGTERM), expects each to exit cleanly and
  // reads the rest of its output: Logs() then holds every line, those a service had not yet
  // written out (they are flushed every second) included.
  void Stop() {
    // All at once: each takes a second or two to drain and close its metrics endpoint.
    for (auto* process : {&gateway, &referrals, &eligibility, &catalogue}) {
      if (*process != nullptr) (*process)->Signal(SIGTERM);
    }
    for (auto* process : {&gateway, &referrals, &eligibility, &catalogue}) {
      if (*process == nullptr) continue;
      const absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(20));
      EXPECT_TRUE(exit_code.ok() && *exit_code == 0) << exit_code.status();
      (void)(*process)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(5));
    }
  }

  // Everything every process has logged.
  std::vector<std::string> Logs() const {
    std::vector<std::string> logs;
    for (const auto* process : {&catalogue, &eligibility, &referrals, &gateway}) {
      if (*process != nullptr) logs.push_back((*process)->Output());
    }
    return logs;
  }

  std::unique_ptr<ChildProcess> catalogue;
  std::unique_ptr<ChildProcess> eligibility;
  std::unique_ptr<ChildProcess> referrals;
  std::unique_ptr<ChildProcess> gateway;
  int catalogue_port = 0;
  int eligibility_port = 0;
  int referrals_port = 0;
  int gateway_port = 0;
  // Each service's Prometheus endpoint, by service name.
  std::map<std::string, int> metrics_ports;

 private:
  // `environment` and, with internal_tls_directory, the service's mutual TLS files.
  Environment WithTls(const std::string& service, Environment environment) const {
    if (internal_tls_directory.empty()) return environment;
    const std::string prefix = absl::AsciiStrToUpper(service);
    const std::string base = absl::StrCat(internal_tls_directory, "/");
    environment.push_back({prefix + "_INTERNAL_TLS_CERT_FILE", base + service + ".crt"});
    environment.push_back({prefix + "_INTERNAL_TLS_KEY_FILE", base + service + ".key"});
    environment.push_back({prefix + "_INTERNAL_TLS_CA_FILE", base + "ca.crt"});
    return environment;
  }

  SuiteBinaries binaries_;
  std::string database_;
};

// A token the suite's gateway accepts.
inline std::string SuiteToken(absl::string_view role, absl::string_view region,
                              absl::string_view provider = "") {
  TokenClaims principal;
  principal.subject = absl::StrCat(role, "@", region.empty() ? provider : region);
  principal.roles = {std::string(role)};
  principal.region = std::string(region);
  principal.provider = std::string(provider);
  auto token = MintJwt({JwtAlgorithm::kHs256, kSuiteTokenSecret}, kSuiteIssuer, principal,
                       absl::Now(), absl::Hours(1));
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : std::string();
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_SUITE_PROCESSES_H_
