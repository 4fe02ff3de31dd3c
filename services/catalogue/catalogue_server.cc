#include "services/catalogue/catalogue_server.h"

#include "libs/server/identified_call.h"
#include "libs/server/raw_request.h"
#include "libs/status/grpc_status.h"

namespace probation::catalogue {

grpc::ServerUnaryReactor* CatalogueServer::ListInterventions(
    grpc::CallbackServerContext* context, const v1::ListInterventionsRequest* request,
    v1::ListInterventionsResponse* response) {
  return AnswerUnary(context, authenticate_, response,
                     [&](const Identity&) { return catalogue_->ListInterventions(*request); });
}

grpc::ServerUnaryReactor* CatalogueServer::GetIntervention(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<absl::string_view> encoded = EncodedIntervention(*context, *request);
  if (encoded.ok()) {
    grpc::Slice bytes(encoded->data(), encoded->size());
    *response = grpc::ByteBuffer(&bytes, 1);
  }
  reactor->Finish(ToGrpcStatus(encoded.status()));
  return reactor;
}

absl::StatusOr<absl::string_view> CatalogueServer::EncodedIntervention(
    const grpc::CallbackServerContext& context, const grpc::ByteBuffer& request) const {
  if (absl::Status caller = authenticate_(context).status(); !caller.ok()) return caller;
  v1::GetInterventionRequest parsed;
  if (absl::Status status = ParseRawRequest(request, parsed); !status.ok()) return status;
  return catalogue_->GetEncodedIntervention(parsed.name());
}

grpc::ServerUnaryReactor* CatalogueServer::ListRegions(grpc::CallbackServerContext* context,
                                                       const v1::ListRegionsRequest* /*request*/,
                                                       v1::ListRegionsResponse* response) {
  return AnswerUnary(context, authenticate_, response, [&](const Identity&) {
    return absl::StatusOr<v1::ListRegionsResponse>(catalogue_->ListRegions());
  });
}

grpc::ServerUnaryReactor* CatalogueServer::GetRegionalOffer(
    grpc::CallbackServerContext* context, const v1::GetRegionalOfferRequest* request,
    v1::RegionalOffer* response) {
  return AnswerUnary(context, authenticate_, response, [&](const Identity&) {
    return catalogue_->GetRegionalOffer(request->region());
  });
}

}  // namespace probation::catalogue
