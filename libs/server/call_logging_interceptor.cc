#include "libs/server/call_logging_interceptor.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/server_context.h"
#include "libs/logging/json_log.h"
#include "libs/logging/trace_context.h"
#include "libs/status/error_reason.h"
#include "libs/status/grpc_status.h"

namespace probation {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kHealthWatchMethod[] = "/grpc.health.v1.Health/Watch";

class CallLoggingInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLoggingInterceptor(grpc::experimental::ServerRpcInfo* info, RpcMetrics* metrics, bool served)
      : info_(info),
        method_(served ? info->method() : kUnknownMethod),
        single_request_(info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
                        info->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING),
        metrics_(metrics),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find(kRequestIdHeader); it != metadata->end()) {
        if (IsUsableRequestId(absl::string_view(it->second.data(), it->second.size()))) {
          request_id_.assign(it->second.data(), it->second.size());
        } else {
          metadata->erase(it);
        }
      }
      if (request_id_.empty()) {
        request_id_ = NewRequestId();
        // The handler sees the new id as if the client had sent it, so it can pass it on to
        // the services it calls. The map holds references: request_id_ outlives the call.
        metadata->emplace(grpc::string_ref(kRequestIdHeader), grpc::string_ref(request_id_));
      }
      // This call is a span of the caller's trace (or starts one). The handler sees this
      // span's traceparent, which the calls it makes carry on (libs/auth/grpc_identity.h).
      std::string incoming;
      if (auto it = metadata->find(kTraceparentHeader); it != metadata->end()) {
        incoming.assign(it->second.data(), it->second.size());
      }
      trace_ = ContinueTrace(incoming);
      traceparent_ = trace_.Traceparent();
      metadata->erase(kTraceparentHeader);
      metadata->emplace(grpc::string_ref(kTraceparentHeader), grpc::string_ref(traceparent_));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (single_request_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      request_unparseable_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::StatusCode framework_code = methods->GetSendStatus().error_code();
      // Only the statuses gRPC gives a parse failure: a call whose request never arrived
      // because the client went away keeps its CANCELLED.
      if (request_unparseable_ && !info_->server_context()->IsCancelled() &&
          (framework_code == grpc::StatusCode::UNIMPLEMENTED ||
           framework_code == grpc::StatusCode::INTERNAL)) {
        // gRPC answers a request it cannot parse with an empty UNIMPLEMENTED (callback API)
        // or INTERNAL; the client sent bad bytes, so say so (AIP-193).
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("the request is not a valid message for ", method_,
                         ": malformed protobuf, or a string field that is not UTF-8")));
      }
      // Every error leaves with an ErrorInfo (AIP-193), whichever code path made it.
      if (const grpc::Status sent = methods->GetSendStatus();
          !sent.ok() && sent.error_details().empty()) {
        methods->ModifySendStatus(ToGrpcStatus(FromGrpcStatus(sent)));
      }
      const grpc::Status status = methods->GetSendStatus();
      const absl::Duration latency = absl::Now() - start_;
      const double latency_ms = absl::ToDoubleMilliseconds(latency);
      if (metrics_ != nullptr) metrics_->Record(method_, status.error_code(), latency);
      const std::string code =
          absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
      // A client's health watch (one per connection, libs/client/service_channel.h) ends
      // only when its connection does: CANCELLED, or UNKNOWN as the server stops.
      const bool routine = status.ok() || method_ == kHealthWatchMethod;
      ScopedTrace scoped_trace(trace_);
      LogScalars(routine ? spdlog::level::info : spdlog::level::warn, "rpc",
                 {{"method", method_},
                  {"status", code},
                  {"reason", status.ok() ? "" : ErrorReasonOf(FromGrpcStatus(status))},
                  {"latency_ms", latency_ms},
                  {"request_id", request_id_},
                  {"parent_span_id", trace_.parent_span_id}});
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  std::string method_;
  // Unary and server-streaming calls carry exactly one request, parsed before the handler.
  bool single_request_;
  bool request_unparseable_ = false;
  RpcMetrics* metrics_;
  absl::Time start_;
  std::string request_id_;
  TraceContext trace_;
  // What the handler sees as the call's traceparent: this span's (the metadata holds a
  // reference).
  std::string traceparent_;
};

}  // namespace

std::string NewRequestId() {
  static absl::Mutex mutex(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mutex);
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(*gen), absl::kZeroPad16),
                      absl::Hex(absl::Uniform<uint64_t>(*gen), absl::kZeroPad16));
}

bool IsUsableRequestId(absl::string_view id) {
  constexpr size_t kMaxRequestIdLength = 128;
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
         });
}

absl::flat_hash_set<std::string> ServedMethods(const std::vector<std::string>& service_names) {
  absl::flat_hash_set<std::string> paths = {
      "/grpc.health.v1.Health/Check", kHealthWatchMethod,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
  for (const std::string& name : service_names) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      paths.insert(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
  return paths;
}

grpc::experimental::Interceptor* CallLoggingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLoggingInterceptor(info, metrics_, served_methods_.contains(info->method()));
}

}  // namespace probation
