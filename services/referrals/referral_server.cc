#include "services/referrals/referral_server.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "libs/status/grpc_status.h"

namespace probation::referrals {
namespace {

constexpr int kWatchBatch = 100;

std::string Metadata(const grpc::CallbackServerContext* context, absl::string_view key) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

Caller CallerFrom(const grpc::CallbackServerContext* context) {
  Caller caller;
  caller.actor = Metadata(context, kActorMetadata);
  const std::string role = absl::AsciiStrToUpper(Metadata(context, kRoleMetadata));
  v1::Role parsed = v1::ROLE_UNSPECIFIED;
  if (!role.empty() && v1::Role_Parse("ROLE_" + role, &parsed)) caller.role = parsed;
  return caller;
}

// Runs `work` (which blocks on the store or other services) on the worker pool and
// finishes the call with its result; rings the bell after a successful write.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* Offload(WorkerPool& pool, grpc::CallbackServerContext* context,
                                  Response* response, Work work, EventBell* bell = nullptr) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Schedule([reactor, response, work = std::move(work), bell]() mutable {
    absl::StatusOr<Response> result = work();
    if (result.ok()) {
      *response = *std::move(result);
      if (bell != nullptr) bell->Ring();
    }
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

// Streams events from `after_sequence`, then live. A thread per watcher reads the store and
// waits on the bell; the reactor hands it each write's completion.
class WatchReactor final : public grpc::ServerWriteReactor<v1::ReferralEvent> {
 public:
  WatchReactor(ReferralStore& store, EventBell& bell, int64_t after_sequence)
      : store_(store), bell_(bell), after_(after_sequence) {
    if (after_sequence < 0) {
      Finish(ToGrpcStatus(InvalidFieldError("after_sequence", "must not be negative")));
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_done_ = true;
    write_ok_ = ok;
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
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
        if (!Write(event)) return Finish(grpc::Status::CANCELLED);
        after_ = event.sequence();
      }
      if (events->size() < static_cast<size_t>(kWatchBatch)) {
        rings = bell_.Wait(rings, kWatchPollInterval);
      }
    }
  }

  // Sends one event and waits for it to be taken; false if the client has gone.
  bool Write(const v1::ReferralEvent& event) {
    {
      absl::MutexLock lock(&mu_);
      write_done_ = false;
    }
    StartWrite(&event);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&write_done_));
    return write_ok_ && !cancelled_;
  }

  bool Cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  ReferralStore& store_;
  EventBell& bell_;
  int64_t after_;
  std::thread thread_;
  absl::Mutex mu_;
  bool write_done_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerUnaryReactor* ReferralServer::CreateReferral(grpc::CallbackServerContext* context,
                                                         const v1::CreateReferralRequest* request,
                                                         v1::Referral* response) {
  return Offload(
      pool_, context, response,
      [this, request, caller = CallerFrom(context)] {
        return workflow_.CreateReferral(*request, caller);
      },
      &bell_);
}

grpc::ServerUnaryReactor* ReferralServer::GetReferral(grpc::CallbackServerContext* context,
                                                      const v1::GetReferralRequest* request,
                                                      v1::Referral* response) {
  return Offload(pool_, context, response,
                 [this, request] { return workflow_.GetReferral(*request); });
}

grpc::ServerUnaryReactor* ReferralServer::ListReferrals(grpc::CallbackServerContext* context,
                                                        const v1::ListReferralsRequest* request,
                                                        v1::ListReferralsResponse* response) {
  return Offload(pool_, context, response,
                 [this, request] { return workflow_.ListReferrals(*request); });
}

grpc::ServerUnaryReactor* ReferralServer::UpdateReferral(grpc::CallbackServerContext* context,
                                                         const v1::UpdateReferralRequest* request,
                                                         v1::Referral* response) {
  return Offload(
      pool_, context, response,
      [this, request, caller = CallerFrom(context)] {
        return workflow_.UpdateReferral(*request, caller);
      },
      &bell_);
}

grpc::ServerUnaryReactor* ReferralServer::SubmitReferral(grpc::CallbackServerContext* context,
                                                         const v1::SubmitReferralRequest* request,
                                                         v1::Referral* response) {
  return Offload(
      pool_, context, response,
      [this, request, caller = CallerFrom(context)] {
        return workflow_.SubmitReferral(*request, caller);
      },
      &bell_);
}

grpc::ServerUnaryReactor* ReferralServer::TransitionReferral(
    grpc::CallbackServerContext* context, const v1::TransitionReferralRequest* request,
    v1::Referral* response) {
  return Offload(
      pool_, context, response,
      [this, request, caller = CallerFrom(context)] {
        return workflow_.TransitionReferral(*request, caller);
      },
      &bell_);
}

grpc::ServerUnaryReactor* ReferralServer::ListAllowedTransitions(
    grpc::CallbackServerContext* context, const v1::ListAllowedTransitionsRequest* request,
    v1::ListAllowedTransitionsResponse* response) {
  return Offload(pool_, context, response, [this, request, caller = CallerFrom(context)] {
    return workflow_.ListAllowedTransitions(*request, caller);
  });
}

grpc::ServerUnaryReactor* ReferralServer::GetReferralHistory(
    grpc::CallbackServerContext* context, const v1::GetReferralHistoryRequest* request,
    v1::GetReferralHistoryResponse* response) {
  return Offload(pool_, context, response,
                 [this, request] { return workflow_.GetReferralHistory(*request); });
}

grpc::ServerUnaryReactor* ReferralServer::GetStateMachine(grpc::CallbackServerContext* context,
                                                          const v1::GetStateMachineRequest* request,
                                                          v1::StateMachine* response) {
  return Offload(pool_, context, response,
                 [this, request] { return workflow_.GetStateMachine(*request); });
}

grpc::ServerUnaryReactor* ReferralServer::ExportPersonData(
    grpc::CallbackServerContext* context, const v1::ExportPersonDataRequest* request,
    v1::ExportPersonDataResponse* response) {
  return Offload(pool_, context, response, [this, request, caller = CallerFrom(context)] {
    return workflow_.ExportPersonData(*request, caller);
  });
}

grpc::ServerWriteReactor<v1::ReferralEvent>* ReferralServer::WatchReferralEvents(
    grpc::CallbackServerContext* /*context*/, const v1::WatchReferralEventsRequest* request) {
  return new WatchReactor(store_, bell_, request->after_sequence());
}

}  // namespace probation::referrals
