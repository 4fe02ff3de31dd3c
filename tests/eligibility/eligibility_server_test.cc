// The eligibility service as a real gRPC server fed by a real catalogue server over loopback:
// readiness, keeping the last good catalogue, statuses, and bulk screening by stream.
#include "services/eligibility/eligibility_server.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/catalogue_fixture.h"
#include "tests/support/eligibility_server_fixture.h"
#include "tests/support/profile_generator.h"

namespace probation::eligibility {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kService[] = "probation.eligibility.v1.EligibilityService";

HealthCheckResponse::ServingStatus Health(grpc::Channel* channel) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(kService);
  HealthCheckResponse response;
  EXPECT_TRUE(stub->Check(&context, request, &response).ok());
  return response.status();
}

bool WaitForServing(grpc::Channel* channel, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Health(channel) == HealthCheckResponse::SERVING) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

common::v1::PersonProfile Woman() {
  common::v1::PersonProfile person;
  person.set_crn("W654321");
  person.set_date_of_birth("1985-03-10");
  person.set_as_of_date("2026-11-25");
  person.set_sex(common::v1::SEX_FEMALE);
  person.set_region("london");
  person.set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
  person.set_has_rar(true);
  person.add_offences(common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE);
  person.set_sara(common::v1::RISK_LEVEL_HIGH);
  return person;
}

TEST(EligibilityServer, IsNotServingUntilTheCatalogueArrivesThenServes) {
  // Find a free port, then leave it empty: the catalogue is "down" when eligibility starts.
  std::string address;
  {
    testing::RunningCatalogue probe = testing::StartCatalogue();
    address = absl::StrCat("127.0.0.1:", probe.server->port());
    probe.server->Shutdown(absl::ZeroDuration());
  }
  CatalogueWatcherOptions options;
  options.initial_retry = absl::Milliseconds(50);
  options.rpc_timeout = absl::Milliseconds(500);
  auto eligibility = testing::StartEligibility(address, options);
  EXPECT_EQ(Health(eligibility->channel.get()), HealthCheckResponse::NOT_SERVING);
  {
    grpc::ClientContext context;
    v1::CheckEligibilityRequest request;
    *request.mutable_person() = Woman();
    request.set_intervention("interventions/unpaid-work");
    v1::Verdict verdict;
    const grpc::Status status = eligibility->stub->CheckEligibility(&context, request, &verdict);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("catalogue has not been loaded"));
  }

  testing::RunningCatalogue catalogue = testing::StartCatalogue(true, address);
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));
  grpc::ClientContext context;
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = Woman();
  request.set_intervention("interventions/unpaid-work");
  v1::Verdict verdict;
  ASSERT_TRUE(eligibility->stub->CheckEligibility(&context, request, &verdict).ok());
  EXPECT_EQ(verdict.outcome(), v1::OUTCOME_ELIGIBLE);
}

TEST(EligibilityServer, KeepsServingTheLastGoodCatalogueWhenTheCatalogueGoesDown) {
  testing::RunningCatalogue catalogue = testing::StartCatalogue();
  CatalogueWatcherOptions options;
  options.rpc_timeout = absl::Milliseconds(500);
  auto eligibility =
      testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue.server->port()), options);
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));

  catalogue.server->Shutdown(absl::ZeroDuration());
  const absl::Status refresh = eligibility->watcher->RefreshNow();
  EXPECT_FALSE(refresh.ok());
  EXPECT_THAT(refresh.code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                               absl::StatusCode::kDeadlineExceeded));

  EXPECT_EQ(Health(eligibility->channel.get()), HealthCheckResponse::SERVING);
  grpc::ClientContext context;
  v1::FindEligibleInterventionsRequest request;
  *request.mutable_person() = Woman();
  v1::FindEligibleInterventionsResponse response;
  ASSERT_TRUE(eligibility->stub->FindEligibleInterventions(&context, request, &response).ok());
  EXPECT_EQ(response.catalogue_size(), catalogue.catalogue->data().interventions_size());
}

TEST(EligibilityServer, ExplainsAVerdictOverGrpc) {
  testing::RunningCatalogue catalogue = testing::StartCatalogue();
  auto eligibility =
      testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue.server->port()));
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));
  grpc::ClientContext context;
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = Woman();
  request.set_intervention("interventions/building-better-relationships");
  v1::Verdict verdict;
  ASSERT_TRUE(eligibility->stub->CheckEligibility(&context, request, &verdict).ok());
  EXPECT_EQ(verdict.outcome(), v1::OUTCOME_NOT_ELIGIBLE);
  ASSERT_GT(verdict.reasons_size(), 0);
  EXPECT_EQ(verdict.reasons(0).criterion(), "sex");
  EXPECT_EQ(verdict.reasons(0).result(), v1::RESULT_NOT_MET);
  EXPECT_EQ(verdict.reasons(0).explanation(), "BBR is for men; this person is recorded as female");
}

TEST(EligibilityServer, AnInvalidProfileIsInvalidArgumentNamingTheField) {
  testing::RunningCatalogue catalogue = testing::StartCatalogue();
  auto eligibility =
      testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue.server->port()));
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));
  grpc::ClientContext context;
  v1::FindEligibleInterventionsRequest request;
  *request.mutable_person() = Woman();
  request.mutable_person()->set_crn("12345");
  v1::FindEligibleInterventionsResponse response;
  const grpc::Status status =
      eligibility->stub->FindEligibleInterventions(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 2);  // BadRequest and ErrorInfo
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request) ||
              details.details(1).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations(0).field(), "person.crn");
}

// 10,000 generated people streamed through ScreenCaseload while answers stream back; each
// answer matches, in order, what the domain gives for the same person, and invalid
// profiles are answered with their error without ending the stream.
TEST(EligibilityServer, ScreensTenThousandProfilesThroughOneStream) {
  constexpr int kPeople = 10000;
  std::vector<common::v1::PersonProfile> people = testing::GenerateProfiles(kPeople);
  for (int i = 0; i < kPeople; i += 500) people[i].set_date_of_birth("2001-02-29");

  testing::RunningCatalogue catalogue = testing::StartCatalogue();
  auto eligibility =
      testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue.server->port()));
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));

  grpc::ClientContext context;
  auto stream = eligibility->stub->ScreenCaseload(&context);
  std::thread writer([&] {
    for (const auto& person : people) {
      v1::ScreenCaseloadRequest request;
      *request.mutable_person() = person;
      request.set_eligible_only(true);
      if (!stream->Write(request)) return;
    }
    stream->WritesDone();
  });
  std::vector<v1::ScreenCaseloadResponse> responses;
  v1::ScreenCaseloadResponse response;
  const absl::Time start = absl::Now();
  while (stream->Read(&response)) responses.push_back(response);
  const absl::Duration elapsed = absl::Now() - start;
  writer.join();
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), people.size());
  std::cout << "screened " << kPeople << " profiles in " << elapsed << "\n";

  auto checker = testing::EmbeddedChecker();
  int errors = 0, eligible_verdicts = 0;
  for (int i = 0; i < kPeople; ++i) {
    ASSERT_EQ(responses[i].crn(), people[i].crn()) << i;
    v1::ScreenCaseloadRequest request;
    *request.mutable_person() = people[i];
    request.set_eligible_only(true);
    absl::StatusOr<v1::ScreenCaseloadResponse> expected = checker->Screen(request);
    if (!expected.ok()) {
      ++errors;
      EXPECT_EQ(responses[i].error().code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(responses[i].error().message(), HasSubstr("person.date_of_birth"));
      EXPECT_TRUE(responses[i].verdicts().empty());
      continue;
    }
    EXPECT_FALSE(responses[i].has_error()) << responses[i].error().message();
    ASSERT_EQ(responses[i].verdicts_size(), expected->verdicts_size()) << i;
    for (int v = 0; v < expected->verdicts_size(); ++v) {
      EXPECT_EQ(responses[i].verdicts(v).intervention(), expected->verdicts(v).intervention());
      EXPECT_EQ(responses[i].verdicts(v).outcome(), v1::OUTCOME_ELIGIBLE);
      // A brochure fact across the whole caseload: BBR only ever for men.
      if (responses[i].verdicts(v).intervention() ==
          "interventions/building-better-relationships") {
        EXPECT_EQ(people[i].sex(), common::v1::SEX_MALE);
      }
    }
    eligible_verdicts += responses[i].verdicts_size();
  }
  EXPECT_EQ(errors, kPeople / 500);
  EXPECT_GT(eligible_verdicts, kPeople) << "a varied caseload has many eligible matches";
}

TEST(EligibilityServer, SurvivesAClientThatAbandonsAScreeningMidStream) {
  testing::RunningCatalogue catalogue = testing::StartCatalogue();
  auto eligibility =
      testing::StartEligibility(absl::StrCat("127.0.0.1:", catalogue.server->port()));
  ASSERT_TRUE(WaitForServing(eligibility->channel.get(), absl::Seconds(20)));
  std::vector<common::v1::PersonProfile> people = testing::GenerateProfiles(500, 7);
  {
    grpc::ClientContext context;
    auto stream = eligibility->stub->ScreenCaseload(&context);
    for (const auto& person : people) {
      v1::ScreenCaseloadRequest request;
      *request.mutable_person() = person;
      request.set_view(v1::VERDICT_VIEW_FULL);
      if (!stream->Write(request)) break;
    }
    // Never reads: the server fills its queue, stops reading, and must cope with the cancel.
    context.TryCancel();
    stream->Finish();
  }
  grpc::ClientContext context;
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = Woman();
  request.set_intervention("interventions/unpaid-work");
  v1::Verdict verdict;
  EXPECT_TRUE(eligibility->stub->CheckEligibility(&context, request, &verdict).ok());
}

}  // namespace
}  // namespace probation::eligibility
