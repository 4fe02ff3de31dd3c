// Event filters and views: what a filter admits, what it refuses to be, and that the BASIC view
// carries no personal data however full the event.
#include "services/referrals/domain/event_selection.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

v1::ReferralEvent FullEvent() {
  v1::ReferralEvent event;
  event.set_sequence(7);
  event.set_type(v1::ReferralEvent::TYPE_TRANSITIONED);
  event.set_actor("pp-1");
  event.set_actor_role(common::v1::ROLE_PROBATION_PRACTITIONER);
  event.set_from_state(v1::REFERRAL_STATE_SENT);
  event.set_to_state(v1::REFERRAL_STATE_ASSIGNED);
  event.set_action("assign");
  event.add_changed_fields("assignee");
  v1::ChangelogEntry* change = event.add_changes();
  change->set_field("person.needs");
  change->set_old_value("X123456");
  v1::Referral& referral = *event.mutable_referral();
  referral.set_name("referrals/r1");
  referral.set_id("r1");
  referral.set_reference("AB1234CD");
  referral.set_intervention("interventions/crs-accommodation");
  referral.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  referral.set_region("london");
  referral.set_provider("nacro");
  referral.set_state(v1::REFERRAL_STATE_ASSIGNED);
  referral.mutable_person()->set_crn("X123456");
  referral.mutable_person()->set_date_of_birth("1990-01-02");
  referral.set_reason_for_referral("Lost their tenancy");
  referral.mutable_contact()->set_email("pp@example.gov.uk");
  referral.set_created_by("pp-1");
  referral.set_assignee("caseworker-9");
  referral.set_override_reason("Judged suitable");
  referral.mutable_eligibility()->set_intervention("interventions/crs-accommodation");
  referral.mutable_create_time()->set_seconds(100);
  referral.mutable_state_time()->set_seconds(200);
  return event;
}

TEST(EventSelectionTest, TheBasicViewKeepsWhatHappenedWhereAndInWhatRoleButNoPersonalData) {
  const v1::ReferralEvent basic = BasicView(FullEvent());
  EXPECT_EQ(basic.sequence(), 7);
  EXPECT_EQ(basic.type(), v1::ReferralEvent::TYPE_TRANSITIONED);
  EXPECT_EQ(basic.actor_role(), common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(basic.from_state(), v1::REFERRAL_STATE_SENT);
  EXPECT_EQ(basic.to_state(), v1::REFERRAL_STATE_ASSIGNED);
  EXPECT_EQ(basic.action(), "assign");
  EXPECT_THAT(basic.changed_fields(), ::testing::ElementsAre("assignee"));
  EXPECT_EQ(basic.referral().reference(), "AB1234CD");
  EXPECT_EQ(basic.referral().provider(), "nacro");
  EXPECT_EQ(basic.referral().state_time().seconds(), 200);
  // Nothing about the person or anyone's identity, in any field.
  EXPECT_TRUE(basic.actor().empty());
  EXPECT_EQ(basic.changes_size(), 0);
  EXPECT_FALSE(basic.referral().has_person());
  EXPECT_FALSE(basic.referral().has_contact());
  EXPECT_FALSE(basic.referral().has_eligibility());
  EXPECT_TRUE(basic.referral().created_by().empty());
  EXPECT_TRUE(basic.referral().assignee().empty());
  const std::string bytes = basic.SerializeAsString();
  for (const char* secret :
       {"X123456", "1990-01-02", "tenancy", "pp@example", "pp-1", "caseworker-9", "Judged"}) {
    EXPECT_THAT(bytes, ::testing::Not(HasSubstr(secret))) << secret;
  }
}

TEST(EventSelectionTest, AFilterAdmitsAnEventPassingEveryListItSets) {
  const v1::ReferralEvent event = FullEvent();
  v1::EventFilter filter;
  EXPECT_TRUE(Admits(filter, event));
  filter.add_regions("wales");
  EXPECT_FALSE(Admits(filter, event));
  filter.add_regions("london");
  EXPECT_TRUE(Admits(filter, event));
  filter.add_types(v1::ReferralEvent::TYPE_CREATED);
  EXPECT_FALSE(Admits(filter, event));
  filter.add_types(v1::ReferralEvent::TYPE_TRANSITIONED);
  filter.add_kinds(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  filter.add_interventions("interventions/crs-accommodation");
  filter.add_providers("nacro");
  filter.add_states(v1::REFERRAL_STATE_ASSIGNED);
  EXPECT_TRUE(Admits(filter, event));
  filter.set_states(0, v1::REFERRAL_STATE_SENT);
  EXPECT_FALSE(Admits(filter, event));
}

TEST(EventSelectionTest, AFilterOfUnknownValuesOrBadNamesIsRefusedNamingTheEntry) {
  v1::EventFilter filter;
  EXPECT_TRUE(ValidateEventFilter(filter, "filter").ok());
  filter.add_types(static_cast<v1::ReferralEvent::Type>(99));
  absl::Status status = ValidateEventFilter(filter, "filter");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("filter.types[0]"));

  filter.Clear();
  filter.add_states(v1::REFERRAL_STATE_UNSPECIFIED);
  EXPECT_THAT(ValidateEventFilter(filter, "subscription.filter").message(),
              HasSubstr("subscription.filter.states[0]"));

  filter.Clear();
  filter.add_interventions("interventions/unpaid-work");
  filter.add_interventions("unpaid-work");
  EXPECT_THAT(ValidateEventFilter(filter, "filter").message(),
              HasSubstr("filter.interventions[1]"));

  filter.Clear();
  filter.add_regions("London");
  EXPECT_THAT(ValidateEventFilter(filter, "filter").message(), HasSubstr("filter.regions[0]"));

  filter.Clear();
  for (int i = 0; i <= kMaxFilterEntries; ++i) filter.add_providers("nacro");
  EXPECT_THAT(ValidateEventFilter(filter, "filter").message(), HasSubstr("filter.providers"));
}

}  // namespace
}  // namespace probation::referrals
