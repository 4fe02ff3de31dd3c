#include "libs/server/grpc_server.h"

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "libs/auth/grpc_identity.h"
#include "libs/client/service_channel.h"
#include "libs/logging/json_log.h"
#include "libs/server/call_logging_interceptor.h"

namespace probation {
namespace {

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT_MAX));
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(const ServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      options.address,
      options.credentials != nullptr ? options.credentials : grpc::InsecureServerCredentials(),
      &port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (options.max_connection_age < absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               Milliseconds(options.max_connection_age));
  }
  if (options.max_connection_age_grace < absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               Milliseconds(options.max_connection_age_grace));
  }
  // The suite's channels ping every kPeerSilence, idle or not (service_channel.h); gRPC would
  // count pings more often than every five minutes against a client and send it away.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Milliseconds(kPeerSilence / 2));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  for (grpc::Service* service : options.services) builder.RegisterService(service);

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallLoggingInterceptorFactory>(
      options.metrics, ServedMethods(options.health_service_names)));
  // The served method, which each signed identity must be signed for.
  factories.push_back(ServedMethodStamp());
  builder.experimental().SetInterceptorCreators(std::move(factories));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("could not listen on ", options.address));
  }
  auto result = std::unique_ptr<GrpcServer>(
      new GrpcServer(std::move(server), port, options.health_service_names));
  result->SetServing(options.serving_at_start);
  return result;
}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

void GrpcServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  for (const std::string& name : health_service_names_) health->SetServingStatus(name, serving);
  // Setting the overall status sets every name; liveness stays SERVING until shutdown.
  health->SetServingStatus(kLivenessServiceName, !shut_down_);
}

void GrpcServer::Shutdown(absl::Duration drain) {
  if (shut_down_) return;
  shut_down_ = true;
  SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain));
  server_->Wait();
}

void BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

std::unique_ptr<GrpcServer> StartServerOrExit(const ServerOptions& options, nlohmann::json fields) {
  // Debian's Abseil is built with Mutex deadlock detection on, which every lock pays for (a
  // graph of lock order, updated as mutexes come and go). Abseil means it for debug builds:
  // the services turn it off, while the in-process tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(options);
  if (!server.ok()) {
    Log(spdlog::level::critical, "listen_failed",
        {{"error", std::string(server.status().message())}});
    std::exit(1);
  }
  fields["port"] = (*server)->port();
  Log(spdlog::level::info, "serving", fields);
  return *std::move(server);
}

}  // namespace probation
