#include "services/relay/cloud_event.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace probation::relay {
namespace {

using referrals::v1::ReferralEvent;

ReferralEvent Transition() {
  ReferralEvent event;
  event.set_sequence(4217);
  event.set_type(ReferralEvent::TYPE_TRANSITIONED);
  event.mutable_referral()->set_name("referrals/0f3c2a");
  event.mutable_referral()->set_region("london");
  *event.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(1767225600);  // 2026-01-01
  event.set_from_state(referrals::v1::REFERRAL_STATE_SUBMITTED);
  event.set_to_state(referrals::v1::REFERRAL_STATE_ALLOCATED);
  event.set_action("allocate");
  event.set_actor_role(common::v1::ROLE_PROGRAMME_TEAM);
  return event;
}

TEST(CloudEvent, CarriesEveryAttributeAndTheEventAsProtobufJson) {
  const absl::StatusOr<std::string> body = CloudEventJson(Transition(), "subscriptions/ndelius");
  ASSERT_TRUE(body.ok()) << body.status();
  const nlohmann::json message = nlohmann::json::parse(*body);
  EXPECT_EQ(message["specversion"], "1.0");
  // One event through two subscriptions is two deliveries: the id names the subscription.
  EXPECT_EQ(message["id"], "ndelius:4217");
  EXPECT_EQ(CloudEventId(Transition(), "subscriptions/ndelius"), "ndelius:4217");
  EXPECT_EQ(message["source"], "urn:probation-interventions:referrals");
  EXPECT_EQ(message["type"], "uk.gov.justice.probation.referral.transitioned");
  EXPECT_EQ(message["subject"], "referrals/0f3c2a");
  EXPECT_EQ(message["time"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(message["datacontenttype"], "application/json");
  EXPECT_EQ(message["sequence"], "4217");
  EXPECT_EQ(message["subscription"], "subscriptions/ndelius");
  EXPECT_EQ(message.size(), 10u);
  // The data is the event itself: lowerCamelCase names, enums by name, int64 as a string.
  const nlohmann::json& data = message["data"];
  EXPECT_EQ(data["sequence"], "4217");
  EXPECT_EQ(data["type"], "TYPE_TRANSITIONED");
  EXPECT_EQ(data["fromState"], "REFERRAL_STATE_SUBMITTED");
  EXPECT_EQ(data["toState"], "REFERRAL_STATE_ALLOCATED");
  EXPECT_EQ(data["actorRole"], "ROLE_PROGRAMME_TEAM");
  EXPECT_EQ(data["referral"]["name"], "referrals/0f3c2a");
  ReferralEvent parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(data.dump(), &parsed).ok());
  EXPECT_EQ(parsed.SerializeAsString(), Transition().SerializeAsString());
}

TEST(CloudEvent, TheSourceNamesTheDeploymentWhenAsked) {
  const absl::StatusOr<std::string> body =
      CloudEventJson(Transition(), "subscriptions/a", "urn:probation-interventions:wales");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(nlohmann::json::parse(*body)["source"], "urn:probation-interventions:wales");
}

TEST(CloudEvent, AttributesComeInTheDocumentedOrder) {
  const absl::StatusOr<std::string> body = CloudEventJson(Transition(), "subscriptions/a");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->rfind("{\"specversion\":\"1.0\",\"id\":\"a:4217\",\"source\":", 0), 0u) << *body;
  EXPECT_NE(body->find("\"subscription\":\"subscriptions/a\",\"data\":{"), std::string::npos);
}

TEST(CloudEvent, TypeIsTheEnumNameWithoutPrefixInLowerCase) {
  const std::pair<ReferralEvent::Type, const char*> types[] = {
      {ReferralEvent::TYPE_CREATED, "created"},
      {ReferralEvent::TYPE_UPDATED, "updated"},
      {ReferralEvent::TYPE_SUBMITTED, "submitted"},
      {ReferralEvent::TYPE_TRANSITIONED, "transitioned"},
      {ReferralEvent::TYPE_PURGED, "purged"},
      {ReferralEvent::TYPE_AMENDED, "amended"},
      {ReferralEvent::TYPE_ASSIGNED, "assigned"},
  };
  for (const auto& [type, suffix] : types) EXPECT_EQ(EventTypeSuffix(type), suffix);
  // A type newer than this build still names something.
  EXPECT_EQ(EventTypeSuffix(static_cast<ReferralEvent::Type>(99)), "type_99");
}

TEST(CloudEvent, HostileTextIsEscapedNotThrownOver) {
  ReferralEvent event = Transition();
  event.set_action("\"},\"id\":\"1\n<script>");
  const absl::StatusOr<std::string> body = CloudEventJson(event, "subscriptions/a");
  ASSERT_TRUE(body.ok());
  const nlohmann::json message = nlohmann::json::parse(*body);
  EXPECT_EQ(message["id"], "a:4217");
  EXPECT_EQ(message["data"]["action"], "\"},\"id\":\"1\n<script>");
}

}  // namespace
}  // namespace probation::relay
