// The gRPC face of the gateway: authenticates each call's bearer token, forwards it to the
// service behind with the caller's deadline and signed identity (the services decide what
// the caller's role and region or provider allow), joins the catalogue with eligibility for
// FindInterventions and enriches GetReferral. Backend calls are asynchronous, so no gateway
// thread waits on a backend.
#ifndef PROBATION_GATEWAY_GATEWAY_SERVER_H_
#define PROBATION_GATEWAY_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "gateway/caller_identity.h"
#include "gateway/catalogue_cache.h"
#include "gateway/open_watches.h"
#include "gateway/routes.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
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

// The methods the gateway passes on unchanged take their messages as bytes (gRPC's raw
// callback methods): the gateway neither parses nor re-serialises what it only forwards.
using GeneratedGateway = v1::InterventionsGateway;
// clang-format off
using GatewayService =
    GeneratedGateway::WithRawCallbackMethod_ListInterventions<
    GeneratedGateway::WithRawCallbackMethod_GetIntervention<
    GeneratedGateway::WithRawCallbackMethod_ListRegions<
    GeneratedGateway::WithRawCallbackMethod_GetRegionalOffer<
    GeneratedGateway::WithRawCallbackMethod_CheckEligibility<
    GeneratedGateway::WithRawCallbackMethod_FindInterventions<
    GeneratedGateway::WithRawCallbackMethod_CreateReferral<
    GeneratedGateway::WithRawCallbackMethod_ListReferrals<
    GeneratedGateway::WithRawCallbackMethod_UpdateReferral<
    GeneratedGateway::WithRawCallbackMethod_SubmitReferral<
    GeneratedGateway::WithRawCallbackMethod_TransitionReferral<
    GeneratedGateway::WithRawCallbackMethod_ListAllowedTransitions<
    GeneratedGateway::WithRawCallbackMethod_GetReferralHistory<
    GeneratedGateway::WithRawCallbackMethod_GetStateMachine<
    GeneratedGateway::WithRawCallbackMethod_ExportPersonData<
    GeneratedGateway::WithRawCallbackMethod_AmendReferral<
    GeneratedGateway::WithRawCallbackMethod_GetReferralChangelog<
    GeneratedGateway::WithRawCallbackMethod_UpdateCapacity<
    GeneratedGateway::WithRawCallbackMethod_GetCapacity<
    GeneratedGateway::WithRawCallbackMethod_BatchGetAvailability<
    GeneratedGateway::WithRawCallbackMethod_GetReferralReport<
    GeneratedGateway::WithRawCallbackMethod_SetCaseAccess<
    GeneratedGateway::WithRawCallbackMethod_GetCaseAccess<
    GeneratedGateway::WithRawCallbackMethod_DeleteCaseAccess<
    GeneratedGateway::WithRawCallbackMethod_ListAccessRecords<
    GeneratedGateway::WithRawCallbackMethod_CreateSubscription<
    GeneratedGateway::WithRawCallbackMethod_GetSubscription<
    GeneratedGateway::WithRawCallbackMethod_ListSubscriptions<
    GeneratedGateway::WithRawCallbackMethod_DeleteSubscription<
    GeneratedGateway::WithRawCallbackMethod_AcknowledgeEvents<
    GeneratedGateway::WithRawCallbackMethod_ListDeadLetters<
    GeneratedGateway::WithRawCallbackMethod_ReplayDeadLetter<
    GeneratedGateway::WithRawCallbackMethod_DeleteDeadLetter<
    GeneratedGateway::WithRawCallbackMethod_ScheduleAppointment<
    GeneratedGateway::WithRawCallbackMethod_RescheduleAppointment<
    GeneratedGateway::WithRawCallbackMethod_RecordAttendance<
    GeneratedGateway::WithRawCallbackMethod_GetAppointment<
    GeneratedGateway::WithRawCallbackMethod_ListAppointments<
    GeneratedGateway::WithRawCallbackMethod_GetActionPlan<
    GeneratedGateway::WithRawCallbackMethod_UpdateActionPlan<
    GeneratedGateway::WithRawCallbackMethod_SubmitActionPlan<
    GeneratedGateway::WithRawCallbackMethod_ApproveActionPlan<
    GeneratedGateway::WithRawCallbackMethod_RequestActionPlanChanges<
    GeneratedGateway::WithRawCallbackMethod_GetEndOfServiceReport<
    GeneratedGateway::WithRawCallbackMethod_UpdateEndOfServiceReport<
    GeneratedGateway::WithRawCallbackMethod_SubmitEndOfServiceReport<
    GeneratedGateway::WithRawCallbackMethod_CreateGroup<
    GeneratedGateway::WithRawCallbackMethod_GetGroup<
    GeneratedGateway::WithRawCallbackMethod_ListGroups<
    GeneratedGateway::WithRawCallbackMethod_RescheduleGroupSession<
    GeneratedGateway::WithRawCallbackMethod_ListWaitingList<
    GeneratedGateway::WithRawCallbackMethod_AllocateToGroup<
    GeneratedGateway::WithRawCallbackMethod_RemoveFromGroup<
    GeneratedGateway::WithRawCallbackMethod_RecordGroupAttendance<
    GeneratedGateway::CallbackService>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>;
// clang-format on

class GatewayServer final : public GatewayService {
 public:
  // FindInterventions keeps the catalogue's interventions for `catalogue_cache_ttl` (zero:
  // fetches them for every call). Each caller is held to `rate_limit`.
  GatewayServer(JwtVerifier verifier, BackendCallOptions options, const Backends& backends,
                absl::Duration catalogue_cache_ttl = absl::Seconds(30),
                const CallerRateLimit& rate_limit = CallerRateLimit());

  // Passed on unchanged to the service behind.
  grpc::ServerUnaryReactor* ListInterventions(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetIntervention(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetRegionalOffer(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CheckEligibility(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateReferral(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListReferrals(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateReferral(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitReferral(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* TransitionReferral(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAllowedTransitions(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetReferralHistory(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetStateMachine(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ExportPersonData(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AmendReferral(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetReferralChangelog(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateCapacity(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCapacity(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetAvailability(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetReferralReport(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SetCaseAccess(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCaseAccess(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteCaseAccess(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAccessRecords(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateSubscription(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetSubscription(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListSubscriptions(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteSubscription(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AcknowledgeEvents(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListDeadLetters(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ReplayDeadLetter(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteDeadLetter(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ScheduleAppointment(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RescheduleAppointment(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordAttendance(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetAppointment(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAppointments(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetActionPlan(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateActionPlan(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitActionPlan(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ApproveActionPlan(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RequestActionPlanChanges(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetEndOfServiceReport(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateEndOfServiceReport(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitEndOfServiceReport(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateGroup(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetGroup(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RescheduleGroupSession(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListWaitingList(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AllocateToGroup(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RemoveFromGroup(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordGroupAttendance(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) override;

  grpc::ServerBidiReactor<eligibility::v1::ScreenCaseloadRequest,
                          eligibility::v1::ScreenCaseloadResponse>*
  ScreenCaseload(grpc::CallbackServerContext* context) override;
  // The catalogue's interventions (CatalogueCache) joined with eligibility's verdicts and the
  // referrals service's places, encoded without re-encoding any intervention.
  grpc::ServerUnaryReactor* FindInterventions(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;

  // The referral with its intervention's title and the moves the caller may make now.
  grpc::ServerUnaryReactor* GetReferral(grpc::CallbackServerContext* context,
                                        const referrals::v1::GetReferralRequest* request,
                                        referrals::v1::Referral* response) override;
  grpc::ServerWriteReactor<referrals::v1::ReferralEvent>* WatchReferralEvents(
      grpc::CallbackServerContext* context,
      const referrals::v1::WatchReferralEventsRequest* request) override;

  grpc::ServerWriteReactor<referrals::v1::ExportReferralsResponse>* ExportReferrals(
      grpc::CallbackServerContext* context,
      const referrals::v1::ExportReferralsRequest* request) override;

  // Ends the open event watches with UNAVAILABLE and refuses new ones: call before draining
  // the server, whose drain would otherwise wait its whole timeout for them.
  void EndWatches() { watches_.Drain(); }

 private:
  // Authenticates one unary call and passes its bytes on along `method`'s route (routes.h),
  // and the answer back.
  grpc::ServerUnaryReactor* PassThrough(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request, grpc::ByteBuffer* response,
                                        absl::string_view method);
  grpc::GenericStub& BytesStub(Backend backend);

  // The authenticated caller's context for a backend stream, or why there is none.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> StreamContext(
      const grpc::CallbackServerContext& context);

  JwtVerifier verifier_;
  CallerRateLimiter rate_limiter_;
  const Authenticator authenticate_;
  BackendCallOptions options_;
  OpenWatches watches_;
  CatalogueCache catalogue_cache_;
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> catalogue_;
  std::unique_ptr<eligibility::v1::EligibilityService::Stub> eligibility_;
  std::unique_ptr<referrals::v1::ReferralService::Stub> referrals_;
  grpc::GenericStub catalogue_bytes_;
  grpc::GenericStub eligibility_bytes_;
  grpc::GenericStub referrals_bytes_;
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_GATEWAY_SERVER_H_
