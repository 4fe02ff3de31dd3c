// Group commit for one database connection that does all of a store's writes: concurrent writes
// share a transaction and one COMMIT (one disk flush: SQLite's
// fsync under synchronous=FULL, PostgreSQL's WAL flush) makes the whole group durable. A write
// returns only once the transaction holding it has committed, so nothing is acknowledged before it
// is on disk, but N writers waiting at once cost one disk flush, not N.
//
// Writers queue their work; one of them at a time takes the connection and runs everything
// queued, its own included, back to back as one group, commits, and hands each writer its
// outcome (flat combining: no thread handoff per write). While it commits, new writers queue
// and become the next group. A lone writer therefore commits at once, with no added delay.
//
// A group first runs its writes back to back. If one fails, the transaction is rolled back and
// the group runs again with each write in its own savepoint, so a failed write undoes only itself.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_
#define PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace probation::referrals {

class GroupCommit {
 public:
  // `exec` runs one statement on the shared connection; `begin` opens a transaction on it
  // (e.g. SQLite's "BEGIN IMMEDIATE"). At most `max_group` writes share one transaction.
  GroupCommit(std::function<absl::Status(absl::string_view sql)> exec, std::string begin,
              int max_group = 256);

  // Runs `work`, which uses the shared connection, inside the current group's transaction;
  // nothing else touches the connection meanwhile. An error from `work`
  // undoes only its own changes and is returned; otherwise returns once the group has
  // committed (the commit's error if it failed, in which case no write of the group stands).
  // `work` may run twice (see above), so it must only write the database and its own results.
  absl::Status Write(absl::FunctionRef<absl::Status()> work);

  // How many transactions and writes have committed; writes / commits is the mean group size.
  struct Counts {
    int64_t commits = 0;
    int64_t writes = 0;
  };
  Counts counts();

 private:
  // One queued write, on its writer's stack until done.
  struct Pending {
    explicit Pending(absl::FunctionRef<absl::Status()> work) : work(work) {}
    absl::FunctionRef<absl::Status()> work;
    absl::Status status;
    // Set before `woken` when the write's group has committed; unset, `woken` means lead.
    bool done = false;
    absl::Notification woken;
  };

  // As the leader (first in the queue): runs and commits the queued writes (up to max_group_)
  // as one transaction, hands the connection to the next queued writer, and wakes the group.
  void RunGroup() ABSL_LOCKS_EXCLUDED(mu_);
  // Begins a transaction and runs the group's writes in it, each in a savepoint or, without,
  // stopping at the first failure; the error is the BEGIN's.
  absl::Status RunWrites(const std::vector<Pending*>& group, bool in_savepoints);
  absl::Status RunInSavepoint(absl::FunctionRef<absl::Status()> work);

  const std::function<absl::Status(absl::string_view)> exec_;
  const std::string begin_;
  const int max_group_;
  absl::Mutex mu_;
  // The connection is used by one thread at a time: the leader, who set busy_ or was handed it.
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_
