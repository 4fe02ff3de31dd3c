// Durable subscriptions over a real store, on both engines: who may create, read, watch and
// acknowledge one; acknowledgements that never move back; dead letters recorded with them,
// shown in the subscription's view and replayed by an admin; and what a watch of one sends.
#include "services/referrals/domain/subscription_workflow.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"
#include "tests/referrals/store_engines.h"
#include "tests/referrals/test_callers.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

const Identity kPractitioner = Person("pp-1", common::v1::ROLE_PROBATION_PRACTITIONER, "london");
const Identity kOtherPractitioner =
    Person("pp-2", common::v1::ROLE_PROBATION_PRACTITIONER, "london");
const Identity kAdmin = Person("admin-1", common::v1::ROLE_ADMIN);

class SubscriptionWorkflowTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (store_ != nullptr) workflow_ = std::make_unique<SubscriptionWorkflow>(*store_);
  }

  // Writes a CREATED event for a new referral in `region`; returns its sequence.
  int64_t WriteEvent(const std::string& region) {
    const int n = ++counter_;
    ReferralWrite write;
    v1::Referral& referral = write.referral;
    referral.set_id(absl::StrCat("id", n));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrCat("AB", 1000 + n, "CD"));
    referral.set_intervention("interventions/unpaid-work");
    referral.set_kind(catalogue::v1::INTERVENTION_KIND_UNPAID_WORK);
    referral.mutable_person()->set_crn(absl::StrCat("X", 100000 + n));
    referral.set_region(region);
    referral.set_state(v1::REFERRAL_STATE_DRAFT);
    write.history.emplace();
    write.history->set_to_state(v1::REFERRAL_STATE_DRAFT);
    write.history->set_action("create");
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    v1::AccessRecord& access = write.access.emplace();
    access.set_actor("pp-1");
    access.set_role(common::v1::ROLE_PROBATION_PRACTITIONER);
    access.set_crn(referral.person().crn());
    access.set_id(absl::StrCat("access-", n));
    EXPECT_TRUE(store_->Create(write, absl::StrCat("request-", n)).ok());
    return *store_->LastEventSequence();
  }

  v1::Subscription Create(const Identity& caller, const std::string& id = "",
                          v1::EventView view = v1::EVENT_VIEW_UNSPECIFIED) {
    v1::CreateSubscriptionRequest request;
    request.set_subscription_id(id);
    request.mutable_subscription()->set_display_name("case management");
    request.mutable_subscription()->set_view(view);
    auto created = workflow_->CreateSubscription(request, caller);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : v1::Subscription();
  }

  std::unique_ptr<SubscriptionWorkflow> workflow_;
  int counter_ = 0;
};

TEST_P(SubscriptionWorkflowTest, ASubscriptionIsBasicByDefaultOwnedByItsCreatorAndStartsNow) {
  WriteEvent("london");
  const int64_t newest = WriteEvent("london");
  const v1::Subscription created = Create(kPractitioner, "ndelius-feed");
  EXPECT_EQ(created.name(), "subscriptions/ndelius-feed");
  EXPECT_EQ(created.view(), v1::EVENT_VIEW_BASIC);
  EXPECT_EQ(created.acknowledged_sequence(), newest);
  EXPECT_EQ(created.owner().actor(), "pp-1");
  EXPECT_EQ(created.owner().region(), "london");
  EXPECT_EQ(created.etag(), "1");

  v1::GetSubscriptionRequest get;
  get.set_name(created.name());
  auto read = workflow_->GetSubscription(get, kPractitioner);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->display_name(), "case management");
  EXPECT_TRUE(workflow_->GetSubscription(get, kAdmin).ok());
  // Another practitioner is told it does not exist.
  auto other = workflow_->GetSubscription(get, kOtherPractitioner);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReasonOf(other.status()), reason::kResourceNotFound);
  // The same id again is taken.
  v1::CreateSubscriptionRequest again;
  again.set_subscription_id("ndelius-feed");
  EXPECT_EQ(workflow_->CreateSubscription(again, kOtherPractitioner).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(SubscriptionWorkflowTest, BadRequestsAreRefusedNamingTheField) {
  v1::CreateSubscriptionRequest request;
  request.set_subscription_id("Bad_Id");
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("subscription_id"));
  request.set_subscription_id("9lives");
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("subscription_id"));
  request.clear_subscription_id();
  request.mutable_subscription()->set_view(static_cast<v1::EventView>(7));
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("subscription.view"));
  request.mutable_subscription()->clear_view();
  request.mutable_subscription()->mutable_filter()->add_regions("Not A Region");
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("subscription.filter.regions[0]"));
  request.mutable_subscription()->clear_filter();
  request.set_start_after_sequence(5);
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("start_after_sequence"));
  request.mutable_subscription()->set_display_name(std::string(201, 'x'));
  EXPECT_THAT(workflow_->CreateSubscription(request, kPractitioner).status().message(),
              HasSubstr("subscription.display_name"));
  // A service identity is no person, and may not own one.
  EXPECT_EQ(workflow_
                ->CreateSubscription(v1::CreateSubscriptionRequest(),
                                     Person("catalogue", common::v1::ROLE_SERVICE))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_P(SubscriptionWorkflowTest, AcknowledgementsMoveOnNeverBackAndNotPastTheNewestEvent) {
  const v1::Subscription subscription = Create(kPractitioner, "feed");
  const int64_t first = WriteEvent("london");
  const int64_t second = WriteEvent("london");
  v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  ack.set_sequence(second);
  auto acknowledged = workflow_->AcknowledgeEvents(ack, kPractitioner);
  ASSERT_TRUE(acknowledged.ok()) << acknowledged.status();
  EXPECT_EQ(acknowledged->acknowledged_sequence(), second);
  EXPECT_EQ(acknowledged->etag(), "2");
  ack.set_sequence(first);
  acknowledged = workflow_->AcknowledgeEvents(ack, kPractitioner);
  ASSERT_TRUE(acknowledged.ok());
  EXPECT_EQ(acknowledged->acknowledged_sequence(), second);
  ack.set_sequence(second + 1);
  auto beyond = workflow_->AcknowledgeEvents(ack, kPractitioner);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(beyond.status().message(), HasSubstr("sequence"));
  ack.set_sequence(second);
  EXPECT_EQ(workflow_->AcknowledgeEvents(ack, kOtherPractitioner).status().code(),
            absl::StatusCode::kNotFound);
  // Survives a restart: it is stored.
  Reopen();
  workflow_ = std::make_unique<SubscriptionWorkflow>(*store_);
  v1::GetSubscriptionRequest get;
  get.set_name(subscription.name());
  EXPECT_EQ(workflow_->GetSubscription(get, kPractitioner)->acknowledged_sequence(), second);
}

TEST_P(SubscriptionWorkflowTest, DeadLettersAreRecordedShownInTheViewReplayedAndDeleted) {
  const v1::Subscription subscription = Create(kPractitioner, "feed");
  const int64_t failed = WriteEvent("london");
  const int64_t delivered = WriteEvent("london");
  v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  ack.set_sequence(delivered);
  v1::DeadLetter* dead = ack.add_dead_letters();
  dead->set_sequence(failed);
  dead->set_attempts(8);
  dead->set_last_error("HTTP 503");
  auto acknowledged = workflow_->AcknowledgeEvents(ack, kPractitioner);
  ASSERT_TRUE(acknowledged.ok()) << acknowledged.status();
  EXPECT_EQ(acknowledged->dead_letter_count(), 1);

  v1::ListDeadLettersRequest list;
  list.set_parent(subscription.name());
  auto letters = workflow_->ListDeadLetters(list, kPractitioner);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->dead_letters_size(), 1);
  const v1::DeadLetter& letter = letters->dead_letters(0);
  EXPECT_EQ(letter.name(), absl::StrCat("subscriptions/feed/deadLetters/", failed));
  EXPECT_EQ(letter.attempts(), 8);
  EXPECT_EQ(letter.last_error(), "HTTP 503");
  EXPECT_EQ(letter.event().sequence(), failed);
  // The subscription is BASIC: the event has no person.
  EXPECT_FALSE(letter.event().referral().has_person());
  EXPECT_FALSE(letter.replay_requested());

  // Only an admin asks for a replay; the consumer then sees it among those to replay.
  v1::ReplayDeadLetterRequest replay;
  replay.set_name(letter.name());
  EXPECT_EQ(workflow_->ReplayDeadLetter(replay, kPractitioner).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto replayed = workflow_->ReplayDeadLetter(replay, kAdmin);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replay_requested());
  list.set_replay_requested_only(true);
  ASSERT_EQ(workflow_->ListDeadLetters(list, kPractitioner)->dead_letters_size(), 1);
  // A failed replay is recorded again, which clears the request.
  dead->set_attempts(9);
  ack.clear_sequence();
  ASSERT_TRUE(workflow_->AcknowledgeEvents(ack, kPractitioner).ok());
  EXPECT_EQ(workflow_->ListDeadLetters(list, kPractitioner)->dead_letters_size(), 0);
  ASSERT_TRUE(workflow_->ReplayDeadLetter(replay, kAdmin).ok());
  // Delivered at last: deleted.
  v1::DeleteDeadLetterRequest remove;
  remove.set_name(letter.name());
  EXPECT_EQ(workflow_->DeleteDeadLetter(remove, kOtherPractitioner).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(workflow_->DeleteDeadLetter(remove, kPractitioner).ok());
  EXPECT_EQ(workflow_->DeleteDeadLetter(remove, kPractitioner).status().code(),
            absl::StatusCode::kNotFound);
  list.set_replay_requested_only(false);
  EXPECT_EQ(workflow_->ListDeadLetters(list, kPractitioner)->dead_letters_size(), 0);

  // A dead letter must be of an acknowledged event.
  v1::AcknowledgeEventsRequest ahead;
  ahead.set_subscription(subscription.name());
  ahead.add_dead_letters()->set_sequence(delivered + 1);
  EXPECT_THAT(workflow_->AcknowledgeEvents(ahead, kPractitioner).status().message(),
              HasSubstr("dead_letters[0].sequence"));
  replay.set_name("subscriptions/feed/deadLetters/zero");
  EXPECT_EQ(workflow_->ReplayDeadLetter(replay, kAdmin).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(SubscriptionWorkflowTest, ListsTheCallersOwnPageByPageAndAnAdminEveryones) {
  for (int i = 0; i < 3; ++i) Create(kPractitioner, absl::StrCat("mine-", i));
  Create(kOtherPractitioner, "theirs");
  v1::ListSubscriptionsRequest request;
  request.set_page_size(2);
  auto page = workflow_->ListSubscriptions(request, kPractitioner);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->subscriptions_size(), 2);
  EXPECT_EQ(page->subscriptions(0).name(), "subscriptions/mine-0");
  request.set_page_token(page->next_page_token());
  page = workflow_->ListSubscriptions(request, kPractitioner);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->subscriptions_size(), 1);
  EXPECT_EQ(page->subscriptions(0).name(), "subscriptions/mine-2");
  EXPECT_TRUE(page->next_page_token().empty());
  v1::ListSubscriptionsRequest all;
  EXPECT_EQ(workflow_->ListSubscriptions(all, kAdmin)->subscriptions_size(), 4);

  v1::DeleteSubscriptionRequest remove;
  remove.set_name("subscriptions/theirs");
  EXPECT_EQ(workflow_->DeleteSubscription(remove, kPractitioner).status().code(),
            absl::StatusCode::kNotFound);
  remove.set_etag("7");
  EXPECT_EQ(workflow_->DeleteSubscription(remove, kOtherPractitioner).status().code(),
            absl::StatusCode::kAborted);
  remove.set_etag("1");
  EXPECT_TRUE(workflow_->DeleteSubscription(remove, kOtherPractitioner).ok());
  EXPECT_EQ(workflow_->ListSubscriptions(all, kAdmin)->subscriptions_size(), 3);
}

TEST_P(SubscriptionWorkflowTest, AWatchOfASubscriptionResumesAfterItsAcknowledgementInItsView) {
  const v1::Subscription subscription = Create(kPractitioner, "feed");
  const int64_t first = WriteEvent("london");
  const int64_t second = WriteEvent("london");
  v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  ack.set_sequence(second);
  ASSERT_TRUE(workflow_->AcknowledgeEvents(ack, kPractitioner).ok());

  v1::WatchReferralEventsRequest watch;
  watch.set_subscription(subscription.name());
  auto selection = workflow_->ResolveWatch(watch, kPractitioner);
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_EQ(selection->after_sequence, second);
  EXPECT_EQ(selection->view, v1::EVENT_VIEW_BASIC);
  // A consumer that knows better (it received more than it acknowledged) says where.
  watch.set_after_sequence(first);
  EXPECT_EQ(workflow_->ResolveWatch(watch, kPractitioner)->after_sequence, first);
  // Its filter and view are its own.
  watch.set_view(v1::EVENT_VIEW_FULL);
  EXPECT_THAT(workflow_->ResolveWatch(watch, kPractitioner).status().message(), HasSubstr("view"));
  watch.clear_view();
  EXPECT_EQ(workflow_->ResolveWatch(watch, kOtherPractitioner).status().code(),
            absl::StatusCode::kNotFound);

  // A plain watch is FULL unless it asks; the scope is the watcher's.
  v1::WatchReferralEventsRequest plain;
  auto full = workflow_->ResolveWatch(plain, kPractitioner);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->view, v1::EVENT_VIEW_FULL);
  auto events = store_->EventsAfter(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_TRUE(Select(*full, events->front()).has_value());
  EXPECT_TRUE(Select(*full, events->front())->referral().has_person());
  full->filter.add_regions("wales");
  EXPECT_FALSE(Select(*full, events->front()).has_value());
  WatchSelection elsewhere = *selection;
  elsewhere.scope = Person("pp-9", common::v1::ROLE_PROBATION_PRACTITIONER, "wales");
  EXPECT_FALSE(Select(elsewhere, events->front()).has_value());
}

// Where the workflow's access records go: kept for the test to read.
class RecordedAudit final : public AccessAudit {
 public:
  void Record(v1::AccessRecord record) override { records.push_back(std::move(record)); }
  std::vector<v1::AccessRecord> records;
};

TEST_P(SubscriptionWorkflowTest, AFullSubscriptionsDeadLettersShowThePersonAndRecordTheRead) {
  RecordedAudit audit;
  workflow_ = std::make_unique<SubscriptionWorkflow>(*store_, &audit);
  const v1::Subscription subscription = Create(kPractitioner, "full-feed", v1::EVENT_VIEW_FULL);
  const int64_t failed = WriteEvent("london");
  v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  ack.set_sequence(failed);
  ack.add_dead_letters()->set_sequence(failed);
  ASSERT_TRUE(workflow_->AcknowledgeEvents(ack, kPractitioner).ok());

  // Listed, the subscription shows its dead letter and when it last moved.
  auto listed = workflow_->ListSubscriptions(v1::ListSubscriptionsRequest(), kPractitioner);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->subscriptions_size(), 1);
  EXPECT_EQ(listed->subscriptions(0).dead_letter_count(), 1);
  EXPECT_GE(listed->subscriptions(0).update_time().seconds(),
            listed->subscriptions(0).create_time().seconds());
  EXPECT_EQ(listed->subscriptions(0).etag(), "2");

  v1::ListDeadLettersRequest list;
  list.set_parent(subscription.name());
  auto letters = workflow_->ListDeadLetters(list, kAdmin);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->dead_letters_size(), 1);
  const std::string crn = letters->dead_letters(0).event().referral().person().crn();
  EXPECT_FALSE(crn.empty());
  ASSERT_EQ(audit.records.size(), 1u);
  EXPECT_EQ(audit.records[0].actor(), "admin-1");
  EXPECT_EQ(audit.records[0].method(), "ListDeadLetters");
  EXPECT_EQ(audit.records[0].crn(), crn);
}

TEST_P(SubscriptionWorkflowTest, DeadLettersComePageByPageOldestFirst) {
  const v1::Subscription subscription = Create(kPractitioner, "paged");
  v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  for (int i = 0; i < 5; ++i) ack.add_dead_letters()->set_sequence(WriteEvent("london"));
  ack.set_sequence(ack.dead_letters(4).sequence());
  ASSERT_TRUE(workflow_->AcknowledgeEvents(ack, kPractitioner).ok());
  v1::ListDeadLettersRequest list;
  list.set_parent(subscription.name());
  list.set_page_size(2);
  std::vector<int64_t> sequences;
  for (int page = 0; page < 4; ++page) {
    auto letters = workflow_->ListDeadLetters(list, kPractitioner);
    ASSERT_TRUE(letters.ok()) << letters.status();
    for (const v1::DeadLetter& letter : letters->dead_letters()) {
      sequences.push_back(letter.sequence());
    }
    if (letters->next_page_token().empty()) break;
    list.set_page_token(letters->next_page_token());
  }
  std::vector<int64_t> expected;
  for (const v1::DeadLetter& letter : ack.dead_letters()) expected.push_back(letter.sequence());
  EXPECT_EQ(sequences, expected);
  // A token is for the request it came from.
  list.set_replay_requested_only(true);
  EXPECT_EQ(workflow_->ListDeadLetters(list, kPractitioner).status().code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Engines, SubscriptionWorkflowTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
