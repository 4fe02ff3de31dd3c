#include "libs/client/service_descriptors.h"

#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"
#include "probation/eligibility/v1/eligibility_service.pb.h"
#include "probation/referrals/v1/referral_service.pb.h"

namespace probation {
namespace {

// A service's descriptor, found through a request message of its file: naming the message
// makes the linker keep the file's descriptor, which a lookup by name alone would not.
const google::protobuf::ServiceDescriptor& Service(const google::protobuf::Descriptor& request,
                                                   absl::string_view name) {
  const google::protobuf::ServiceDescriptor* service =
      request.file()->FindServiceByName(std::string(name));
  if (service == nullptr) std::abort();  // a renamed service: caught by read_methods_test
  return *service;
}

}  // namespace

const google::protobuf::ServiceDescriptor& CatalogueServiceDescriptor() {
  return Service(*catalogue::v1::ListInterventionsRequest::descriptor(), "CatalogueService");
}

const google::protobuf::ServiceDescriptor& EligibilityServiceDescriptor() {
  return Service(*eligibility::v1::CheckEligibilityRequest::descriptor(), "EligibilityService");
}

const google::protobuf::ServiceDescriptor& ReferralServiceDescriptor() {
  return Service(*referrals::v1::GetReferralRequest::descriptor(), "ReferralService");
}

}  // namespace probation
