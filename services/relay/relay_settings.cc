#include "services/relay/relay_settings.h"

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "libs/client/service_channel.h"
#include "libs/names/resource_name.h"
#include "libs/textproto/text_proto.h"
#include "services/relay/webhook_signature.h"

ABSL_FLAG(std::string, subscriptions, "",
          "Required: the subscriptions to relay, `subscriptions/{id}` separated by commas; each "
          "gets its own pipeline and lanes.");
ABSL_FLAG(std::string, gateway_address, "127.0.0.1:50050",
          "The gateway (or the edge in front of it), `host:port`.");
ABSL_FLAG(bool, tls, false, "Speak TLS to the gateway, trusting the system's CAs.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "With `tls`: PEM certificates to trust instead of the system's.");
ABSL_FLAG(std::string, tls_server_name, "",
          "With `tls`: the name the gateway's certificate must carry, when `gateway_address` "
          "does not give it.");
ABSL_FLAG(std::string, token_file, "",
          "Required: a file holding the bearer token (a JWT) to call the gateway with; read again "
          "whenever it changes, so tokens can be renewed before they expire.");
ABSL_FLAG(std::string, webhook_url, "",
          "Required: the `https://` URL every event is POSTed to (`http://` only to this host, "
          "or with --webhook_allow_http).");
ABSL_FLAG(std::string, event_source, "urn:probation-interventions:referrals",
          "The CloudEvents `source` of every event: name the deployment (e.g. "
          "`urn:probation-interventions:referrals:wales-prod`) when receivers take events "
          "from more than one, since ids are unique only within one database.");
ABSL_FLAG(bool, webhook_allow_http, false,
          "Allow an `http://` webhook_url to another host, e.g. a receiver on the same private "
          "network: events (with personal data, for a FULL subscription) then travel "
          "unencrypted.");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "For an `https` webhook_url: PEM certificates to trust instead of the system's.");
ABSL_FLAG(std::string, signing_secret_file, "",
          "Required: the file holding the webhook signing secret: `whsec_` and base64 of the key "
          "(Standard Webhooks), or the key itself.");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "The longest one delivery attempt may take before it counts as a timeout.");
ABSL_FLAG(absl::Duration, initial_backoff, absl::Milliseconds(500),
          "The wait after a first failed attempt may be up to this; it doubles with each failure.");
ABSL_FLAG(absl::Duration, max_backoff, absl::Seconds(60),
          "The longest wait between attempts, Retry-After included.");
ABSL_FLAG(int, max_attempts, 8,
          "Attempts at one event, the first included, before it goes to the dead letters.");
ABSL_FLAG(int, lanes, 16,
          "Deliveries in parallel per subscription; each referral's events share one lane, so "
          "they arrive in order.");
ABSL_FLAG(int, max_in_flight, 10000,
          "Events held per subscription (received and not done, or done behind one that is "
          "not), beyond which the relay stops reading its stream.");
ABSL_FLAG(absl::Duration, ack_interval, absl::Milliseconds(200),
          "How often finished events are acknowledged.");
ABSL_FLAG(int, ack_max_events, 500,
          "Events finished that are acknowledged at once rather than at the next ack_interval.");
ABSL_FLAG(absl::Duration, replay_poll_interval, absl::Seconds(5),
          "How often each subscription's dead letters are checked for replays an admin asked for.");
ABSL_FLAG(absl::Duration, gateway_timeout, absl::Seconds(10),
          "The deadline of each call to the gateway but the event stream.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "At SIGTERM, how long attempts under way get to finish before they are cut short.");

namespace probation::relay {
namespace {

std::vector<std::string> SubscriptionNames(const ServiceMain& service) {
  std::vector<std::string> names;
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_subscriptions), ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    service.Check("subscriptions",
                  ParseResourceName("subscriptions", "subscriptions", name).status());
    names.emplace_back(name);
  }
  if (names.empty()) service.Fail("subscriptions", "is required");
  return names;
}

std::shared_ptr<grpc::ChannelCredentials> GatewayCredentials(const ServiceMain& service,
                                                             grpc::ChannelArguments& arguments) {
  const std::string ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  const std::string server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (!absl::GetFlag(FLAGS_tls)) {
    if (!ca_file.empty()) service.Fail("tls_ca_file", "needs --tls");
    if (!server_name.empty()) service.Fail("tls_server_name", "needs --tls");
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions tls;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> roots = ReadFileToString(ca_file);
    service.Check("tls_ca_file", roots.status());
    tls.pem_root_certs = *std::move(roots);
  }
  if (!server_name.empty()) arguments.SetSslTargetNameOverride(server_name);
  return grpc::SslCredentials(tls);
}

// Keepalive as the suite's own channels have it: a gateway gone silent is noticed within
// seconds and the stream reopened, rather than waiting on a dead connection.
grpc::ChannelArguments GatewayArguments() {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(absl::Seconds(10))));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(absl::Seconds(5))));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(kMaxReconnectBackoff)));
  return arguments;
}

int AtLeast(const ServiceMain& service, absl::string_view flag, int value, int min) {
  if (value < min) service.Fail(flag, absl::StrCat("must be at least ", min));
  return value;
}

// Whether `url` (http:// or https://) names this host, where plaintext never leaves it.
bool IsLoopbackUrl(absl::string_view url) {
  absl::ConsumePrefix(&url, "http://");
  const absl::string_view authority = url.substr(0, url.find('/'));
  absl::string_view host = authority;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.");
}

}  // namespace

RelaySettings ReadRelaySettings(const ServiceMain& service) {
  RelaySettings settings;
  settings.subscriptions = SubscriptionNames(service);
  settings.gateway_address = absl::GetFlag(FLAGS_gateway_address);
  service.CheckNotEmpty("gateway_address", settings.gateway_address);
  settings.gateway_arguments = GatewayArguments();
  settings.gateway_credentials = GatewayCredentials(service, settings.gateway_arguments);
  settings.token_file = absl::GetFlag(FLAGS_token_file);
  service.CheckNotEmpty("token_file", settings.token_file);

  WebhookSenderOptions& webhook = settings.webhook;
  webhook.url = absl::GetFlag(FLAGS_webhook_url);
  service.CheckNotEmpty("webhook_url", webhook.url);
  if (!absl::StartsWith(webhook.url, "http://") && !absl::StartsWith(webhook.url, "https://")) {
    service.Fail("webhook_url", "must start with http:// or https://");
  }
  if (absl::StartsWith(webhook.url, "http://") && !IsLoopbackUrl(webhook.url) &&
      !absl::GetFlag(FLAGS_webhook_allow_http)) {
    service.Fail("webhook_url",
                 "http:// sends events unencrypted; use https://, or set --webhook_allow_http");
  }
  webhook.ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
  const std::string secret_file = absl::GetFlag(FLAGS_signing_secret_file);
  service.CheckNotEmpty("signing_secret_file", secret_file);
  absl::StatusOr<std::string> secret = ReadFileToString(secret_file);
  service.Check("signing_secret_file", secret.status());
  absl::StatusOr<std::string> key = SigningKeyFromSecret(*secret);
  service.Check("signing_secret_file", key.status());
  webhook.signing_key = *std::move(key);
  webhook.timeout = absl::GetFlag(FLAGS_request_timeout);
  service.CheckDuration("request_timeout", webhook.timeout, absl::Milliseconds(10),
                        absl::Minutes(10));

  PipelineSettings& pipeline = settings.pipeline;
  pipeline.retry.initial_backoff = absl::GetFlag(FLAGS_initial_backoff);
  pipeline.retry.max_backoff = absl::GetFlag(FLAGS_max_backoff);
  service.CheckDuration("initial_backoff", pipeline.retry.initial_backoff, absl::Milliseconds(1));
  service.CheckDuration("max_backoff", pipeline.retry.max_backoff, pipeline.retry.initial_backoff,
                        absl::Hours(1));
  pipeline.retry.max_attempts =
      AtLeast(service, "max_attempts", absl::GetFlag(FLAGS_max_attempts), 1);
  pipeline.lanes = AtLeast(service, "lanes", absl::GetFlag(FLAGS_lanes), 1);
  if (pipeline.lanes > 1024) service.Fail("lanes", "must be at most 1024");
  pipeline.max_in_flight = AtLeast(service, "max_in_flight", absl::GetFlag(FLAGS_max_in_flight), 1);
  pipeline.event_source = absl::GetFlag(FLAGS_event_source);
  // A URI-reference (CloudEvents): no spaces or controls, and short enough for a header line.
  if (pipeline.event_source.empty() || pipeline.event_source.size() > 256 ||
      absl::c_any_of(pipeline.event_source,
                     [](unsigned char c) { return c <= ' ' || c == 0x7f; })) {
    service.Fail("event_source", "must be a URI of 1 to 256 characters without spaces");
  }
  pipeline.ack_interval = absl::GetFlag(FLAGS_ack_interval);
  service.CheckDuration("ack_interval", pipeline.ack_interval, absl::Milliseconds(10),
                        absl::Minutes(10));
  pipeline.ack_max_events =
      AtLeast(service, "ack_max_events", absl::GetFlag(FLAGS_ack_max_events), 1);
  pipeline.replay_poll_interval = absl::GetFlag(FLAGS_replay_poll_interval);
  service.CheckDuration("replay_poll_interval", pipeline.replay_poll_interval,
                        absl::Milliseconds(100));
  pipeline.gateway_timeout = absl::GetFlag(FLAGS_gateway_timeout);
  service.CheckDuration("gateway_timeout", pipeline.gateway_timeout, absl::Milliseconds(100));
  pipeline.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  service.CheckDuration("shutdown_grace", pipeline.shutdown_grace, absl::ZeroDuration(),
                        absl::Minutes(5));
  return settings;
}

}  // namespace probation::relay
