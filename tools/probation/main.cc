// probation: the command-line client of the interventions gateway. main parses the command
// line, applies the global flags (and their PROBATION_<FLAG> variables), finds the command
// and runs it; the commands themselves are in commands.cc.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/build_info/build_info.h"
#include "libs/config/flag_environment.h"
#include "libs/textproto/text_proto.h"
#include "tools/probation/command_line.h"
#include "tools/probation/commands.h"
#include "tools/probation/profile_flags.h"

ABSL_FLAG(std::string, address, "localhost:50050", "the gateway, host:port");
ABSL_FLAG(std::string, token, "",
          "bearer token, sent as `authorization: Bearer <token>` (see `probation token`)");
ABSL_FLAG(bool, json, false, "print each response message as one line of protobuf JSON");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "deadline of each call; a watch or an export has none unless this is given");
ABSL_FLAG(bool, tls, false,
          "speak TLS to the gateway (or the edge in front of it), trusting the system's CAs");
ABSL_FLAG(std::string, tls_ca_file, "",
          "with --tls: PEM certificates to trust instead of the system's (a private CA, or a "
          "self-signed gateway's own certificate)");
ABSL_FLAG(std::string, tls_server_name, "",
          "with --tls: the name the gateway's certificate must carry, when --address does not "
          "give it (an IP address)");
ABSL_FLAG(std::string, request_id, "",
          "sent as x-request-id; for `referrals create`, `appointments schedule` and `groups "
          "create` also the idempotency key (default: a new UUID)");

namespace {

using probation::cli::Options;

constexpr absl::string_view kEnvironmentPrefix = "PROBATION_";

int UsageError(absl::string_view message) {
  std::cerr << "error: " << message << "\nsee `probation help`\n";
  return probation::cli::kExitUsage;
}

std::vector<probation::cli::FlagHelp> GlobalFlagHelp(const std::vector<std::string>& names) {
  std::vector<probation::cli::FlagHelp> help;
  for (const std::string& name : names) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    help.push_back({name, flag->DefaultValue(),
                    probation::EnvironmentVariableFor(kEnvironmentPrefix, name), flag->Help()});
  }
  return help;
}

const std::vector<probation::cli::CommandSpec>& CommandSpecs() {
  static const auto* specs = [] {
    auto* specs = new std::vector<probation::cli::CommandSpec>;
    for (const auto& command : probation::cli::Commands()) specs->push_back(command.spec);
    return specs;
  }();
  return *specs;
}

// Sets the global flags given on the command line, over their environment variables (which
// libs/config applies; its ParseFlagsAndEnvironment does not fit, as Abseil's parser would
// refuse the commands' own flags), and takes them out of `options`.
absl::Status ApplyGlobalFlags(const std::vector<std::string>& names, Options& options) {
  const std::vector<absl::string_view> views(names.begin(), names.end());
  if (absl::Status status = probation::ApplyEnvironmentToFlags(kEnvironmentPrefix, views);
      !status.ok()) {
    return status;
  }
  for (const std::string& name : names) {
    const auto it = options.find(name);
    if (it == options.end()) continue;
    std::string error;
    if (!absl::FindCommandLineFlag(name)->ParseFrom(it->second, &error)) {
      return probation::cli::InvalidFlag(name, error);
    }
    options.erase(it);
  }
  return absl::OkStatus();
}

// The channel --address, --tls and its files ask for.
absl::StatusOr<std::shared_ptr<grpc::Channel>> GatewayChannel() {
  const std::string address = absl::GetFlag(FLAGS_address);
  const std::string ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  const std::string server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (!absl::GetFlag(FLAGS_tls)) {
    if (!ca_file.empty() || !server_name.empty()) {
      return probation::cli::InvalidFlag(ca_file.empty() ? "tls_server_name" : "tls_ca_file",
                                         "needs --tls");
    }
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> roots = probation::ReadFileToString(ca_file);
    if (!roots.ok()) return probation::cli::InvalidFlag("tls_ca_file", roots.status().message());
    tls.pem_root_certs = *std::move(roots);
  }
  grpc::ChannelArguments arguments;
  if (!server_name.empty()) arguments.SetSslTargetNameOverride(server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), arguments);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> global_flags = probation::FlagsDefinedIn(__FILE__);
  const auto is_global = [&](absl::string_view name) {
    return std::find(global_flags.begin(), global_flags.end(), name) != global_flags.end();
  };
  const auto is_boolean = [&](absl::string_view name) {
    if (name == "help" || name == "h" || name == "version" || name == "replay_requested" ||
        name == "notify_practitioner" || name == "move_later_sessions") {
      return true;
    }
    if (is_global(name)) return absl::FindCommandLineFlag(name)->IsOfType<bool>();
    return probation::cli::IsProfileBooleanFlag(name);
  };

  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<probation::cli::CommandLine> line =
      probation::cli::ParseCommandLine(args, is_boolean);
  if (!line.ok()) return UsageError(line.status().message());
  if (line->options.contains("version")) {
    std::cout << probation::VersionLine("probation") << "\n";
    return probation::cli::kExitOk;
  }
  if (line->words.empty() || line->words[0] == "help" || line->options.contains("help") ||
      line->options.contains("h")) {
    std::cout << probation::cli::Usage(CommandSpecs(), GlobalFlagHelp(global_flags),
                                       probation::cli::ProfileFlagHelp());
    return probation::cli::kExitOk;
  }
  const bool timeout_given =
      line->options.contains("timeout") ||
      std::getenv(probation::EnvironmentVariableFor(kEnvironmentPrefix, "timeout").c_str()) !=
          nullptr;
  if (absl::Status status = ApplyGlobalFlags(global_flags, line->options); !status.ok()) {
    return UsageError(status.message());
  }

  absl::StatusOr<const probation::cli::CommandSpec*> spec =
      probation::cli::FindCommand(CommandSpecs(), line->words);
  if (!spec.ok()) return UsageError(spec.status().message());
  const size_t command_words = (*spec)->subcommand.empty() ? 1 : 2;
  const std::vector<std::string> arguments(line->words.begin() + command_words, line->words.end());
  if (absl::Status status = probation::cli::CheckCommandLine(**spec, arguments, line->options,
                                                             probation::cli::ProfileFlagNames());
      !status.ok()) {
    return UsageError(status.message());
  }

  probation::cli::CallSettings settings;
  settings.token = absl::GetFlag(FLAGS_token);
  settings.request_id = absl::GetFlag(FLAGS_request_id);
  settings.timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout_given) settings.stream_timeout = settings.timeout;
  settings.json = absl::GetFlag(FLAGS_json);
  if (settings.timeout <= absl::ZeroDuration()) {
    return UsageError("--timeout: must be positive");
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = GatewayChannel();
  if (!channel.ok()) return UsageError(channel.status().message());
  auto gateway = probation::gateway::v1::InterventionsGateway::NewStub(*channel);
  probation::cli::CommandContext context{.gateway = gateway.get(),
                                         .settings = settings,
                                         .arguments = arguments,
                                         .options = line->options,
                                         .in = &std::cin,
                                         .out = &std::cout,
                                         .err = &std::cerr};
  const auto& commands = probation::cli::Commands();
  return commands[*spec - CommandSpecs().data()].run(context);
}
