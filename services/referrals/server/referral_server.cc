#include "services/referrals/server/referral_server.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "libs/server/identified_call.h"
#include "libs/status/grpc_status.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

constexpr int kWatchBatch = 100;

// A server stream written from a thread of ours: Write() sends one message and waits until
// it is taken, so at most one is in flight and a slow client slows the writer down.
template <typename Message>
class BlockingWriteReactor : public grpc::ServerWriteReactor<Message> {
 public:
  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_done_ = true;
    write_ok_ = ok;
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 protected:
  // Sends one message and waits for it to be taken; false if the client has gone.
  bool Write(const Message& message) {
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return false;
      write_done_ = false;
    }
    this->StartWrite(&message);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&write_done_));
    return write_ok_ && !cancelled_;
  }

  bool Cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

 private:
  absl::Mutex mu_;
  bool write_done_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Streams events from `after_sequence`, then live. A thread per watcher reads the store and
// waits on the bell; the reactor hands it each write's completion.
class WatchReactor final : public BlockingWriteReactor<v1::ReferralEvent> {
 public:
  WatchReactor(ReferralStore& store, EventBell& bell, int64_t after_sequence,
               absl::StatusOr<Identity> caller)
      : store_(store), bell_(bell), after_(after_sequence) {
    if (!caller.ok()) {
      Finish(ToGrpcStatus(caller.status()));
      return;
    }
    caller_ = *std::move(caller);
    if (ScopeOfRole(caller_.role) == ReferralScope::kNothing) {
      Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "your role may not watch referral events"));
      return;
    }
    if (after_sequence < 0) {
      Finish(ToGrpcStatus(InvalidFieldError("after_sequence", "must not be negative")));
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }

  void OnDone() override {
    if (thread_.joinable()) thread_.join();
    delete this;
  }

 private:
  void Run() {
    uint64_t rings = bell_.Rings();
    while (true) {
      if (Cancelled()) return Finish(grpc::Status::CANCELLED);
      if (bell_.closed()) {
        return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "the server is shutting down; resume from the last sequence"));
      }
      absl::StatusOr<std::vector<v1::ReferralEvent>> events =
          store_.EventsAfter(after_, kWatchBatch);
      if (!events.ok()) return Finish(ToGrpcStatus(events.status()));
      for (const v1::ReferralEvent& event : *events) {
        // The sequence still advances past events the caller may not see.
        if (InScope(caller_, event.referral()) && !Write(event)) {
          return Finish(grpc::Status::CANCELLED);
        }
        after_ = event.sequence();
      }
      if (events->size() < static_cast<size_t>(kWatchBatch)) {
        rings = bell_.Wait(rings, kWatchPollInterval);
      }
    }
  }

  ReferralStore& store_;
  EventBell& bell_;
  int64_t after_;
  Identity caller_;
  std::thread thread_;
};

// Streams a CSV export from a worker: each chunk is written once the previous one is taken.
class ExportReactor final : public BlockingWriteReactor<v1::ExportReferralsResponse> {
 public:
  ExportReactor(ReferralReports& reports, WorkerPool& pool,
                const v1::ExportReferralsRequest& request, absl::StatusOr<Identity> caller) {
    if (!caller.ok()) {
      Finish(ToGrpcStatus(caller.status()));
      return;
    }
    pool.Schedule([this, &reports, request, caller = *std::move(caller)] {
      const absl::Status status =
          reports.ExportReferrals(request, caller, [this](std::string chunk) {
            message_.set_csv(std::move(chunk));
            return Write(message_);
          });
      Finish(ToGrpcStatus(status));
    });
  }

  void OnDone() override { delete this; }

 private:
  v1::ExportReferralsResponse message_;
};

}  // namespace

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
  return new WatchReactor(store_, bell_, request->after_sequence(), authenticate_(*context));
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
  return AnswerUnaryOn(pool_, context, authenticate_, response,
                       [this, request](const Identity& caller) {
                         return reports_.GetReferralReport(*request, caller);
                       });
}

grpc::ServerWriteReactor<v1::ExportReferralsResponse>* ReferralServer::ExportReferrals(
    grpc::CallbackServerContext* context, const v1::ExportReferralsRequest* request) {
  return new ExportReactor(reports_, pool_, *request, authenticate_(*context));
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

}  // namespace probation::referrals
