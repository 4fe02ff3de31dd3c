#include "services/relay/webhook_sender.h"

#include <curl/curl.h>

#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/build_info/build_info.h"
#include "services/relay/cloud_event.h"
#include "services/relay/webhook_signature.h"

namespace probation::relay {
namespace {

CURL* Handle(void* curl) { return static_cast<CURL*>(curl); }

// What the callbacks of one attempt share.
struct Exchange {
  const absl::Notification* abandon = nullptr;
  std::optional<absl::Duration> retry_after;
};

// Reads Retry-After (seconds; an HTTP date is not honoured) from each header line.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  absl::string_view line(data, size * count);
  // A new response (after a 100 Continue, say) starts afresh.
  if (absl::StartsWith(line, "HTTP/")) exchange->retry_after.reset();
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos &&
      absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(line.substr(0, colon)), "retry-after")) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)), &seconds) &&
        seconds >= 0) {
      exchange->retry_after = absl::Seconds(seconds);
    }
  }
  return size * count;
}

// The answer's body is not needed; reading it keeps the connection reusable.
size_t OnBody(char*, size_t size, size_t count, void*) { return size * count; }

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Exchange*>(user)->abandon->HasBeenNotified() ? 1 : 0;
}

std::string ErrorText(CURLcode code, const char* detail) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_ABORTED_BY_CALLBACK:
      return "abandoned";
    case CURLE_COULDNT_CONNECT:
      return "connection refused";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "host not found";
    default:
      return absl::StrCat("connection error: ",
                          *detail != '\0' ? detail : curl_easy_strerror(code));
  }
}

}  // namespace

WebhookSender::WebhookSender(WebhookSenderOptions options) : options_(std::move(options)) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

WebhookSender::~WebhookSender() { curl_easy_cleanup(Handle(curl_)); }

AttemptResult WebhookSender::Post(const OutgoingEvent& event, const absl::Notification& abandon) {
  AttemptResult result;
  CURL* curl = Handle(curl_);
  if (curl == nullptr) {
    result.error = "no HTTP client";
    return result;
  }
  const int64_t timestamp = absl::ToUnixSeconds(options_.now());
  curl_slist* headers = nullptr;
  for (const std::string& header :
       {absl::StrCat("Content-Type: ", kCloudEventContentType),
        absl::StrCat("webhook-id: ", event.id), absl::StrCat("webhook-timestamp: ", timestamp),
        absl::StrCat("webhook-signature: ",
                     WebhookSignature(options_.signing_key, event.id, timestamp, event.body)),
        // The body goes at once: no round trip waiting for 100 Continue.
        std::string("Expect:")}) {
    headers = curl_slist_append(headers, header.c_str());
  }
  static const std::string user_agent = absl::StrCat("probation-relay/", GetBuildInfo().version);
  Exchange exchange;
  exchange.abandon = &abandon;
  char error[CURL_ERROR_SIZE] = {0};
  // Options are set again for every attempt: curl_easy_reset would also drop the connection.
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, event.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(event.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  // Threads and signals do not mix: curl must not use SIGALRM for its timeouts.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = static_cast<int>(status);
    result.retry_after = exchange.retry_after;
  } else {
    result.error = ErrorText(code, error);
  }
  // Nothing of this attempt may outlive it in the handle.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  return result;
}

}  // namespace probation::relay
