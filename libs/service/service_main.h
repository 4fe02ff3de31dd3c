// The skeleton every service's main() stands on: the shared settings (service_flags.h) and
// the service's own, read from flags and the environment and checked; JSON logging; the
// Prometheus endpoint; the gRPC server with health and reflection; and the drain on SIGTERM.
// A main() is then the service's typed settings plus its wiring:
//
//   probation::ServiceMain service(argc, argv, {"catalogue", 50051, 9461, __FILE__});
//   ... load data, build the gRPC service ...
//   service.Serve({&catalogue_service}, {{"interventions", n}});
//   return service.WaitForTermination();
#ifndef PROBATION_LIBS_SERVICE_SERVICE_MAIN_H_
#define PROBATION_LIBS_SERVICE_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/channel.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/metrics/rpc_metrics.h"
#include "libs/server/grpc_server.h"
#include "libs/service/service_tls.h"
#include "nlohmann/json.hpp"

namespace probation {

struct ServiceDefaults {
  // "catalogue": the `service` field of every log line; its upper case with "_" is the
  // prefix of the service's environment variables (CATALOGUE_PORT).
  absl::string_view name;
  int port = 0;
  int metrics_port = 0;
  // __FILE__ of the service's main.cc: every flag defined in that file's folder is a setting
  // of the service, read from the environment too.
  absl::string_view main_file;
  // Whether the service's own port takes the internal mutual TLS when it is on: true for the
  // services, which only services call; the gateway's callers are clients through the edge.
  bool internal_tls_port = true;
  // Whether the port serves calls from the other services, which carry an identity signed with
  // --internal_secret: false for a process that serves only health (the relay), so that it
  // needs no secret it would never check.
  bool serves_signed_calls = true;
};

class ServiceMain {
 public:
  // Blocks SIGTERM and SIGINT (WaitForTermination receives them), reads the flags and the
  // environment, checks the shared settings and starts JSON logging. An invalid setting
  // exits with status 2 and a message naming it.
  ServiceMain(int argc, char** argv, ServiceDefaults defaults);
  ~ServiceMain();

  absl::string_view name() const { return name_; }
  // The secret identities are signed with; checked here, on first use, so that a service's
  // own settings are named first when several are wrong.
  const std::string& internal_secret() const;

  // Refuses the setting `flag`: "invalid setting --flag (PREFIX_FLAG): message", exit 2.
  [[noreturn]] void Fail(absl::string_view flag, absl::string_view message) const;
  void Check(absl::string_view flag, const absl::Status& status) const {
    if (!status.ok()) Fail(flag, status.message());
  }
  void CheckNotEmpty(absl::string_view flag, absl::string_view value) const {
    if (value.empty()) Fail(flag, "is required");
  }
  // `value` must be at least `min` (and at most `max`).
  void CheckDuration(absl::string_view flag, absl::Duration value, absl::Duration min,
                     absl::Duration max = absl::InfiniteDuration()) const;

  // The data the service cannot start without, or exit 1 after logging `<what>_invalid` with
  // the reason (for a file of the wrong shape, the loader names the line).
  template <typename T>
  T LoadedOrExit(absl::StatusOr<T> loaded, absl::string_view what) const {
    if (!loaded.ok()) ExitOnStartFailure(what, "invalid", "not loaded", loaded.status());
    return *std::move(loaded);
  }
  // The store or connection the service cannot start without, or exit 1 after logging
  // `<what>_unavailable` with the reason.
  template <typename T>
  T OpenedOrExit(absl::StatusOr<T> opened, absl::string_view what) const {
    if (!opened.ok()) ExitOnStartFailure(what, "unavailable", "not opened", opened.status());
    return *std::move(opened);
  }
  void OpenedOrExit(const absl::Status& opened, absl::string_view what) const {
    if (!opened.ok()) ExitOnStartFailure(what, "unavailable", "not opened", opened);
  }

  // Mutual TLS between the services (the internal_tls_* settings), checked at start; not
  // enabled() when they are unset.
  const ServiceTls& internal_tls() const { return internal_tls_; }

  // A channel to `service` at the gRPC target in setting `flag` (libs/client/service_channel.h:
  // round-robin over its addresses, health-checked), whose calls carry this service's signed
  // identity, over the internal mutual TLS when it is on.
  std::shared_ptr<grpc::Channel> SignedChannel(
      absl::string_view flag, const std::string& target,
      const google::protobuf::ServiceDescriptor& service) const;

  // The Prometheus endpoint, started on first use (at the latest by Serve).
  MetricsEndpoint& metrics();

  // Starts the gRPC server on --host:--port (the address and the call metrics are filled in
  // here, and the internal mutual TLS when it is on and options carry no credentials); logs
  // `serving` with `fields`. Exits with status 1 if it cannot listen.
  GrpcServer& Serve(ServerOptions options, nlohmann::json fields = nlohmann::json::object());

  // Blocks until SIGTERM or SIGINT; then runs `stop_background_work` (threads the service
  // started), drains the server for --drain_timeout and logs `stopped`. Returns main's
  // exit status.
  int WaitForTermination(const std::function<void()>& stop_background_work = nullptr);

 private:
  [[noreturn]] void ExitOnStartFailure(absl::string_view what, absl::string_view event,
                                       absl::string_view message, const absl::Status& status) const;

  std::string name_;
  std::string env_prefix_;
  std::string internal_secret_;
  ServiceTls internal_tls_;
  bool internal_tls_port_ = true;
  bool serves_signed_calls_ = true;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<RpcMetrics> served_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_SERVICE_SERVICE_MAIN_H_
