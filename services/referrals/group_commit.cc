#include "services/referrals/group_commit.h"

#include <utility>

namespace probation::referrals {

GroupCommit::GroupCommit(std::function<absl::Status(absl::string_view)> exec, std::string begin,
                         int max_group)
    : exec_(std::move(exec)), begin_(std::move(begin)), max_group_(max_group) {}

absl::Status GroupCommit::Write(absl::FunctionRef<absl::Status()> work) {
  absl::MutexLock lock(&mu_);
  ++queued_;
  mu_.Await(absl::Condition(
      +[](bool* busy) { return !*busy; }, &busy_));
  --queued_;
  busy_ = true;
  if (open_group_ == 0) {
    if (absl::Status begun = exec_(begin_); !begun.ok()) {
      busy_ = false;
      return begun;
    }
    open_group_ = ++last_group_;
    open_writes_ = 0;
  }
  const int64_t group = open_group_;
  ++open_writes_;
  // The connection is ours (busy_); others may queue meanwhile, and so join this group.
  mu_.Unlock();
  const absl::Status status = RunInSavepoint(work);
  mu_.Lock();
  if (queued_ > 0 && open_writes_ < max_group_) {
    busy_ = false;
    struct Waited {
      const int64_t* committed_through;
      int64_t group;
    } waited{&committed_through_, group};
    mu_.Await(absl::Condition(
        +[](Waited* w) { return *w->committed_through >= w->group; }, &waited));
  } else {
    CommitGroup();
  }
  absl::Status committed = TakeOutcome(group);
  return status.ok() ? committed : status;
}

absl::Status GroupCommit::RunInSavepoint(absl::FunctionRef<absl::Status()> work) {
  if (absl::Status status = exec_("SAVEPOINT one_write"); !status.ok()) return status;
  absl::Status status = work();
  if (!status.ok()) exec_("ROLLBACK TO one_write").IgnoreError();
  exec_("RELEASE one_write").IgnoreError();
  return status;
}

void GroupCommit::CommitGroup() {
  const int64_t group = open_group_;
  const int writes = open_writes_;
  // Flush without the lock, so the next group's writers can queue; busy_ keeps the
  // connection ours.
  mu_.Unlock();
  absl::Status committed = exec_("COMMIT");
  if (!committed.ok()) exec_("ROLLBACK").IgnoreError();
  mu_.Lock();
  outcomes_[group] = Outcome{committed, writes};
  if (committed.ok()) {
    ++counts_.commits;
    counts_.writes += writes;
  }
  committed_through_ = group;
  open_group_ = 0;
  busy_ = false;
}

absl::Status GroupCommit::TakeOutcome(int64_t group) {
  auto it = outcomes_.find(group);
  absl::Status status = it->second.status;
  if (--it->second.unread == 0) outcomes_.erase(it);
  return status;
}

GroupCommit::Counts GroupCommit::counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace probation::referrals
