// A thin RAII layer over the SQLite C API: a connection and prepared statements with bound
// parameters, serving the SQL store as its SqlConnection. Errors are absl::Status.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQLITE_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sql_value.h"

namespace probation::referrals {

class SqliteConnection;

// A statement on a connection, prepared once per connection and kept: preparing (parsing and
// planning) costs more than running most of ours.
class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& connection, absl::string_view sql);
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
  friend class SqliteConnection;
  SqliteConnection& connection_;
  std::string sql_;
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  absl::Status status_;
  int extended_code_ = SQLITE_OK;
};

class SqliteConnection final : public SqlConnection {
 public:
  // Opens (creating) the file with WAL journaling and synchronous=FULL, so a commit is on
  // disk before it returns.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection() override;

  sqlite3* db() const { return db_; }
  // Runs a script of any number of statements, preparing each afresh (migrations).
  absl::Status Exec(absl::string_view sql);
  // Runs one statement that returns no rows, prepared once and kept.
  absl::Status Run(absl::string_view sql);

  // As SqlConnection: each statement prepared once per SQL text and kept.
  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  absl::StatusOr<SqlRows> Query(absl::string_view sql,
                                const std::vector<SqlValue>& params = {}) override;
  absl::Status Script(absl::string_view sql) override { return Exec(sql); }
  absl::Status SetDeadline(absl::Time deadline, std::function<bool()> cancelled) override;

 private:
  friend class SqliteStatement;
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  // A prepared `sql`, from the cache or new; Give() returns it when done.
  sqlite3_stmt* Take(absl::string_view sql);
  void Give(const std::string& sql, sqlite3_stmt* statement);

  sqlite3* db_;
  // Checked by SQLite's progress handler while a statement runs.
  absl::Time deadline_ = absl::InfiniteFuture();
  std::function<bool()> cancelled_;
  // Set by the progress handler when it stopped a statement because `cancelled_` said so.
  bool stopped_by_cancel_ = false;
  // Statements not in use, by SQL text. A connection is used by one thread at a time.
  absl::flat_hash_map<std::string, sqlite3_stmt*> prepared_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQLITE_CONNECTION_H_
