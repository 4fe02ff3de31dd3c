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

}  // namespace probation::referrals
