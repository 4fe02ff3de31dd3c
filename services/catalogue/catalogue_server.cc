#include "services/catalogue/catalogue_server.h"

#include "libs/auth/grpc_identity.h"
#include "libs/server/raw_request.h"
#include "libs/status/grpc_status.h"

namespace probation::catalogue {

template <typename Compute, typename Response>
grpc::ServerUnaryReactor* CatalogueServer::Answer(grpc::CallbackServerContext* context,
                                                  Compute compute, Response* response) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = VerifiedCaller(*context, identity_secret_).status();
  if (status.ok()) {
    auto result = compute();
    status = result.status();
    if (result.ok()) {
      if constexpr (std::is_pointer_v<std::decay_t<decltype(*result)>>) {
        *response = **result;
      } else {
        *response = *std::move(result);
      }
    }
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* CatalogueServer::ListInterventions(
    grpc::CallbackServerContext* context, const v1::ListInterventionsRequest* request,
    v1::ListInterventionsResponse* response) {
  return Answer(
      context, [&] { return catalogue_->ListInterventions(*request); }, response);
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
  if (absl::Status caller = VerifiedCaller(context, identity_secret_).status(); !caller.ok()) {
    return caller;
  }
  v1::GetInterventionRequest parsed;
  if (absl::Status status = ParseRawRequest(request, parsed); !status.ok()) return status;
  return catalogue_->GetEncodedIntervention(parsed.name());
}

grpc::ServerUnaryReactor* CatalogueServer::ListRegions(grpc::CallbackServerContext* context,
                                                       const v1::ListRegionsRequest* /*request*/,
                                                       v1::ListRegionsResponse* response) {
  return Answer(
      context, [&] { return absl::StatusOr<v1::ListRegionsResponse>(catalogue_->ListRegions()); },
      response);
}

grpc::ServerUnaryReactor* CatalogueServer::GetRegionalOffer(
    grpc::CallbackServerContext* context, const v1::GetRegionalOfferRequest* request,
    v1::RegionalOffer* response) {
  return Answer(
      context, [&] { return catalogue_->GetRegionalOffer(request->region()); }, response);
}

}  // namespace probation::catalogue
