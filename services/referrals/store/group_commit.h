// Group commit for one database connection that does all of a store's writes: concurrent writes
// share a transaction and one COMMIT (one disk flush: SQLite's fsync under synchronous=FULL,
// PostgreSQL's WAL flush) makes the whole group durable. A write returns only once the
// transaction holding it has committed, so nothing is acknowledged before it is on disk, but N
// writers waiting at once cost one disk flush, not N.
//
// Writers queue their work; one of them at a time takes the connection and runs everything
// queued, its own included, as one group, commits, and hands each writer its outcome (flat
// combining: no thread handoff per write). While it commits, new writers queue and become the
// next group. A lone writer therefore commits at once, with no added delay.
//
// A group goes to the database in two batches (one round trip each on PostgreSQL, see
// SqlConnection::QueryBatch): BEGIN and every write's first statements; then, once each write
// has looked at its results, every write's last statements, its events (after the events lock,
// so events commit in the order of their sequences) and COMMIT. If a write fails, the
// transaction is rolled back and the group runs again one write at a time, each in its own
// savepoint, so a failed write undoes only itself.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_
#define PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/referrals/store/sql_connection.h"

namespace probation::referrals {

// What a write sends last, once its first statements' results are in.
struct FinalStatements {
  std::vector<SqlStatement> changes;
  // Appends to the event log: run under the events lock.
  std::vector<SqlStatement> events;
};

// One write. `first` and `finish` may run twice (see above), so they must only write the
// database and the write's own results.
struct GroupedWrite {
  // Sent in the batch that opens the group's transaction.
  std::vector<SqlStatement> first;
  // Given the results of `first` (all succeeded), finishes the write: it may run statements
  // of its own on `db`, the group's connection, and adds what it sends last to `last`. An error
  // fails the write. Unset: the write is `first` alone.
  std::function<absl::Status(SqlConnection& db, const std::vector<SqlRows>& results,
                             FinalStatements& last)>
      finish;
  // Turns the error of a failed statement of this write into the write's own (e.g. which rule
  // it broke), reading `db` before the failure is rolled back. Unset: the error as it is.
  std::function<absl::Status(SqlConnection& db, const absl::Status& error)> explain;
};

class GroupCommit {
 public:
  struct Options {
    // Opens a transaction (e.g. SQLite's "BEGIN IMMEDIATE").
    std::string begin = "BEGIN";
    // Run before a transaction's first event; held to commit. Empty: none needed.
    std::string events_lock;
    // Run after a transaction's events (e.g. PostgreSQL's NOTIFY). Empty: none.
    std::string after_events;
    // At most this many writes share one transaction.
    int max_group = 256;
  };
  // `connection` is used only by the group's leader, one at a time.
  GroupCommit(SqlConnection& connection, Options options);

  // Runs `write` inside the current group's transaction; returns its error if it failed (its
  // changes undone), otherwise once the group has committed (the commit's error if that failed,
  // in which case no write of the group stands).
  absl::Status Write(const GroupedWrite& write);
  // A write that is a function of the connection alone, run in its turn.
  absl::Status Write(absl::FunctionRef<absl::Status(SqlConnection& db)> work);

  // How many transactions and writes have committed; writes / commits is the mean group size.
  struct Counts {
    int64_t commits = 0;
    int64_t writes = 0;
  };
  Counts counts();

 private:
  // One queued write, on its writer's stack until done.
  struct Pending {
    explicit Pending(const GroupedWrite& write) : write(write) {}
    const GroupedWrite& write;
    absl::Status status;
    FinalStatements last;
    // Set before `woken` when the write's group has committed; unset, `woken` means lead.
    bool done = false;
    absl::Notification woken;
  };

  // As the leader (first in the queue): runs and commits the queued writes (up to max_group)
  // as one transaction, hands the connection to the next queued writer, and wakes the group.
  void RunGroup() ABSL_LOCKS_EXCLUDED(mu_);
  // The group in two batches. False if a write failed and the group must run one write at a
  // time; otherwise true with the commit's outcome in `committed`.
  bool RunBatched(const std::vector<Pending*>& group, absl::Status& committed);
  // The group one write at a time, each in a savepoint; returns the commit's outcome.
  absl::Status RunOneByOne(const std::vector<Pending*>& group);
  absl::Status RunAlone(Pending& write);
  // `events` preceded by the events lock and followed by after_events, if any.
  void AppendEvents(const std::vector<SqlStatement>& events,
                    std::vector<SqlStatement>& batch) const;
  absl::Status Exec(const std::string& sql) { return connection_.Query(sql).status(); }

  SqlConnection& connection_;
  const Options options_;
  absl::Mutex mu_;
  // The connection is used by one thread at a time: the leader, who set busy_ or was handed it.
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_GROUP_COMMIT_H_
