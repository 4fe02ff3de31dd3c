// A server stream that holds no thread while it waits: its writes are started from reactions
// and jobs, and it ends, once, when told to (End) or when the supervisor finds it over a limit
// (open_streams.h). A stream is kept alive by a shared_ptr to itself until gRPC is done with
// it, so the supervisor and other threads may still hold and call it safely after that.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_BOUNDED_STREAM_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_BOUNDED_STREAM_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "libs/auth/identity.h"
#include "libs/status/grpc_status.h"
#include "services/referrals/server/open_streams.h"

namespace probation::referrals {

// A stream refused before it began: finishes at once with why.
template <typename Message>
class RefusedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit RefusedStream(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

template <typename Message>
class BoundedStream : public grpc::ServerWriteReactor<Message>, public SupervisedStream {
 public:
  // `what` names the stream in messages ("the watch", "the export").
  BoundedStream(grpc::CallbackServerContext* context, const StreamLimits& limits, Identity caller,
                std::string what)
      : context_(context),
        limits_(limits),
        caller_(std::move(caller)),
        what_(std::move(what)),
        started_(absl::Now()) {}

  // Takes a place among `streams` for the stream `self` (this object), which then lives until
  // gRPC is done with it; false, after finishing the stream with why, when there is none.
  bool Open(OpenStreams& streams, StreamKind kind, std::shared_ptr<BoundedStream> self) {
    absl::StatusOr<std::unique_ptr<StreamPlace>> place =
        streams.Admit(kind, caller_.actor, std::weak_ptr<BoundedStream>(self));
    {
      absl::MutexLock lock(&mu_);
      self_ = std::move(self);
      if (place.ok()) {
        place_ = *std::move(place);
        return true;
      }
      ending_ = true;
      finished_ = true;
    }
    this->Finish(ToGrpcStatus(place.status()));
    return false;
  }

  // Ends the stream with `status` as soon as no write or job is in flight; the first call
  // decides the status, later ones do nothing.
  void End(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      end_status_ = status;
    }
    OnEnding();
    FinishIfIdle();
  }

  void Check(absl::Time now) override {
    std::optional<grpc::Status> why;
    bool stalled = false;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      stalled = writing_ && now - write_started_ > limits_.stall_timeout;
      if (stalled) {
        why = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           absl::StrCat(what_, " stopped: its reader took nothing for ",
                                        absl::FormatDuration(limits_.stall_timeout)));
        // The call must outlive the cancel below, so the stream does not finish until then.
        cancelling_ = true;
      } else if (now - started_ > limits_.max_duration) {
        why = PastMaxDuration();
      } else if (now > caller_.expires) {
        why = grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                           absl::StrCat(what_, " ended: your identity expired; ", ResumeHint()));
      }
    }
    if (why.has_value()) End(*why);
    if (!stalled) return;
    // A write its reader never takes completes only when the call is cancelled.
    context_->TryCancel();
    {
      absl::MutexLock lock(&mu_);
      cancelling_ = false;
    }
    FinishIfIdle();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      WriteDoneLocked();
    }
    if (!ok) End(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
    if (Ending()) return FinishIfIdle();
    AfterWrite();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
  }

  void OnDone() override {
    std::shared_ptr<BoundedStream> last;
    absl::MutexLock lock(&mu_);
    last.swap(self_);
    // `last` may free this object as the function returns, after the lock is released.
  }

 protected:
  // Once, when the stream starts ending: stop feeding it.
  virtual void OnEnding() {}
  // With mu_ held, when a write completes: forget the message written.
  virtual void WriteDoneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {}
  // Without the lock, after a write completed and the stream goes on.
  virtual void AfterWrite() = 0;
  // The status when the stream has run for the longest a stream may.
  virtual grpc::Status PastMaxDuration() = 0;
  // What the client should do to go on, for messages.
  virtual std::string ResumeHint() { return "start again with a fresh token"; }

  // Starts writing `message`, which must stay unchanged until the write completes; nothing
  // once the stream is ending.
  void StartWriteLocked(const Message* message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ending_ || writing_) return;
    writing_ = true;
    write_started_ = absl::Now();
    this->StartWrite(message);
  }

  // Counts a job (work on a pool) in flight, or over; the stream does not finish under one.
  // A job may start the next write, whose completion may start the next job before the first
  // has returned, so two can overlap briefly.
  bool BeginJob() {
    absl::MutexLock lock(&mu_);
    if (ending_) return false;
    ++jobs_;
    return true;
  }
  void EndJob() {
    {
      absl::MutexLock lock(&mu_);
      --jobs_;
    }
    FinishIfIdle();
  }

  bool Ending() {
    absl::MutexLock lock(&mu_);
    return ending_;
  }

  std::shared_ptr<BoundedStream> self() {
    absl::MutexLock lock(&mu_);
    return self_;
  }

  const Identity& caller() const { return caller_; }
  const StreamLimits& limits() const { return limits_; }

  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;

 private:
  // Finishes once ending, with no write, job or cancel in flight.
  void FinishIfIdle() {
    std::shared_ptr<BoundedStream> keep;
    std::unique_ptr<StreamPlace> place;
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!ending_ || finished_ || writing_ || jobs_ > 0 || cancelling_) return;
      finished_ = true;
      keep = self_;
      place = std::move(place_);
      status = end_status_;
    }
    place.reset();
    this->Finish(status);
  }

  grpc::CallbackServerContext* const context_;
  const StreamLimits& limits_;
  const Identity caller_;
  const std::string what_;
  const absl::Time started_;
  std::shared_ptr<BoundedStream> self_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<StreamPlace> place_ ABSL_GUARDED_BY(mu_);
  absl::Time write_started_ ABSL_GUARDED_BY(mu_);
  int jobs_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelling_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_BOUNDED_STREAM_H_
