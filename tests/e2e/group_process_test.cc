// Programme groups through the gateway, with the suite as processes: a BBR group starting on
// Monday 21 December 2026 on Mondays and Fridays, three submitted referrals waiting in
// submission order, the second allocated, the first session's attendance starting its
// programme and every required session completing it, and the person's data export; and the
// places of groups starting soon in BatchGetAvailability and FindInterventions.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using ::testing::ElementsAre;

constexpr char kBbr[] = "interventions/building-better-relationships";

class GroupProcessTest : public testing::SuiteTest {
 protected:
  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string team_ = testing::SuiteToken("programme_team", "london");

  // A man convicted of intimate partner violence against a female partner, at medium SARA risk:
  // eligible for BBR.
  static common::v1::PersonProfile BbrPerson(const std::string& crn) {
    common::v1::PersonProfile person =
        testing::LondonPerson(crn, "1985-02-01", common::v1::NEED_AREA_RELATIONSHIPS);
    person.add_offences(common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE);
    person.add_ipv_victim_sexes(common::v1::SEX_FEMALE);
    person.set_sara(common::v1::RISK_LEVEL_MEDIUM);
    person.set_consents_to_engage(true);
    person.set_barriers_to_attendance(false);
    return person;
  }

  referrals::v1::Referral SubmittedToBbr(const std::string& crn) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(absl::StrCat("group-", crn));
    referrals::v1::Referral& draft = *create.mutable_referral();
    draft.set_intervention(kBbr);
    draft.set_region("london");
    *draft.mutable_person() = BbrPerson(crn);
    draft.set_reason_for_referral("Intimate partner violence against a female partner.");
    referrals::v1::Referral referral = CreateAndSubmit(practitioner_, create);
    EXPECT_EQ(referral.state(), referrals::v1::REFERRAL_STATE_SUBMITTED) << crn;
    return referral;
  }

  std::vector<std::string> Waiting() {
    delivery::v1::ListWaitingListRequest request;
    request.set_intervention(kBbr);
    request.set_region("london");
    delivery::v1::ListWaitingListResponse response;
    auto context = As(team_);
    const grpc::Status status = stub_->ListWaitingList(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> entries;
    for (const delivery::v1::WaitingListEntry& entry : response.entries()) {
      entries.push_back(absl::StrCat(entry.position(), " ", entry.referral()));
    }
    return entries;
  }

  referrals::v1::ReferralState StateOf(const std::string& name) {
    referrals::v1::GetReferralRequest request;
    request.set_name(name);
    referrals::v1::Referral referral;
    auto context = As(practitioner_);
    EXPECT_TRUE(stub_->GetReferral(context.get(), request, &referral).ok());
    return referral.state();
  }
};

TEST_F(GroupProcessTest, ABbrGroupFillsFromTheWaitingListAndItsAttendanceCompletesAReferral) {
  delivery::v1::CreateGroupRequest create;
  create.set_request_id("bbr-london-december");
  delivery::v1::Group& proposed = *create.mutable_group();
  proposed.set_intervention(kBbr);
  proposed.set_region("london");
  proposed.set_start_date("2026-12-21");
  proposed.add_weekdays(delivery::v1::WEEKDAY_MONDAY);
  proposed.add_weekdays(delivery::v1::WEEKDAY_FRIDAY);
  proposed.set_capacity(12);
  proposed.add_facilitators("facilitator-1");
  delivery::v1::Group group;
  auto create_context = As(team_);
  grpc::Status status = stub_->CreateGroup(create_context.get(), create, &group);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(group.sessions_size(), 24);
  EXPECT_EQ(group.sessions(0).date(), "2026-12-21");
  for (const delivery::v1::GroupSession& session : group.sessions()) {
    EXPECT_NE(session.date(), "2026-12-25");
    EXPECT_NE(session.date(), "2026-12-28");
    EXPECT_NE(session.date(), "2027-01-01");
  }

  const referrals::v1::Referral first = SubmittedToBbr("G100001");
  const referrals::v1::Referral second = SubmittedToBbr("G100002");
  const referrals::v1::Referral third = SubmittedToBbr("G100003");
  EXPECT_THAT(Waiting(),
              ElementsAre(absl::StrCat("1 ", first.name()), absl::StrCat("2 ", second.name()),
                          absl::StrCat("3 ", third.name())));

  delivery::v1::AllocateToGroupRequest allocate;
  allocate.set_group(group.name());
  allocate.set_referral(second.name());
  auto allocate_context = As(team_);
  status = stub_->AllocateToGroup(allocate_context.get(), allocate, &group);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(group.members_size(), 1);
  EXPECT_THAT(Waiting(),
              ElementsAre(absl::StrCat("1 ", first.name()), absl::StrCat("2 ", third.name())));

  // The practitioner may not run groups.
  delivery::v1::Group refused;
  auto practitioner_context = As(practitioner_);
  EXPECT_EQ(stub_->AllocateToGroup(practitioner_context.get(), allocate, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  for (int session = 1; session <= 24; ++session) {
    delivery::v1::RecordGroupAttendanceRequest attend;
    attend.set_session(absl::StrCat(group.name(), "/sessions/", session));
    delivery::v1::GroupAttendance& attendance = *attend.add_attendances();
    attendance.set_referral(second.name());
    attendance.set_outcome(delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
    delivery::v1::GroupSession recorded;
    auto context = As(team_);
    status = stub_->RecordGroupAttendance(context.get(), attend, &recorded);
    ASSERT_TRUE(status.ok()) << session << ": " << status.error_message();
    if (session == 1) {
      EXPECT_EQ(StateOf(second.name()), referrals::v1::REFERRAL_STATE_ON_PROGRAMME);
    }
    if (session == 23) {
      EXPECT_EQ(StateOf(second.name()), referrals::v1::REFERRAL_STATE_ON_PROGRAMME);
    }
  }
  EXPECT_EQ(StateOf(second.name()), referrals::v1::REFERRAL_STATE_PROGRAMME_COMPLETE);
  EXPECT_EQ(StateOf(first.name()), referrals::v1::REFERRAL_STATE_SUBMITTED);

  // The person's data export gives their time in the group and their own attendance.
  referrals::v1::ExportPersonDataRequest export_request;
  export_request.set_crn("G100002");
  referrals::v1::ExportPersonDataResponse exported;
  auto export_context = As(testing::SuiteToken("admin", ""));
  status = stub_->ExportPersonData(export_context.get(), export_request, &exported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(exported.referrals_size(), 1);
  ASSERT_EQ(exported.referrals(0).groups_size(), 1);
  EXPECT_EQ(exported.referrals(0).groups(0).group(), group.name());
  ASSERT_EQ(exported.referrals(0).groups(0).attendances_size(), 24);
  EXPECT_EQ(exported.referrals(0).groups(0).attendances(0).session(),
            absl::StrCat(group.name(), "/sessions/1"));
}

TEST_F(GroupProcessTest, AvailabilityAndFindInterventionsCountPlacesInGroupsStartingSoon) {
  // A group starting in two weeks (on its first weekday that is not a bank holiday).
  const std::string start =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 14);
  delivery::v1::CreateGroupRequest create;
  create.set_request_id("bbr-london-soon");
  delivery::v1::Group& proposed = *create.mutable_group();
  proposed.set_intervention(kBbr);
  proposed.set_region("london");
  proposed.set_start_date(start);
  for (auto day : {delivery::v1::WEEKDAY_MONDAY, delivery::v1::WEEKDAY_TUESDAY,
                   delivery::v1::WEEKDAY_WEDNESDAY, delivery::v1::WEEKDAY_THURSDAY,
                   delivery::v1::WEEKDAY_FRIDAY}) {
    proposed.add_weekdays(day);
  }
  proposed.set_capacity(8);
  proposed.add_facilitators("facilitator-1");
  delivery::v1::Group group;
  auto create_context = As(team_);
  grpc::Status status = stub_->CreateGroup(create_context.get(), create, &group);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(group.start_date(), group.sessions(0).date());
  const referrals::v1::Referral waiting = SubmittedToBbr("G200001");
  delivery::v1::AllocateToGroupRequest allocate;
  allocate.set_group(group.name());
  allocate.set_referral(waiting.name());
  auto allocate_context = As(team_);
  status = stub_->AllocateToGroup(allocate_context.get(), allocate, &group);
  ASSERT_TRUE(status.ok()) << status.error_message();

  referrals::v1::BatchGetAvailabilityRequest availability;
  availability.set_region("london");
  availability.add_interventions(kBbr);
  referrals::v1::BatchGetAvailabilityResponse places;
  auto availability_context = As(practitioner_);
  status = stub_->BatchGetAvailability(availability_context.get(), availability, &places);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(places.availabilities_size(), 1);
  const referrals::v1::Availability& bbr = places.availabilities(0);
  EXPECT_TRUE(bbr.from_groups());
  EXPECT_EQ(bbr.groups_starting_soon(), 1);
  EXPECT_EQ(bbr.next_start_date(), group.start_date());
  EXPECT_EQ(bbr.places(), 8);
  EXPECT_EQ(bbr.places_taken(), 1);
  EXPECT_EQ(bbr.places_available(), 7);
  EXPECT_EQ(bbr.waiting(), 0);

  gateway::v1::FindInterventionsRequest find;
  *find.mutable_person() = BbrPerson("G200009");
  gateway::v1::FindInterventionsResponse found;
  auto find_context = As(practitioner_);
  status = stub_->FindInterventions(find_context.get(), find, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  bool bbr_found = false;
  for (const gateway::v1::InterventionMatch& match : found.matches()) {
    if (match.intervention().name() != kBbr) continue;
    bbr_found = true;
    ASSERT_EQ(match.availability_size(), 1);
    EXPECT_TRUE(match.availability(0).from_groups());
    EXPECT_EQ(match.availability(0).next_start_date(), group.start_date());
    EXPECT_EQ(match.availability(0).places_available(), 7);
  }
  EXPECT_TRUE(bbr_found);
}

}  // namespace
}  // namespace probation
