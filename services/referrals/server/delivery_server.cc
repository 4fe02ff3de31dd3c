#include "services/referrals/server/delivery_server.h"

namespace probation::referrals {

grpc::ServerUnaryReactor* DeliveryServer::ScheduleAppointment(
    grpc::CallbackServerContext* context, const delivery::v1::ScheduleAppointmentRequest* request,
    delivery::v1::Appointment* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.ScheduleAppointment(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::RescheduleAppointment(
    grpc::CallbackServerContext* context, const delivery::v1::RescheduleAppointmentRequest* request,
    delivery::v1::Appointment* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.RescheduleAppointment(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::RecordAttendance(
    grpc::CallbackServerContext* context, const delivery::v1::RecordAttendanceRequest* request,
    delivery::v1::Appointment* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.RecordAttendance(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::GetAppointment(
    grpc::CallbackServerContext* context, const delivery::v1::GetAppointmentRequest* request,
    delivery::v1::Appointment* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.GetAppointment(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::ListAppointments(
    grpc::CallbackServerContext* context, const delivery::v1::ListAppointmentsRequest* request,
    delivery::v1::ListAppointmentsResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.ListAppointments(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::GetActionPlan(
    grpc::CallbackServerContext* context, const delivery::v1::GetActionPlanRequest* request,
    delivery::v1::ActionPlan* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.GetActionPlan(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::UpdateActionPlan(
    grpc::CallbackServerContext* context, const delivery::v1::UpdateActionPlanRequest* request,
    delivery::v1::ActionPlan* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.UpdateActionPlan(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::SubmitActionPlan(
    grpc::CallbackServerContext* context, const delivery::v1::SubmitActionPlanRequest* request,
    delivery::v1::ActionPlan* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.SubmitActionPlan(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::ApproveActionPlan(
    grpc::CallbackServerContext* context, const delivery::v1::ApproveActionPlanRequest* request,
    delivery::v1::ActionPlan* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.ApproveActionPlan(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::RequestActionPlanChanges(
    grpc::CallbackServerContext* context,
    const delivery::v1::RequestActionPlanChangesRequest* request,
    delivery::v1::ActionPlan* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.RequestActionPlanChanges(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::GetEndOfServiceReport(
    grpc::CallbackServerContext* context, const delivery::v1::GetEndOfServiceReportRequest* request,
    delivery::v1::EndOfServiceReport* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.GetEndOfServiceReport(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::UpdateEndOfServiceReport(
    grpc::CallbackServerContext* context,
    const delivery::v1::UpdateEndOfServiceReportRequest* request,
    delivery::v1::EndOfServiceReport* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.UpdateEndOfServiceReport(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::SubmitEndOfServiceReport(
    grpc::CallbackServerContext* context,
    const delivery::v1::SubmitEndOfServiceReportRequest* request,
    delivery::v1::EndOfServiceReport* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.SubmitEndOfServiceReport(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::CreateGroup(
    grpc::CallbackServerContext* context, const delivery::v1::CreateGroupRequest* request,
    delivery::v1::Group* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return groups_.CreateGroup(*request, caller); },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::GetGroup(grpc::CallbackServerContext* context,
                                                   const delivery::v1::GetGroupRequest* request,
                                                   delivery::v1::Group* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return groups_.GetGroup(*request, caller); });
}

grpc::ServerUnaryReactor* DeliveryServer::ListGroups(grpc::CallbackServerContext* context,
                                                     const delivery::v1::ListGroupsRequest* request,
                                                     delivery::v1::ListGroupsResponse* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return groups_.ListGroups(*request, caller); });
}

grpc::ServerUnaryReactor* DeliveryServer::RescheduleGroupSession(
    grpc::CallbackServerContext* context,
    const delivery::v1::RescheduleGroupSessionRequest* request, delivery::v1::Group* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return groups_.RescheduleGroupSession(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::ListWaitingList(
    grpc::CallbackServerContext* context, const delivery::v1::ListWaitingListRequest* request,
    delivery::v1::ListWaitingListResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return groups_.ListWaitingList(*request, caller);
                       });
}

grpc::ServerUnaryReactor* DeliveryServer::AllocateToGroup(
    grpc::CallbackServerContext* context, const delivery::v1::AllocateToGroupRequest* request,
    delivery::v1::Group* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return groups_.AllocateToGroup(*request, caller); },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::RemoveFromGroup(
    grpc::CallbackServerContext* context, const delivery::v1::RemoveFromGroupRequest* request,
    delivery::v1::Group* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return groups_.RemoveFromGroup(*request, caller); },
      ring_bell_);
}

grpc::ServerUnaryReactor* DeliveryServer::RecordGroupAttendance(
    grpc::CallbackServerContext* context, const delivery::v1::RecordGroupAttendanceRequest* request,
    delivery::v1::GroupSession* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return groups_.RecordGroupAttendance(*request, caller);
      },
      ring_bell_);
}

}  // namespace probation::referrals
