// Group commit for one SQLite write connection: concurrent writes share a transaction, each in
// its own savepoint, and one COMMIT (one fsync under synchronous=FULL) makes the whole group
// durable. A write returns only once the transaction holding it has committed, so nothing is
// acknowledged before it is on disk, but N writers waiting at once cost one disk flush, not N.
//
// The writer that finds nobody queued behind it commits; one that finds others queued leaves
// the transaction open for them and waits. While a commit is flushing, new writers queue, and
// become the next group. A single writer therefore commits at once, with no added delay.
#ifndef PROBATION_SERVICES_REFERRALS_SQLITE_GROUP_COMMIT_H_
#define PROBATION_SERVICES_REFERRALS_SQLITE_GROUP_COMMIT_H_

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/referrals/sqlite_connection.h"

namespace probation::referrals {

class SqliteGroupCommit {
 public:
  // At most `max_group` writes share one transaction.
  explicit SqliteGroupCommit(std::unique_ptr<SqliteConnection> connection, int max_group = 256);

  // Runs `work` on the connection inside the current group's transaction. An error from `work`
  // undoes only its own changes and is returned; otherwise returns once the group has
  // committed (the commit's error if it failed, in which case no write of the group stands).
  absl::Status Write(absl::FunctionRef<absl::Status(SqliteConnection&)> work);

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

  absl::Status RunInSavepoint(absl::FunctionRef<absl::Status(SqliteConnection&)> work);
  // Commits the open group and records its outcome for its writers.
  void CommitGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status TakeOutcome(int64_t group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int max_group_;
  absl::Mutex mu_;
  // Used by one writer at a time: whoever set busy_.
  std::unique_ptr<SqliteConnection> connection_;
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

#endif  // PROBATION_SERVICES_REFERRALS_SQLITE_GROUP_COMMIT_H_
