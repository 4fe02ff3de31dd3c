#include "services/eligibility/eligibility_server.h"

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/server/identified_call.h"
#include "libs/status/grpc_status.h"

namespace probation::eligibility {
namespace {

const absl::Status& NotLoaded() {
  static const absl::Status kNotLoaded =
      absl::UnavailableError("the catalogue has not been loaded yet; retry shortly");
  return kNotLoaded;
}

// One ScreenCaseload stream. Reads continue while answers are written; past
// kScreenQueueLimit unsent answers it stops reading until the client catches up.
class ScreenReactor final
    : public grpc::ServerBidiReactor<v1::ScreenCaseloadRequest, v1::ScreenCaseloadResponse> {
 public:
  // The checker is pinned for the whole stream so one screening uses one catalogue.
  explicit ScreenReactor(absl::StatusOr<std::shared_ptr<const EligibilityChecker>> checker) {
    if (!checker.ok()) {
      Finish(ToGrpcStatus(checker.status()));
      return;
    }
    checker_ = *std::move(checker);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      bool finish = false;
      {
        absl::MutexLock lock(&mu_);
        reads_done_ = true;
        finish = ShouldFinishLocked();
      }
      if (finish) FinishStream();
      return;
    }
    v1::ScreenCaseloadResponse response;
    absl::StatusOr<v1::ScreenCaseloadResponse> screened = checker_->Screen(request_);
    if (screened.ok()) {
      response = *std::move(screened);
    } else {
      response.set_crn(request_.person().crn());
      *response.mutable_error() = ToRpcStatus(screened.status());
    }
    const v1::ScreenCaseloadResponse* to_write = nullptr;
    bool read_more = false;
    {
      absl::MutexLock lock(&mu_);
      if (broken_ || finished_) return;
      queue_.push_back(std::move(response));
      if (!write_in_flight_) {
        write_in_flight_ = true;
        to_write = &queue_.front();
      }
      read_more = static_cast<int>(queue_.size()) < kScreenQueueLimit;
      read_paused_ = !read_more;
    }
    if (to_write != nullptr) StartWrite(to_write);
    if (read_more) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    const v1::ScreenCaseloadResponse* to_write = nullptr;
    bool resume_reading = false;
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      queue_.pop_front();
      if (!ok) {
        // The client has gone: drop what is queued and end the stream.
        broken_ = true;
        queue_.clear();
      }
      if (!queue_.empty()) {
        to_write = &queue_.front();
      } else {
        write_in_flight_ = false;
      }
      if (read_paused_ && !broken_ && static_cast<int>(queue_.size()) < kScreenQueueLimit / 2) {
        read_paused_ = false;
        resume_reading = true;
      }
      finish = ShouldFinishLocked();
    }
    if (to_write != nullptr) StartWrite(to_write);
    if (resume_reading) StartRead(&request_);
    if (finish) FinishStream();
  }

  void OnDone() override { delete this; }

 private:
  // Finish exactly once, when reading has ended (or the client is gone) and nothing is
  // being written.
  bool ShouldFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || write_in_flight_ || !(reads_done_ || broken_)) return false;
    finished_ = true;
    return true;
  }

  void FinishStream() {
    bool broken = false;
    {
      absl::MutexLock lock(&mu_);
      broken = broken_;
    }
    Finish(broken ? grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading")
                  : grpc::Status::OK);
  }

  std::shared_ptr<const EligibilityChecker> checker_;
  // Only one read is ever outstanding, so the request buffer is not shared.
  v1::ScreenCaseloadRequest request_;

  absl::Mutex mu_;
  // std::deque keeps the front element's address stable while others are appended.
  std::deque<v1::ScreenCaseloadResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const EligibilityChecker>> EligibilityServer::CheckerFor(
    const grpc::CallbackServerContext& context) const {
  if (absl::Status caller = authenticate_(context).status(); !caller.ok()) return caller;
  return LoadedChecker();
}

absl::StatusOr<std::shared_ptr<const EligibilityChecker>> EligibilityServer::LoadedChecker() const {
  std::shared_ptr<const EligibilityChecker> checker = checker_();
  if (checker == nullptr) return NotLoaded();
  return checker;
}

grpc::ServerUnaryReactor* EligibilityServer::CheckEligibility(
    grpc::CallbackServerContext* context, const v1::CheckEligibilityRequest* request,
    v1::Verdict* response) {
  return AnswerUnary(context, authenticate_, response,
                     [&](const Identity&) -> absl::StatusOr<v1::Verdict> {
                       auto checker = LoadedChecker();
                       if (!checker.ok()) return checker.status();
                       return (*checker)->CheckEligibility(*request);
                     });
}

grpc::ServerUnaryReactor* EligibilityServer::FindEligibleInterventions(
    grpc::CallbackServerContext* context, const v1::FindEligibleInterventionsRequest* request,
    v1::FindEligibleInterventionsResponse* response) {
  return AnswerUnary(context, authenticate_, response,
                     [&](const Identity&) -> absl::StatusOr<v1::FindEligibleInterventionsResponse> {
                       auto checker = LoadedChecker();
                       if (!checker.ok()) return checker.status();
                       return (*checker)->FindEligibleInterventions(*request);
                     });
}

grpc::ServerBidiReactor<v1::ScreenCaseloadRequest, v1::ScreenCaseloadResponse>*
EligibilityServer::ScreenCaseload(grpc::CallbackServerContext* context) {
  return new ScreenReactor(CheckerFor(*context));
}

}  // namespace probation::eligibility
