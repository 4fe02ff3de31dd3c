// The gateway's routes, read from the protos rather than kept by hand: a method of
// InterventionsGateway whose request message belongs to a service behind the gateway is
// passed on, bytes unchanged, to that service's method of the same name. The one table kept
// here says which backend serves which service; everything else follows from the contracts.
#ifndef PROBATION_GATEWAY_ROUTES_H_
#define PROBATION_GATEWAY_ROUTES_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace probation::gateway {

enum class Backend { kCatalogue, kEligibility, kReferrals };

struct Route {
  Backend backend;
  // "/probation.catalogue.v1.CatalogueService/ListInterventions".
  std::string path;
};

// The backend that serves `service` (a full name), or nullptr for none.
const Backend* BackendServing(absl::string_view service);

// The routes of `gateway`'s unary methods, by method name. A method whose request message
// belongs to no backend's service (the gateway's own aggregates) has none.
absl::flat_hash_map<std::string, Route> RoutesOf(
    const google::protobuf::ServiceDescriptor& gateway);

// The routes of probation.gateway.v1.InterventionsGateway.
const absl::flat_hash_map<std::string, Route>& GatewayRoutes();

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_ROUTES_H_
