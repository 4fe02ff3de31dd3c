// What the SQL referral store needs of a database connection, whichever the engine: one
// statement with bound parameters and its rows read whole, a script, and the dialect to write
// SQL in. Statements are written with `?` placeholders (`?N` for the N-th again); each
// connection binds them as its engine wants. Errors are absl::Status: a broken unique rule is
// ALREADY_EXISTS naming it, a busy database or lost connection UNAVAILABLE, a serialisation
// failure or deadlock ABORTED.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/referrals/store/sql_dialect.h"
#include "services/referrals/store/sql_value.h"

namespace probation::referrals {

// A statement's rows, each value as its bytes (an integer as its decimal text, NULL as "").
class SqlRows {
 public:
  SqlRows(int columns, std::vector<std::string> values, int64_t affected, int64_t rowid = 0)
      : columns_(columns), values_(std::move(values)), affected_(affected), rowid_(rowid) {}

  int size() const { return columns_ == 0 ? 0 : static_cast<int>(values_.size()) / columns_; }
  const std::string& Text(int row, int column) const { return values_[row * columns_ + column]; }
  int64_t Int(int row, int column) const {
    int64_t value = 0;
    return absl::SimpleAtoi(Text(row, column), &value) ? value : 0;
  }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const { return affected_; }
  // After an INSERT on SQLite, the rowid of the row it added (an INTEGER PRIMARY KEY's value),
  // which spares the statement a RETURNING; 0 elsewhere.
  int64_t rowid() const { return rowid_; }

 private:
  int columns_;
  std::vector<std::string> values_;
  int64_t affected_;
  int64_t rowid_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs one statement, binding `params` to its placeholders in order.
  virtual absl::StatusOr<SqlRows> Query(absl::string_view sql,
                                        const std::vector<SqlValue>& params = {}) = 0;
  // Runs `statements` in order, stopping at the first that fails: its result is its error and
  // those after it are ABORTED without running. PostgreSQL sends them all before reading any
  // result (pipeline mode), so a batch costs one round trip; SQLite, in process, runs them one
  // by one.
  virtual std::vector<absl::StatusOr<SqlRows>> QueryBatch(
      const std::vector<SqlStatement>& statements) {
    std::vector<absl::StatusOr<SqlRows>> results;
    results.reserve(statements.size());
    for (const SqlStatement& statement : statements) {
      if (!results.empty() && !results.back().ok()) {
        results.push_back(absl::AbortedError("an earlier statement of the batch failed"));
      } else {
        results.push_back(Query(statement.sql, statement.values));
      }
    }
    return results;
  }
  // Runs statements without parameters (migrations, BEGIN and COMMIT).
  virtual absl::Status Script(absl::string_view sql) = 0;
  // Statements still running at `deadline` stop with DEADLINE_EXCEEDED, and as soon as
  // `cancelled` (if set; checked every few milliseconds) says so with CANCELLED, until another
  // call (absl::InfiniteFuture() and none for neither): a report whose caller has given up
  // stops its query.
  virtual absl::Status SetDeadline(absl::Time deadline,
                                   std::function<bool()> cancelled = nullptr) = 0;
};

// A deadline for the statements run while it lives.
class ScopedSqlDeadline {
 public:
  ScopedSqlDeadline(SqlConnection& connection, absl::Time deadline,
                    std::function<bool()> cancelled = nullptr)
      : connection_(connection) {
    set_ = connection_.SetDeadline(deadline, std::move(cancelled));
  }
  ~ScopedSqlDeadline() { connection_.SetDeadline(absl::InfiniteFuture()).IgnoreError(); }
  ScopedSqlDeadline(const ScopedSqlDeadline&) = delete;
  ScopedSqlDeadline& operator=(const ScopedSqlDeadline&) = delete;

  const absl::Status& set() const { return set_; }

 private:
  SqlConnection& connection_;
  absl::Status set_;
};

// `begin` on construction; ROLLBACK on destruction unless Commit() succeeded.
class SqlTransaction {
 public:
  SqlTransaction(SqlConnection& connection, absl::string_view begin) : connection_(connection) {
    begun_ = connection_.Script(begin);
  }
  ~SqlTransaction() {
    if (begun_.ok() && !done_) connection_.Script("ROLLBACK").IgnoreError();
  }
  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;

  const absl::Status& begun() const { return begun_; }
  absl::Status Commit() {
    absl::Status status = connection_.Script("COMMIT");
    done_ = status.ok();
    return status;
  }

 private:
  SqlConnection& connection_;
  absl::Status begun_;
  bool done_ = false;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_H_
