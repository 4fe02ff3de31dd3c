#include "services/referrals/domain/subscription_workflow.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/pagination/page_token.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/event_selection.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxDisplayNameLength = 200;
constexpr size_t kMaxLastErrorLength = 1000;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

Identity OwnerIdentity(const v1::SubscriptionOwner& owner) {
  Identity identity;
  identity.actor = owner.actor();
  identity.role = owner.role();
  identity.region = owner.region();
  identity.provider = owner.provider();
  identity.expires = absl::InfiniteFuture();
  return identity;
}

// Who may use anyone's subscription and replay dead letters: admins, as the policy says.
bool ManagesSubscriptions(const Identity& caller) {
  return AccessPolicy::Embedded().For(caller.role).manages_subscriptions();
}

// The owner, in the scope their token gave when they created it; or an admin.
bool MayUse(const Identity& caller, const v1::Subscription& subscription) {
  const v1::SubscriptionOwner& owner = subscription.owner();
  return ManagesSubscriptions(caller) ||
         (caller.actor == owner.actor() && caller.role == owner.role() &&
          caller.region == owner.region() && caller.provider == owner.provider());
}

absl::Status CheckMayWatch(const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (ScopeOfRole(caller.role) == ReferralScope::kNothing) {
    return absl::PermissionDeniedError("your role may not watch referral events");
  }
  return absl::OkStatus();
}

std::string NewSubscriptionId() {
  absl::BitGen random;
  return absl::StrCat("sub-", absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
}

// (subscription id, sequence) of "subscriptions/{id}/deadLetters/{sequence}".
absl::StatusOr<std::pair<std::string, int64_t>> ParseDeadLetterName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  int64_t sequence = 0;
  if (parts.size() != 4 || parts[0] != kSubscriptions || !IsResourceId(parts[1]) ||
      parts[2] != "deadLetters" || !absl::SimpleAtoi(parts[3], &sequence) || sequence <= 0) {
    return InvalidFieldError("name", "must be \"subscriptions/{id}/deadLetters/{sequence}\"");
  }
  return std::make_pair(std::string(parts[1]), sequence);
}

}  // namespace

SubscriptionWorkflow::SubscriptionWorkflow(ReferralStore& store, AccessAudit* audit,
                                           std::function<absl::Time()> now)
    : store_(store), audit_(audit), now_(now ? std::move(now) : [] { return absl::Now(); }) {}

absl::StatusOr<v1::Subscription> SubscriptionWorkflow::LoadOwned(absl::string_view field,
                                                                 absl::string_view name,
                                                                 const Identity& caller) {
  absl::StatusOr<std::string> id = ParseResourceName(field, kSubscriptions, name);
  if (!id.ok()) return id.status();
  absl::StatusOr<v1::Subscription> subscription = store_.GetSubscription(*id);
  if (!subscription.ok()) return subscription.status();
  // Another's subscription is reported as missing, so its existence does not leak.
  if (!MayUse(caller, *subscription)) {
    return ResourceNotFoundError(kSubscriptionType, name, absl::StrCat("no subscription ", name));
  }
  return subscription;
}

absl::StatusOr<v1::Subscription> SubscriptionWorkflow::CreateSubscription(
    const v1::CreateSubscriptionRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  const v1::Subscription& proposed = request.subscription();
  if (proposed.display_name().size() > kMaxDisplayNameLength) {
    return InvalidFieldError("subscription.display_name",
                             absl::StrCat("at most ", kMaxDisplayNameLength, " characters"));
  }
  if (absl::Status status = ValidateEventFilter(proposed.filter(), "subscription.filter");
      !status.ok()) {
    return status;
  }
  absl::StatusOr<v1::EventView> view =
      ResolveView(proposed.view(), "subscription.view", v1::EVENT_VIEW_BASIC);
  if (!view.ok()) return view.status();
  std::string id = request.subscription_id();
  if (id.empty()) {
    id = NewSubscriptionId();
  } else if (absl::Status status = CheckResourceId("subscription_id", id); !status.ok()) {
    return status;
  } else if (!(id[0] >= 'a' && id[0] <= 'z')) {
    return InvalidFieldError("subscription_id", "must start with a letter");
  }
  absl::StatusOr<int64_t> newest = store_.LastEventSequence();
  if (!newest.ok()) return newest.status();
  int64_t start = *newest;
  if (request.has_start_after_sequence()) {
    start = request.start_after_sequence();
    if (start < 0 || start > *newest) {
      return InvalidFieldError("start_after_sequence",
                               absl::StrCat("must be from 0 to the newest event's, ", *newest));
    }
  }
  v1::Subscription subscription;
  subscription.set_name(ResourceName(kSubscriptions, id));
  subscription.set_display_name(proposed.display_name());
  *subscription.mutable_filter() = proposed.filter();
  subscription.set_view(*view);
  subscription.set_acknowledged_sequence(start);
  v1::SubscriptionOwner& owner = *subscription.mutable_owner();
  owner.set_actor(caller.actor);
  owner.set_role(caller.role);
  owner.set_region(caller.region);
  owner.set_provider(caller.provider);
  *subscription.mutable_create_time() = ToTimestamp(now_());
  *subscription.mutable_update_time() = subscription.create_time();
  return store_.CreateSubscription(subscription, kMaxSubscriptionsPerOwner);
}

absl::StatusOr<v1::Subscription> SubscriptionWorkflow::GetSubscription(
    const v1::GetSubscriptionRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  return LoadOwned("name", request.name(), caller);
}

absl::StatusOr<v1::ListSubscriptionsResponse> SubscriptionWorkflow::ListSubscriptions(
    const v1::ListSubscriptionsRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  SubscriptionQuery query;
  query.owner_actor = ManagesSubscriptions(caller) ? "" : caller.actor;
  query.page_size = *page_size;
  const uint64_t fingerprint = FilterFingerprint(absl::StrCat("subscriptions|", query.owner_actor));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) query.after_id = (*after)->id;
  absl::StatusOr<std::vector<v1::Subscription>> found = store_.ListSubscriptions(query);
  if (!found.ok()) return found.status();
  const bool more = static_cast<int>(found->size()) > query.page_size;
  if (more) found->resize(query.page_size);
  v1::ListSubscriptionsResponse response;
  if (more) {
    response.set_next_page_token(EncodeKeysetPageToken(
        {0, std::string(IdOf(kSubscriptions, found->back().name()))}, fingerprint));
  }
  for (v1::Subscription& subscription : *found) {
    // The same actor in another role or region owns a subscription this caller may not use.
    if (MayUse(caller, subscription)) *response.add_subscriptions() = std::move(subscription);
  }
  return response;
}

absl::StatusOr<v1::DeleteSubscriptionResponse> SubscriptionWorkflow::DeleteSubscription(
    const v1::DeleteSubscriptionRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  absl::StatusOr<v1::Subscription> subscription = LoadOwned("name", request.name(), caller);
  if (!subscription.ok()) return subscription.status();
  if (absl::Status status =
          store_.DeleteSubscription(IdOf(kSubscriptions, subscription->name()), request.etag());
      !status.ok()) {
    return status;
  }
  return v1::DeleteSubscriptionResponse();
}

absl::StatusOr<v1::Subscription> SubscriptionWorkflow::AcknowledgeEvents(
    const v1::AcknowledgeEventsRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  if (request.sequence() < 0) return InvalidFieldError("sequence", "must not be negative");
  if (request.dead_letters_size() > kMaxDeadLettersPerAcknowledgement) {
    return InvalidFieldError("dead_letters",
                             absl::StrCat("at most ", kMaxDeadLettersPerAcknowledgement));
  }
  absl::StatusOr<v1::Subscription> subscription =
      LoadOwned("subscription", request.subscription(), caller);
  if (!subscription.ok()) return subscription.status();
  absl::StatusOr<int64_t> newest = store_.LastEventSequence();
  if (!newest.ok()) return newest.status();
  if (request.sequence() > *newest) {
    return InvalidFieldError("sequence", absl::StrCat("is beyond the newest event's, ", *newest));
  }
  const std::string id(IdOf(kSubscriptions, subscription->name()));
  const int64_t acknowledged = std::max(request.sequence(), subscription->acknowledged_sequence());
  const absl::Time now = now_();
  std::vector<v1::DeadLetter> dead_letters;
  for (int i = 0; i < request.dead_letters_size(); ++i) {
    const v1::DeadLetter& given = request.dead_letters(i);
    const std::string field = absl::StrCat("dead_letters[", i, "]");
    if (given.sequence() <= 0 || given.sequence() > acknowledged) {
      return InvalidFieldError(
          absl::StrCat(field, ".sequence"),
          absl::StrCat("must be an acknowledged event's, from 1 to ", acknowledged));
    }
    if (given.attempts() < 0) {
      return InvalidFieldError(absl::StrCat(field, ".attempts"), "must not be negative");
    }
    if (given.last_error().size() > kMaxLastErrorLength) {
      return InvalidFieldError(absl::StrCat(field, ".last_error"),
                               absl::StrCat("at most ", kMaxLastErrorLength, " characters"));
    }
    v1::DeadLetter& dead_letter = dead_letters.emplace_back();
    dead_letter.set_name(DeadLetterName(id, given.sequence()));
    dead_letter.set_sequence(given.sequence());
    dead_letter.set_attempts(given.attempts());
    dead_letter.set_last_error(given.last_error());
    *dead_letter.mutable_record_time() = ToTimestamp(now);
  }
  return store_.AcknowledgeEvents(id, request.sequence(), dead_letters, now);
}

absl::StatusOr<v1::ListDeadLettersResponse> SubscriptionWorkflow::ListDeadLetters(
    const v1::ListDeadLettersRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  absl::StatusOr<v1::Subscription> subscription = LoadOwned("parent", request.parent(), caller);
  if (!subscription.ok()) return subscription.status();
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  DeadLetterQuery query;
  query.subscription_id = std::string(IdOf(kSubscriptions, subscription->name()));
  query.replay_requested_only = request.replay_requested_only();
  query.page_size = *page_size;
  const uint64_t fingerprint = FilterFingerprint(
      absl::StrCat("dead-letters|", query.subscription_id, "|", query.replay_requested_only));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) query.after_sequence = (*after)->key;
  absl::StatusOr<std::vector<v1::DeadLetter>> found = store_.ListDeadLetters(query);
  if (!found.ok()) return found.status();
  const bool more = static_cast<int>(found->size()) > query.page_size;
  if (more) found->resize(query.page_size);
  // Each event is read as the subscription shows it now: in its view, and only while its
  // owner may still see the referral.
  WatchSelection selection;
  selection.view = subscription->view();
  selection.scope = OwnerIdentity(subscription->owner());
  v1::ListDeadLettersResponse response;
  if (more) {
    response.set_next_page_token(
        EncodeKeysetPageToken({found->back().sequence(), ""}, fingerprint));
  }
  // The page's events in one read, matched to their dead letters in sequence order.
  std::vector<int64_t> sequences;
  for (const v1::DeadLetter& dead_letter : *found) sequences.push_back(dead_letter.sequence());
  absl::StatusOr<std::vector<v1::ReferralEvent>> events = store_.EventsAt(sequences);
  if (!events.ok()) return events.status();
  auto event = events->begin();
  for (v1::DeadLetter& dead_letter : *found) {
    while (event != events->end() && event->sequence() < dead_letter.sequence()) ++event;
    if (event != events->end() && event->sequence() == dead_letter.sequence()) {
      if (std::optional<v1::ReferralEvent> shown = Select(selection, *event)) {
        // A FULL event shows the person's data: the read is recorded, as a watch's is.
        if (audit_ != nullptr && shown->referral().has_person()) {
          audit_->Record(AccessRecordOf(caller, "ListDeadLetters", shown->referral().person().crn(),
                                        shown->referral().name(), v1::AccessRecord::OUTCOME_ALLOWED,
                                        now_()));
        }
        *dead_letter.mutable_event() = *std::move(shown);
      }
    }
    *response.add_dead_letters() = std::move(dead_letter);
  }
  return response;
}

absl::StatusOr<v1::DeadLetter> SubscriptionWorkflow::ReplayDeadLetter(
    const v1::ReplayDeadLetterRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!ManagesSubscriptions(caller)) {
    return absl::PermissionDeniedError("only an admin may replay a dead letter");
  }
  absl::StatusOr<std::pair<std::string, int64_t>> name = ParseDeadLetterName(request.name());
  if (!name.ok()) return name.status();
  return store_.RequestReplay(name->first, name->second);
}

absl::StatusOr<v1::DeleteDeadLetterResponse> SubscriptionWorkflow::DeleteDeadLetter(
    const v1::DeleteDeadLetterRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  absl::StatusOr<std::pair<std::string, int64_t>> name = ParseDeadLetterName(request.name());
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Subscription> subscription =
      LoadOwned("name", ResourceName(kSubscriptions, name->first), caller);
  if (!subscription.ok()) return subscription.status();
  if (absl::Status status = store_.DeleteDeadLetter(name->first, name->second); !status.ok()) {
    return status;
  }
  return v1::DeleteDeadLetterResponse();
}

absl::StatusOr<WatchSelection> SubscriptionWorkflow::ResolveWatch(
    const v1::WatchReferralEventsRequest& request, const Identity& caller) {
  if (absl::Status status = CheckMayWatch(caller); !status.ok()) return status;
  if (request.subscription().empty()) return SelectionOfRequest(request, caller);
  if (request.has_filter()) return InvalidFieldError("filter", "not with a subscription");
  if (request.view() != v1::EVENT_VIEW_UNSPECIFIED) {
    return InvalidFieldError("view", "not with a subscription");
  }
  if (request.after_sequence() < 0) {
    return InvalidFieldError("after_sequence", "must not be negative");
  }
  absl::StatusOr<v1::Subscription> subscription =
      LoadOwned("subscription", request.subscription(), caller);
  if (!subscription.ok()) return subscription.status();
  WatchSelection selection;
  selection.after_sequence = request.after_sequence() > 0 ? request.after_sequence()
                                                          : subscription->acknowledged_sequence();
  selection.filter = subscription->filter();
  selection.view = subscription->view();
  selection.scope = OwnerIdentity(subscription->owner());
  return selection;
}

}  // namespace probation::referrals
