// Capacity and live availability through the real referrals server: who may set places,
// how waiting and placed referrals count against them (per cohort and per month), and the
// clear statuses bad requests get.
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
constexpr char kAccommodation[] = "interventions/crs-accommodation";
constexpr char kThinkingSkills[] = "interventions/thinking-skills-programme";

class CapacityTest : public ReferralServerTest {
 protected:
  grpc::Status SetCapacity(v1::Capacity capacity, v1::Capacity* result,
                           absl::string_view role = "admin", absl::string_view region = "london",
                           absl::string_view provider = "provider-a", bool allow_missing = true) {
    Call call(role, "capacity-setter", region, provider);
    v1::UpdateCapacityRequest request;
    *request.mutable_capacity() = std::move(capacity);
    request.set_allow_missing(allow_missing);
    return stub().UpdateCapacity(&call.context, request, result);
  }

  static v1::Capacity Places(absl::string_view intervention, int places,
                             absl::string_view provider = "",
                             v1::Capacity::Period period = v1::Capacity::PERIOD_COHORT) {
    v1::Capacity capacity;
    capacity.set_intervention(std::string(intervention));
    capacity.set_region("london");
    capacity.set_provider(std::string(provider));
    capacity.set_period(period);
    capacity.set_places(places);
    capacity.set_next_start_date("2027-01-11");
    return capacity;
  }

  v1::BatchGetAvailabilityResponse Availability(std::vector<std::string> interventions,
                                                absl::string_view region = "london") {
    Call call(kPractitioner);
    v1::BatchGetAvailabilityRequest request;
    request.set_region(std::string(region));
    for (std::string& name : interventions) request.add_interventions(std::move(name));
    v1::BatchGetAvailabilityResponse response;
    const grpc::Status status = stub().BatchGetAvailability(&call.context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // A submitted AP referral moved on to the programme.
  v1::Referral OnProgramme() {
    v1::Referral referral = Submit(CreateDraft(kAp));
    for (v1::ReferralState to :
         {v1::REFERRAL_STATE_AWAITING_ASSESSMENT, v1::REFERRAL_STATE_ASSESSMENT_STARTED,
          v1::REFERRAL_STATE_ASSESSED_SUITABLE, v1::REFERRAL_STATE_ON_PROGRAMME}) {
      referral = Move(referral, to, common::v1::ROLE_PROGRAMME_TEAM);
    }
    return referral;
  }
};

TEST_F(CapacityTest, AvailabilityCountsWaitingAndPlacedReferralsLiveAgainstTheCapacity) {
  v1::Capacity stored;
  ASSERT_TRUE(SetCapacity(Places(kThinkingSkills, 3), &stored, "programme_team").ok());
  EXPECT_EQ(stored.name(), "interventions/thinking-skills-programme/regions/london/capacity");
  EXPECT_EQ(stored.etag(), "1");
  EXPECT_EQ(stored.updated_by(), "capacity-setter");

  v1::Availability before = Availability({kThinkingSkills}).availabilities(0);
  EXPECT_TRUE(before.capacity_set());
  EXPECT_EQ(before.places(), 3);
  EXPECT_EQ(before.next_start_date(), "2027-01-11");
  const int taken = before.places_taken();
  const int waiting = before.waiting();

  // Two placed and one submitted: the placed take places, the submitted one waits.
  const v1::Referral first = OnProgramme();
  EXPECT_TRUE(first.has_start_time());
  const v1::Referral second = OnProgramme();
  const v1::Referral queued = Submit(CreateDraft(kAp));
  v1::Availability now = Availability({kThinkingSkills}).availabilities(0);
  EXPECT_EQ(now.places_taken(), taken + 2);
  EXPECT_EQ(now.waiting(), waiting + 1);
  EXPECT_EQ(now.places_available(), std::max(0, 3 - taken - 2));

  // A completed programme frees its place; a withdrawn referral leaves the queue.
  Move(first, v1::REFERRAL_STATE_PROGRAMME_COMPLETE, common::v1::ROLE_PROGRAMME_TEAM);
  v1::Referral withdrawn;
  ASSERT_TRUE(Transition(queued, v1::REFERRAL_STATE_WITHDRAWN,
                         common::v1::ROLE_PROBATION_PRACTITIONER, &withdrawn, "other")
                  .ok());
  now = Availability({kThinkingSkills}).availabilities(0);
  EXPECT_EQ(now.places_taken(), taken + 1);
  EXPECT_EQ(now.waiting(), waiting);

  // Per month, the places taken are the starts this month, finished or not.
  v1::Capacity monthly = Places(kThinkingSkills, 40, "", v1::Capacity::PERIOD_MONTH);
  monthly.set_etag(stored.etag());
  ASSERT_TRUE(SetCapacity(monthly, &stored).ok());
  EXPECT_EQ(stored.etag(), "2");
  now = Availability({kThinkingSkills}).availabilities(0);
  EXPECT_EQ(now.period(), v1::Capacity::PERIOD_MONTH);
  EXPECT_GE(now.places_taken(), 2);
  EXPECT_EQ(now.places_available(), 40 - now.places_taken());
}

TEST_F(CapacityTest, ACrsHasPlacesPerProviderAndEachProviderSetsItsOwn) {
  v1::Capacity stored;
  ASSERT_TRUE(
      SetCapacity(Places(kAccommodation, 5, "provider-a"), &stored, "service_provider").ok());
  EXPECT_EQ(stored.name(),
            "interventions/crs-accommodation/regions/london/providers/provider-a/capacity");
  grpc::Status other = SetCapacity(Places(kAccommodation, 5, "provider-b"), &stored,
                                   "service_provider", "", "provider-a");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other.error_message(), HasSubstr("capacity.provider"));
  ASSERT_TRUE(SetCapacity(Places(kAccommodation, 2, "provider-b"), &stored).ok());

  // A sent referral waits; once assigned it holds one of provider-a's places.
  const v1::Referral sent = Submit(CreateDraft(kCrs));
  Move(sent, v1::REFERRAL_STATE_ASSIGNED, common::v1::ROLE_SERVICE_PROVIDER);
  const v1::BatchGetAvailabilityResponse response = Availability({kAccommodation});
  ASSERT_EQ(response.availabilities_size(), 2);
  EXPECT_EQ(response.availabilities(0).provider(), "provider-a");
  EXPECT_GE(response.availabilities(0).places_taken(), 1);
  EXPECT_EQ(response.availabilities(1).provider(), "provider-b");
  EXPECT_EQ(response.availabilities(1).places_available(), 2);

  Call call("service_provider", "someone", "", "provider-b");
  v1::GetCapacityRequest request;
  request.set_name("interventions/crs-accommodation/regions/london/providers/provider-b/capacity");
  v1::Capacity read;
  ASSERT_TRUE(stub().GetCapacity(&call.context, request, &read).ok());
  EXPECT_EQ(read.places(), 2);
}

TEST_F(CapacityTest, AnInterventionWithNothingRecordedIsReportedAsUnknownPlaces) {
  const v1::BatchGetAvailabilityResponse response =
      Availability({"interventions/positive-pathways"}, "wales");
  ASSERT_EQ(response.availabilities_size(), 1);
  EXPECT_FALSE(response.availabilities(0).capacity_set());
  EXPECT_EQ(response.availabilities(0).waiting(), 0);
  EXPECT_EQ(response.availabilities(0).region(), "wales");
}

TEST_F(CapacityTest, OnlyThePeopleWhoRunTheInterventionSetItsPlaces) {
  v1::Capacity stored;
  grpc::Status status = SetCapacity(Places(kThinkingSkills, 3), &stored, kPractitioner);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("may not set capacity"));
  status = SetCapacity(Places(kThinkingSkills, 3), &stored, "programme_team", "wales");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("capacity.region"));
  status = SetCapacity(Places(kAccommodation, 3, "provider-a"), &stored, "programme_team");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  status = SetCapacity(Places(kThinkingSkills, 3), &stored, "service_provider");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(CapacityTest, BadCapacityRequestsGetAClearStatusNamingTheField) {
  v1::Capacity stored;
  const auto expect = [&](v1::Capacity capacity, grpc::StatusCode code, absl::string_view text,
                          bool allow_missing = true) {
    const grpc::Status status =
        SetCapacity(std::move(capacity), &stored, "admin", "", "", allow_missing);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(std::string(text)));
  };
  v1::Capacity capacity = Places(kThinkingSkills, -1);
  expect(capacity, grpc::StatusCode::INVALID_ARGUMENT, "capacity.places");
  capacity = Places(kThinkingSkills, 3);
  capacity.set_next_start_date("11/01/2027");
  expect(capacity, grpc::StatusCode::INVALID_ARGUMENT, "capacity.next_start_date");
  capacity = Places(kThinkingSkills, 3);
  capacity.clear_period();
  expect(capacity, grpc::StatusCode::INVALID_ARGUMENT, "capacity.period");
  expect(Places("thinking-skills", 3), grpc::StatusCode::INVALID_ARGUMENT, "capacity.intervention");
  expect(Places("interventions/no-such-thing", 3), grpc::StatusCode::NOT_FOUND, "no-such-thing");
  expect(Places(kAccommodation, 3), grpc::StatusCode::INVALID_ARGUMENT, "capacity.provider");
  expect(Places(kThinkingSkills, 3, "provider-a"), grpc::StatusCode::INVALID_ARGUMENT,
         "capacity.provider");
  capacity = Places(kThinkingSkills, 3);
  capacity.set_region("Somewhere Else");
  expect(capacity, grpc::StatusCode::INVALID_ARGUMENT, "capacity.region");
  capacity = Places("interventions/positive-pathways", 3);
  capacity.set_region("north-east");
  expect(capacity, grpc::StatusCode::NOT_FOUND, "allow_missing", false);
  capacity = Places(kThinkingSkills, 3);
  ASSERT_TRUE(SetCapacity(capacity, &stored).ok());
  capacity.set_etag("999");
  expect(capacity, grpc::StatusCode::ABORTED, "the capacity is at");

  Call call(kPractitioner);
  v1::BatchGetAvailabilityRequest request;
  v1::BatchGetAvailabilityResponse response;
  EXPECT_EQ(stub().BatchGetAvailability(&call.context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  Call get_call(kPractitioner);
  v1::GetCapacityRequest get;
  get.set_name("interventions/thinking-skills-programme/capacity");
  v1::Capacity read;
  const grpc::Status bad_name = stub().GetCapacity(&get_call.context, get, &read);
  EXPECT_EQ(bad_name.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_name.error_message(), HasSubstr("name: must be"));
}

}  // namespace
}  // namespace probation::referrals
