#include "libs/service/service_main.h"

#include <iostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "libs/auth/grpc_identity.h"
#include "libs/auth/internal_identity.h"
#include "libs/build_info/build_info.h"
#include "libs/client/service_channel.h"
#include "libs/config/flag_environment.h"
#include "libs/logging/json_log.h"
#include "libs/service/service_flags.h"
#include "prometheus/gauge.h"

namespace probation {
namespace {

absl::string_view FolderOf(absl::string_view file) {
  const size_t slash = file.rfind('/');
  return slash == absl::string_view::npos ? absl::string_view() : file.substr(0, slash + 1);
}

// The service's settings: the shared ones and those defined in the main file's folder.
std::vector<std::string> SettingNames(absl::string_view main_file) {
  std::vector<std::string> names = FlagsDefinedIn(kServiceFlagsFile);
  const std::string folder(NormalizedFlagFile(FolderOf(main_file)));
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StartsWith(NormalizedFlagFile(flag->Filename()), folder)) names.emplace_back(name);
  }
  return names;
}

void CheckPort(const ServiceMain& service, absl::string_view flag, int port) {
  if (port < 0 || port > 65535) service.Fail(flag, "must be 0-65535");
}

}  // namespace

ServiceMain::ServiceMain(int argc, char** argv, ServiceDefaults defaults)
    : name_(defaults.name),
      env_prefix_(absl::StrCat(absl::AsciiStrToUpper(defaults.name), "_")),
      internal_tls_port_(defaults.internal_tls_port),
      serves_signed_calls_(defaults.serves_signed_calls) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      absl::StrCat("The ", name_, " service. Every flag is also read from the environment as ",
                   env_prefix_, "<FLAG>; a flag on the command line wins."));
  // --help lists the service's own settings and the shared ones, not Abseil's.
  static std::string help_folder;
  help_folder = std::string(NormalizedFlagFile(FolderOf(defaults.main_file)));
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StartsWith(NormalizedFlagFile(file), help_folder) ||
           NormalizedFlagFile(file) == NormalizedFlagFile(kServiceFlagsFile);
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  static std::string version_line;
  version_line = absl::StrCat(VersionLine(name_), "\n");
  usage.version_string = [] { return version_line; };
  absl::SetFlagsUsageConfig(usage);
  absl::SetFlag(&FLAGS_port, defaults.port);
  absl::SetFlag(&FLAGS_metrics_port, defaults.metrics_port);

  const std::vector<std::string> names = SettingNames(defaults.main_file);
  ParseFlagsAndEnvironment(argc, argv, env_prefix_,
                           std::vector<absl::string_view>(names.begin(), names.end()));
  CheckDuration("log_flush_interval", absl::GetFlag(FLAGS_log_flush_interval), absl::ZeroDuration(),
                absl::Hours(1));
  Check("log_level", InitJsonLogging(name_, absl::GetFlag(FLAGS_log_level),
                                     absl::GetFlag(FLAGS_log_flush_interval)));
  CheckPort(*this, "port", absl::GetFlag(FLAGS_port));
  CheckPort(*this, "metrics_port", absl::GetFlag(FLAGS_metrics_port));
  internal_secret_ = absl::GetFlag(FLAGS_internal_secret);
  CheckDuration("drain_timeout", absl::GetFlag(FLAGS_drain_timeout), absl::ZeroDuration());
  CheckDuration("max_connection_age", absl::GetFlag(FLAGS_max_connection_age), absl::Seconds(1));
  CheckDuration("max_connection_age_grace", absl::GetFlag(FLAGS_max_connection_age_grace),
                absl::ZeroDuration());
  std::variant<ServiceTls, InvalidSetting> tls = ServiceTls::Read(
      {absl::GetFlag(FLAGS_internal_tls_cert_file), absl::GetFlag(FLAGS_internal_tls_key_file),
       absl::GetFlag(FLAGS_internal_tls_ca_file)});
  if (const auto* invalid = std::get_if<InvalidSetting>(&tls))
    Fail(invalid->flag, invalid->message);
  internal_tls_ = std::get<ServiceTls>(std::move(tls));
}

ServiceMain::~ServiceMain() = default;

const std::string& ServiceMain::internal_secret() const {
  Check("internal_secret", CheckIdentitySecret(internal_secret_));
  return internal_secret_;
}

void ServiceMain::Fail(absl::string_view flag, absl::string_view message) const {
  ExitOnInvalidSetting(env_prefix_, flag, message);
}

void ServiceMain::CheckDuration(absl::string_view flag, absl::Duration value, absl::Duration min,
                                absl::Duration max) const {
  if (value < min || value > max) {
    Fail(flag, max == absl::InfiniteDuration()
                   ? absl::StrCat("must be at least ", absl::FormatDuration(min))
                   : absl::StrCat("must be from ", absl::FormatDuration(min), " to ",
                                  absl::FormatDuration(max)));
  }
}

void ServiceMain::ExitOnStartFailure(absl::string_view what, absl::string_view event,
                                     absl::string_view message, const absl::Status& status) const {
  std::string name = absl::StrCat(what, "_", event);
  absl::AsciiStrToLower(&name);
  absl::StrReplaceAll({{" ", "_"}}, &name);
  Log(spdlog::level::critical, name, {{"error", std::string(status.message())}});
  std::cerr << what << " " << message << ":\n" << status.message() << "\n";
  std::exit(1);
}

std::shared_ptr<grpc::Channel> ServiceMain::SignedChannel(
    absl::string_view flag, const std::string& target,
    const google::protobuf::ServiceDescriptor& service) const {
  CheckNotEmpty(flag, target);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateSignedChannel(target, name_, internal_secret(), ServiceChannelArguments(service),
                          internal_tls_.ChannelCredentials());
  if (!channel.ok()) Fail(flag, channel.status().message());
  return *std::move(channel);
}

MetricsEndpoint& ServiceMain::metrics() {
  if (metrics_ == nullptr) {
    metrics_ = StartMetricsOrExit(
        absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_metrics_port)));
    served_ = std::make_unique<RpcMetrics>(metrics_->registry(), RpcMetrics::Side::kServer);
    // Always 1; its labels say which build is running, for dashboards and alerts to join on.
    const BuildInfo& build = GetBuildInfo();
    prometheus::BuildGauge()
        .Name("probation_build_info")
        .Help("The running build: its version, source revision and build type (always 1).")
        .Register(metrics_->registry())
        .Add({{"service", name_},
              {"version", std::string(build.version)},
              {"revision", std::string(build.revision)},
              {"build_type", std::string(build.build_type)}})
        .Set(1);
  }
  return *metrics_;
}

GrpcServer& ServiceMain::Serve(ServerOptions options, nlohmann::json fields) {
  // Every service refuses calls without a signed identity.
  if (serves_signed_calls_) internal_secret();
  metrics();
  options.metrics = served_.get();
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  if (internal_tls_port_ && internal_tls_.enabled() && options.credentials == nullptr) {
    options.credentials = internal_tls_.ServerCredentials();
  }
  fields["internal_tls"] = internal_tls_.enabled();
  fields["version"] = std::string(GetBuildInfo().version);
  fields["revision"] = std::string(GetBuildInfo().revision);
  server_ = StartServerOrExit(options, std::move(fields));
  return *server_;
}

int ServiceMain::WaitForTermination(const std::function<void()>& stop_background_work) {
  const int signal_number = WaitForTerminationSignal();
  Log(spdlog::level::info, "draining", {{"signal", signal_number}});
  if (stop_background_work) stop_background_work();
  if (server_ != nullptr) server_->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  Log(spdlog::level::info, "stopped");
  return 0;
}

}  // namespace probation
