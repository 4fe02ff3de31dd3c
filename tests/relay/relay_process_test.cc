// The relay as operators run it, against the whole suite as processes and a receiver that
// fails a fifth of its requests, stalls some past the relay's timeout and is restarted once,
// while the relay itself is stopped and started again: after forty referrals have moved
// through their machine, every event of a BASIC subscription arrived, in order per referral,
// exactly once after the receiver's de-duplication by id, signed, and without a CRN; and the
// subscription is acknowledged up to the newest event.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "services/relay/cloud_event.h"
#include "tests/e2e/suite_test.h"
#include "tests/relay/webhook_receiver_process.h"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using referrals::v1::ReferralEvent;
using referrals::v1::ReferralState;

constexpr char kSubscriptionId[] = "e2e-relay";
constexpr char kSubscription[] = "subscriptions/e2e-relay";
constexpr char kSigningSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr int kReferrals = 40;

// A structured intervention's walk, after submission: the move and the token that makes it.
struct Move {
  ReferralState to;
  bool by_team;
  const char* reason_code;
};
constexpr Move kWalk[] = {
    {referrals::v1::REFERRAL_STATE_ON_HOLD, false, "awaiting-information"},
    {referrals::v1::REFERRAL_STATE_SUBMITTED, true, ""},
    {referrals::v1::REFERRAL_STATE_ALLOCATED, true, ""},
    {referrals::v1::REFERRAL_STATE_IN_PROGRESS, true, ""},
    {referrals::v1::REFERRAL_STATE_COMPLETED, true, ""},
};

class RelayProcessTest : public testing::SuiteTest {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<testing::RunningSuite>(testing::SuiteBinaries{
        CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
    // The test drives faster than one caller may.
    suite_->Start({{"GATEWAY_CALLER_RATE_LIMIT", "0"}});
    channel_ = grpc::CreateChannel(suite_->GatewayAddress(), grpc::InsecureChannelCredentials());
    stub_ = gateway::v1::InterventionsGateway::NewStub(channel_);
    token_file_ = testing::TemporaryPath(".token");
    testing::WriteFile(token_file_, admin_ + "\n");
  }

  void TearDown() override { std::remove(token_file_.c_str()); }

  // The relay with the test's settings; `overrides` win over them.
  std::unique_ptr<testing::ChildProcess> StartRelay(const testing::WebhookReceiver& receiver,
                                                    const testing::Environment& overrides = {}) {
    testing::Environment environment = {
        {"RELAY_HOST", "127.0.0.1"},
        {"RELAY_PORT", "0"},
        {"RELAY_METRICS_PORT", "0"},
        {"RELAY_SUBSCRIPTIONS", kSubscription},
        {"RELAY_GATEWAY_ADDRESS", suite_->GatewayAddress()},
        {"RELAY_TOKEN_FILE", token_file_},
        {"RELAY_WEBHOOK_URL", receiver.url()},
        {"RELAY_SIGNING_SECRET_FILE", receiver.secret_file()},
        {"RELAY_LANES", "8"},
        {"RELAY_REQUEST_TIMEOUT", "500ms"},
        {"RELAY_INITIAL_BACKOFF", "20ms"},
        {"RELAY_MAX_BACKOFF", "500ms"},
        // Through the receiver's restart too: nothing here is a dead letter.
        {"RELAY_MAX_ATTEMPTS", "1000"},
        {"RELAY_ACK_INTERVAL", "100ms"},
        {"RELAY_SHUTDOWN_GRACE", "2s"}};
    environment.insert(environment.end(), overrides.begin(), overrides.end());
    std::unique_ptr<testing::ChildProcess> relay = testing::StartProcess(RELAY_BINARY, environment);
    EXPECT_GT(testing::ServingPortOf(*relay), 0);
    return relay;
  }

  // The interventions a low-risk London person is eligible for: a structured one.
  std::string StructuredIntervention() {
    gateway::v1::FindInterventionsRequest find;
    *find.mutable_person() =
        testing::LondonPerson("E100000", "1985-02-11", common::v1::NEED_AREA_ACCOMMODATION);
    find.mutable_person()->set_risk_of_reoffending(common::v1::RISK_LEVEL_LOW);
    gateway::v1::FindInterventionsResponse found;
    auto context = As(practitioner_);
    const grpc::Status status = stub_->FindInterventions(context.get(), find, &found);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& match : found.matches()) {
      if (match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE &&
          match.intervention().kind() == catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION) {
        return match.intervention().name();
      }
    }
    ADD_FAILURE() << "no structured intervention";
    return "";
  }

  // Every event there is, as an admin sees it (FULL, CRNs and all), oldest first.
  std::vector<ReferralEvent> AllEvents() {
    auto context = As(admin_);
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    referrals::v1::WatchReferralEventsRequest request;
    request.set_view(referrals::v1::EVENT_VIEW_FULL);
    auto watch = stub_->WatchReferralEvents(context.get(), request);
    std::vector<ReferralEvent> events;
    ReferralEvent event;
    while (watch->Read(&event)) events.push_back(event);
    watch->Finish();
    return events;
  }

  referrals::v1::Subscription Subscribe(const std::string& id, bool from_start) {
    referrals::v1::CreateSubscriptionRequest create;
    create.set_subscription_id(id);
    create.mutable_subscription()->set_display_name("relay e2e");
    create.mutable_subscription()->set_view(referrals::v1::EVENT_VIEW_BASIC);
    if (from_start) create.set_start_after_sequence(0);
    referrals::v1::Subscription subscription;
    auto context = As(admin_);
    const grpc::Status status = stub_->CreateSubscription(context.get(), create, &subscription);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return subscription;
  }

  referrals::v1::Referral Refer(const std::string& intervention, int i) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("relay-e2e-", i));
    create.mutable_referral()->set_intervention(intervention);
    *create.mutable_referral()->mutable_person() = testing::LondonPerson(
        absl::StrFormat("R%06d", i), "1985-02-11", common::v1::NEED_AREA_ACCOMMODATION);
    create.mutable_referral()->mutable_person()->set_risk_of_reoffending(
        common::v1::RISK_LEVEL_LOW);
    create.mutable_referral()->set_region("london");
    return CreateAndSubmit(practitioner_, create);
  }

  // The subscription once `done` says it is, or as it was after 20 s.
  referrals::v1::Subscription AwaitSubscription(
      const std::string& name,
      const std::function<bool(const referrals::v1::Subscription&)>& done) {
    referrals::v1::Subscription subscription;
    for (const absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;) {
      referrals::v1::GetSubscriptionRequest get;
      get.set_name(name);
      auto context = As(admin_);
      const grpc::Status status = stub_->GetSubscription(context.get(), get, &subscription);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (done(subscription)) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return subscription;
  }

  const std::string admin_ = testing::SuiteToken("admin", "");
  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string team_ = testing::SuiteToken("programme_team", "london");
  std::string token_file_;
};

TEST_F(RelayProcessTest, EveryEventArrivesInOrderOnceSignedAndWithoutPersonalData) {
  referrals::v1::Subscription subscription = Subscribe(kSubscriptionId, /*from_start=*/true);
  ASSERT_EQ(subscription.name(), kSubscription);
  grpc::Status status;

  testing::WebhookReceiver receiver(
      kSigningSecret, {"--fail_fraction=0.2", "--stall_fraction=0.03", "--stall_seconds=1"});
  receiver.Start();
  std::unique_ptr<testing::ChildProcess> relay = StartRelay(receiver);
  const std::string intervention = StructuredIntervention();
  ASSERT_FALSE(intervention.empty());

  // Forty referrals created and submitted, then moved a step at a time in turn, so that their
  // events interleave in the stream as they would in production.
  std::vector<referrals::v1::Referral> referrals;
  for (int i = 0; i < kReferrals; ++i) {
    referrals.push_back(Refer(intervention, i));
    ASSERT_FALSE(referrals.back().name().empty());
  }
  int step_number = 0;
  for (const Move& move : kWalk) {
    ++step_number;
    for (referrals::v1::Referral& referral : referrals) {
      referrals::v1::TransitionReferralRequest transition;
      transition.set_name(referral.name());
      transition.set_etag(referral.etag());
      transition.set_to_state(move.to);
      transition.set_reason_code(move.reason_code);
      auto context = As(move.by_team ? team_ : practitioner_);
      status = stub_->TransitionReferral(context.get(), transition, &referral);
      ASSERT_TRUE(status.ok()) << referrals::v1::ReferralState_Name(move.to) << ": "
                               << status.error_message();
    }
    if (step_number == 1) {
      // The receiver goes down mid-delivery and comes back on the same port.
      receiver.Kill();
      absl::SleepFor(absl::Seconds(1));
      receiver.Start();
    }
    if (step_number == 3) {
      // The relay is redeployed: it drains, acknowledges, exits 0 and resumes where it was.
      relay->Signal(SIGTERM);
      const absl::StatusOr<int> exit_code = relay->Wait(absl::Seconds(20));
      ASSERT_TRUE(exit_code.ok()) << exit_code.status() << relay->Output();
      EXPECT_EQ(*exit_code, 0) << relay->Output();
      relay = StartRelay(receiver);
    }
  }

  // What should have arrived: every event, in the admin's FULL view.
  const std::vector<ReferralEvent> expected = AllEvents();
  ASSERT_EQ(expected.size(), static_cast<size_t>(kReferrals) * (2 + std::size(kWalk)));
  std::map<std::string, std::vector<std::string>> expected_order;
  std::map<std::string, std::string> expected_type;
  for (const ReferralEvent& event : expected) {
    expected_order[event.referral().name()].push_back(relay::CloudEventId(event, kSubscription));
    expected_type[relay::CloudEventId(event, kSubscription)] =
        absl::StrCat(relay::kCloudEventTypePrefix, relay::EventTypeSuffix(event.type()));
    // The FULL view does carry the CRN: its absence below is the BASIC view's doing.
    EXPECT_FALSE(event.referral().person().crn().empty());
  }

  std::vector<testing::AcceptedEvent> accepted;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    accepted = receiver.Accepted();
    if (accepted.size() >= expected.size()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_EQ(accepted.size(), expected.size()) << relay->Output();

  std::set<std::string> ids;
  std::map<std::string, std::vector<std::string>> arrival_order;
  for (const testing::AcceptedEvent& event : accepted) {
    EXPECT_TRUE(ids.insert(event.id).second) << "accepted twice: " << event.id;
    EXPECT_FALSE(event.has_crn) << "a BASIC subscriber saw a CRN in event " << event.id;
    EXPECT_EQ(absl::StrCat(kSubscriptionId, ":", event.sequence), event.id);
    EXPECT_EQ(event.type, expected_type[event.id]) << event.id;
    arrival_order[event.subject].push_back(event.id);
  }
  EXPECT_EQ(arrival_order, expected_order);
  // Only signed, fresh deliveries are accepted; none was refused for its signature, so none
  // went to the dead letters.
  EXPECT_TRUE(receiver.Requests("bad_signature").empty());
  EXPECT_TRUE(receiver.Requests("stale").empty());
  EXPECT_FALSE(receiver.Requests("failed").empty()) << "the receiver was meant to fail some";

  // Acknowledged up to the newest event (acknowledgements go out every 100 ms).
  const int64_t newest = expected.back().sequence();
  int64_t acknowledged = 0;
  for (const absl::Time until = absl::Now() + absl::Seconds(10); absl::Now() < until;) {
    referrals::v1::GetSubscriptionRequest get;
    get.set_name(kSubscription);
    auto context = As(admin_);
    status = stub_->GetSubscription(context.get(), get, &subscription);
    ASSERT_TRUE(status.ok()) << status.error_message();
    acknowledged = subscription.acknowledged_sequence();
    if (acknowledged >= newest) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(acknowledged, newest);
  EXPECT_EQ(subscription.dead_letter_count(), 0);

  relay->Signal(SIGTERM);
  const absl::StatusOr<int> exit_code = relay->Wait(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_EQ(relay->Output().find("event_dead_lettered"), std::string::npos) << relay->Output();
}

// An event the receiver refuses (400) goes to the dead letters at once while the rest are
// delivered and acknowledged past it; an admin asks for it again and, the receiver now taking
// it, the relay delivers it and deletes the dead letter.
TEST_F(RelayProcessTest, ARefusedEventIsDeadLetteredThenReplayedAtAnAdminsRequest) {
  const referrals::v1::Subscription subscription = Subscribe("e2e-dead", /*from_start=*/false);
  const std::string intervention = StructuredIntervention();
  ASSERT_FALSE(intervention.empty());
  Refer(intervention, 1);
  Refer(intervention, 2);
  const std::vector<ReferralEvent> events = AllEvents();
  ASSERT_EQ(events.size(), 4u);
  // The first referral's submission.
  const std::string refused = relay::CloudEventId(events[1], subscription.name());
  ASSERT_EQ(events[1].type(), ReferralEvent::TYPE_SUBMITTED);

  testing::WebhookReceiver receiver(kSigningSecret, {"--refuse_ids=" + refused});
  receiver.Start();
  std::unique_ptr<testing::ChildProcess> relay = StartRelay(
      receiver,
      {{"RELAY_SUBSCRIPTIONS", subscription.name()}, {"RELAY_REPLAY_POLL_INTERVAL", "200ms"}});
  const referrals::v1::Subscription settled =
      AwaitSubscription(subscription.name(), [&](const referrals::v1::Subscription& now) {
        return now.acknowledged_sequence() == events.back().sequence() &&
               now.dead_letter_count() == 1;
      });
  ASSERT_EQ(settled.acknowledged_sequence(), events.back().sequence()) << relay->Output();
  ASSERT_EQ(settled.dead_letter_count(), 1) << relay->Output();
  EXPECT_EQ(receiver.Accepted().size(), 3u);

  referrals::v1::ListDeadLettersRequest list;
  list.set_parent(subscription.name());
  referrals::v1::ListDeadLettersResponse letters;
  auto list_context = As(admin_);
  ASSERT_TRUE(stub_->ListDeadLetters(list_context.get(), list, &letters).ok());
  ASSERT_EQ(letters.dead_letters_size(), 1);
  const referrals::v1::DeadLetter& letter = letters.dead_letters(0);
  EXPECT_EQ(letter.sequence(), events[1].sequence());
  EXPECT_EQ(letter.attempts(), 1) << "a 400 is not retried";
  EXPECT_THAT(letter.last_error(), ::testing::HasSubstr("400"));
  EXPECT_EQ(letter.event().sequence(), letter.sequence());
  EXPECT_FALSE(letter.event().referral().has_person()) << "the subscription is BASIC";

  // The receiver is fixed; an admin asks for the event again.
  receiver.Kill();
  receiver.set_flags({});
  receiver.Start();
  referrals::v1::ReplayDeadLetterRequest replay;
  replay.set_name(letter.name());
  referrals::v1::DeadLetter requested;
  auto replay_context = As(admin_);
  ASSERT_TRUE(stub_->ReplayDeadLetter(replay_context.get(), replay, &requested).ok());
  EXPECT_TRUE(requested.replay_requested());
  const referrals::v1::Subscription replayed = AwaitSubscription(
      subscription.name(),
      [](const referrals::v1::Subscription& now) { return now.dead_letter_count() == 0; });
  EXPECT_EQ(replayed.dead_letter_count(), 0) << relay->Output();
  std::set<std::string> ids;
  for (const testing::AcceptedEvent& event : receiver.Accepted()) ids.insert(event.id);
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_TRUE(ids.contains(refused));

  relay->Signal(SIGTERM);
  const absl::StatusOr<int> exit_code = relay->Wait(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace probation
