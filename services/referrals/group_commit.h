// Group commit for one database connection that does all of a store's writes: concurrent writes
// share a transaction, each in its own savepoint, and one COMMIT (one disk flush: SQLite's
// fsync under synchronous=FULL, PostgreSQL's WAL flush) makes the whole group durable. A write
// returns only once the transaction holding it has committed, so nothing is acknowledged before it
// is on disk, but N writers waiting at once cost one disk flush, not N.
//
// The writer that finds nobody queued behind it commits; one that finds others queued leaves
// the transaction open for them and waits. While a commit is flushing, new writers queue, and
// become the next group. A single writer therefore commits at once, with no added delay.
#ifndef PROBATION_SERVICES_REFERRALS_GROUP_COMMIT_H_
#define PROBATION_SERVICES_REFERRALS_GROUP_COMMIT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

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
  absl::Status Write(absl::FunctionRef<absl::Status()> work);

  // How many transactions and writes have committed; writes / commits is the mean group size.
  struct Counts {
    int64_t commits = 0;
    int64_t writes = 0;
  };
  Counts counts();

 private:
  struct Outcome {
    absl::Status status;
    int unread = 0;
  };

  absl::Status RunInSavepoint(absl::FunctionRef<absl::Status()> work);
  // Commits the open group and records its outcome for its writers.
  void CommitGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status TakeOutcome(int64_t group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::function<absl::Status(absl::string_view)> exec_;
  const std::string begin_;
  const int max_group_;
  absl::Mutex mu_;
  // The connection is used by one writer at a time: whoever set busy_.
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  // The group whose transaction is open (0: none), and how many writes it holds.
  int64_t open_group_ ABSL_GUARDED_BY(mu_) = 0;
  int open_writes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_group_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t committed_through_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<int64_t, Outcome> outcomes_ ABSL_GUARDED_BY(mu_);
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_GROUP_COMMIT_H_
