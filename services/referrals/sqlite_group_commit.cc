#include "services/referrals/sqlite_group_commit.h"

#include <utility>

namespace probation::referrals {

SqliteGroupCommit::SqliteGroupCommit(std::unique_ptr<SqliteConnection> connection, int max_group)
    : max_group_(max_group), connection_(std::move(connection)) {}

absl::Status SqliteGroupCommit::Write(absl::FunctionRef<absl::Status(SqliteConnection&)> work) {
  absl::MutexLock lock(&mu_);
  ++queued_;
  mu_.Await(absl::Condition(
      +[](bool* busy) { return !*busy; }, &busy_));
  --queued_;
  busy_ = true;
  if (open_group_ == 0) {
    if (absl::Status begun = connection_->Exec("BEGIN IMMEDIATE"); !begun.ok()) {
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

absl::Status SqliteGroupCommit::RunInSavepoint(
    absl::FunctionRef<absl::Status(SqliteConnection&)> work) {
  if (absl::Status status = connection_->Exec("SAVEPOINT write"); !status.ok()) return status;
  absl::Status status = work(*connection_);
  if (!status.ok()) connection_->Exec("ROLLBACK TO write").IgnoreError();
  connection_->Exec("RELEASE write").IgnoreError();
  return status;
}

void SqliteGroupCommit::CommitGroup() {
  const int64_t group = open_group_;
  const int writes = open_writes_;
  // Flush without the lock, so the next group's writers can queue; busy_ keeps the
  // connection ours.
  mu_.Unlock();
  absl::Status committed = connection_->Exec("COMMIT");
  if (!committed.ok()) connection_->Exec("ROLLBACK").IgnoreError();
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

absl::Status SqliteGroupCommit::TakeOutcome(int64_t group) {
  auto it = outcomes_.find(group);
  absl::Status status = it->second.status;
  if (--it->second.unread == 0) outcomes_.erase(it);
  return status;
}

SqliteGroupCommit::Counts SqliteGroupCommit::counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace probation::referrals
