// Which RPCs are reads comes from the protos (`idempotency_level = NO_SIDE_EFFECTS`), and
// every channel between the suite's processes retries exactly those: a read that lacks
// the mark, or a write that has it, fails here rather than going unretried or repeated.
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/client/service_channel.h"
#include "libs/client/service_descriptors.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"

namespace probation {
namespace {

using ::testing::Contains;
using ::testing::Not;

// AIP-131/132/231 read verbs, and this API's own reads.
bool NamedAsRead(const std::string& method) {
  for (const char* verb :
       {"Get", "List", "BatchGet", "Check", "Find", "Export", "Watch", "Screen"}) {
    if (absl::StartsWith(method, verb)) return true;
  }
  return false;
}

TEST(ReadMethods, EveryReadIsMarkedInTheProtosAndNoWriteIs) {
  // Each service through a request message of its file, which keeps the file linked in.
  const std::pair<const google::protobuf::Descriptor*, const char*> services[] = {
      {catalogue::v1::ListInterventionsRequest::descriptor(), "CatalogueService"},
      {eligibility::v1::CheckEligibilityRequest::descriptor(), "EligibilityService"},
      {referrals::v1::GetReferralRequest::descriptor(), "ReferralService"},
      {gateway::v1::FindInterventionsRequest::descriptor(), "InterventionsGateway"}};
  for (const auto& [request, name] : services) {
    const google::protobuf::ServiceDescriptor* service = request->file()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      const bool marked =
          method.options().idempotency_level() == google::protobuf::MethodOptions::NO_SIDE_EFFECTS;
      EXPECT_EQ(marked, NamedAsRead(method.name())) << method.full_name();
    }
  }
}

TEST(ReadMethods, EveryUnaryReadIsRetriedAndNoStreamOrWrite) {
  const std::vector<std::string> referrals = ReadMethodsOf(ReferralServiceDescriptor());
  // Once missing from a hand-kept list, so never retried.
  for (const char* read : {"GetReferralChangelog", "GetCapacity", "BatchGetAvailability",
                           "GetReferralReport", "GetReferral", "ListReferrals"}) {
    EXPECT_THAT(referrals, Contains(std::string("probation.referrals.v1.ReferralService/") + read));
  }
  for (const char* not_retried :
       {"WatchReferralEvents", "ExportReferrals", "CreateReferral", "TransitionReferral"}) {
    EXPECT_THAT(referrals, Not(Contains(std::string("probation.referrals.v1.ReferralService/") +
                                        not_retried)));
  }
  const std::vector<std::string> eligibility = ReadMethodsOf(EligibilityServiceDescriptor());
  EXPECT_THAT(eligibility,
              Not(Contains("probation.eligibility.v1.EligibilityService/ScreenCaseload")));
  EXPECT_THAT(eligibility,
              Contains("probation.eligibility.v1.EligibilityService/CheckEligibility"));
  EXPECT_EQ(ReadMethodsOf(CatalogueServiceDescriptor()).size(), 4u);
}

}  // namespace
}  // namespace probation
