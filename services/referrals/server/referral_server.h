// The gRPC face of the referrals service: verifies the caller's identity, which the gateway
// signs into the metadata (libs/auth/internal_identity.h), calls the workflow, maps the
// status, and streams events to watchers. A call without a valid signed identity is
// UNAUTHENTICATED, so no client can act as someone else by writing the headers itself.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_SERVER_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_SERVER_H_

#include "libs/server/identified_call.h"
#include "libs/server/worker_pool.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/domain/capacity_workflow.h"
#include "services/referrals/domain/case_access_workflow.h"
#include "services/referrals/domain/referral_report.h"
#include "services/referrals/domain/referral_workflow.h"
#include "services/referrals/domain/subscription_workflow.h"
#include "services/referrals/server/event_bell.h"
#include "services/referrals/server/event_fanout.h"
#include "services/referrals/server/open_streams.h"

namespace probation::referrals {

// What the server's streams share: the fan-out of new events, the open streams' limits and
// supervisor, and the pool streams read the store on, apart from the unary calls' pool.
struct ReferralStreams {
  EventFanout& fanout;
  OpenStreams& open;
  WorkerPool& pool;
  // Where a watch records whose data it sent (may be null).
  AccessAudit* audit = nullptr;
};

class ReferralServer final : public v1::ReferralService::CallbackService {
 public:
  // Unary calls block on the store and on other services, so they run on `pool`; streams
  // read the store a page at a time on their own pool, so none can hold up a unary call.
  // `identity_secret` is the secret the gateway signs identities with.
  ReferralServer(ReferralWorkflow& workflow, CapacityWorkflow& capacity, ReferralReports& reports,
                 ReferralStore& store, EventBell& bell, WorkerPool& pool, ReferralStreams streams,
                 std::string identity_secret, CaseAccessWorkflow& case_access,
                 SubscriptionWorkflow& subscriptions)
      : workflow_(workflow),
        capacity_(capacity),
        reports_(reports),
        store_(store),
        bell_(bell),
        pool_(pool),
        streams_(streams),
        authenticate_(SignedIdentityAuthenticator(std::move(identity_secret))),
        case_access_(case_access),
        subscriptions_(subscriptions) {}

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
  grpc::ServerUnaryReactor* AmendReferral(grpc::CallbackServerContext* context,
                                          const v1::AmendReferralRequest* request,
                                          v1::Referral* response) override;
  grpc::ServerUnaryReactor* GetReferralChangelog(
      grpc::CallbackServerContext* context, const v1::GetReferralChangelogRequest* request,
      v1::GetReferralChangelogResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCapacity(grpc::CallbackServerContext* context,
                                           const v1::UpdateCapacityRequest* request,
                                           v1::Capacity* response) override;
  grpc::ServerUnaryReactor* GetCapacity(grpc::CallbackServerContext* context,
                                        const v1::GetCapacityRequest* request,
                                        v1::Capacity* response) override;
  grpc::ServerUnaryReactor* GetReferralReport(grpc::CallbackServerContext* context,
                                              const v1::GetReferralReportRequest* request,
                                              v1::ReferralReport* response) override;
  grpc::ServerWriteReactor<v1::ExportReferralsResponse>* ExportReferrals(
      grpc::CallbackServerContext* context, const v1::ExportReferralsRequest* request) override;
  grpc::ServerUnaryReactor* BatchGetAvailability(
      grpc::CallbackServerContext* context, const v1::BatchGetAvailabilityRequest* request,
      v1::BatchGetAvailabilityResponse* response) override;
  grpc::ServerUnaryReactor* SetCaseAccess(grpc::CallbackServerContext* context,
                                          const v1::SetCaseAccessRequest* request,
                                          v1::CaseAccess* response) override;
  grpc::ServerUnaryReactor* GetCaseAccess(grpc::CallbackServerContext* context,
                                          const v1::GetCaseAccessRequest* request,
                                          v1::CaseAccess* response) override;
  grpc::ServerUnaryReactor* DeleteCaseAccess(grpc::CallbackServerContext* context,
                                             const v1::DeleteCaseAccessRequest* request,
                                             v1::DeleteCaseAccessResponse* response) override;
  grpc::ServerUnaryReactor* ListAccessRecords(grpc::CallbackServerContext* context,
                                              const v1::ListAccessRecordsRequest* request,
                                              v1::ListAccessRecordsResponse* response) override;

  grpc::ServerUnaryReactor* CreateSubscription(grpc::CallbackServerContext* context,
                                               const v1::CreateSubscriptionRequest* request,
                                               v1::Subscription* response) override;
  grpc::ServerUnaryReactor* GetSubscription(grpc::CallbackServerContext* context,
                                            const v1::GetSubscriptionRequest* request,
                                            v1::Subscription* response) override;
  grpc::ServerUnaryReactor* ListSubscriptions(grpc::CallbackServerContext* context,
                                              const v1::ListSubscriptionsRequest* request,
                                              v1::ListSubscriptionsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSubscription(grpc::CallbackServerContext* context,
                                               const v1::DeleteSubscriptionRequest* request,
                                               v1::DeleteSubscriptionResponse* response) override;
  grpc::ServerUnaryReactor* AcknowledgeEvents(grpc::CallbackServerContext* context,
                                              const v1::AcknowledgeEventsRequest* request,
                                              v1::Subscription* response) override;
  grpc::ServerUnaryReactor* ListDeadLetters(grpc::CallbackServerContext* context,
                                            const v1::ListDeadLettersRequest* request,
                                            v1::ListDeadLettersResponse* response) override;
  grpc::ServerUnaryReactor* ReplayDeadLetter(grpc::CallbackServerContext* context,
                                             const v1::ReplayDeadLetterRequest* request,
                                             v1::DeadLetter* response) override;
  grpc::ServerUnaryReactor* DeleteDeadLetter(grpc::CallbackServerContext* context,
                                             const v1::DeleteDeadLetterRequest* request,
                                             v1::DeleteDeadLetterResponse* response) override;

 private:
  ReferralWorkflow& workflow_;
  CapacityWorkflow& capacity_;
  ReferralReports& reports_;
  ReferralStore& store_;
  EventBell& bell_;
  WorkerPool& pool_;
  const ReferralStreams streams_;
  const Authenticator authenticate_;
  CaseAccessWorkflow& case_access_;
  SubscriptionWorkflow& subscriptions_;
  // After a call that wrote: wakes the event watchers.
  const std::function<void()> ring_bell_ = [this] { bell_.Ring(); };
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_SERVER_H_
