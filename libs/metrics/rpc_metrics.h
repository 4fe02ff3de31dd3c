// Prometheus metrics of gRPC calls, per service, method and status code, under the names
// go-grpc-prometheus made familiar to operators: grpc_server_handled_total and
// grpc_server_handling_seconds for calls served, grpc_client_* for calls made.
#ifndef PROBATION_LIBS_METRICS_RPC_METRICS_H_
#define PROBATION_LIBS_METRICS_RPC_METRICS_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace probation {

class RpcMetrics {
 public:
  enum class Side { kServer, kClient };

  RpcMetrics(prometheus::Registry& registry, Side side);

  // One finished call of `full_method` ("/package.Service/Method").
  void Record(absl::string_view full_method, grpc::StatusCode code, absl::Duration latency);

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  // The metrics already made, by method and code: building label sets costs more than the
  // call it counts. prometheus-cpp keeps a metric's address until it is removed.
  struct MethodMetrics {
    prometheus::Histogram* handling = nullptr;
    absl::flat_hash_map<int, prometheus::Counter*> handled_by_code;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, MethodMetrics> by_method_ ABSL_GUARDED_BY(mu_);
};

// Records every call made on a channel it is installed on.
class RpcMetricsClientInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit RpcMetricsClientInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override;

 private:
  RpcMetrics* metrics_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_METRICS_RPC_METRICS_H_
