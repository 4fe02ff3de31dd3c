// Logs one JSON line per RPC (method, status, latency, request id), optionally counts it in
// Prometheus metrics, and echoes the request id to the client. The request id comes from
// `x-request-id` metadata or is generated.
#ifndef PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_
#define PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/logging/request_id.h"
#include "libs/metrics/rpc_metrics.h"

namespace probation {

// A fresh random request id (32 hex digits).
std::string NewRequestId();

// Whether a caller's `x-request-id` may be used as it is: 1 to 128 letters, digits and
// `-_.:`. Anything else is replaced by a fresh id, so a log line or a header passed on
// never carries what a caller chose to smuggle in.
bool IsUsableRequestId(absl::string_view id);

// The label a call's method is logged and counted under: the method itself when the server
// serves it, else "unknown", so that made-up method names cannot grow the metrics or logs
// without limit.
inline constexpr char kUnknownMethod[] = "unknown";

// With `metrics`, also counts each call and its latency there. `served_methods` are the
// "/package.Service/Method" paths the server answers.
class CallLoggingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLoggingInterceptorFactory(RpcMetrics* metrics = nullptr,
                                         absl::flat_hash_set<std::string> served_methods = {})
      : metrics_(metrics), served_methods_(std::move(served_methods)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  RpcMetrics* metrics_;
  const absl::flat_hash_set<std::string> served_methods_;
};

// The paths of every method of the named services (full names, from the generated
// descriptors), with gRPC's health and reflection services that every server runs.
absl::flat_hash_set<std::string> ServedMethods(const std::vector<std::string>& service_names);

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_CALL_LOGGING_INTERCEPTOR_H_
