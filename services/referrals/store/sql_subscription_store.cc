// SqlReferralStore's subscriptions and dead letters (subscription_store.h).
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/status/error_reason.h"
#include "services/referrals/store/sql_referral_store.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status SubscriptionNotFound(absl::string_view id) {
  const std::string name = absl::StrCat(kSubscriptions, "/", id);
  return ResourceNotFoundError(kSubscriptionType, name, absl::StrCat("no subscription ", name));
}

absl::Status DeadLetterNotFound(absl::string_view id, int64_t sequence) {
  const std::string name = DeadLetterName(id, sequence);
  return ResourceNotFoundError(kDeadLetterType, name, absl::StrCat("no dead letter ", name));
}

// What a subscription row is read as: the body, and what changes with every acknowledgement.
constexpr absl::string_view kSubscriptionColumns =
    "body, version, acknowledged_sequence, update_us, "
    "(SELECT COUNT(*) FROM dead_letters WHERE subscription = subscriptions.id)";

// A subscription from a row of kSubscriptionColumns.
absl::StatusOr<v1::Subscription> SubscriptionOfRow(const SqlRows& rows, int row) {
  v1::Subscription subscription;
  if (!subscription.ParseFromString(rows.Text(row, 0))) {
    return absl::DataLossError("a subscription is unreadable");
  }
  subscription.set_etag(absl::StrCat(rows.Int(row, 1)));
  subscription.set_acknowledged_sequence(rows.Int(row, 2));
  *subscription.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(rows.Int(row, 3));
  subscription.set_dead_letter_count(static_cast<int32_t>(rows.Int(row, 4)));
  return subscription;
}

// A dead letter from a row of (body, replay_requested).
absl::StatusOr<v1::DeadLetter> DeadLetterOfRow(const SqlRows& rows, int row) {
  v1::DeadLetter dead_letter;
  if (!dead_letter.ParseFromString(rows.Text(row, 0))) {
    return absl::DataLossError("a dead letter is unreadable");
  }
  dead_letter.set_replay_requested(rows.Int(row, 1) != 0);
  return dead_letter;
}

}  // namespace

absl::StatusOr<v1::Subscription> SqlReferralStore::CreateSubscription(
    const v1::Subscription& subscription, int max_per_owner) {
  v1::Subscription stored = subscription;
  stored.set_etag("1");
  const std::string id(IdOf(kSubscriptions, subscription.name()));
  // Through the owner's writer, so that one owner's creates are counted one after another.
  absl::Status status =
      Writer(stored.owner().actor()).Write([&](SqlConnection& db) -> absl::Status {
        absl::StatusOr<SqlRows> owned = db.Query(
            "SELECT COUNT(*) FROM subscriptions WHERE owner_actor = ?", {stored.owner().actor()});
        if (!owned.ok()) return owned.status();
        if (owned->Int(0, 0) >= max_per_owner) {
          return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                                "you have ", max_per_owner,
                                " subscriptions, the most one owner may; delete one first")),
                            reason::kTooManySubscriptions);
        }
        absl::StatusOr<SqlRows> inserted = db.Query(
            "INSERT INTO subscriptions (id, owner_actor, version, acknowledged_sequence, "
            "update_us, "
            "body) VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            {id, stored.owner().actor(), stored.acknowledged_sequence(),
             TimeUtil::TimestampToMicroseconds(stored.update_time()),
             Blob{stored.SerializeAsString()}});
        if (!inserted.ok()) return inserted.status();
        if (inserted->affected() == 0) {
          return WithResourceInfo(
              WithReason(absl::AlreadyExistsError(absl::StrCat(
                             stored.name(), " already exists; choose another subscription_id")),
                         reason::kResourceAlreadyExists),
              kSubscriptionType, stored.name());
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::Subscription> SqlReferralStore::GetSubscription(absl::string_view id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      absl::StrCat("SELECT ", kSubscriptionColumns, " FROM subscriptions WHERE id = ?"),
      {std::string(id)});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return SubscriptionNotFound(id);
  return SubscriptionOfRow(*rows, 0);
}

absl::StatusOr<std::vector<v1::Subscription>> SqlReferralStore::ListSubscriptions(
    const SubscriptionQuery& query) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows =
      query.owner_actor.empty()
          ? reader->Query(absl::StrCat("SELECT ", kSubscriptionColumns,
                                       " FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?"),
                          {query.after_id, int64_t{query.page_size + 1}})
          : reader->Query(absl::StrCat("SELECT ", kSubscriptionColumns,
                                       " FROM subscriptions WHERE owner_actor = ? AND id > ? "
                                       "ORDER BY id LIMIT ?"),
                          {query.owner_actor, query.after_id, int64_t{query.page_size + 1}});
  if (!rows.ok()) return rows.status();
  std::vector<v1::Subscription> subscriptions;
  for (int row = 0; row < rows->size(); ++row) {
    absl::StatusOr<v1::Subscription> subscription = SubscriptionOfRow(*rows, row);
    if (!subscription.ok()) return subscription.status();
    subscriptions.push_back(*std::move(subscription));
  }
  return subscriptions;
}

absl::Status SqlReferralStore::DeleteSubscription(absl::string_view id,
                                                  absl::string_view expected_etag) {
  return Writer(id).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> current =
        db.Query("SELECT version FROM subscriptions WHERE id = ?", {std::string(id)});
    if (!current.ok()) return current.status();
    if (current->size() == 0) return SubscriptionNotFound(id);
    const int64_t version = current->Int(0, 0);
    if (!expected_etag.empty() && VersionOfEtag(expected_etag) != version) {
      return StaleEtagError(expected_etag, absl::StrCat(version), "the subscription");
    }
    absl::StatusOr<SqlRows> deleted = db.Query(
        "DELETE FROM subscriptions WHERE id = ? AND version = ?", {std::string(id), version});
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) {
      return absl::AbortedError("the subscription changed while it was being deleted");
    }
    return db.Query("DELETE FROM dead_letters WHERE subscription = ?", {std::string(id)}).status();
  });
}

absl::StatusOr<v1::Subscription> SqlReferralStore::AcknowledgeEvents(
    absl::string_view id, int64_t sequence, const std::vector<v1::DeadLetter>& dead_letters,
    absl::Time now) {
  absl::StatusOr<v1::Subscription> acknowledged;
  absl::Status status = Writer(id).Write([&](SqlConnection& db) -> absl::Status {
    // One statement moves the sequence on (never back) and the version, so acknowledgements
    // from two relays at once both count and neither loses the other's.
    absl::StatusOr<SqlRows> moved = db.Query(
        "UPDATE subscriptions SET acknowledged_sequence = CASE WHEN acknowledged_sequence < ?1 "
        "THEN ?1 ELSE acknowledged_sequence END, version = version + 1, update_us = ?2 "
        "WHERE id = ?3",
        {sequence, absl::ToUnixMicros(now), std::string(id)});
    if (!moved.ok()) return moved.status();
    if (moved->affected() == 0) return SubscriptionNotFound(id);
    std::vector<SqlStatement> writes;
    for (const v1::DeadLetter& dead_letter : dead_letters) {
      writes.push_back(
          {"INSERT INTO dead_letters (subscription, sequence, replay_requested, body) "
           "VALUES (?, ?, 0, ?) ON CONFLICT (subscription, sequence) DO UPDATE SET "
           "replay_requested = 0, body = excluded.body",
           {std::string(id), dead_letter.sequence(), Blob{dead_letter.SerializeAsString()}}});
    }
    for (absl::StatusOr<SqlRows>& written : db.QueryBatch(writes)) {
      if (!written.ok()) return written.status();
    }
    absl::StatusOr<SqlRows> rows =
        db.Query(absl::StrCat("SELECT ", kSubscriptionColumns, " FROM subscriptions WHERE id = ?"),
                 {std::string(id)});
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return SubscriptionNotFound(id);
    acknowledged = SubscriptionOfRow(*rows, 0);
    return acknowledged.status();
  });
  if (!status.ok()) return status;
  return acknowledged;
}

absl::StatusOr<std::vector<v1::DeadLetter>> SqlReferralStore::ListDeadLetters(
    const DeadLetterQuery& query) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      absl::StrCat("SELECT body, replay_requested FROM dead_letters WHERE subscription = ? AND "
                   "sequence > ?",
                   query.replay_requested_only ? " AND replay_requested = 1" : "",
                   " ORDER BY sequence LIMIT ?"),
      {query.subscription_id, query.after_sequence, int64_t{query.page_size + 1}});
  if (!rows.ok()) return rows.status();
  std::vector<v1::DeadLetter> dead_letters;
  for (int row = 0; row < rows->size(); ++row) {
    absl::StatusOr<v1::DeadLetter> dead_letter = DeadLetterOfRow(*rows, row);
    if (!dead_letter.ok()) return dead_letter.status();
    dead_letters.push_back(*std::move(dead_letter));
  }
  return dead_letters;
}

absl::StatusOr<v1::DeadLetter> SqlReferralStore::RequestReplay(absl::string_view subscription_id,
                                                               int64_t sequence) {
  absl::StatusOr<v1::DeadLetter> requested;
  absl::Status status = Writer(subscription_id).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> updated = db.Query(
        "UPDATE dead_letters SET replay_requested = 1 WHERE subscription = ? AND sequence = ?",
        {std::string(subscription_id), sequence});
    if (!updated.ok()) return updated.status();
    if (updated->affected() == 0) return DeadLetterNotFound(subscription_id, sequence);
    absl::StatusOr<SqlRows> rows = db.Query(
        "SELECT body, replay_requested FROM dead_letters WHERE subscription = ? AND sequence = ?",
        {std::string(subscription_id), sequence});
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return DeadLetterNotFound(subscription_id, sequence);
    requested = DeadLetterOfRow(*rows, 0);
    return requested.status();
  });
  if (!status.ok()) return status;
  return requested;
}

absl::Status SqlReferralStore::DeleteDeadLetter(absl::string_view subscription_id,
                                                int64_t sequence) {
  return Writer(subscription_id).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> deleted =
        db.Query("DELETE FROM dead_letters WHERE subscription = ? AND sequence = ?",
                 {std::string(subscription_id), sequence});
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) return DeadLetterNotFound(subscription_id, sequence);
    return absl::OkStatus();
  });
}

}  // namespace probation::referrals
