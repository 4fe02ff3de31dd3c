// The gRPC face of the gateway: authenticates each call's bearer token, forwards it to the
// service behind with the caller's deadline and signed identity, and joins the catalogue
// with eligibility for FindInterventions. Backend calls are asynchronous, so no gateway
// thread waits on a backend.
#ifndef PROBATION_GATEWAY_GATEWAY_SERVER_H_
#define PROBATION_GATEWAY_GATEWAY_SERVER_H_

#include <memory>

#include "gateway/caller_identity.h"
#include "grpcpp/channel.h"
#include "libs/auth/jwt.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"

namespace probation::gateway {

struct Backends {
  std::shared_ptr<grpc::Channel> catalogue;
  std::shared_ptr<grpc::Channel> eligibility;
};

class GatewayServer final : public v1::InterventionsGateway::CallbackService {
 public:
  GatewayServer(JwtVerifier verifier, BackendCallOptions options, const Backends& backends);

  grpc::ServerUnaryReactor* ListInterventions(
      grpc::CallbackServerContext* context, const catalogue::v1::ListInterventionsRequest* request,
      catalogue::v1::ListInterventionsResponse* response) override;
  grpc::ServerUnaryReactor* GetIntervention(grpc::CallbackServerContext* context,
                                            const catalogue::v1::GetInterventionRequest* request,
                                            catalogue::v1::Intervention* response) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* context,
                                        const catalogue::v1::ListRegionsRequest* request,
                                        catalogue::v1::ListRegionsResponse* response) override;
  grpc::ServerUnaryReactor* GetRegionalOffer(grpc::CallbackServerContext* context,
                                             const catalogue::v1::GetRegionalOfferRequest* request,
                                             catalogue::v1::RegionalOffer* response) override;
  grpc::ServerUnaryReactor* CheckEligibility(
      grpc::CallbackServerContext* context, const eligibility::v1::CheckEligibilityRequest* request,
      eligibility::v1::Verdict* response) override;
  grpc::ServerUnaryReactor* FindInterventions(grpc::CallbackServerContext* context,
                                              const v1::FindInterventionsRequest* request,
                                              v1::FindInterventionsResponse* response) override;

 private:
  // Authenticates and forwards one unary call; `start` begins the backend call.
  template <typename Request, typename Response, typename Start>
  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* context, const Request* request,
                                    Response* response, Start start);

  JwtVerifier verifier_;
  BackendCallOptions options_;
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> catalogue_;
  std::unique_ptr<eligibility::v1::EligibilityService::Stub> eligibility_;
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_GATEWAY_SERVER_H_
