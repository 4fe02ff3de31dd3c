// The gRPC face of delivery (probation.delivery.v1.DeliveryService), served by the referrals
// process beside ReferralService: verifies the caller's signed identity, runs the workflow on
// the unary pool, maps the status, and rings the event bell after every write (each write
// appends an event) so that watchers hear of it at once.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_DELIVERY_SERVER_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_DELIVERY_SERVER_H_

#include <functional>
#include <string>

#include "libs/server/identified_call.h"
#include "libs/server/worker_pool.h"
#include "probation/delivery/v1/delivery_service.grpc.pb.h"
#include "services/referrals/domain/delivery_workflow.h"
#include "services/referrals/domain/group_workflow.h"
#include "services/referrals/server/event_bell.h"

namespace probation::referrals {

class DeliveryServer final : public delivery::v1::DeliveryService::CallbackService {
 public:
  // `identity_secret` is the secret the gateway signs identities with.
  DeliveryServer(DeliveryWorkflow& workflow, GroupWorkflow& groups, EventBell& bell,
                 WorkerPool& pool, std::string identity_secret)
      : workflow_(workflow),
        groups_(groups),
        bell_(bell),
        pool_(pool),
        authenticate_(SignedIdentityAuthenticator(std::move(identity_secret))) {}

  grpc::ServerUnaryReactor* ScheduleAppointment(
      grpc::CallbackServerContext* context, const delivery::v1::ScheduleAppointmentRequest* request,
      delivery::v1::Appointment* response) override;
  grpc::ServerUnaryReactor* RescheduleAppointment(
      grpc::CallbackServerContext* context,
      const delivery::v1::RescheduleAppointmentRequest* request,
      delivery::v1::Appointment* response) override;
  grpc::ServerUnaryReactor* RecordAttendance(grpc::CallbackServerContext* context,
                                             const delivery::v1::RecordAttendanceRequest* request,
                                             delivery::v1::Appointment* response) override;
  grpc::ServerUnaryReactor* GetAppointment(grpc::CallbackServerContext* context,
                                           const delivery::v1::GetAppointmentRequest* request,
                                           delivery::v1::Appointment* response) override;
  grpc::ServerUnaryReactor* ListAppointments(
      grpc::CallbackServerContext* context, const delivery::v1::ListAppointmentsRequest* request,
      delivery::v1::ListAppointmentsResponse* response) override;
  grpc::ServerUnaryReactor* GetActionPlan(grpc::CallbackServerContext* context,
                                          const delivery::v1::GetActionPlanRequest* request,
                                          delivery::v1::ActionPlan* response) override;
  grpc::ServerUnaryReactor* UpdateActionPlan(grpc::CallbackServerContext* context,
                                             const delivery::v1::UpdateActionPlanRequest* request,
                                             delivery::v1::ActionPlan* response) override;
  grpc::ServerUnaryReactor* SubmitActionPlan(grpc::CallbackServerContext* context,
                                             const delivery::v1::SubmitActionPlanRequest* request,
                                             delivery::v1::ActionPlan* response) override;
  grpc::ServerUnaryReactor* ApproveActionPlan(grpc::CallbackServerContext* context,
                                              const delivery::v1::ApproveActionPlanRequest* request,
                                              delivery::v1::ActionPlan* response) override;
  grpc::ServerUnaryReactor* RequestActionPlanChanges(
      grpc::CallbackServerContext* context,
      const delivery::v1::RequestActionPlanChangesRequest* request,
      delivery::v1::ActionPlan* response) override;
  grpc::ServerUnaryReactor* GetEndOfServiceReport(
      grpc::CallbackServerContext* context,
      const delivery::v1::GetEndOfServiceReportRequest* request,
      delivery::v1::EndOfServiceReport* response) override;
  grpc::ServerUnaryReactor* UpdateEndOfServiceReport(
      grpc::CallbackServerContext* context,
      const delivery::v1::UpdateEndOfServiceReportRequest* request,
      delivery::v1::EndOfServiceReport* response) override;
  grpc::ServerUnaryReactor* SubmitEndOfServiceReport(
      grpc::CallbackServerContext* context,
      const delivery::v1::SubmitEndOfServiceReportRequest* request,
      delivery::v1::EndOfServiceReport* response) override;

  grpc::ServerUnaryReactor* CreateGroup(grpc::CallbackServerContext* context,
                                        const delivery::v1::CreateGroupRequest* request,
                                        delivery::v1::Group* response) override;
  grpc::ServerUnaryReactor* GetGroup(grpc::CallbackServerContext* context,
                                     const delivery::v1::GetGroupRequest* request,
                                     delivery::v1::Group* response) override;
  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* context,
                                       const delivery::v1::ListGroupsRequest* request,
                                       delivery::v1::ListGroupsResponse* response) override;
  grpc::ServerUnaryReactor* RescheduleGroupSession(
      grpc::CallbackServerContext* context,
      const delivery::v1::RescheduleGroupSessionRequest* request,
      delivery::v1::Group* response) override;
  grpc::ServerUnaryReactor* ListWaitingList(
      grpc::CallbackServerContext* context, const delivery::v1::ListWaitingListRequest* request,
      delivery::v1::ListWaitingListResponse* response) override;
  grpc::ServerUnaryReactor* AllocateToGroup(grpc::CallbackServerContext* context,
                                            const delivery::v1::AllocateToGroupRequest* request,
                                            delivery::v1::Group* response) override;
  grpc::ServerUnaryReactor* RemoveFromGroup(grpc::CallbackServerContext* context,
                                            const delivery::v1::RemoveFromGroupRequest* request,
                                            delivery::v1::Group* response) override;
  grpc::ServerUnaryReactor* RecordGroupAttendance(
      grpc::CallbackServerContext* context,
      const delivery::v1::RecordGroupAttendanceRequest* request,
      delivery::v1::GroupSession* response) override;

 private:
  DeliveryWorkflow& workflow_;
  GroupWorkflow& groups_;
  EventBell& bell_;
  WorkerPool& pool_;
  const Authenticator authenticate_;
  const std::function<void()> ring_bell_ = [this] { bell_.Ring(); };
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_DELIVERY_SERVER_H_
