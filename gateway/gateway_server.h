// The gRPC face of the gateway: authenticates each call's bearer token, forwards it to the
// service behind with the caller's deadline and signed identity (the services decide what
// the caller's role and region or provider allow), joins the catalogue with eligibility for
// FindInterventions and enriches GetReferral. Backend calls are asynchronous, so no gateway
// thread waits on a backend.
#ifndef PROBATION_GATEWAY_GATEWAY_SERVER_H_
#define PROBATION_GATEWAY_GATEWAY_SERVER_H_

#include <memory>

#include "gateway/caller_identity.h"
#include "gateway/open_watches.h"
#include "grpcpp/channel.h"
#include "libs/auth/jwt.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"

namespace probation::gateway {

struct Backends {
  std::shared_ptr<grpc::Channel> catalogue;
  std::shared_ptr<grpc::Channel> eligibility;
  std::shared_ptr<grpc::Channel> referrals;
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
  grpc::ServerBidiReactor<eligibility::v1::ScreenCaseloadRequest,
                          eligibility::v1::ScreenCaseloadResponse>*
  ScreenCaseload(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* FindInterventions(grpc::CallbackServerContext* context,
                                              const v1::FindInterventionsRequest* request,
                                              v1::FindInterventionsResponse* response) override;

  grpc::ServerUnaryReactor* CreateReferral(grpc::CallbackServerContext* context,
                                           const referrals::v1::CreateReferralRequest* request,
                                           referrals::v1::Referral* response) override;
  // The referral with its intervention's title and the moves the caller may make now.
  grpc::ServerUnaryReactor* GetReferral(grpc::CallbackServerContext* context,
                                        const referrals::v1::GetReferralRequest* request,
                                        referrals::v1::Referral* response) override;
  grpc::ServerUnaryReactor* ListReferrals(grpc::CallbackServerContext* context,
                                          const referrals::v1::ListReferralsRequest* request,
                                          referrals::v1::ListReferralsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateReferral(grpc::CallbackServerContext* context,
                                           const referrals::v1::UpdateReferralRequest* request,
                                           referrals::v1::Referral* response) override;
  grpc::ServerUnaryReactor* SubmitReferral(grpc::CallbackServerContext* context,
                                           const referrals::v1::SubmitReferralRequest* request,
                                           referrals::v1::Referral* response) override;
  grpc::ServerUnaryReactor* TransitionReferral(
      grpc::CallbackServerContext* context, const referrals::v1::TransitionReferralRequest* request,
      referrals::v1::Referral* response) override;
  grpc::ServerUnaryReactor* ListAllowedTransitions(
      grpc::CallbackServerContext* context,
      const referrals::v1::ListAllowedTransitionsRequest* request,
      referrals::v1::ListAllowedTransitionsResponse* response) override;
  grpc::ServerUnaryReactor* GetReferralHistory(
      grpc::CallbackServerContext* context, const referrals::v1::GetReferralHistoryRequest* request,
      referrals::v1::GetReferralHistoryResponse* response) override;
  grpc::ServerWriteReactor<referrals::v1::ReferralEvent>* WatchReferralEvents(
      grpc::CallbackServerContext* context,
      const referrals::v1::WatchReferralEventsRequest* request) override;
  grpc::ServerUnaryReactor* GetStateMachine(grpc::CallbackServerContext* context,
                                            const referrals::v1::GetStateMachineRequest* request,
                                            referrals::v1::StateMachine* response) override;
  grpc::ServerUnaryReactor* ExportPersonData(
      grpc::CallbackServerContext* context, const referrals::v1::ExportPersonDataRequest* request,
      referrals::v1::ExportPersonDataResponse* response) override;
  grpc::ServerUnaryReactor* AmendReferral(grpc::CallbackServerContext* context,
                                          const referrals::v1::AmendReferralRequest* request,
                                          referrals::v1::Referral* response) override;
  grpc::ServerUnaryReactor* GetReferralChangelog(
      grpc::CallbackServerContext* context,
      const referrals::v1::GetReferralChangelogRequest* request,
      referrals::v1::GetReferralChangelogResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCapacity(grpc::CallbackServerContext* context,
                                           const referrals::v1::UpdateCapacityRequest* request,
                                           referrals::v1::Capacity* response) override;
  grpc::ServerUnaryReactor* GetCapacity(grpc::CallbackServerContext* context,
                                        const referrals::v1::GetCapacityRequest* request,
                                        referrals::v1::Capacity* response) override;
  grpc::ServerUnaryReactor* BatchGetAvailability(
      grpc::CallbackServerContext* context,
      const referrals::v1::BatchGetAvailabilityRequest* request,
      referrals::v1::BatchGetAvailabilityResponse* response) override;

  grpc::ServerUnaryReactor* GetReferralReport(
      grpc::CallbackServerContext* context, const referrals::v1::GetReferralReportRequest* request,
      referrals::v1::ReferralReport* response) override;
  grpc::ServerWriteReactor<referrals::v1::ExportReferralsResponse>* ExportReferrals(
      grpc::CallbackServerContext* context,
      const referrals::v1::ExportReferralsRequest* request) override;

  // Ends the open event watches with UNAVAILABLE and refuses new ones: call before draining
  // the server, whose drain would otherwise wait its whole timeout for them.
  void EndWatches() { watches_.Drain(); }

 private:
  // Authenticates and forwards one unary call; `start` begins the backend call.
  template <typename Request, typename Response, typename Start>
  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* context, const Request* request,
                                    Response* response, Start start);

  // The authenticated caller's context for a backend stream, or why there is none.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> StreamContext(
      const grpc::CallbackServerContext& context);

  JwtVerifier verifier_;
  BackendCallOptions options_;
  OpenWatches watches_;
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> catalogue_;
  std::unique_ptr<eligibility::v1::EligibilityService::Stub> eligibility_;
  std::unique_ptr<referrals::v1::ReferralService::Stub> referrals_;
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_GATEWAY_SERVER_H_
