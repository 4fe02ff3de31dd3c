// The gRPC face of the referrals service: reads the caller from metadata (x-actor, x-role),
// calls the workflow, maps the status, and streams events to watchers.
#ifndef PROBATION_SERVICES_REFERRALS_REFERRAL_SERVER_H_
#define PROBATION_SERVICES_REFERRALS_REFERRAL_SERVER_H_

#include "absl/time/time.h"
#include "libs/server/worker_pool.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/event_bell.h"
#include "services/referrals/referral_workflow.h"

namespace probation::referrals {

// Metadata keys the gateway sets.
inline constexpr char kActorMetadata[] = "x-actor";
inline constexpr char kRoleMetadata[] = "x-role";

// How often a watch checks the store for events written elsewhere.
inline constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(250);

class ReferralServer final : public v1::ReferralService::CallbackService {
 public:
  // Calls block on the store and on other services, so they run on `pool`.
  ReferralServer(ReferralWorkflow& workflow, ReferralStore& store, EventBell& bell,
                 WorkerPool& pool)
      : workflow_(workflow), store_(store), bell_(bell), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateReferral(grpc::CallbackServerContext* context,
                                           const v1::CreateReferralRequest* request,
                                           v1::Referral* response) override;
  grpc::ServerUnaryReactor* GetReferral(grpc::CallbackServerContext* context,
                                        const v1::GetReferralRequest* request,
                                        v1::Referral* response) override;
  grpc::ServerUnaryReactor* ListReferrals(grpc::CallbackServerContext* context,
                                          const v1::ListReferralsRequest* request,
                                          v1::ListReferralsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateReferral(grpc::CallbackServerContext* context,
                                           const v1::UpdateReferralRequest* request,
                                           v1::Referral* response) override;
  grpc::ServerUnaryReactor* SubmitReferral(grpc::CallbackServerContext* context,
                                           const v1::SubmitReferralRequest* request,
                                           v1::Referral* response) override;
  grpc::ServerUnaryReactor* TransitionReferral(grpc::CallbackServerContext* context,
                                               const v1::TransitionReferralRequest* request,
                                               v1::Referral* response) override;
  grpc::ServerUnaryReactor* ListAllowedTransitions(
      grpc::CallbackServerContext* context, const v1::ListAllowedTransitionsRequest* request,
      v1::ListAllowedTransitionsResponse* response) override;
  grpc::ServerUnaryReactor* GetReferralHistory(grpc::CallbackServerContext* context,
                                               const v1::GetReferralHistoryRequest* request,
                                               v1::GetReferralHistoryResponse* response) override;
  grpc::ServerUnaryReactor* GetStateMachine(grpc::CallbackServerContext* context,
                                            const v1::GetStateMachineRequest* request,
                                            v1::StateMachine* response) override;
  grpc::ServerUnaryReactor* ExportPersonData(grpc::CallbackServerContext* context,
                                             const v1::ExportPersonDataRequest* request,
                                             v1::ExportPersonDataResponse* response) override;
  grpc::ServerWriteReactor<v1::ReferralEvent>* WatchReferralEvents(
      grpc::CallbackServerContext* context, const v1::WatchReferralEventsRequest* request) override;

 private:
  ReferralWorkflow& workflow_;
  ReferralStore& store_;
  EventBell& bell_;
  WorkerPool& pool_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_REFERRAL_SERVER_H_
