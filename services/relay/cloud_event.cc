#include "services/relay/cloud_event.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace probation::relay {

std::string EventTypeSuffix(referrals::v1::ReferralEvent::Type type) {
  std::string name(referrals::v1::ReferralEvent::Type_Name(type));
  // A value newer than this build has no name; it still gets a type receivers can log.
  if (name.empty()) return absl::StrCat("type_", static_cast<int>(type));
  absl::AsciiStrToLower(&name);
  return std::string(absl::StripPrefix(name, "type_"));
}

std::string CloudEventId(const referrals::v1::ReferralEvent& event,
                         absl::string_view subscription) {
  absl::ConsumePrefix(&subscription, "subscriptions/");
  return absl::StrCat(subscription, ":", event.sequence());
}

absl::StatusOr<std::string> CloudEventJson(const referrals::v1::ReferralEvent& event,
                                           absl::string_view subscription,
                                           absl::string_view source) {
  std::string data;
  if (auto status = google::protobuf::util::MessageToJsonString(event, &data); !status.ok()) {
    return absl::InternalError(absl::StrCat(
        "event ", event.sequence(), " not printable as JSON: ", status.message().ToString()));
  }
  const std::string id = CloudEventId(event, subscription);
  // In the order the CloudEvents spec lists its attributes, as the docs show them.
  nlohmann::ordered_json message = {
      {"specversion", "1.0"},
      {"id", id},
      {"source", std::string(source)},
      {"type", absl::StrCat(kCloudEventTypePrefix, EventTypeSuffix(event.type()))},
      {"subject", event.referral().name()},
  };
  if (event.has_occurred_at()) {
    message["time"] = google::protobuf::util::TimeUtil::ToString(event.occurred_at());
  }
  message["datacontenttype"] = "application/json";
  message["sequence"] = absl::StrCat(event.sequence());
  message["subscription"] = std::string(subscription);
  // Parsed again (without exceptions) so that its field order is kept.
  message["data"] = nlohmann::ordered_json::parse(data, nullptr, false);
  if (message["data"].is_discarded()) {
    return absl::InternalError(absl::StrCat("event ", event.sequence(), " printed as bad JSON"));
  }
  // A hostile string in the event is replaced, never thrown over.
  return message.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace probation::relay
