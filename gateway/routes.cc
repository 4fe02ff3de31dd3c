#include "gateway/routes.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"
#include "probation/eligibility/v1/eligibility_service.pb.h"
#include "probation/gateway/v1/gateway_service.pb.h"
#include "probation/referrals/v1/referral_service.pb.h"

namespace probation::gateway {
namespace {

struct ServedBy {
  absl::string_view service;
  Backend backend;
};

// Which backend serves which service: the one hand-kept part of the routing.
constexpr ServedBy kBackends[] = {
    {"probation.catalogue.v1.CatalogueService", Backend::kCatalogue},
    {"probation.eligibility.v1.EligibilityService", Backend::kEligibility},
    {"probation.referrals.v1.ReferralService", Backend::kReferrals},
    {"probation.delivery.v1.DeliveryService", Backend::kReferrals},
};

}  // namespace

const Backend* BackendServing(absl::string_view service) {
  for (const ServedBy& entry : kBackends) {
    if (entry.service == service) return &entry.backend;
  }
  return nullptr;
}

absl::flat_hash_map<std::string, Route> RoutesOf(
    const google::protobuf::ServiceDescriptor& gateway) {
  absl::flat_hash_map<std::string, Route> routes;
  for (int i = 0; i < gateway.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *gateway.method(i);
    if (method.client_streaming() || method.server_streaming()) continue;
    const google::protobuf::FileDescriptor& file = *method.input_type()->file();
    for (int s = 0; s < file.service_count(); ++s) {
      const google::protobuf::ServiceDescriptor& service = *file.service(s);
      const Backend* backend = BackendServing(service.full_name());
      const google::protobuf::MethodDescriptor* target = service.FindMethodByName(method.name());
      if (backend == nullptr || target == nullptr || target->input_type() != method.input_type() ||
          target->output_type() != method.output_type()) {
        continue;
      }
      routes.emplace(method.name(),
                     Route{*backend, absl::StrCat("/", service.full_name(), "/", target->name())});
    }
  }
  return routes;
}

const absl::flat_hash_map<std::string, Route>& GatewayRoutes() {
  // Naming a message of each file makes the linker keep its descriptors.
  (void)catalogue::v1::ListInterventionsRequest::descriptor();
  (void)eligibility::v1::CheckEligibilityRequest::descriptor();
  (void)referrals::v1::GetReferralRequest::descriptor();
  static const auto* const kRoutes = new absl::flat_hash_map<std::string, Route>(
      RoutesOf(*v1::FindInterventionsRequest::descriptor()->file()->FindServiceByName(
          "InterventionsGateway")));
  return *kRoutes;
}

}  // namespace probation::gateway
