#include "gateway/open_watches.h"

namespace probation::gateway {

bool OpenWatches::Add(grpc::ClientContext* backend) {
  absl::MutexLock lock(&mu_);
  if (draining_) return false;
  open_.insert(backend);
  return true;
}

void OpenWatches::Remove(grpc::ClientContext* backend) {
  absl::MutexLock lock(&mu_);
  open_.erase(backend);
}

void OpenWatches::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  // TryCancel only asks: each watch's reactions run later, on gRPC's threads, and Remove()
  // waits for this lock, so no context goes away while it is being cancelled.
  for (grpc::ClientContext* backend : open_) backend->TryCancel();
}

bool OpenWatches::draining() {
  absl::MutexLock lock(&mu_);
  return draining_;
}

}  // namespace probation::gateway
