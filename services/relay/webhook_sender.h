// The HTTP side of the relay: POSTs one signed CloudEvent to the webhook URL with libcurl,
// keeping its connection open between events (one sender per lane, so one connection each).
#ifndef PROBATION_SERVICES_RELAY_WEBHOOK_SENDER_H_
#define PROBATION_SERVICES_RELAY_WEBHOOK_SENDER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "services/relay/webhook_poster.h"

namespace probation::relay {

struct WebhookSenderOptions {
  std::string url;
  // The HMAC key (SigningKeyFromSecret).
  std::string signing_key;
  // The longest one attempt may take, connecting included.
  absl::Duration timeout = absl::Seconds(10);
  // PEM certificates to trust for an https URL instead of the system's; empty for those.
  std::string ca_file;
  // The webhook-timestamp's clock; tests stop it.
  std::function<absl::Time()> now = absl::Now;
};

class WebhookSender : public WebhookPoster {
 public:
  explicit WebhookSender(WebhookSenderOptions options);
  ~WebhookSender() override;
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  AttemptResult Post(const OutgoingEvent& event, const absl::Notification& abandon) override;

 private:
  WebhookSenderOptions options_;
  // A CURL easy handle, kept for its connection cache.
  void* curl_;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_WEBHOOK_SENDER_H_
