#include "gateway/backend_monitor.h"

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "libs/logging/json_log.h"

namespace probation::gateway {
namespace {

bool IsServing(const MonitoredBackend& backend, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(backend.channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(backend.service);
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

BackendMonitor::BackendMonitor(std::vector<MonitoredBackend> backends, absl::Duration interval,
                               std::function<void(bool serving)> on_change)
    : backends_(std::move(backends)),
      interval_(interval),
      on_change_(std::move(on_change)),
      last_(backends_.size(), true) {}

BackendMonitor::~BackendMonitor() { Stop(); }

void BackendMonitor::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BackendMonitor::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

bool BackendMonitor::CheckOnce() {
  bool all_serving = true;
  for (size_t i = 0; i < backends_.size(); ++i) {
    const bool serving = IsServing(backends_[i], interval_);
    if (serving != last_[i]) {
      Log(serving ? spdlog::level::info : spdlog::level::warn,
          serving ? "backend_serving" : "backend_not_serving", {{"backend", backends_[i].name}});
      last_[i] = serving;
    }
    all_serving = all_serving && serving;
  }
  if (!reported_ || all_serving != last_serving_) {
    reported_ = true;
    last_serving_ = all_serving;
    on_change_(all_serving);
  }
  return all_serving;
}

void BackendMonitor::Run() {
  do {
    CheckOnce();
  } while (!stop_.WaitForNotificationWithTimeout(interval_));
}

}  // namespace probation::gateway
