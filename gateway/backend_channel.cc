#include "gateway/backend_channel.h"

#include <utility>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/auth/grpc_identity.h"

namespace probation::gateway {

std::shared_ptr<grpc::Channel> CreateBackendChannel(
    const std::string& target, const google::protobuf::ServiceDescriptor& service,
    const BackendChannelOptions& options) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (!options.internal_secret.empty()) {
    factories.push_back(IdentitySigner("gateway", options.internal_secret));
  }
  if (options.metrics != nullptr) {
    factories.push_back(std::make_unique<RpcMetricsClientInterceptorFactory>(options.metrics));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target,
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials(),
      ServiceChannelArguments(service, options.channel), std::move(factories));
}

}  // namespace probation::gateway
