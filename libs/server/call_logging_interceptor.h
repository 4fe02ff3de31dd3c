// Logs one JSON line per RPC (method, status, latency, request id), optionally counts it in
// Prometheus metrics, and echoes the request id to the client. The request id comes from
// `x-request-id` metadata or is generated.
#ifndef PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_
#define PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_

#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "libs/logging/request_id.h"
#include "libs/metrics/rpc_metrics.h"

namespace probation {

// A fresh random request id (32 hex digits).
std::string NewRequestId();

// With `metrics`, also counts each call and its latency there.
class CallLoggingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLoggingInterceptorFactory(RpcMetrics* metrics = nullptr) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  RpcMetrics* metrics_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_
