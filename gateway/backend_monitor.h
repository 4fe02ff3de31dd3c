// Watches the services the gateway depends on through their grpc.health.v1 service and
// reports the gateway SERVING only while every one of them is, so load balancers and
// orchestrators route around a gateway that could not answer.
#ifndef PROBATION_GATEWAY_BACKEND_MONITOR_H_
#define PROBATION_GATEWAY_BACKEND_MONITOR_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace probation::gateway {

struct MonitoredBackend {
  // For logs: "catalogue", "eligibility", "referrals".
  std::string name;
  // The health service name to ask about, e.g. "probation.catalogue.v1.CatalogueService".
  std::string service;
  std::shared_ptr<grpc::Channel> channel;
};

class BackendMonitor {
 public:
  // `on_change(serving)` is called with the first result and on every change after it.
  BackendMonitor(std::vector<MonitoredBackend> backends, absl::Duration interval,
                 std::function<void(bool serving)> on_change);
  ~BackendMonitor();

  void Start();
  void Stop();

  // Checks every backend once; true if all are SERVING.
  bool CheckOnce();

 private:
  void Run();

  std::vector<MonitoredBackend> backends_;
  absl::Duration interval_;
  std::function<void(bool)> on_change_;
  std::vector<bool> last_;
  bool reported_ = false;
  bool last_serving_ = false;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_BACKEND_MONITOR_H_
