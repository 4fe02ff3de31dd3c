// Bootstrap shared by every server: listening socket, grpc.health.v1, reflection, per-call
// logging, message size limits, and a graceful drain on SIGTERM/SIGINT.
#ifndef PROBATION_LIBS_SERVER_GRPC_SERVER_H_
#define PROBATION_LIBS_SERVER_GRPC_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "libs/metrics/rpc_metrics.h"
#include "nlohmann/json.hpp"

namespace probation {

// The health service name that is SERVING for as long as the process serves at all, whether
// or not it is ready: for liveness probes, which must not restart a server that is only
// waiting for a dependency.
inline constexpr char kLivenessServiceName[] = "liveness";

struct ServerOptions {
  // "host:port"; port 0 picks a free port (tests).
  std::string address = "0.0.0.0:0";
  // Fully qualified names of `services`, reported SERVING by the health service once
  // started. Calls are logged and counted by method only for these services' methods (and
  // health and reflection); any other path is "unknown", so made-up names cannot grow the
  // metrics.
  std::vector<std::string> health_service_names;
  std::vector<grpc::Service*> services;
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Whether the services are ready as soon as the server starts; a server that must first
  // load something starts NOT_SERVING and calls SetServing(true) later.
  bool serving_at_start = true;
  // Where every call is counted, if anywhere (libs/metrics); must outlive the server.
  RpcMetrics* metrics = nullptr;
  // TLS for callers, if set (the gateway's public port); plaintext otherwise.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // A connection this old (gRPC adds up to 10% either way) is told to go (GOAWAY): its
  // client opens another, asking its resolver again, so replicas started since get a share
  // of the calls. Calls in flight on it get `max_connection_age_grace` more to finish, then
  // are ended UNAVAILABLE.
  absl::Duration max_connection_age = absl::InfiniteDuration();
  absl::Duration max_connection_age_grace = absl::InfiniteDuration();
};

class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options);

  ~GrpcServer();

  int port() const { return port_; }

  // Sets every health service name (and the overall "" entry, which readiness probes ask
  // about) to SERVING or NOT_SERVING; kLivenessServiceName stays SERVING.
  void SetServing(bool serving);

  // Stops accepting calls, lets calls in flight finish until `drain` has passed, then
  // cancels the rest.
  void Shutdown(absl::Duration drain);

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, std::vector<std::string> names)
      : server_(std::move(server)), port_(port), health_service_names_(std::move(names)) {}

  std::unique_ptr<grpc::Server> server_;
  int port_;
  std::vector<std::string> health_service_names_;
  bool shut_down_ = false;
};

// Starts the server for a service's main(); if it cannot listen, logs `listen_failed` and
// exits with status 1. Logs `serving` with the port and `fields` once it listens.
std::unique_ptr<GrpcServer> StartServerOrExit(const ServerOptions& options,
                                              nlohmann::json fields = nlohmann::json::object());

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards; call
// first thing in main so that WaitForTerminationSignal() can receive them synchronously.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT and returns its number.
int WaitForTerminationSignal();

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_GRPC_SERVER_H_
