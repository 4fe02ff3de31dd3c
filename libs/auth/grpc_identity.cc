#include "libs/auth/grpc_identity.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"
#include "libs/logging/request_id.h"

namespace probation {
namespace {

// How long a service's signature stays good: enough for any call, short enough that a
// captured header is soon useless.
constexpr absl::Duration kSignatureLifetime = absl::Minutes(5);

class SigningInterceptor final : public grpc::experimental::Interceptor {
 public:
  SigningInterceptor(const std::string* actor, const std::string* secret)
      : actor_(*actor), secret_(*secret) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
      if (const absl::string_view request_id = CurrentRequestId();
          !request_id.empty() && metadata->find(kRequestIdHeader) == metadata->end()) {
        metadata->emplace(kRequestIdHeader, std::string(request_id));
      }
      if (metadata->find(kIdentitySignatureHeader) == metadata->end()) {
        absl::StatusOr<std::vector<std::pair<std::string, std::string>>> headers = SignIdentity(
            {actor_, common::v1::ROLE_SERVICE, "", "", absl::Now() + kSignatureLifetime}, secret_);
        // The secret was checked when the channel was made, so signing cannot fail here.
        if (headers.ok()) {
          for (auto& [key, value] : *headers) metadata->emplace(key, std::move(value));
        }
      }
    }
    methods->Proceed();
  }

 private:
  const std::string& actor_;
  const std::string& secret_;
};

class SigningInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  SigningInterceptorFactory(std::string actor, std::string secret)
      : actor_(std::move(actor)), secret_(std::move(secret)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new SigningInterceptor(&actor_, &secret_);
  }

 private:
  const std::string actor_;
  const std::string secret_;
};

}  // namespace

absl::StatusOr<Identity> VerifiedCaller(const grpc::ServerContextBase& context,
                                        absl::string_view secret) {
  const auto& metadata = context.client_metadata();
  return VerifyIdentity(
      [&](absl::string_view key) {
        auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
        return it == metadata.end() ? std::string()
                                    : std::string(it->second.data(), it->second.size());
      },
      secret, absl::Now());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateSignedChannel(
    const std::string& address, absl::string_view service_name, absl::string_view secret,
    const grpc::ChannelArguments& arguments,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  // Signing once up front reports a bad secret or name now rather than on every call.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> probe = SignIdentity(
      {std::string(service_name), common::v1::ROLE_SERVICE, "", "", absl::Now()}, secret);
  if (!probe.ok()) return probe.status();
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(
      std::make_unique<SigningInterceptorFactory>(std::string(service_name), std::string(secret)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials != nullptr ? std::move(credentials) : grpc::InsecureChannelCredentials(),
      arguments, std::move(factories));
}

}  // namespace probation
