#include "libs/auth/grpc_identity.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "libs/logging/request_id.h"
#include "libs/logging/trace_context.h"

namespace probation {
namespace {

// The longest a service's own signature lasts, for a call with no earlier deadline.
constexpr absl::Duration kSignatureLifetime = absl::Minutes(5);

// The identity fields SetCallerIdentity put on a call, taken off it to be signed.
std::optional<Identity> TakeCallerIdentity(std::multimap<std::string, std::string>& metadata) {
  auto field = [&metadata](const char* key) {
    auto it = metadata.find(key);
    if (it == metadata.end()) return std::string();
    std::string value = std::move(it->second);
    metadata.erase(it);
    return value;
  };
  if (metadata.find(kActorHeader) == metadata.end()) return std::nullopt;
  Identity identity;
  identity.actor = field(kActorHeader);
  identity.role = RoleFromClaimName(field(kRoleHeader));
  identity.region = field(kRegionHeader);
  identity.provider = field(kProviderHeader);
  int64_t expires = 0;
  if (absl::SimpleAtoi(field(kIdentityExpiresHeader), &expires)) {
    identity.expires = absl::FromUnixSeconds(expires);
  }
  return identity;
}

// Now plus `lifetime`, or the call's deadline (to the whole second) if that comes first.
absl::Time ExpiryWithin(const grpc::ClientContext& context, absl::Duration lifetime) {
  absl::Time expires = absl::Now() + lifetime;
  if (context.deadline() != std::chrono::system_clock::time_point::max()) {
    const absl::Duration until = absl::FromChrono(context.deadline()) - absl::UnixEpoch();
    expires = std::min(expires, absl::UnixEpoch() + absl::Ceil(until, absl::Seconds(1)));
  }
  return expires;
}

class SigningInterceptor final : public grpc::experimental::Interceptor {
 public:
  SigningInterceptor(grpc::experimental::ClientRpcInfo* info, const std::string* service_name,
                     const std::string* secret)
      : info_(*info), service_name_(*service_name), secret_(*secret) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
      if (const absl::string_view request_id = CurrentRequestId();
          !request_id.empty() && metadata->find(kRequestIdHeader) == metadata->end()) {
        metadata->emplace(kRequestIdHeader, std::string(request_id));
      }
      // The call is a child of the span the thread serves (libs/logging/trace_context.h).
      if (const TraceContext& trace = CurrentTrace();
          !trace.empty() && metadata->find(kTraceparentHeader) == metadata->end()) {
        metadata->emplace(kTraceparentHeader, trace.Traceparent());
      }
      // A call signed already (a test of forged headers) goes as it is.
      if (metadata->find(kIdentitySignatureHeader) == metadata->end()) {
        std::optional<Identity> identity = TakeCallerIdentity(*metadata);
        if (!identity.has_value() && !service_name_.empty()) {
          identity = Identity{service_name_, common::v1::ROLE_SERVICE, "", "",
                              ExpiryWithin(*info_.client_context(), kSignatureLifetime)};
        }
        if (identity.has_value()) {
          absl::StatusOr<std::vector<std::pair<std::string, std::string>>> headers =
              SignIdentity(*identity, info_.method(), secret_);
          // Unsigned, the call is refused UNAUTHENTICATED by the service, as it should be.
          if (headers.ok()) {
            for (auto& [key, value] : *headers) metadata->emplace(key, std::move(value));
          }
        }
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ClientRpcInfo& info_;
  const std::string& service_name_;
  const std::string& secret_;
};

class SigningInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  SigningInterceptorFactory(std::string service_name, std::string secret)
      : service_name_(std::move(service_name)), secret_(std::move(secret)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new SigningInterceptor(info, &service_name_, &secret_);
  }

 private:
  const std::string service_name_;
  const std::string secret_;
};

class ServedMethodInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ServedMethodInterceptor(const char* method) : method_(method) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::multimap<grpc::string_ref, grpc::string_ref>* metadata =
          methods->GetRecvInitialMetadata();
      metadata->erase(kServedMethodHeader);
      // Both strings outlive the call: a constant, and the server's registered method name.
      if (method_ != nullptr) metadata->emplace(kServedMethodHeader, method_);
    }
    methods->Proceed();
  }

 private:
  const char* method_;
};

class ServedMethodInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServedMethodInterceptor(info->method());
  }
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

void SetCallerIdentity(grpc::ClientContext& context, const Identity& identity) {
  context.AddMetadata(kActorHeader, identity.actor);
  context.AddMetadata(kRoleHeader, RoleClaimName(identity.role));
  if (!identity.region.empty()) context.AddMetadata(kRegionHeader, identity.region);
  if (!identity.provider.empty()) context.AddMetadata(kProviderHeader, identity.provider);
  context.AddMetadata(kIdentityExpiresHeader, absl::StrCat(absl::ToUnixSeconds(identity.expires)));
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> IdentitySigner(
    std::string service_name, std::string secret) {
  return std::make_unique<SigningInterceptorFactory>(std::move(service_name), std::move(secret));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateSignedChannel(
    const std::string& address, absl::string_view service_name, absl::string_view secret,
    const grpc::ChannelArguments& arguments, std::shared_ptr<grpc::ChannelCredentials> credentials,
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> more) {
  if (absl::Status status = CheckIdentitySecret(secret); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the identity secret ", status.message()));
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(IdentitySigner(std::string(service_name), std::string(secret)));
  for (auto& factory : more) factories.push_back(std::move(factory));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials != nullptr ? std::move(credentials) : grpc::InsecureChannelCredentials(),
      arguments, std::move(factories));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> ServedMethodStamp() {
  return std::make_unique<ServedMethodInterceptorFactory>();
}

}  // namespace probation
