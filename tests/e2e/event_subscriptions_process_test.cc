// Durable event subscriptions through the gateway, with the suite running as processes: a
// consumer with a BASIC subscription and no storage of its own stops and restarts and misses
// nothing, never sees a CRN, and sees only what its filter admits; plain watches choose their
// view; a subscription is its owner's alone.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using referrals::v1::ReferralEvent;

class EventSubscriptionsTest : public testing::SuiteTest {
 protected:
  referrals::v1::Referral Refer(absl::string_view crn) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("refer-", crn));
    create.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
    *create.mutable_referral()->mutable_person() = testing::LondonPerson(
        crn, "1990-06-15", common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
    create.mutable_referral()->set_region("london");
    return CreateAndSubmit(practitioner_, create);
  }

  referrals::v1::Subscription Subscribe(const std::string& id,
                                        const referrals::v1::EventFilter& filter = {}) {
    referrals::v1::CreateSubscriptionRequest request;
    request.set_subscription_id(id);
    request.mutable_subscription()->set_display_name("case management system");
    *request.mutable_subscription()->mutable_filter() = filter;
    referrals::v1::Subscription subscription;
    auto context = As(practitioner_);
    const grpc::Status status = stub_->CreateSubscription(context.get(), request, &subscription);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return subscription;
  }

  // The first `count` events `request` sends, as `token`'s bearer; fewer if the stream ends.
  std::vector<ReferralEvent> Read(const std::string& token,
                                  const referrals::v1::WatchReferralEventsRequest& request,
                                  size_t count) {
    auto context = As(token);
    auto stream = stub_->WatchReferralEvents(context.get(), request);
    std::vector<ReferralEvent> events;
    ReferralEvent event;
    while (events.size() < count && stream->Read(&event)) events.push_back(event);
    context->TryCancel();
    stream->Finish().IgnoreError();
    return events;
  }

  static std::vector<int64_t> Sequences(const std::vector<ReferralEvent>& events) {
    std::vector<int64_t> sequences;
    for (const ReferralEvent& event : events) sequences.push_back(event.sequence());
    return sequences;
  }

  static void ExpectNoPersonalData(const std::vector<ReferralEvent>& events) {
    for (const ReferralEvent& event : events) {
      EXPECT_FALSE(event.referral().has_person()) << event.sequence();
      EXPECT_TRUE(event.actor().empty()) << event.sequence();
      const std::string bytes = event.SerializeAsString();
      for (const char* crn : {"X200001", "X200002", "X200003", "X200004"}) {
        EXPECT_THAT(bytes, ::testing::Not(::testing::HasSubstr(crn))) << event.sequence();
      }
      EXPECT_NE(event.actor_role(), common::v1::ROLE_UNSPECIFIED) << event.sequence();
    }
  }

  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string admin_ = testing::SuiteToken("admin", "");
};

TEST_F(EventSubscriptionsTest, ABasicConsumerStopsAndRestartsAndMissesNothing) {
  const referrals::v1::Subscription subscription = Subscribe("case-system");
  ASSERT_EQ(subscription.name(), "subscriptions/case-system");
  EXPECT_EQ(subscription.view(), referrals::v1::EVENT_VIEW_BASIC);
  Refer("X200001");
  Refer("X200002");
  Refer("X200003");

  // The consumer handles four events, acknowledges them, and stops.
  referrals::v1::WatchReferralEventsRequest watch;
  watch.set_subscription(subscription.name());
  const std::vector<ReferralEvent> before = Read(practitioner_, watch, 4);
  ASSERT_EQ(before.size(), 4u);
  ExpectNoPersonalData(before);
  EXPECT_EQ(before[0].type(), ReferralEvent::TYPE_CREATED);
  EXPECT_EQ(before[0].to_state(), referrals::v1::REFERRAL_STATE_DRAFT);
  EXPECT_EQ(before[1].type(), ReferralEvent::TYPE_SUBMITTED);
  EXPECT_EQ(before[1].from_state(), referrals::v1::REFERRAL_STATE_DRAFT);
  EXPECT_EQ(before[1].actor_role(), common::v1::ROLE_PROBATION_PRACTITIONER);
  referrals::v1::AcknowledgeEventsRequest ack;
  ack.set_subscription(subscription.name());
  ack.set_sequence(before.back().sequence());
  referrals::v1::Subscription acknowledged;
  auto ack_context = As(practitioner_);
  ASSERT_TRUE(stub_->AcknowledgeEvents(ack_context.get(), ack, &acknowledged).ok());
  EXPECT_EQ(acknowledged.acknowledged_sequence(), before.back().sequence());

  // While it is away, more happens.
  const referrals::v1::Referral fourth = Refer("X200004");

  // Restarted with nothing stored, it watches the subscription again and gets exactly the
  // rest, in order: what an admin's full watch shows after the acknowledged sequence.
  referrals::v1::WatchReferralEventsRequest everything;
  everything.set_after_sequence(before.back().sequence());
  const std::vector<ReferralEvent> expected = Read(admin_, everything, 4);
  ASSERT_EQ(expected.size(), 4u);
  const std::vector<ReferralEvent> after = Read(practitioner_, watch, 4);
  EXPECT_EQ(Sequences(after), Sequences(expected));
  ExpectNoPersonalData(after);
  EXPECT_EQ(after.back().referral().name(), fourth.name());
  EXPECT_EQ(after.back().referral().reference(), fourth.reference());
  // The admin's FULL view has the person the BASIC one leaves out.
  EXPECT_EQ(expected.back().referral().person().crn(), "X200004");
}

TEST_F(EventSubscriptionsTest, FiltersAndViewsChooseWhatAWatchSends) {
  referrals::v1::EventFilter submitted_only;
  submitted_only.add_types(ReferralEvent::TYPE_SUBMITTED);
  const referrals::v1::Subscription submissions = Subscribe("submissions", submitted_only);
  Refer("X200001");
  Refer("X200002");

  referrals::v1::WatchReferralEventsRequest watch;
  watch.set_subscription(submissions.name());
  const std::vector<ReferralEvent> events = Read(practitioner_, watch, 2);
  ASSERT_EQ(events.size(), 2u);
  for (const ReferralEvent& event : events) {
    EXPECT_EQ(event.type(), ReferralEvent::TYPE_SUBMITTED);
    EXPECT_EQ(event.to_state(), event.referral().state());
  }
  ExpectNoPersonalData(events);

  // A plain watch is FULL unless it asks for BASIC, and takes a filter of its own.
  referrals::v1::WatchReferralEventsRequest plain;
  plain.mutable_filter()->add_types(ReferralEvent::TYPE_CREATED);
  const std::vector<ReferralEvent> full = Read(practitioner_, plain, 2);
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[0].referral().person().crn(), "X200001");
  EXPECT_EQ(full[0].actor(), "probation_practitioner@london");
  plain.set_view(referrals::v1::EVENT_VIEW_BASIC);
  ExpectNoPersonalData(Read(practitioner_, plain, 2));

  // A bad filter is refused, naming the entry.
  plain.mutable_filter()->add_regions("Not/A/Region");
  auto context = As(practitioner_);
  auto refused = stub_->WatchReferralEvents(context.get(), plain);
  ReferralEvent ignored;
  EXPECT_FALSE(refused->Read(&ignored));
  const grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("filter.regions[0]"));
}

TEST_F(EventSubscriptionsTest, ASubscriptionIsItsOwnersAndAnAdminsAlone) {
  const referrals::v1::Subscription subscription = Subscribe("mine");
  referrals::v1::GetSubscriptionRequest get;
  get.set_name(subscription.name());
  referrals::v1::Subscription read;
  for (const std::string& stranger : {testing::SuiteToken("programme_team", "london"),
                                      testing::SuiteToken("service_provider", "", "provider-a")}) {
    auto context = As(stranger);
    EXPECT_EQ(stub_->GetSubscription(context.get(), get, &read).error_code(),
              grpc::StatusCode::NOT_FOUND);
    referrals::v1::WatchReferralEventsRequest watch;
    watch.set_subscription(subscription.name());
    auto watch_context = As(stranger);
    auto stream = stub_->WatchReferralEvents(watch_context.get(), watch);
    referrals::v1::ReferralEvent event;
    EXPECT_FALSE(stream->Read(&event));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  auto admin_context = As(admin_);
  ASSERT_TRUE(stub_->GetSubscription(admin_context.get(), get, &read).ok());
  EXPECT_EQ(read.owner().actor(), "probation_practitioner@london");

  referrals::v1::ListSubscriptionsRequest list;
  referrals::v1::ListSubscriptionsResponse listed;
  auto list_context = As(practitioner_);
  ASSERT_TRUE(stub_->ListSubscriptions(list_context.get(), list, &listed).ok());
  ASSERT_EQ(listed.subscriptions_size(), 1);
  referrals::v1::DeleteSubscriptionRequest remove;
  remove.set_name(subscription.name());
  referrals::v1::DeleteSubscriptionResponse removed;
  auto delete_context = As(practitioner_);
  ASSERT_TRUE(stub_->DeleteSubscription(delete_context.get(), remove, &removed).ok());
  auto gone_context = As(practitioner_);
  EXPECT_EQ(stub_->GetSubscription(gone_context.get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace probation
