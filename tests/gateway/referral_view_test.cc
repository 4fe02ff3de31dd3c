// The gateway's GetReferral answers probation.gateway.v1.Referral, which must stay a
// probation.referrals.v1.Referral on the wire: every field of the service's message, by the
// same number, name and type, plus the gateway's own two, whose numbers the service reserves.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probation/gateway/v1/referral_view.pb.h"
#include "probation/referrals/v1/referral.pb.h"

namespace probation {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::string TypeOf(const FieldDescriptor& field) {
  if (field.message_type() != nullptr) return field.message_type()->full_name();
  if (field.enum_type() != nullptr) return field.enum_type()->full_name();
  return field.type_name();
}

TEST(GatewayReferralView, HasEveryFieldOfTheServicesReferralByTheSameNumberNameAndType) {
  const Descriptor& service = *referrals::v1::Referral::descriptor();
  const Descriptor& view = *gateway::v1::Referral::descriptor();
  for (int i = 0; i < service.field_count(); ++i) {
    const FieldDescriptor& field = *service.field(i);
    SCOPED_TRACE(field.name());
    const FieldDescriptor* mirrored = view.FindFieldByNumber(field.number());
    ASSERT_NE(mirrored, nullptr);
    EXPECT_EQ(mirrored->name(), field.name());
    EXPECT_EQ(TypeOf(*mirrored), TypeOf(field));
    EXPECT_EQ(mirrored->is_repeated(), field.is_repeated());
  }
  std::set<std::string> added;
  for (int i = 0; i < view.field_count(); ++i) {
    const FieldDescriptor& field = *view.field(i);
    if (service.FindFieldByNumber(field.number()) == nullptr) {
      added.insert(field.name());
      EXPECT_TRUE(service.IsReservedNumber(field.number())) << field.name();
      EXPECT_TRUE(service.IsReservedName(field.name())) << field.name();
    }
  }
  EXPECT_EQ(added, (std::set<std::string>{"intervention_title", "allowed_transitions"}));
}

TEST(GatewayReferralView, TheServicesBytesAreTheViewsAndBack) {
  referrals::v1::Referral referral;
  referral.set_name("referrals/abc");
  referral.set_state(referrals::v1::REFERRAL_STATE_SUBMITTED);
  referral.mutable_person()->set_crn("X123456");
  referral.set_assignee("facilitator-7");
  gateway::v1::Referral view;
  ASSERT_TRUE(view.ParseFromString(referral.SerializeAsString()));
  EXPECT_EQ(view.name(), "referrals/abc");
  EXPECT_EQ(view.person().crn(), "X123456");
  EXPECT_EQ(view.assignee(), "facilitator-7");
  view.set_intervention_title("Thinking Skills Programme");
  view.add_allowed_transitions()->set_action("assess");
  referrals::v1::Referral read_by_an_older_client;
  ASSERT_TRUE(read_by_an_older_client.ParseFromString(view.SerializeAsString()));
  EXPECT_EQ(read_by_an_older_client.state(), referrals::v1::REFERRAL_STATE_SUBMITTED);
}

}  // namespace
}  // namespace probation
