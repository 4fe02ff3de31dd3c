#include "gateway/stream_proxies.h"

#include <atomic>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/client_callback.h"
#include "libs/status/grpc_status.h"

namespace probation::gateway {
namespace {

using eligibility::v1::ScreenCaseloadRequest;
using eligibility::v1::ScreenCaseloadResponse;
using referrals::v1::ReferralEvent;

// The caller's side of a refused stream: finishes at once with the refusal.
template <typename Reactor>
class Refused final : public Reactor {
 public:
  explicit Refused(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// The backend side of a relay. A hold keeps the backend call from completing while an
// operation on it may still start; Close() gives it up, once, when the relay is over on that
// side (its stream ended, or the caller went away). Operations are only started before that,
// and the caller's call is finished when the backend call completes, after every reaction.
// Start* never runs a reaction inline, so holding the lock across one is safe.
class BackendGate {
 public:
  template <typename Reactor>
  void Open(Reactor* reactor) {
    reactor->AddHold();
    release_hold_ = [reactor] { reactor->RemoveHold(); };
  }
  // Runs `start` (an operation on the backend call) unless the relay is closed.
  template <typename Start>
  void Run(Start start) {
    absl::MutexLock lock(&mu_);
    if (!closed_) start();
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    release_hold_();
  }
  // True for the second of the two sides to finish: the relay may then be deleted.
  bool LastSideDone() { return --sides_left_ == 0; }

 private:
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> release_hold_;
  std::atomic<int> sides_left_{2};
};

// A server stream relayed from the backend (WatchReferralEvents, ExportReferrals). One
// object is both the caller's writer and the backend's reader: their callbacks do not overlap
// in name. With `watches`, the stream is an event watch a drain ends.
template <typename Request, typename Response>
class ServerStreamProxy final : public grpc::ServerWriteReactor<Response>,
                                public grpc::ClientReadReactor<Response> {
 public:
  using Backend = grpc::ClientReadReactor<Response>;
  using Caller = grpc::ServerWriteReactor<Response>;
  using Start = std::function<void(grpc::ClientContext*, const Request*, Backend*)>;

  ServerStreamProxy(const Start& start, std::unique_ptr<grpc::ClientContext> context,
                    const Request& request, OpenWatches* watches)
      : context_(std::move(context)), request_(request), watches_(watches) {
    start(context_.get(), &request_, this);
    gate_.Open(static_cast<Backend*>(this));
    Backend::StartRead(&message_);
    Backend::StartCall();
  }

  // Backend side. A failed read means its stream has ended; the status comes to OnDone.
  void OnReadDone(bool ok) override {
    if (ok) {
      Caller::StartWrite(&message_);
    } else {
      gate_.Close();
    }
  }
  void OnDone(const grpc::Status& status) override {
    if (watches_ != nullptr) watches_->Remove(context_.get());
    Caller::Finish(watches_ != nullptr && watches_->draining()
                       ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                      "the gateway is shutting down; watch again from the last "
                                      "sequence")
                       : status);
    if (gate_.LastSideDone()) delete this;
  }

  // Caller side: the next message once the caller has taken this one.
  void OnWriteDone(bool ok) override {
    if (ok) return gate_.Run([this] { Backend::StartRead(&message_); });
    context_->TryCancel();
    gate_.Close();
  }
  void OnCancel() override { context_->TryCancel(); }
  void OnDone() override {
    if (gate_.LastSideDone()) delete this;
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  Request request_;
  OpenWatches* watches_;
  Response message_;
  BackendGate gate_;
};

// ScreenCaseload needs two objects: both sides read and write, with the same callback names.
class ScreenProxy final
    : public grpc::ServerBidiReactor<ScreenCaseloadRequest, ScreenCaseloadResponse> {
 public:
  ScreenProxy(eligibility::v1::EligibilityService::Stub* backend,
              std::unique_ptr<grpc::ClientContext> context)
      : context_(std::move(context)), backend_side_(this) {
    backend->async()->ScreenCaseload(context_.get(), &backend_side_);
    gate_.Open(&backend_side_);
    backend_side_.StartRead(&response_);
    backend_side_.StartCall();
    StartRead(&request_);
  }

  // Caller side: each profile goes on to the backend, and so does the caller's half-close.
  void OnReadDone(bool ok) override {
    gate_.Run([&] {
      if (ok) {
        backend_side_.StartWrite(&request_);
      } else {
        backend_side_.StartWritesDone();
      }
    });
  }
  // The next answer once the caller has taken this one.
  void OnWriteDone(bool ok) override {
    if (ok) return gate_.Run([this] { backend_side_.StartRead(&response_); });
    context_->TryCancel();
    gate_.Close();
  }
  void OnCancel() override { context_->TryCancel(); }
  void OnDone() override {
    if (gate_.LastSideDone()) delete this;
  }

 private:
  class BackendSide final
      : public grpc::ClientBidiReactor<ScreenCaseloadRequest, ScreenCaseloadResponse> {
   public:
    explicit BackendSide(ScreenProxy* proxy) : proxy_(proxy) {}
    // The caller's next profile once the backend has taken this one.
    void OnWriteDone(bool ok) override {
      if (ok) proxy_->StartRead(&proxy_->request_);
    }
    void OnReadDone(bool ok) override {
      if (ok) {
        proxy_->StartWrite(&proxy_->response_);
      } else {
        proxy_->gate_.Close();
      }
    }
    void OnDone(const grpc::Status& status) override {
      ScreenProxy* proxy = proxy_;
      proxy->Finish(status);
      if (proxy->gate_.LastSideDone()) delete proxy;
    }

   private:
    ScreenProxy* proxy_;
  };

  std::unique_ptr<grpc::ClientContext> context_;
  BackendSide backend_side_;
  ScreenCaseloadRequest request_;
  ScreenCaseloadResponse response_;
  BackendGate gate_;
};

}  // namespace

grpc::ServerWriteReactor<ReferralEvent>* StartWatchProxy(
    referrals::v1::ReferralService::Stub* backend, std::unique_ptr<grpc::ClientContext> context,
    const referrals::v1::WatchReferralEventsRequest& request, const absl::Status& refusal,
    OpenWatches& watches) {
  if (!refusal.ok()) return new Refused<grpc::ServerWriteReactor<ReferralEvent>>(refusal);
  // A context cancelled by a drain before its call starts cancels the call as it starts.
  if (!watches.Add(context.get())) {
    return new Refused<grpc::ServerWriteReactor<ReferralEvent>>(
        absl::UnavailableError("the gateway is shutting down; watch again elsewhere"));
  }
  return new ServerStreamProxy<referrals::v1::WatchReferralEventsRequest, ReferralEvent>(
      [backend](auto* context, auto* request, auto* reactor) {
        backend->async()->WatchReferralEvents(context, request, reactor);
      },
      std::move(context), request, &watches);
}

grpc::ServerWriteReactor<referrals::v1::ExportReferralsResponse>* StartExportProxy(
    referrals::v1::ReferralService::Stub* backend, std::unique_ptr<grpc::ClientContext> context,
    const referrals::v1::ExportReferralsRequest& request, const absl::Status& refusal) {
  using Response = referrals::v1::ExportReferralsResponse;
  if (!refusal.ok()) return new Refused<grpc::ServerWriteReactor<Response>>(refusal);
  return new ServerStreamProxy<referrals::v1::ExportReferralsRequest, Response>(
      [backend](auto* context, auto* request, auto* reactor) {
        backend->async()->ExportReferrals(context, request, reactor);
      },
      std::move(context), request, nullptr);
}

grpc::ServerBidiReactor<ScreenCaseloadRequest, ScreenCaseloadResponse>* StartScreenProxy(
    eligibility::v1::EligibilityService::Stub* backend,
    std::unique_ptr<grpc::ClientContext> context, const absl::Status& refusal) {
  if (!refusal.ok()) {
    return new Refused<grpc::ServerBidiReactor<ScreenCaseloadRequest, ScreenCaseloadResponse>>(
        refusal);
  }
  return new ScreenProxy(backend, std::move(context));
}

}  // namespace probation::gateway
