#include "services/referrals/store/group_commit.h"

#include <utility>
#include <vector>

namespace probation::referrals {
namespace {

// The rows of results[from, from + count), which have all succeeded.
std::vector<SqlRows> RowsOf(std::vector<absl::StatusOr<SqlRows>>& results, size_t from,
                            size_t count) {
  std::vector<SqlRows> rows;
  rows.reserve(count);
  for (size_t i = from; i < from + count; ++i) rows.push_back(*std::move(results[i]));
  return rows;
}

// The first failure among results, or OK.
absl::Status FirstFailure(const std::vector<absl::StatusOr<SqlRows>>& results) {
  for (const absl::StatusOr<SqlRows>& result : results) {
    if (!result.ok()) return result.status();
  }
  return absl::OkStatus();
}

}  // namespace

GroupCommit::GroupCommit(SqlConnection& connection, Options options)
    : connection_(connection), options_(std::move(options)) {}

absl::Status GroupCommit::Write(absl::FunctionRef<absl::Status(SqlConnection& db)> work) {
  GroupedWrite write;
  write.finish = [work](SqlConnection& db, const std::vector<SqlRows>&, FinalStatements&) {
    return work(db);
  };
  return Write(write);
}

absl::Status GroupCommit::Write(const GroupedWrite& write) {
  Pending pending(write);
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
    while (!queue_.empty() && static_cast<int>(group.size()) < options_.max_group) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
  }
  // Run without the lock, so more writers can queue for the next group meanwhile.
  absl::Status committed;
  if (!RunBatched(group, committed)) {
    // A write that failed may have left part of itself behind (and PostgreSQL refuses anything
    // more in a transaction after an error), so the group runs again, each write in its own
    // savepoint. Failures are rare; savepoints for every write would cost every write.
    Exec("ROLLBACK").IgnoreError();
    committed = RunOneByOne(group);
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

void GroupCommit::AppendEvents(const std::vector<SqlStatement>& events,
                               std::vector<SqlStatement>& batch) const {
  if (events.empty()) return;
  if (!options_.events_lock.empty()) batch.push_back({options_.events_lock, {}});
  batch.insert(batch.end(), events.begin(), events.end());
  if (!options_.after_events.empty()) batch.push_back({options_.after_events, {}});
}

bool GroupCommit::RunBatched(const std::vector<Pending*>& group, absl::Status& committed) {
  std::vector<SqlStatement> opening = {{options_.begin, {}}};
  for (Pending* write : group) {
    write->status = absl::OkStatus();
    write->last = FinalStatements();
    opening.insert(opening.end(), write->write.first.begin(), write->write.first.end());
  }
  std::vector<absl::StatusOr<SqlRows>> opened = connection_.QueryBatch(opening);
  if (!opened.front().ok()) {
    committed = opened.front().status();
    return true;
  }
  if (!FirstFailure(opened).ok()) return false;
  size_t next = 1;
  std::vector<SqlStatement> events;
  std::vector<SqlStatement> closing;
  for (Pending* write : group) {
    const size_t count = write->write.first.size();
    if (write->write.finish) {
      write->status = write->write.finish(connection_, RowsOf(opened, next, count), write->last);
      if (!write->status.ok()) return false;
    }
    next += count;
    closing.insert(closing.end(), write->last.changes.begin(), write->last.changes.end());
    events.insert(events.end(), write->last.events.begin(), write->last.events.end());
  }
  // Other rows first, so the events lock is taken last and held only to the commit: a
  // transaction holding it never waits for another's rows.
  AppendEvents(events, closing);
  closing.push_back({"COMMIT", {}});
  std::vector<absl::StatusOr<SqlRows>> closed = connection_.QueryBatch(closing);
  const absl::Status commit = closed.back().status();
  closed.pop_back();
  if (!FirstFailure(closed).ok()) return false;
  committed = commit;
  if (!committed.ok()) Exec("ROLLBACK").IgnoreError();
  return true;
}

absl::Status GroupCommit::RunOneByOne(const std::vector<Pending*>& group) {
  if (absl::Status begun = Exec(options_.begin); !begun.ok()) return begun;
  for (Pending* write : group) {
    write->status = absl::OkStatus();
    write->last = FinalStatements();
    if (absl::Status status = Exec("SAVEPOINT one_write"); !status.ok()) return status;
    write->status = RunAlone(*write);
    if (!write->status.ok()) Exec("ROLLBACK TO one_write").IgnoreError();
    Exec("RELEASE one_write").IgnoreError();
  }
  absl::Status committed = Exec("COMMIT");
  if (!committed.ok()) Exec("ROLLBACK").IgnoreError();
  return committed;
}

absl::Status GroupCommit::RunAlone(Pending& write) {
  const GroupedWrite& grouped = write.write;
  auto explained = [this, &grouped](const absl::Status& error) {
    return grouped.explain ? grouped.explain(connection_, error) : error;
  };
  std::vector<absl::StatusOr<SqlRows>> first = connection_.QueryBatch(grouped.first);
  if (absl::Status failed = FirstFailure(first); !failed.ok()) return explained(failed);
  if (grouped.finish) {
    if (absl::Status status =
            grouped.finish(connection_, RowsOf(first, 0, first.size()), write.last);
        !status.ok()) {
      return status;
    }
  }
  std::vector<SqlStatement> last = write.last.changes;
  AppendEvents(write.last.events, last);
  if (absl::Status failed = FirstFailure(connection_.QueryBatch(last)); !failed.ok()) {
    return explained(failed);
  }
  return absl::OkStatus();
}

GroupCommit::Counts GroupCommit::counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace probation::referrals
