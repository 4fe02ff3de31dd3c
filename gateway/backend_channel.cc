#include "gateway/backend_channel.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/auth/grpc_identity.h"
#include "nlohmann/json.hpp"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"

namespace probation::gateway {

std::string RetryingServiceConfig(const std::vector<std::string>& read_methods, int max_attempts) {
  nlohmann::json names = nlohmann::json::array();
  for (const std::string& method : read_methods) {
    std::vector<std::string> parts = absl::StrSplit(method, absl::MaxSplits('/', 1));
    nlohmann::json name = {{"service", parts[0]}};
    if (parts.size() == 2) name["method"] = parts[1];
    names.push_back(std::move(name));
  }
  nlohmann::json config = {{"methodConfig",
                            {{{"name", names},
                              {"retryPolicy",
                               {{"maxAttempts", max_attempts},
                                {"initialBackoff", "0.05s"},
                                {"maxBackoff", "0.5s"},
                                {"backoffMultiplier", 2},
                                {"retryableStatusCodes", {"UNAVAILABLE"}}}}}}}};
  return config.dump();
}

std::shared_ptr<grpc::Channel> CreateBackendChannel(const std::string& address,
                                                    const std::vector<std::string>& read_methods,
                                                    const BackendChannelOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(options.max_message_bytes);
  arguments.SetMaxSendMessageSize(options.max_message_bytes);
  arguments.SetServiceConfigJSON(RetryingServiceConfig(read_methods, options.max_read_attempts));
  // gRPC backs off up to two minutes between reconnection attempts by default; a service
  // that restarts should be used again within a second.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (!options.internal_secret.empty()) {
    factories.push_back(IdentitySigner("gateway", options.internal_secret));
  }
  if (options.metrics != nullptr) {
    factories.push_back(std::make_unique<RpcMetricsClientInterceptorFactory>(options.metrics));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address,
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials(),
      arguments, std::move(factories));
}

namespace {

// A service's descriptor, found through a request message of its file: naming the message
// makes the linker keep the file's descriptor, which a lookup by name alone would not.
const google::protobuf::ServiceDescriptor& Service(const google::protobuf::Descriptor& request,
                                                   absl::string_view name) {
  const google::protobuf::ServiceDescriptor* service =
      request.file()->FindServiceByName(std::string(name));
  if (service == nullptr) std::abort();  // a renamed service: caught by read_methods_test
  return *service;
}

}  // namespace

std::vector<std::string> ReadMethodsOf(const google::protobuf::ServiceDescriptor& service) {
  std::vector<std::string> methods;
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    if (method.options().idempotency_level() != google::protobuf::MethodOptions::NO_SIDE_EFFECTS ||
        method.client_streaming() || method.server_streaming()) {
      continue;
    }
    methods.push_back(absl::StrCat(service.full_name(), "/", method.name()));
  }
  return methods;
}

const std::vector<std::string>& CatalogueReadMethods() {
  static const auto* const kMethods = new std::vector<std::string>(ReadMethodsOf(
      Service(*catalogue::v1::ListInterventionsRequest::descriptor(), "CatalogueService")));
  return *kMethods;
}

const std::vector<std::string>& EligibilityReadMethods() {
  static const auto* const kMethods = new std::vector<std::string>(ReadMethodsOf(
      Service(*eligibility::v1::CheckEligibilityRequest::descriptor(), "EligibilityService")));
  return *kMethods;
}

const std::vector<std::string>& ReferralsReadMethods() {
  static const auto* const kMethods = new std::vector<std::string>(
      ReadMethodsOf(Service(*referrals::v1::GetReferralRequest::descriptor(), "ReferralService")));
  return *kMethods;
}

}  // namespace probation::gateway
