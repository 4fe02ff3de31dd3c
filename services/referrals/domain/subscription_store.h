// Where durable event subscriptions and their dead letters live: beside the events they point
// into, in the referrals' database, so a subscription's acknowledged sequence and the dead
// letters recorded with it commit together.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_STORE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "probation/referrals/v1/subscription.pb.h"

namespace probation::referrals {

inline constexpr absl::string_view kSubscriptionType = "probation.referrals.v1.Subscription";
inline constexpr absl::string_view kDeadLetterType = "probation.referrals.v1.DeadLetter";
inline constexpr absl::string_view kSubscriptions = "subscriptions";

// "subscriptions/{id}/deadLetters/{sequence}".
std::string DeadLetterName(absl::string_view subscription_id, int64_t sequence);

// A page of subscriptions by id: the owner's (every owner's when empty), after `after_id`.
struct SubscriptionQuery {
  std::string owner_actor;
  std::string after_id;
  // Reads one more than this, to say whether there is another page.
  int page_size = 50;
};

struct DeadLetterQuery {
  std::string subscription_id;
  bool replay_requested_only = false;
  int64_t after_sequence = 0;
  int page_size = 50;
};

class SubscriptionStore {
 public:
  virtual ~SubscriptionStore() = default;

  // Stores `subscription` (its name, owner, times and acknowledged sequence set) at etag "1".
  // ALREADY_EXISTS when its id is taken; RESOURCE_EXHAUSTED when its owner already has
  // `max_per_owner`.
  virtual absl::StatusOr<v1::Subscription> CreateSubscription(const v1::Subscription& subscription,
                                                              int max_per_owner) = 0;
  // NOT_FOUND when there is none. dead_letter_count is filled in.
  virtual absl::StatusOr<v1::Subscription> GetSubscription(absl::string_view id) = 0;
  // By id; dead_letter_count is filled in.
  virtual absl::StatusOr<std::vector<v1::Subscription>> ListSubscriptions(
      const SubscriptionQuery& query) = 0;
  // Deletes it and its dead letters. NOT_FOUND; ABORTED when `expected_etag` is non-empty and
  // not the stored one.
  virtual absl::Status DeleteSubscription(absl::string_view id,
                                          absl::string_view expected_etag) = 0;
  // Moves the acknowledged sequence to `sequence` if that is further, and replaces or adds
  // `dead_letters` (their replay requests cleared), in one transaction; the new etag.
  virtual absl::StatusOr<v1::Subscription> AcknowledgeEvents(
      absl::string_view id, int64_t sequence, const std::vector<v1::DeadLetter>& dead_letters,
      absl::Time now) = 0;

  // Oldest first; `event` is not filled in.
  virtual absl::StatusOr<std::vector<v1::DeadLetter>> ListDeadLetters(
      const DeadLetterQuery& query) = 0;
  // Sets replay_requested; NOT_FOUND when there is no such dead letter.
  virtual absl::StatusOr<v1::DeadLetter> RequestReplay(absl::string_view subscription_id,
                                                       int64_t sequence) = 0;
  // NOT_FOUND when there is no such dead letter.
  virtual absl::Status DeleteDeadLetter(absl::string_view subscription_id, int64_t sequence) = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_SUBSCRIPTION_STORE_H_
