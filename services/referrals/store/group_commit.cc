#include "services/referrals/store/group_commit.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace probation::referrals {

GroupCommit::GroupCommit(std::function<absl::Status(absl::string_view)> exec, std::string begin,
                         int max_group)
    : exec_(std::move(exec)), begin_(std::move(begin)), max_group_(max_group) {}

absl::Status GroupCommit::Write(absl::FunctionRef<absl::Status()> work) {
  Pending pending(work);
  bool leading = false;
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(&pending);
    // Nobody holds the connection: this writer leads. Otherwise the leader wakes it once its
    // write is done, or hands it the connection when it is first in the queue.
    leading = !busy_;
    busy_ = true;
  }
  if (!leading) {
    pending.woken.WaitForNotification();
    if (pending.done) return pending.status;
  }
  RunGroup();
  return pending.status;
}

void GroupCommit::RunGroup() {
  // The leader is first in the queue, so its own write is in this group.
  std::vector<Pending*> group;
  {
    absl::MutexLock lock(&mu_);
    while (!queue_.empty() && static_cast<int>(group.size()) < max_group_) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
  }
  // Run without the lock, so more writers can queue for the next group meanwhile.
  absl::Status committed = RunWrites(group, /*in_savepoints=*/false);
  if (committed.ok() && std::any_of(group.begin(), group.end(),
                                    [](const Pending* write) { return !write->status.ok(); })) {
    // A write that failed may have left part of itself behind (and PostgreSQL refuses anything
    // more in a transaction after an error), so the group runs again, each write in its own
    // savepoint. Failures are rare; savepoints for every write would cost every write.
    exec_("ROLLBACK").IgnoreError();
    committed = RunWrites(group, /*in_savepoints=*/true);
  }
  if (committed.ok()) {
    committed = exec_("COMMIT");
    if (!committed.ok()) exec_("ROLLBACK").IgnoreError();
  }
  for (Pending* write : group) {
    // A write that failed by itself says why; the others stand or fall with the commit.
    if (write->status.ok()) write->status = committed;
  }
  Pending* next_leader = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (committed.ok()) {
      ++counts_.commits;
      counts_.writes += static_cast<int64_t>(group.size());
    }
    if (queue_.empty()) {
      busy_ = false;
    } else {
      next_leader = queue_.front();
    }
  }
  // The next group starts first; then each writer of this one learns its outcome (the leader,
  // group.front(), is this thread). A writer's Pending lives until it is woken, so nothing of
  // it is touched after its notification.
  if (next_leader != nullptr) next_leader->woken.Notify();
  for (size_t i = 1; i < group.size(); ++i) {
    group[i]->done = true;
    group[i]->woken.Notify();
  }
}

absl::Status GroupCommit::RunWrites(const std::vector<Pending*>& group, bool in_savepoints) {
  for (Pending* write : group) write->status = absl::OkStatus();
  if (absl::Status begun = exec_(begin_); !begun.ok()) return begun;
  for (Pending* write : group) {
    write->status = in_savepoints ? RunInSavepoint(write->work) : write->work();
    // Without savepoints the first failure ends the run: the group runs again with them.
    if (!in_savepoints && !write->status.ok()) break;
  }
  return absl::OkStatus();
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
