#include "libs/server/call_logging_interceptor.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/logging/json_log.h"

namespace probation {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The names of grpc::StatusCode, as gRPC's documentation spells them.
absl::string_view StatusCodeName(grpc::StatusCode code) {
  static constexpr absl::string_view kNames[] = {"OK",
                                                 "CANCELLED",
                                                 "UNKNOWN",
                                                 "INVALID_ARGUMENT",
                                                 "DEADLINE_EXCEEDED",
                                                 "NOT_FOUND",
                                                 "ALREADY_EXISTS",
                                                 "PERMISSION_DENIED",
                                                 "RESOURCE_EXHAUSTED",
                                                 "FAILED_PRECONDITION",
                                                 "ABORTED",
                                                 "OUT_OF_RANGE",
                                                 "UNIMPLEMENTED",
                                                 "INTERNAL",
                                                 "UNAVAILABLE",
                                                 "DATA_LOSS",
                                                 "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < static_cast<int>(std::size(kNames)) ? kNames[index] : "UNKNOWN";
}

class CallLoggingInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CallLoggingInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method()), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find(kRequestIdHeader); it != metadata->end()) {
        // Bound what a client can make us log.
        request_id_.assign(it->second.data(), std::min<size_t>(it->second.size(), 128));
      }
      if (request_id_.empty()) {
        request_id_ = NewRequestId();
        // The handler sees the new id as if the client had sent it, so it can pass it on to
        // the services it calls. The map holds references: request_id_ outlives the call.
        metadata->emplace(grpc::string_ref(kRequestIdHeader), grpc::string_ref(request_id_));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
      Log(status.ok() ? spdlog::level::info : spdlog::level::warn, "rpc",
          {{"method", method_},
           {"status", StatusCodeName(status.error_code())},
           {"latency_ms", latency_ms},
           {"request_id", request_id_}});
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  absl::Time start_;
  std::string request_id_;
};

}  // namespace

std::string NewRequestId() {
  static absl::Mutex mutex(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mutex);
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(*gen), absl::kZeroPad16),
                      absl::Hex(absl::Uniform<uint64_t>(*gen), absl::kZeroPad16));
}

grpc::experimental::Interceptor* CallLoggingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLoggingInterceptor(info);
}

}  // namespace probation
