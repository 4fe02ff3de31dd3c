// Fetches the whole catalogue from the catalogue service over gRPC: the regions, then every
// page of interventions, each call with a deadline.
#ifndef PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_FETCHER_H_
#define PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_FETCHER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "services/eligibility/catalogue_snapshot.h"

namespace probation::eligibility {

// UNAVAILABLE / DEADLINE_EXCEEDED when the catalogue service cannot be reached in time;
// INVALID_ARGUMENT when what it sent cannot be judged (see CatalogueSnapshot::Build).
absl::StatusOr<std::shared_ptr<const CatalogueSnapshot>> FetchCatalogue(
    catalogue::v1::CatalogueService::StubInterface& stub, absl::Duration rpc_timeout);

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_FETCHER_H_
