// A thin RAII layer over the SQLite C API: a connection, prepared statements with bound
// parameters, and transactions that roll back unless committed. Errors are absl::Status.
#ifndef PROBATION_SERVICES_REFERRALS_SQLITE_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/sql_value.h"

namespace probation::referrals {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, absl::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds values to parameters 1..n in order.
  SqliteStatement& Bind(const std::vector<SqlValue>& values);

  // True with a row to read, false when done; an error status otherwise. The error's
  // extended SQLite code is in `extended_code()`.
  absl::StatusOr<bool> Step();
  // Runs to completion.
  absl::Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Bytes(int column) const;
  int extended_code() const { return extended_code_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  absl::Status status_;
  int extended_code_ = SQLITE_OK;
};

class SqliteConnection {
 public:
  // Opens (creating) the file with WAL journaling and synchronous=FULL, so a commit is on
  // disk before it returns.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection();

  sqlite3* db() const { return db_; }
  absl::Status Exec(absl::string_view sql);

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection);
  ~SqliteTransaction();
  const absl::Status& begun() const { return begun_; }
  absl::Status Commit();

 private:
  SqliteConnection& connection_;
  absl::Status begun_;
  bool done_ = false;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SQLITE_CONNECTION_H_
