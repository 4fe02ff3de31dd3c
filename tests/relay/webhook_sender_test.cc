// The libcurl sender against tests/relay/webhook_receiver.py, a receiver written apart from
// it: signatures it verifies on its own, answers it chooses, connections it sees.
#include "services/relay/webhook_sender.h"

#include <map>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/relay/cloud_event.h"
#include "services/relay/retrying_delivery.h"
#include "services/relay/webhook_signature.h"
#include "tests/relay/webhook_receiver_process.h"

namespace probation::relay {
namespace {

using testing::WebhookReceiver;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

OutgoingEvent Event(int64_t sequence, const std::string& referral) {
  referrals::v1::ReferralEvent event;
  event.set_sequence(sequence);
  event.set_type(referrals::v1::ReferralEvent::TYPE_SUBMITTED);
  event.mutable_referral()->set_name(referral);
  event.mutable_referral()->mutable_person()->set_crn("X123456");
  return {sequence, referral, CloudEventId(event, "subscriptions/test"),
          *CloudEventJson(event, "subscriptions/test")};
}

WebhookSenderOptions Options(const WebhookReceiver& receiver, absl::Duration timeout) {
  WebhookSenderOptions options;
  options.url = receiver.url();
  options.signing_key = *SigningKeyFromSecret(kSecret);
  options.timeout = timeout;
  return options;
}

TEST(WebhookSender, DeliversASignedCloudEventTheReceiverVerifies) {
  WebhookReceiver receiver(kSecret);
  receiver.Start();
  WebhookSender sender(Options(receiver, absl::Seconds(5)));
  absl::Notification never;
  const AttemptResult result = sender.Post(Event(31, "referrals/abc"), never);
  EXPECT_EQ(result.http_status, 204) << result.error << receiver.process().Output();
  const std::vector<testing::AcceptedEvent> accepted = receiver.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].id, "test:31");
  EXPECT_EQ(accepted[0].sequence, "31");
  EXPECT_EQ(accepted[0].subject, "referrals/abc");
  EXPECT_EQ(accepted[0].type, "uk.gov.justice.probation.referral.submitted");
  EXPECT_TRUE(accepted[0].has_crn);
  // Sent again: the receiver de-duplicates by id and still answers 2xx.
  EXPECT_EQ(sender.Post(Event(31, "referrals/abc"), never).http_status, 200);
  EXPECT_EQ(receiver.Accepted().size(), 1u);
}

TEST(WebhookSender, ReusesOneConnectionForManyEvents) {
  WebhookReceiver receiver(kSecret);
  receiver.Start();
  WebhookSender sender(Options(receiver, absl::Seconds(5)));
  absl::Notification never;
  for (int64_t sequence = 1; sequence <= 20; ++sequence) {
    ASSERT_EQ(sender.Post(Event(sequence, "referrals/a"), never).http_status, 204);
  }
  ASSERT_TRUE(receiver.process()
                  .WaitForLine(
                      [](const std::string& line) {
                        return absl::StrContains(line, "\"id\": \"test:20\"");
                      },
                      absl::Seconds(5))
                  .ok());
  std::set<int> peers;
  for (const auto& request : receiver.Requests("accepted"))
    peers.insert(request["peer"].get<int>());
  EXPECT_EQ(receiver.Requests("accepted").size(), 20u);
  EXPECT_EQ(peers.size(), 1u) << "one keep-alive connection";
}

TEST(WebhookSender, AWrongKeyIsRefusedByTheReceiversOwnCheck) {
  WebhookReceiver receiver(kSecret);
  receiver.Start();
  WebhookSenderOptions options = Options(receiver, absl::Seconds(5));
  options.signing_key = "another key";
  WebhookSender sender(options);
  absl::Notification never;
  const AttemptResult result = sender.Post(Event(1, "referrals/a"), never);
  EXPECT_EQ(result.http_status, 401);
  EXPECT_EQ(ClassifyAttempt(result), AttemptOutcome::kPermanent);
  EXPECT_TRUE(receiver.Accepted().empty());
}

TEST(WebhookSender, AStaleTimestampIsRefused) {
  WebhookReceiver receiver(kSecret);
  receiver.Start();
  WebhookSenderOptions options = Options(receiver, absl::Seconds(5));
  options.now = [] { return absl::Now() - absl::Minutes(10); };
  WebhookSender sender(options);
  absl::Notification never;
  EXPECT_EQ(sender.Post(Event(1, "referrals/a"), never).http_status, 400);
  EXPECT_EQ(receiver.Requests("stale").size(), 1u);
}

TEST(WebhookSender, ReportsRefusalsFailuresWithRetryAfterTimeoutsAndNoReceiver) {
  WebhookReceiver refusing(kSecret, {"--refuse_ids=test:7"});
  refusing.Start();
  absl::Notification never;
  EXPECT_EQ(WebhookSender(Options(refusing, absl::Seconds(5)))
                .Post(Event(7, "referrals/a"), never)
                .http_status,
            400);

  WebhookReceiver failing(kSecret, {"--fail_fraction=1", "--retry_after=3"});
  failing.Start();
  const AttemptResult failed =
      WebhookSender(Options(failing, absl::Seconds(5))).Post(Event(1, "referrals/a"), never);
  EXPECT_EQ(failed.http_status, 503);
  EXPECT_EQ(failed.retry_after, absl::Seconds(3));
  EXPECT_EQ(FailureText(failed), "HTTP 503");

  WebhookReceiver stalling(kSecret, {"--stall_fraction=1", "--stall_seconds=2"});
  stalling.Start();
  const absl::Time started = absl::Now();
  const AttemptResult stalled = WebhookSender(Options(stalling, absl::Milliseconds(300)))
                                    .Post(Event(1, "referrals/a"), never);
  EXPECT_EQ(stalled.http_status, 0);
  EXPECT_EQ(stalled.error, "timeout");
  EXPECT_LT(absl::Now() - started, absl::Seconds(2));

  WebhookReceiver absent(kSecret);  // Never started: nothing listens on its port.
  const AttemptResult refused =
      WebhookSender(Options(absent, absl::Seconds(2))).Post(Event(1, "referrals/a"), never);
  EXPECT_EQ(refused.http_status, 0);
  EXPECT_EQ(refused.error, "connection refused");
  EXPECT_EQ(ClassifyAttempt(refused), AttemptOutcome::kRetryable);
}

TEST(WebhookSender, AbandonCutsAStalledAttemptShort) {
  WebhookReceiver stalling(kSecret, {"--stall_fraction=1", "--stall_seconds=5"});
  stalling.Start();
  WebhookSender sender(Options(stalling, absl::Seconds(30)));
  absl::Notification abandon;
  std::thread abandoning([&] {
    absl::SleepFor(absl::Milliseconds(300));
    abandon.Notify();
  });
  const absl::Time started = absl::Now();
  const AttemptResult result = sender.Post(Event(1, "referrals/a"), abandon);
  abandoning.join();
  EXPECT_EQ(result.error, "abandoned");
  EXPECT_LT(absl::Now() - started, absl::Seconds(3));
}

TEST(WebhookSender, RetriesThroughFailuresAndStallsUntilEveryEventIsAcceptedOnce) {
  WebhookReceiver receiver(
      kSecret, {"--fail_fraction=0.3", "--stall_fraction=0.05", "--stall_seconds=1", "--seed=7"});
  receiver.Start();
  WebhookSender sender(Options(receiver, absl::Milliseconds(250)));
  const RetryPolicy policy{absl::Milliseconds(1), absl::Milliseconds(20), 30};
  absl::Notification stopping, abandon;
  absl::BitGen random;
  for (int64_t sequence = 1; sequence <= 60; ++sequence) {
    const DeliveryResult result =
        DeliverWithRetries(sender, Event(sequence, absl::StrCat("referrals/", sequence % 3)),
                           policy, {&stopping, &abandon}, random, nullptr);
    ASSERT_EQ(result.state, DeliveryState::kDelivered) << sequence << " " << result.last_error;
  }
  const std::vector<testing::AcceptedEvent> accepted = receiver.Accepted();
  ASSERT_EQ(accepted.size(), 60u);
  for (size_t i = 0; i < accepted.size(); ++i)
    EXPECT_EQ(accepted[i].id, absl::StrCat("test:", i + 1));
  EXPECT_FALSE(receiver.Requests("failed").empty());
}

}  // namespace
}  // namespace probation::relay
