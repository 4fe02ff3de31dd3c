// `subscriptions create|get|list|delete|ack` and `dead-letters list|replay|delete`: durable
// event subscriptions, and the events their consumers gave up on.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/probation/commands.h"
#include "tools/probation/enum_names.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

// "subscriptions/{id}" from an id or a name.
std::string SubscriptionName(absl::string_view text) {
  return absl::StartsWith(text, "subscriptions/") ? std::string(text)
                                                  : absl::StrCat("subscriptions/", text);
}

// A positional event sequence; false after reporting a bad one.
bool ReadSequence(CommandContext& context, int index, int64_t& sequence, int& exit_status) {
  if (!absl::SimpleAtoi(context.arguments.at(index), &sequence) || sequence < 0) {
    exit_status = UsageFailure(
        context, absl::InvalidArgumentError("sequence: expected an event sequence number"));
    return false;
  }
  return true;
}

std::string DeadLetterName(CommandContext& context, int64_t sequence) {
  return absl::StrCat(SubscriptionName(context.arguments.at(0)), "/deadLetters/", sequence);
}

}  // namespace

absl::Status ReadEventFilter(OptionReader& reader, referrals::v1::EventFilter& filter) {
  for (const std::string& type : reader.List("types")) {
    absl::StatusOr<referrals::v1::ReferralEvent::Type> value =
        ParseEnum<referrals::v1::ReferralEvent::Type>(type);
    if (!value.ok()) return InvalidFlag("types", value.status().message());
    filter.add_types(*value);
  }
  for (const std::string& kind : reader.List("kinds")) {
    absl::StatusOr<catalogue::v1::InterventionKind> value =
        ParseEnum<catalogue::v1::InterventionKind>(kind);
    if (!value.ok()) return InvalidFlag("kinds", value.status().message());
    filter.add_kinds(*value);
  }
  for (const std::string& state : reader.List("states")) {
    absl::StatusOr<referrals::v1::ReferralState> value =
        ParseEnum<referrals::v1::ReferralState>(state);
    if (!value.ok()) return InvalidFlag("states", value.status().message());
    filter.add_states(*value);
  }
  for (const std::string& intervention : reader.List("interventions")) {
    absl::StatusOr<std::string> name = InterventionName(intervention, "--interventions");
    if (!name.ok()) return name.status();
    filter.add_interventions(*name);
  }
  for (const std::string& region : reader.List("regions")) filter.add_regions(region);
  for (const std::string& provider : reader.List("providers")) filter.add_providers(provider);
  return absl::OkStatus();
}

int SubscriptionsCreate(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::CreateSubscriptionRequest request;
  if (!context.arguments.empty()) request.set_subscription_id(context.arguments.at(0));
  referrals::v1::Subscription& subscription = *request.mutable_subscription();
  subscription.set_display_name(reader.String("display_name"));
  subscription.set_view(reader.Enum<referrals::v1::EventView>("view"));
  if (reader.Has("start_after")) {
    int64_t start = 0;
    if (!absl::SimpleAtoi(reader.String("start_after"), &start) || start < 0) {
      return UsageFailure(context, InvalidFlag("start_after", "expected an event sequence number"));
    }
    request.set_start_after_sequence(start);
  }
  if (absl::Status status = ReadEventFilter(reader, *subscription.mutable_filter()); !status.ok()) {
    return UsageFailure(context, status);
  }
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::CreateSubscription, request);
}

int SubscriptionsGet(CommandContext& context) {
  referrals::v1::GetSubscriptionRequest request;
  request.set_name(SubscriptionName(context.arguments.at(0)));
  return CallAndPrint(context, &Gateway::GetSubscription, request);
}

int SubscriptionsList(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::ListSubscriptionsRequest request;
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListSubscriptions, request);
}

int SubscriptionsDelete(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::DeleteSubscriptionRequest request;
  request.set_name(SubscriptionName(context.arguments.at(0)));
  request.set_etag(reader.String("etag"));
  return CallAndPrint(context, &Gateway::DeleteSubscription, request);
}

int SubscriptionsAcknowledge(CommandContext& context) {
  int64_t sequence = 0;
  int exit_status = kExitOk;
  if (!ReadSequence(context, 1, sequence, exit_status)) return exit_status;
  referrals::v1::AcknowledgeEventsRequest request;
  request.set_subscription(SubscriptionName(context.arguments.at(0)));
  request.set_sequence(sequence);
  return CallAndPrint(context, &Gateway::AcknowledgeEvents, request);
}

int DeadLettersList(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::ListDeadLettersRequest request;
  request.set_parent(SubscriptionName(context.arguments.at(0)));
  request.set_replay_requested_only(reader.Has("replay_requested") &&
                                    reader.String("replay_requested") != "false");
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListDeadLetters, request);
}

int DeadLettersReplay(CommandContext& context) {
  int64_t sequence = 0;
  int exit_status = kExitOk;
  if (!ReadSequence(context, 1, sequence, exit_status)) return exit_status;
  referrals::v1::ReplayDeadLetterRequest request;
  request.set_name(DeadLetterName(context, sequence));
  return CallAndPrint(context, &Gateway::ReplayDeadLetter, request);
}

int DeadLettersDelete(CommandContext& context) {
  int64_t sequence = 0;
  int exit_status = kExitOk;
  if (!ReadSequence(context, 1, sequence, exit_status)) return exit_status;
  referrals::v1::DeleteDeadLetterRequest request;
  request.set_name(DeadLetterName(context, sequence));
  return CallAndPrint(context, &Gateway::DeleteDeadLetter, request);
}

}  // namespace probation::cli
