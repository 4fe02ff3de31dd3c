// The HTTP endpoint Prometheus scrapes (`GET /metrics`), served by prometheus-cpp's exposer
// beside the gRPC port, with the registry every metric of the process is kept in.
#ifndef PROBATION_LIBS_METRICS_METRICS_ENDPOINT_H_
#define PROBATION_LIBS_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace probation {

class MetricsEndpoint {
 public:
  // Listens on `address` ("host:port"; port 0 picks a free one). UNAVAILABLE if it cannot.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address);

  prometheus::Registry& registry() { return *registry_; }
  int port() const { return port_; }

  // Adds metrics collected at each scrape, e.g. counts read from a database.
  void Add(const std::weak_ptr<prometheus::Collectable>& collectable);

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  int port_;
};

// Starts the endpoint for a service's main(); if it cannot listen, logs `metrics_failed` and
// exits with status 1. Logs `metrics_serving` with the port.
std::unique_ptr<MetricsEndpoint> StartMetricsOrExit(const std::string& address);

}  // namespace probation

#endif  // PROBATION_LIBS_METRICS_METRICS_ENDPOINT_H_
