#include "libs/metrics/rpc_metrics.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace probation {
namespace {

// From half a millisecond (a cached read) to ten seconds (beyond any deadline we set).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *kBuckets;
}

std::string Prefix(RpcMetrics::Side side) {
  return side == RpcMetrics::Side::kServer ? "grpc_server_" : "grpc_client_";
}

class ClientInterceptor final : public grpc::experimental::Interceptor {
 public:
  ClientInterceptor(RpcMetrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_STATUS)) {
      metrics_->Record(method_, methods->GetRecvStatus()->error_code(), absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  std::string method_;
  absl::Time start_;
};

}  // namespace

RpcMetrics::RpcMetrics(prometheus::Registry& registry, Side side)
    : handled_(prometheus::BuildCounter()
                   .Name(Prefix(side) + "handled_total")
                   .Help(side == Side::kServer ? "gRPC calls served, by method and status code"
                                               : "gRPC calls made, by method and status code")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name(Prefix(side) + "handling_seconds")
                            .Help("Latency of gRPC calls until their status, in seconds")
                            .Register(registry)) {}

void RpcMetrics::Record(absl::string_view full_method, grpc::StatusCode code,
                        absl::Duration latency) {
  prometheus::Counter* handled = nullptr;
  prometheus::Histogram* handling = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_method_.find(full_method);
    // Only for a method or code not seen before.
    const auto labels = [&]() -> prometheus::Labels {
      std::vector<absl::string_view> parts =
          absl::StrSplit(absl::StripPrefix(full_method, "/"), absl::MaxSplits('/', 1));
      return {{"grpc_service", std::string(parts[0])},
              {"grpc_method", parts.size() > 1 ? std::string(parts[1]) : ""}};
    };
    if (it == by_method_.end()) {
      it = by_method_.try_emplace(full_method).first;
      it->second.handling = &handling_seconds_.Add(labels(), LatencyBuckets());
    }
    MethodMetrics& metrics = it->second;
    auto counter = metrics.handled_by_code.find(code);
    if (counter == metrics.handled_by_code.end()) {
      prometheus::Labels with_code = labels();
      with_code["grpc_code"] = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
      counter = metrics.handled_by_code.try_emplace(code, &handled_.Add(with_code)).first;
    }
    handled = counter->second;
    handling = metrics.handling;
  }
  handled->Increment();
  handling->Observe(absl::ToDoubleSeconds(latency));
}

grpc::experimental::Interceptor* RpcMetricsClientInterceptorFactory::CreateClientInterceptor(
    grpc::experimental::ClientRpcInfo* info) {
  return new ClientInterceptor(metrics_, info->method());
}

}  // namespace probation
