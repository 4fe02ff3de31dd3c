#include "libs/metrics/metrics_endpoint.h"

#include <cstdlib>
#include <exception>

#include "absl/strings/str_cat.h"
#include "libs/logging/json_log.h"

namespace probation {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // One thread answers scrapes; they come every few seconds at most.
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("could not serve metrics on ", address, ": ", error.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) return absl::UnavailableError(absl::StrCat("no metrics port on ", address));
  auto endpoint =
      std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(exposer), ports.front()));
  return endpoint;
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer, int port)
    : exposer_(std::move(exposer)),
      registry_(std::make_shared<prometheus::Registry>()),
      port_(port) {
  exposer_->RegisterCollectable(registry_);
}

void MetricsEndpoint::Add(const std::weak_ptr<prometheus::Collectable>& collectable) {
  exposer_->RegisterCollectable(collectable);
}

std::unique_ptr<MetricsEndpoint> StartMetricsOrExit(const std::string& address) {
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(address);
  if (!endpoint.ok()) {
    Log(spdlog::level::critical, "metrics_failed",
        {{"error", std::string(endpoint.status().message())}});
    std::exit(1);
  }
  Log(spdlog::level::info, "metrics_serving", {{"port", (*endpoint)->port()}});
  return *std::move(endpoint);
}

}  // namespace probation
