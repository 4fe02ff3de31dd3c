// The catalogue through a real gRPC server on an ephemeral port: pagination end to end and
// error statuses as a client sees them.
#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/support/catalogue_fixture.h"

namespace probation::catalogue {
namespace {

using ::testing::HasSubstr;

class CatalogueServerTest : public ::testing::Test {
 protected:
  grpc::Status List(const v1::ListInterventionsRequest& request,
                    v1::ListInterventionsResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return running_.stub->ListInterventions(&context, request, response);
  }

  testing::RunningCatalogue running_ = testing::StartCatalogue();
};

TEST_F(CatalogueServerTest, PagesThroughEverythingExactlyOnce) {
  v1::ListInterventionsRequest request;
  request.set_page_size(7);
  std::vector<std::string> seen;
  int pages = 0;
  int total = -1;
  do {
    v1::ListInterventionsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    if (total < 0) total = response.total_size();
    EXPECT_EQ(response.total_size(), total);
    EXPECT_LE(response.interventions_size(), 7);
    for (const auto& intervention : response.interventions()) seen.push_back(intervention.id());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 100);
  EXPECT_EQ(static_cast<int>(seen.size()), total);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(pages, (total + 6) / 7);
  EXPECT_EQ(total, running_.catalogue->data().interventions_size());
}

TEST_F(CatalogueServerTest, PagesThroughAFilteredList) {
  v1::ListInterventionsRequest request;
  request.set_kind(v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  request.set_page_size(5);
  int count = 0;
  do {
    v1::ListInterventionsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    EXPECT_EQ(response.total_size(), 14);
    count += response.interventions_size();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(count, 14);
}

TEST_F(CatalogueServerTest, CoercesAHugePageSizeToTheMaximum) {
  v1::ListInterventionsRequest request;
  request.set_page_size(1'000'000);
  v1::ListInterventionsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_LE(response.interventions_size(), 100);
}

TEST_F(CatalogueServerTest, DefaultPageSizeIsFifty) {
  v1::ListInterventionsResponse response;
  ASSERT_TRUE(List({}, &response).ok());
  EXPECT_EQ(response.interventions_size(), 50);
  EXPECT_FALSE(response.next_page_token().empty());
}

TEST_F(CatalogueServerTest, ABadPageTokenIsInvalidArgumentWithAFieldViolation) {
  v1::ListInterventionsRequest request;
  request.set_page_token("garbage");
  v1::ListInterventionsResponse response;
  const grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 2);  // BadRequest and ErrorInfo
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request) ||
              details.details(1).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations(0).field(), "page_token");
}

TEST_F(CatalogueServerTest, ATokenReusedWithOtherFiltersIsRefused) {
  v1::ListInterventionsRequest request;
  request.set_page_size(2);
  v1::ListInterventionsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  request.set_page_token(first.next_page_token());
  request.set_kind(v1::INTERVENTION_KIND_UNPAID_WORK);
  v1::ListInterventionsResponse second;
  EXPECT_EQ(List(request, &second).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CatalogueServerTest, NegativePageSizeIsInvalid) {
  v1::ListInterventionsRequest request;
  request.set_page_size(-5);
  v1::ListInterventionsResponse response;
  const grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
}

// GetIntervention answers with bytes encoded when the catalogue was built: every intervention
// arrives whole and equal to the loaded one.
TEST_F(CatalogueServerTest, GetInterventionAnswersEachInterventionWhole) {
  ASSERT_GT(running_.catalogue->data().interventions_size(), 40);
  for (const v1::Intervention& loaded : running_.catalogue->data().interventions()) {
    grpc::ClientContext context;
    v1::GetInterventionRequest request;
    request.set_name(loaded.name());
    v1::Intervention response;
    const grpc::Status status = running_.stub->GetIntervention(&context, request, &response);
    ASSERT_TRUE(status.ok()) << loaded.name() << ": " << status.error_message();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(response, loaded))
        << loaded.name();
  }
}

TEST_F(CatalogueServerTest, GetInterventionNotFoundNamesTheName) {
  grpc::ClientContext context;
  v1::GetInterventionRequest request;
  request.set_name("interventions/flying-lessons");
  v1::Intervention response;
  const grpc::Status status = running_.stub->GetIntervention(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("interventions/flying-lessons"));
}

TEST_F(CatalogueServerTest, ServesRegionsAndOffers) {
  grpc::ClientContext regions_context;
  v1::ListRegionsResponse regions;
  ASSERT_TRUE(running_.stub->ListRegions(&regions_context, {}, &regions).ok());
  ASSERT_EQ(regions.regions_size(), 12);
  for (const auto& region : regions.regions()) {
    grpc::ClientContext context;
    v1::GetRegionalOfferRequest request;
    request.set_region(region.name());
    v1::RegionalOffer offer;
    ASSERT_TRUE(running_.stub->GetRegionalOffer(&context, request, &offer).ok()) << region.id();
    EXPECT_EQ(offer.region().id(), region.id());
    EXPECT_FALSE(offer.groups().empty());
  }
}

}  // namespace
}  // namespace probation::catalogue
