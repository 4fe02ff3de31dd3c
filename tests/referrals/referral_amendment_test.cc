// Amendments after submission through the real referrals server: allowed fields change with
// a changelog entry each and one AMENDED event, everything else is refused with the field
// named, and a refused amendment changes nothing.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/referrals/referral_server_test_base.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

constexpr InterventionKind kAp = catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME;
constexpr InterventionKind kCrs =
    catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;

class ReferralAmendmentTest : public ReferralServerTest {
 protected:
  grpc::Status Amend(const v1::Referral& referral, const v1::Referral& changes,
                     const std::vector<std::string>& paths, absl::string_view reason,
                     v1::Referral* result, absl::string_view role = kPractitioner,
                     absl::string_view actor = "pp-2") {
    Call call(role, actor);
    v1::AmendReferralRequest request;
    *request.mutable_referral() = changes;
    request.mutable_referral()->set_name(referral.name());
    request.mutable_referral()->set_etag(referral.etag());
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    request.set_reason(std::string(reason));
    return stub().AmendReferral(&call.context, request, result);
  }

  std::vector<v1::ChangelogEntry> Changelog(const v1::Referral& referral) {
    Call call(kPractitioner);
    v1::GetReferralChangelogRequest request;
    request.set_name(referral.name());
    v1::GetReferralChangelogResponse response;
    const grpc::Status status = stub().GetReferralChangelog(&call.context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.entries().begin(), response.entries().end()};
  }

  std::vector<v1::ReferralEvent> EventsOf(const v1::Referral& referral) {
    auto events = running_->store->EventsAfter(0, 100000);
    EXPECT_TRUE(events.ok());
    std::vector<v1::ReferralEvent> mine;
    for (const v1::ReferralEvent& event : *events) {
      if (event.referral().id() == referral.id()) mine.push_back(event);
    }
    return mine;
  }
};

TEST_F(ReferralAmendmentTest, ChangesAllowedFieldsWithAChangelogEntryEachAndOneEvent) {
  const v1::Referral submitted = Submit(CreateDraft(kAp));
  v1::Referral changes;
  changes.set_complexity_level(common::v1::COMPLEXITY_LEVEL_HIGH);
  changes.add_desired_outcomes("Manages conflict without violence");
  changes.mutable_person()->add_needs()->set_area(common::v1::NEED_AREA_EMOTIONAL_WELLBEING);
  changes.mutable_person()->set_crn("Z999999");  // not in the mask: ignored
  v1::Referral amended;
  const grpc::Status status =
      Amend(submitted, changes, {"complexity_level", "desired_outcomes", "person.needs"},
            "Assessment found higher needs", &amended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(amended.complexity_level(), common::v1::COMPLEXITY_LEVEL_HIGH);
  EXPECT_THAT(amended.desired_outcomes(),
              ::testing::ElementsAre("Manages conflict without violence"));
  ASSERT_EQ(amended.person().needs_size(), 1);
  EXPECT_EQ(amended.person().crn(), submitted.person().crn());
  EXPECT_EQ(amended.state(), submitted.state());
  EXPECT_EQ(amended.etag(), absl::StrCat(std::stoi(submitted.etag()) + 1));

  const std::vector<v1::ChangelogEntry> changelog = Changelog(submitted);
  ASSERT_EQ(changelog.size(), 3u);
  EXPECT_EQ(changelog[0].field(), "complexity_level");
  EXPECT_EQ(changelog[0].old_value(), "\"COMPLEXITY_LEVEL_UNSPECIFIED\"");
  EXPECT_EQ(changelog[0].new_value(), "\"COMPLEXITY_LEVEL_HIGH\"");
  EXPECT_EQ(changelog[1].field(), "desired_outcomes");
  EXPECT_EQ(changelog[1].old_value(), "[]");
  EXPECT_EQ(changelog[1].new_value(), "[\"Manages conflict without violence\"]");
  EXPECT_EQ(changelog[2].field(), "person.needs");
  EXPECT_THAT(changelog[2].old_value(), HasSubstr("NEED_AREA_ACCOMMODATION"));
  EXPECT_THAT(changelog[2].new_value(), HasSubstr("[{\"area\":\"NEED_AREA_EMOTIONAL_WELLBEING\""));
  EXPECT_THAT(changelog[2].new_value(), ::testing::Not(HasSubstr("ACCOMMODATION")));
  for (const v1::ChangelogEntry& entry : changelog) {
    EXPECT_EQ(entry.reason(), "Assessment found higher needs");
    EXPECT_EQ(entry.actor(), "pp-2");
    EXPECT_EQ(entry.role(), common::v1::ROLE_PROBATION_PRACTITIONER);
    EXPECT_EQ(entry.etag(), amended.etag());
    EXPECT_EQ(entry.occurred_at().seconds(), amended.update_time().seconds());
  }

  const std::vector<v1::ReferralEvent> events = EventsOf(submitted);
  ASSERT_EQ(events.back().type(), v1::ReferralEvent::TYPE_AMENDED);
  EXPECT_EQ(events.back().referral().etag(), amended.etag());
  ASSERT_EQ(events.back().changes_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events.back().changes(i).SerializeAsString(), changelog[i].SerializeAsString());
  }
}

TEST_F(ReferralAmendmentTest, AssignsAndClearsTheCaseworkerAsTheMachineAllows) {
  const v1::Referral sent = Submit(CreateDraft(kCrs));
  v1::Referral changes;
  changes.set_assignee("caseworker-7");
  v1::Referral assigned;
  // The CRS provider assigns its caseworkers; no reason is needed for that.
  ASSERT_TRUE(
      Amend(sent, changes, {"assignee"}, "", &assigned, "service_provider", "provider-lead").ok());
  EXPECT_EQ(assigned.assignee(), "caseworker-7");
  EXPECT_EQ(Amend(assigned, changes, {"assignee"}, "", &assigned).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::Referral cleared;
  ASSERT_TRUE(Amend(assigned, v1::Referral(), {"assignee"}, "", &cleared, "service_provider").ok());
  EXPECT_EQ(cleared.assignee(), "");
  const std::vector<v1::ChangelogEntry> changelog = Changelog(sent);
  ASSERT_EQ(changelog.size(), 2u);
  EXPECT_EQ(changelog[1].old_value(), "\"caseworker-7\"");
  EXPECT_EQ(changelog[1].new_value(), "\"\"");
  EXPECT_EQ(changelog[1].role(), common::v1::ROLE_SERVICE_PROVIDER);
}

TEST_F(ReferralAmendmentTest, RefusesAmendmentsOutsideTheirStatesAndChangesNothing) {
  v1::Referral changes;
  changes.set_reason_for_referral("Changed after the assessment");
  v1::Referral result;
  // A draft is updated, not amended.
  const v1::Referral draft = CreateDraft(kAp);
  grpc::Status status = Amend(draft, changes, {"reason_for_referral"}, "why", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("use UpdateReferral"));

  // The reason for referral may change only until the assessment starts.
  v1::Referral referral = Submit(draft);
  referral =
      Move(referral, v1::REFERRAL_STATE_AWAITING_ASSESSMENT, common::v1::ROLE_PROGRAMME_TEAM);
  ASSERT_TRUE(Amend(referral, changes, {"reason_for_referral"}, "why", &referral).ok());
  referral = Move(referral, v1::REFERRAL_STATE_ASSESSMENT_STARTED, common::v1::ROLE_PROGRAMME_TEAM);
  changes.set_reason_for_referral("Changed again");
  status = Amend(referral, changes, {"reason_for_referral"}, "why", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("cannot be amended while the referral is "
                                                "REFERRAL_STATE_ASSESSMENT_STARTED"));
  // One refused path refuses the whole amendment, including the allowed path beside it.
  changes.add_desired_outcomes("Stays in work");
  EXPECT_EQ(Amend(referral, changes, {"desired_outcomes", "reason_for_referral"}, "why", &result)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // A closed referral is never amended.
  v1::Referral withdrawn;
  ASSERT_TRUE(Transition(referral, v1::REFERRAL_STATE_WITHDRAWN,
                         common::v1::ROLE_PROBATION_PRACTITIONER, &withdrawn, "other")
                  .ok());
  status = Amend(withdrawn, changes, {"desired_outcomes"}, "why", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("REFERRAL_STATE_WITHDRAWN"));

  const std::vector<v1::ChangelogEntry> changelog = Changelog(referral);
  ASSERT_EQ(changelog.size(), 1u);
  EXPECT_EQ(changelog[0].new_value(), "\"Changed after the assessment\"");
}

TEST_F(ReferralAmendmentTest, BadAmendmentsGetAClearStatusNamingTheField) {
  const v1::Referral submitted = Submit(CreateDraft(kAp));
  v1::Referral changes;
  changes.set_complexity_level(common::v1::COMPLEXITY_LEVEL_LOW);
  v1::Referral result;
  const auto expect = [&](grpc::Status status, grpc::StatusCode code, absl::string_view text) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(std::string(text)));
  };
  expect(Amend(submitted, changes, {}, "why", &result), grpc::StatusCode::INVALID_ARGUMENT,
         "update_mask");
  expect(Amend(submitted, changes, {"region"}, "why", &result), grpc::StatusCode::INVALID_ARGUMENT,
         "update_mask: \"region\" cannot be amended");
  expect(Amend(submitted, changes, {"state"}, "why", &result), grpc::StatusCode::INVALID_ARGUMENT,
         "update_mask: \"state\"");
  expect(Amend(submitted, changes, {"complexity_level"}, " ", &result),
         grpc::StatusCode::INVALID_ARGUMENT, "reason: is required to amend Complexity level");
  expect(Amend(submitted, changes, {"complexity_level"}, std::string(4001, 'x'), &result),
         grpc::StatusCode::INVALID_ARGUMENT, "reason: at most 4000");
  expect(Amend(submitted, changes, {"assignee"}, "", &result, kPractitioner),
         grpc::StatusCode::PERMISSION_DENIED, "may not amend Assigned facilitator");
  v1::Referral bad_email;
  bad_email.mutable_contact()->set_email("not an address");
  expect(Amend(submitted, bad_email, {"contact"}, "", &result), grpc::StatusCode::INVALID_ARGUMENT,
         "referral.contact.email");
  v1::Referral stale = submitted;
  stale.set_etag("1");
  expect(Amend(stale, changes, {"complexity_level"}, "why", &result), grpc::StatusCode::ABORTED,
         "stale");
  v1::Referral elsewhere;
  elsewhere.set_name("referrals/nope");
  elsewhere.set_etag("1");
  expect(Amend(elsewhere, changes, {"complexity_level"}, "why", &result),
         grpc::StatusCode::NOT_FOUND, "no referral");
  EXPECT_TRUE(Changelog(submitted).empty());

  // An amendment that changes nothing writes nothing.
  v1::Referral same;
  same.set_complexity_level(submitted.complexity_level());
  ASSERT_TRUE(Amend(submitted, same, {"complexity_level"}, "why", &result).ok());
  EXPECT_EQ(result.etag(), submitted.etag());
  EXPECT_TRUE(Changelog(submitted).empty());
}

TEST_F(ReferralAmendmentTest, ASubjectAccessExportIncludesTheChangelog) {
  const v1::Referral submitted = Submit(CreateDraft(kAp));
  v1::Referral changes;
  changes.mutable_contact()->set_name("Sam Officer");
  changes.mutable_contact()->set_email("sam.officer@justice.example");
  v1::Referral amended;
  ASSERT_TRUE(Amend(submitted, changes, {"contact"}, "", &amended).ok());
  EXPECT_EQ(amended.contact().email(), "sam.officer@justice.example");
  Call call("admin");
  v1::ExportPersonDataRequest request;
  request.set_crn(submitted.person().crn());
  v1::ExportPersonDataResponse response;
  ASSERT_TRUE(stub().ExportPersonData(&call.context, request, &response).ok());
  ASSERT_EQ(response.referrals_size(), 1);
  ASSERT_EQ(response.referrals(0).changelog_size(), 1);
  EXPECT_THAT(response.referrals(0).changelog(0).old_value(), HasSubstr("\"email\":\"\""));
  EXPECT_THAT(response.referrals(0).changelog(0).new_value(),
              HasSubstr("\"email\":\"sam.officer@justice.example\""));
}

}  // namespace
}  // namespace probation::referrals
