// probation-health-probe: asks a server's grpc.health.v1 service whether it is SERVING, for
// container health checks and scripts. Exit codes follow grpc_health_probe: 0 serving,
// 1 bad arguments, 2 connection failure, 3 RPC failure, 4 not serving.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/build_info/build_info.h"

ABSL_FLAG(std::string, addr, "", "Server address, host:port.");
ABSL_FLAG(std::string, service, "", "Service name to check; empty checks the whole server.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(1), "Time allowed to connect.");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(1), "Time allowed for the check.");
ABSL_FLAG(bool, tls, false, "Speak TLS, as to a gateway given a certificate.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "With --tls: PEM certificates to trust instead of the system's (e.g. the server's "
          "own, when self-signed).");
ABSL_FLAG(std::string, tls_cert_file, "",
          "With --tls: PEM certificate to present, as a service does to another under the "
          "internal mutual TLS (with --tls_key_file).");
ABSL_FLAG(std::string, tls_key_file, "", "With --tls_cert_file: its PEM private key.");
ABSL_FLAG(std::string, tls_server_name, "",
          "With --tls: the name the certificate must carry, when --addr is an IP address.");

namespace {

// The file's contents, or exits 1 naming the flag.
std::string ReadOrExit(const std::string& path, const char* flag) {
  std::ifstream file(path);
  std::stringstream pem;
  pem << file.rdbuf();
  if (!file) {
    std::cerr << "cannot read --" << flag << " " << path << "\n";
    std::exit(1);
  }
  return pem.str();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Checks a gRPC server's health: --addr=host:port [--service=...]");
  absl::FlagsUsageConfig usage;
  usage.version_string = [] { return probation::VersionLine("probation-health-probe") + "\n"; };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  const std::string address = absl::GetFlag(FLAGS_addr);
  if (address.empty()) {
    std::cerr << "--addr is required\n";
    return 1;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments arguments;
  if (absl::GetFlag(FLAGS_tls)) {
    grpc::SslCredentialsOptions options;
    if (const std::string ca_file = absl::GetFlag(FLAGS_tls_ca_file); !ca_file.empty()) {
      options.pem_root_certs = ReadOrExit(ca_file, "tls_ca_file");
    }
    const std::string cert_file = absl::GetFlag(FLAGS_tls_cert_file);
    const std::string key_file = absl::GetFlag(FLAGS_tls_key_file);
    if (cert_file.empty() != key_file.empty()) {
      std::cerr << "set both --tls_cert_file and --tls_key_file, or neither\n";
      return 1;
    }
    if (!cert_file.empty()) {
      options.pem_cert_chain = ReadOrExit(cert_file, "tls_cert_file");
      options.pem_private_key = ReadOrExit(key_file, "tls_key_file");
    }
    credentials = grpc::SslCredentials(options);
    if (const std::string name = absl::GetFlag(FLAGS_tls_server_name); !name.empty()) {
      arguments.SetSslTargetNameOverride(name);
    }
  }
  auto channel = grpc::CreateCustomChannel(address, credentials, arguments);
  if (!channel->WaitForConnected(
          absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_connect_timeout)))) {
    std::cerr << "cannot connect to " << address << "\n";
    return 2;
  }
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_rpc_timeout)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "health check failed: " << status.error_message() << "\n";
    return 3;
  }
  const std::string state =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  std::cout << "status: " << state << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 4;
}
