#include "services/catalogue/catalogue_server.h"

#include "libs/status/grpc_status.h"

namespace probation::catalogue {
namespace {

// Copies a successful result into the response and finishes the call with its status.
template <typename Result, typename Response>
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 absl::StatusOr<Result> result, Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (result.ok()) {
    if constexpr (std::is_pointer_v<Result>) {
      *response = **result;
    } else {
      *response = *std::move(result);
    }
  }
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* CatalogueServer::ListInterventions(
    grpc::CallbackServerContext* context, const v1::ListInterventionsRequest* request,
    v1::ListInterventionsResponse* response) {
  return Finish(context, catalogue_->ListInterventions(*request), response);
}

grpc::ServerUnaryReactor* CatalogueServer::GetIntervention(
    grpc::CallbackServerContext* context, const v1::GetInterventionRequest* request,
    v1::Intervention* response) {
  return Finish(context, catalogue_->GetIntervention(request->name()), response);
}

grpc::ServerUnaryReactor* CatalogueServer::ListRegions(grpc::CallbackServerContext* context,
                                                       const v1::ListRegionsRequest* /*request*/,
                                                       v1::ListRegionsResponse* response) {
  return Finish(context, absl::StatusOr<v1::ListRegionsResponse>(catalogue_->ListRegions()),
                response);
}

grpc::ServerUnaryReactor* CatalogueServer::GetRegionalOffer(
    grpc::CallbackServerContext* context, const v1::GetRegionalOfferRequest* request,
    v1::RegionalOffer* response) {
  return Finish(context, catalogue_->GetRegionalOffer(request->region()), response);
}

}  // namespace probation::catalogue
