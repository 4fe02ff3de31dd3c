#include "services/referrals/group_commit.h"

#include <utility>
#include <vector>

namespace probation::referrals {

GroupCommit::GroupCommit(std::function<absl::Status(absl::string_view)> exec, std::string begin,
                         int max_group)
    : exec_(std::move(exec)), begin_(std::move(begin)), max_group_(max_group) {}

absl::Status GroupCommit::Write(absl::FunctionRef<absl::Status()> work) {
  Pending pending(work);
  absl::MutexLock lock(&mu_);
  queue_.push_back(&pending);
  while (!pending.done) {
    if (!busy_) {
      // Nobody holds the connection: this writer runs the queued writes, its own among them,
      // as one group, and whoever is queued by then goes next.
      busy_ = true;
      RunGroup();
      busy_ = false;
      continue;
    }
    struct Waiting {
      const bool* done;
      const bool* busy;
    } waiting{&pending.done, &busy_};
    mu_.Await(absl::Condition(
        +[](Waiting* w) { return *w->done || !*w->busy; }, &waiting));
  }
  return pending.status;
}

void GroupCommit::RunGroup() {
  std::vector<Pending*> group;
  while (!queue_.empty() && static_cast<int>(group.size()) < max_group_) {
    group.push_back(queue_.front());
    queue_.pop_front();
  }
  // The connection is this thread's (busy_): run the group without the lock, so more writers
  // can queue for the next one meanwhile.
  mu_.Unlock();
  absl::Status committed = exec_(begin_);
  if (committed.ok()) {
    for (Pending* write : group) write->status = RunInSavepoint(write->work);
    committed = exec_("COMMIT");
    if (!committed.ok()) exec_("ROLLBACK").IgnoreError();
  }
  mu_.Lock();
  for (Pending* write : group) {
    // A write that failed by itself says why; the others stand or fall with the commit.
    if (write->status.ok()) write->status = committed;
    write->done = true;
  }
  if (committed.ok()) {
    ++counts_.commits;
    counts_.writes += static_cast<int64_t>(group.size());
  }
}

absl::Status GroupCommit::RunInSavepoint(absl::FunctionRef<absl::Status()> work) {
  if (absl::Status status = exec_("SAVEPOINT one_write"); !status.ok()) return status;
  absl::Status status = work();
  if (!status.ok()) exec_("ROLLBACK TO one_write").IgnoreError();
  exec_("RELEASE one_write").IgnoreError();
  return status;
}

GroupCommit::Counts GroupCommit::counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace probation::referrals
