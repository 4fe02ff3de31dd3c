#include "gateway/backend_channel.h"

#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "nlohmann/json.hpp"

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
  if (options.metrics != nullptr) {
    factories.push_back(std::make_unique<RpcMetricsClientInterceptorFactory>(options.metrics));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, grpc::InsecureChannelCredentials(), arguments, std::move(factories));
}

const std::vector<std::string>& CatalogueReadMethods() {
  static const auto* const kMethods =
      new std::vector<std::string>{"probation.catalogue.v1.CatalogueService"};
  return *kMethods;
}

const std::vector<std::string>& EligibilityReadMethods() {
  // Judging eligibility changes nothing; the stream is left out, as gRPC cannot replay it.
  static const auto* const kMethods = new std::vector<std::string>{
      "probation.eligibility.v1.EligibilityService/CheckEligibility",
      "probation.eligibility.v1.EligibilityService/FindEligibleInterventions"};
  return *kMethods;
}

const std::vector<std::string>& ReferralsReadMethods() {
  static const auto* const kMethods =
      new std::vector<std::string>{"probation.referrals.v1.ReferralService/GetReferral",
                                   "probation.referrals.v1.ReferralService/ListReferrals",
                                   "probation.referrals.v1.ReferralService/ListAllowedTransitions",
                                   "probation.referrals.v1.ReferralService/GetReferralHistory",
                                   "probation.referrals.v1.ReferralService/GetStateMachine",
                                   "probation.referrals.v1.ReferralService/ExportPersonData"};
  return *kMethods;
}

}  // namespace probation::gateway
