// Availability and amendments through the gateway, with the four binaries as processes:
// capacity set by a programme team shows in FindInterventions at once, an amendment outside
// its allowed states is refused, and the changelog and its events are complete.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

class CapacityAndAmendmentsTest : public testing::SuiteTest {
 protected:
  static common::v1::PersonProfile Person(absl::string_view crn) {
    return testing::LondonPerson(crn, "1990-06-15",
                                 common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
  }

  gateway::v1::FindInterventionsResponse Find(absl::string_view crn) {
    gateway::v1::FindInterventionsRequest find;
    *find.mutable_person() = Person(crn);
    gateway::v1::FindInterventionsResponse found;
    auto context = As(practitioner_);
    const grpc::Status status = stub_->FindInterventions(context.get(), find, &found);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return found;
  }

  // The first eligible accredited programme for the person, as FindInterventions lists it.
  static const gateway::v1::InterventionMatch* EligibleProgramme(
      const gateway::v1::FindInterventionsResponse& found, absl::string_view name = "") {
    for (const auto& match : found.matches()) {
      if (match.intervention().kind() == catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME &&
          match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE &&
          (name.empty() || match.intervention().name() == name)) {
        return &match;
      }
    }
    return nullptr;
  }

  referrals::v1::Referral Refer(absl::string_view crn, const std::string& intervention) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("refer-", crn));
    create.mutable_referral()->set_intervention(intervention);
    *create.mutable_referral()->mutable_person() = Person(crn);
    create.mutable_referral()->set_region("london");
    return CreateAndSubmit(practitioner_, create);
  }

  grpc::Status Amend(const std::string& token, const referrals::v1::Referral& referral,
                     referrals::v1::Referral changes, const std::string& path,
                     referrals::v1::Referral* result, const std::string& reason = "") {
    referrals::v1::AmendReferralRequest request;
    changes.set_name(referral.name());
    changes.set_etag(referral.etag());
    *request.mutable_referral() = std::move(changes);
    request.mutable_update_mask()->add_paths(path);
    request.set_reason(reason);
    auto context = As(token);
    return stub_->AmendReferral(context.get(), request, result);
  }

  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string programme_team_ = testing::SuiteToken("programme_team", "london");
  const std::string admin_ = testing::SuiteToken("admin", "");
};

TEST_F(CapacityAndAmendmentsTest, CapacityChangesShowInFindInterventionsAtOnce) {
  const gateway::v1::FindInterventionsResponse before = Find("C100001");
  const gateway::v1::InterventionMatch* programme = EligibleProgramme(before);
  ASSERT_NE(programme, nullptr);
  const std::string name = programme->intervention().name();
  EXPECT_TRUE(programme->availability().empty()) << "no places recorded yet";
  EXPECT_FALSE(before.availability_unknown());

  referrals::v1::UpdateCapacityRequest update;
  update.mutable_capacity()->set_intervention(name);
  update.mutable_capacity()->set_region("london");
  update.mutable_capacity()->set_period(referrals::v1::Capacity::PERIOD_COHORT);
  update.mutable_capacity()->set_places(4);
  update.mutable_capacity()->set_next_start_date("2027-02-01");
  update.set_allow_missing(true);
  referrals::v1::Capacity capacity;
  auto context = As(programme_team_);
  grpc::Status status = stub_->UpdateCapacity(context.get(), update, &capacity);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const gateway::v1::FindInterventionsResponse after = Find("C100001");
  const gateway::v1::InterventionMatch* now = EligibleProgramme(after, name);
  ASSERT_NE(now, nullptr);
  ASSERT_EQ(now->availability_size(), 1);
  EXPECT_TRUE(now->availability(0).capacity_set());
  EXPECT_EQ(now->availability(0).places_available(), 4);
  EXPECT_EQ(now->availability(0).next_start_date(), "2027-02-01");
  EXPECT_EQ(now->availability(0).waiting(), 0);

  // A submitted referral joins the waiting list; closing the places shows at once too.
  Refer("C100002", name);
  update.mutable_capacity()->set_places(0);
  update.mutable_capacity()->set_etag(capacity.etag());
  auto close_context = As(programme_team_);
  ASSERT_TRUE(stub_->UpdateCapacity(close_context.get(), update, &capacity).ok());
  const gateway::v1::FindInterventionsResponse full = Find("C100001");
  now = EligibleProgramme(full, name);
  ASSERT_NE(now, nullptr);
  ASSERT_EQ(now->availability_size(), 1);
  EXPECT_EQ(now->availability(0).waiting(), 1);
  EXPECT_EQ(now->availability(0).places_available(), 0);
  // Only eligible matches carry places.
  for (const auto& match : full.matches()) {
    if (match.verdict().outcome() != eligibility::v1::OUTCOME_ELIGIBLE) {
      EXPECT_TRUE(match.availability().empty()) << match.intervention().name();
    }
  }

  // A practitioner may not set places; a stale etag is a conflict.
  auto denied_context = As(practitioner_);
  EXPECT_EQ(stub_->UpdateCapacity(denied_context.get(), update, &capacity).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto stale_context = As(programme_team_);
  EXPECT_EQ(stub_->UpdateCapacity(stale_context.get(), update, &capacity).error_code(),
            grpc::StatusCode::ABORTED);

  // Without the referrals service the matches still come, marked as without places.
  suite_->referrals.reset();
  const gateway::v1::FindInterventionsResponse without = Find("C100001");
  EXPECT_TRUE(without.availability_unknown());
  ASSERT_NE(EligibleProgramme(without, name), nullptr);
  EXPECT_TRUE(EligibleProgramme(without, name)->availability().empty());
}

TEST_F(CapacityAndAmendmentsTest, AmendmentsAreCheckedRecordedAndAnnounced) {
  const gateway::v1::FindInterventionsResponse found = Find("C200001");
  const gateway::v1::InterventionMatch* programme = EligibleProgramme(found);
  ASSERT_NE(programme, nullptr);
  referrals::v1::Referral referral = Refer("C200001", programme->intervention().name());

  // Watch every event from the start.
  auto watch_context = As(admin_);
  referrals::v1::WatchReferralEventsRequest watch;
  auto events = stub_->WatchReferralEvents(watch_context.get(), watch);

  referrals::v1::Referral changes;
  changes.set_complexity_level(common::v1::COMPLEXITY_LEVEL_HIGH);
  grpc::Status status =
      Amend(practitioner_, referral, changes, "complexity_level", &referral, "Found at triage");
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The facilitator is assigned only once the referral awaits assessment.
  referrals::v1::Referral assign;
  assign.set_assignee("facilitator-3");
  referrals::v1::Referral refused;
  status = Amend(programme_team_, referral, assign, "assignee", &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("REFERRAL_STATE_SUBMITTED"));
  referrals::v1::TransitionReferralRequest accept;
  accept.set_name(referral.name());
  accept.set_etag(referral.etag());
  accept.set_to_state(referrals::v1::REFERRAL_STATE_AWAITING_ASSESSMENT);
  auto accept_context = As(programme_team_);
  ASSERT_TRUE(stub_->TransitionReferral(accept_context.get(), accept, &referral).ok());
  status = Amend(programme_team_, referral, assign, "assignee", &referral);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(referral.assignee(), "facilitator-3");

  referrals::v1::GetReferralChangelogRequest request;
  request.set_name(referral.name());
  referrals::v1::GetReferralChangelogResponse changelog;
  auto changelog_context = As(practitioner_);
  ASSERT_TRUE(stub_->GetReferralChangelog(changelog_context.get(), request, &changelog).ok());
  ASSERT_EQ(changelog.entries_size(), 2);
  EXPECT_EQ(changelog.entries(0).field(), "complexity_level");
  EXPECT_EQ(changelog.entries(0).reason(), "Found at triage");
  EXPECT_EQ(changelog.entries(1).field(), "assignee");
  EXPECT_EQ(changelog.entries(1).new_value(), "\"facilitator-3\"");
  EXPECT_EQ(changelog.entries(1).etag(), referral.etag());

  // Created, submitted, amended, accepted, assigned (an amendment of the assignee): each in
  // order, the amendments with their changelog entries and changed fields.
  std::vector<referrals::v1::ReferralEvent::Type> types;
  std::vector<referrals::v1::ChangelogEntry> announced;
  referrals::v1::ReferralEvent event;
  while (types.size() < 5 && events->Read(&event)) {
    if (event.referral().id() != referral.id()) continue;
    types.push_back(event.type());
    announced.insert(announced.end(), event.changes().begin(), event.changes().end());
  }
  watch_context->TryCancel();
  EXPECT_THAT(types, ::testing::ElementsAre(referrals::v1::ReferralEvent::TYPE_CREATED,
                                            referrals::v1::ReferralEvent::TYPE_SUBMITTED,
                                            referrals::v1::ReferralEvent::TYPE_AMENDED,
                                            referrals::v1::ReferralEvent::TYPE_TRANSITIONED,
                                            referrals::v1::ReferralEvent::TYPE_ASSIGNED));
  ASSERT_EQ(announced.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(announced[i].SerializeAsString(), changelog.entries(i).SerializeAsString());
  }

  // A provider sees nothing of a referral that is not sent to it.
  auto provider_context = As(testing::SuiteToken("service_provider", "", "provider-a"));
  EXPECT_EQ(stub_->GetReferralChangelog(provider_context.get(), request, &changelog).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace probation
