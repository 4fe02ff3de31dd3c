// The gRPC face of the catalogue: decodes requests, asks the Catalogue, maps the status.
#ifndef PROBATION_SERVICES_CATALOGUE_CATALOGUE_SERVER_H_
#define PROBATION_SERVICES_CATALOGUE_CATALOGUE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/byte_buffer.h"
#include "libs/server/identified_call.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "services/catalogue/catalogue.h"

namespace probation::catalogue {

// GetIntervention answers with bytes encoded once (Catalogue::GetEncodedIntervention), so it is
// a raw method: gRPC neither copies nor encodes a message for it.
using CatalogueService = v1::CatalogueService::WithRawCallbackMethod_GetIntervention<
    v1::CatalogueService::CallbackService>;

class CatalogueServer final : public CatalogueService {
 public:
  // Calls must carry an identity signed with `identity_secret` (libs/auth/grpc_identity.h).
  CatalogueServer(std::shared_ptr<const Catalogue> catalogue, std::string identity_secret)
      : catalogue_(std::move(catalogue)),
        authenticate_(SignedIdentityAuthenticator(std::move(identity_secret))) {}

  grpc::ServerUnaryReactor* ListInterventions(grpc::CallbackServerContext* context,
                                              const v1::ListInterventionsRequest* request,
                                              v1::ListInterventionsResponse* response) override;
  grpc::ServerUnaryReactor* GetIntervention(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* context,
                                        const v1::ListRegionsRequest* request,
                                        v1::ListRegionsResponse* response) override;
  grpc::ServerUnaryReactor* GetRegionalOffer(grpc::CallbackServerContext* context,
                                             const v1::GetRegionalOfferRequest* request,
                                             v1::RegionalOffer* response) override;

 private:
  // GetIntervention's work: the encoded intervention the request names, or why not.
  absl::StatusOr<absl::string_view> EncodedIntervention(const grpc::CallbackServerContext& context,
                                                        const grpc::ByteBuffer& request) const;

  std::shared_ptr<const Catalogue> catalogue_;
  const Authenticator authenticate_;
};

}  // namespace probation::catalogue

#endif  // PROBATION_SERVICES_CATALOGUE_CATALOGUE_SERVER_H_
