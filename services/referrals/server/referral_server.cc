#include "services/referrals/server/referral_server.h"

#include <chrono>

#include "absl/time/clock.h"
#include "libs/server/identified_call.h"
#include "services/referrals/server/event_watch.h"
#include "services/referrals/server/export_stream.h"

namespace probation::referrals {

grpc::ServerUnaryReactor* ReferralServer::CreateReferral(grpc::CallbackServerContext* context,
                                                         const v1::CreateReferralRequest* request,
                                                         v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.CreateReferral(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* ReferralServer::UpdateReferral(grpc::CallbackServerContext* context,
                                                         const v1::UpdateReferralRequest* request,
                                                         v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.UpdateReferral(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* ReferralServer::SubmitReferral(grpc::CallbackServerContext* context,
                                                         const v1::SubmitReferralRequest* request,
                                                         v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.SubmitReferral(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* ReferralServer::TransitionReferral(
    grpc::CallbackServerContext* context, const v1::TransitionReferralRequest* request,
    v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) {
        return workflow_.TransitionReferral(*request, caller);
      },
      ring_bell_);
}

grpc::ServerUnaryReactor* ReferralServer::ListAllowedTransitions(
    grpc::CallbackServerContext* context, const v1::ListAllowedTransitionsRequest* request,
    v1::ListAllowedTransitionsResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.ListAllowedTransitions(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::ExportPersonData(
    grpc::CallbackServerContext* context, const v1::ExportPersonDataRequest* request,
    v1::ExportPersonDataResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.ExportPersonData(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetReferral(grpc::CallbackServerContext* context,
                                                      const v1::GetReferralRequest* request,
                                                      v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return workflow_.GetReferral(*request, caller); });
}

grpc::ServerUnaryReactor* ReferralServer::ListReferrals(grpc::CallbackServerContext* context,
                                                        const v1::ListReferralsRequest* request,
                                                        v1::ListReferralsResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.ListReferrals(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetReferralHistory(
    grpc::CallbackServerContext* context, const v1::GetReferralHistoryRequest* request,
    v1::GetReferralHistoryResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.GetReferralHistory(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetStateMachine(grpc::CallbackServerContext* context,
                                                          const v1::GetStateMachineRequest* request,
                                                          v1::StateMachine* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response, [this, request](const Identity&) {
    return workflow_.GetStateMachine(*request);
  });
}

grpc::ServerWriteReactor<v1::ReferralEvent>* ReferralServer::WatchReferralEvents(
    grpc::CallbackServerContext* context, const v1::WatchReferralEventsRequest* request) {
  return EventWatch::Start(
      context, *request, authenticate_(*context),
      {store_, streams_.fanout, streams_.open, streams_.pool, streams_.audit, &subscriptions_});
}

grpc::ServerUnaryReactor* ReferralServer::AmendReferral(grpc::CallbackServerContext* context,
                                                        const v1::AmendReferralRequest* request,
                                                        v1::Referral* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return workflow_.AmendReferral(*request, caller); },
      ring_bell_);
}

grpc::ServerUnaryReactor* ReferralServer::GetReferralChangelog(
    grpc::CallbackServerContext* context, const v1::GetReferralChangelogRequest* request,
    v1::GetReferralChangelogResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return workflow_.GetReferralChangelog(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::UpdateCapacity(grpc::CallbackServerContext* context,
                                                         const v1::UpdateCapacityRequest* request,
                                                         v1::Capacity* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return capacity_.UpdateCapacity(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetCapacity(grpc::CallbackServerContext* context,
                                                      const v1::GetCapacityRequest* request,
                                                      v1::Capacity* response) {
  return AnswerUnaryOn(
      pool_, context, authenticate_, response,
      [this, request](const Identity& caller) { return capacity_.GetCapacity(*request, caller); });
}

grpc::ServerUnaryReactor* ReferralServer::BatchGetAvailability(
    grpc::CallbackServerContext* context, const v1::BatchGetAvailabilityRequest* request,
    v1::BatchGetAvailabilityResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return capacity_.BatchGetAvailability(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetReferralReport(
    grpc::CallbackServerContext* context, const v1::GetReferralReportRequest* request,
    v1::ReferralReport* response) {
  // On the streams' pool, admitted as they are, and stopped at the caller's deadline or once
  // it has gone: a report over years of referrals holds the database for seconds.
  const absl::Time deadline = context->deadline() == std::chrono::system_clock::time_point::max()
                                  ? absl::Now() + streams_.open.limits().max_duration
                                  : absl::FromChrono(context->deadline());
  return AnswerUnaryOn(streams_.pool, context, authenticate_, response,
                       [this, context, request,
                        deadline](const Identity& caller) -> absl::StatusOr<v1::ReferralReport> {
                         absl::StatusOr<std::unique_ptr<StreamPlace>> place =
                             streams_.open.Admit(StreamKind::kReport, caller.actor, {});
                         if (!place.ok()) return place.status();
                         return reports_.GetReferralReport(*request, caller, deadline, [context] {
                           return context->IsCancelled();
                         });
                       });
}

grpc::ServerWriteReactor<v1::ExportReferralsResponse>* ReferralServer::ExportReferrals(
    grpc::CallbackServerContext* context, const v1::ExportReferralsRequest* request) {
  return ExportStream::Start(context, *request, authenticate_(*context),
                             {reports_, streams_.open, streams_.pool});
}

grpc::ServerUnaryReactor* ReferralServer::SetCaseAccess(grpc::CallbackServerContext* context,
                                                        const v1::SetCaseAccessRequest* request,
                                                        v1::CaseAccess* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return case_access_.SetCaseAccess(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetCaseAccess(grpc::CallbackServerContext* context,
                                                        const v1::GetCaseAccessRequest* request,
                                                        v1::CaseAccess* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return case_access_.GetCaseAccess(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::DeleteCaseAccess(
    grpc::CallbackServerContext* context, const v1::DeleteCaseAccessRequest* request,
    v1::DeleteCaseAccessResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return case_access_.DeleteCaseAccess(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::ListAccessRecords(
    grpc::CallbackServerContext* context, const v1::ListAccessRecordsRequest* request,
    v1::ListAccessRecordsResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return case_access_.ListAccessRecords(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::CreateSubscription(
    grpc::CallbackServerContext* context, const v1::CreateSubscriptionRequest* request,
    v1::Subscription* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.CreateSubscription(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::GetSubscription(grpc::CallbackServerContext* context,
                                                          const v1::GetSubscriptionRequest* request,
                                                          v1::Subscription* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.GetSubscription(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::ListSubscriptions(
    grpc::CallbackServerContext* context, const v1::ListSubscriptionsRequest* request,
    v1::ListSubscriptionsResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.ListSubscriptions(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::DeleteSubscription(
    grpc::CallbackServerContext* context, const v1::DeleteSubscriptionRequest* request,
    v1::DeleteSubscriptionResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.DeleteSubscription(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::AcknowledgeEvents(
    grpc::CallbackServerContext* context, const v1::AcknowledgeEventsRequest* request,
    v1::Subscription* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.AcknowledgeEvents(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::ListDeadLetters(grpc::CallbackServerContext* context,
                                                          const v1::ListDeadLettersRequest* request,
                                                          v1::ListDeadLettersResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.ListDeadLetters(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::ReplayDeadLetter(
    grpc::CallbackServerContext* context, const v1::ReplayDeadLetterRequest* request,
    v1::DeadLetter* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.ReplayDeadLetter(*request, caller);
                       });
}

grpc::ServerUnaryReactor* ReferralServer::DeleteDeadLetter(
    grpc::CallbackServerContext* context, const v1::DeleteDeadLetterRequest* request,
    v1::DeleteDeadLetterResponse* response) {
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return subscriptions_.DeleteDeadLetter(*request, caller);
                       });
}

}  // namespace probation::referrals
