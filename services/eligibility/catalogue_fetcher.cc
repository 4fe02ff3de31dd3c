#include "services/eligibility/catalogue_fetcher.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "libs/status/grpc_status.h"

namespace probation::eligibility {
namespace {

constexpr int kPageSize = 100;
// Guards against a server that keeps returning page tokens.
constexpr int kMaxPages = 1000;

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::Status Annotate(const grpc::Status& status, absl::string_view call) {
  absl::Status converted = FromGrpcStatus(status);
  return absl::Status(converted.code(),
                      absl::StrCat("catalogue service ", call, ": ", converted.message()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CatalogueSnapshot>> FetchCatalogue(
    catalogue::v1::CatalogueService::StubInterface& stub, absl::Duration rpc_timeout) {
  std::vector<catalogue::v1::Region> regions;
  {
    grpc::ClientContext context;
    SetDeadline(context, rpc_timeout);
    catalogue::v1::ListRegionsResponse response;
    grpc::Status status = stub.ListRegions(&context, {}, &response);
    if (!status.ok()) return Annotate(status, "ListRegions");
    regions.assign(response.regions().begin(), response.regions().end());
  }

  std::vector<catalogue::v1::Intervention> interventions;
  std::string page_token;
  int expected = -1;
  for (int page = 0;; ++page) {
    if (page == kMaxPages) {
      return absl::FailedPreconditionError("catalogue service ListInterventions: too many pages");
    }
    grpc::ClientContext context;
    SetDeadline(context, rpc_timeout);
    catalogue::v1::ListInterventionsRequest request;
    request.set_page_size(kPageSize);
    request.set_page_token(page_token);
    catalogue::v1::ListInterventionsResponse response;
    grpc::Status status = stub.ListInterventions(&context, request, &response);
    if (!status.ok()) return Annotate(status, "ListInterventions");
    if (expected < 0) expected = response.total_size();
    for (catalogue::v1::Intervention& intervention : *response.mutable_interventions()) {
      interventions.push_back(std::move(intervention));
    }
    page_token = response.next_page_token();
    if (page_token.empty()) break;
  }
  if (static_cast<int>(interventions.size()) != expected) {
    // The catalogue changed between pages (a restart with new data): try again later.
    return absl::AbortedError(absl::StrCat("catalogue service sent ", interventions.size(),
                                           " interventions but announced ", expected));
  }
  return CatalogueSnapshot::Build(std::move(interventions), std::move(regions));
}

}  // namespace probation::eligibility
