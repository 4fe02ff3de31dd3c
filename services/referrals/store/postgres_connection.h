// A thin RAII layer over libpq: a connection that reconnects when it has dropped,
// parameterised statements ($1, $2, ...) with BYTEA sent as binary, results read as text,
// serving the SQL store as its SqlConnection (whose `?` placeholders become $1, $2, ...).
// Each statement is prepared once per connection (parsing and planning cost more than running
// most of ours), and a batch goes in one round trip in libpq's pipeline mode.
// Errors are absl::Status, with unique violations as ALREADY_EXISTS (naming the constraint)
// and lost connections as UNAVAILABLE.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sql_value.h"

namespace probation::referrals {

class PostgresResult {
 public:
  explicit PostgresResult(PGresult* result) : result_(result, &PQclear) {}
  PGresult* get() const { return result_.get(); }
  int rows() const { return PQntuples(result_.get()); }
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  // A BYTEA column (sent back in hex text form), decoded.
  std::string Bytes(int row, int column) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;
  // Every value, row by row, BYTEA decoded.
  SqlRows Rows() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class PostgresConnection final : public SqlConnection {
 public:
  struct Options {
    // Run after connecting and after every reconnection (e.g. "SET plan_cache_mode = ...").
    std::vector<std::string> session_setup;
  };
  // `conninfo` is a libpq connection string or URL (postgresql://user@host/db).
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(const std::string& conninfo,
                                                                  Options options = {});
  ~PostgresConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  absl::StatusOr<SqlRows> Query(absl::string_view sql,
                                const std::vector<SqlValue>& params = {}) override;
  std::vector<absl::StatusOr<SqlRows>> QueryBatch(
      const std::vector<SqlStatement>& statements) override;
  absl::Status Script(absl::string_view sql) override { return ExecScript(sql); }
  // statement_timeout, set to the time left (at least 1 ms) or back to none; while
  // `cancelled` is set, statements are sent and waited for in steps of a few milliseconds,
  // and cancelled on the server as soon as it says so.
  absl::Status SetDeadline(absl::Time deadline, std::function<bool()> cancelled) override;

  // One statement, `$N` placeholders, unprepared.
  absl::StatusOr<PostgresResult> Exec(absl::string_view sql,
                                      const std::vector<SqlValue>& params = {});
  // Several statements, no parameters (migrations).
  absl::Status ExecScript(absl::string_view sql);

 private:
  PostgresConnection(PGconn* connection, Options options)
      : connection_(connection), options_(std::move(options)) {}
  // Reconnects if the connection has dropped, forgetting what it had prepared.
  absl::Status EnsureConnected();
  absl::Status SetUpSession();
  // The name `sql` (with `?` placeholders) is prepared under on this connection, and its
  // numbered text when it must be sent (not once prepared); `known` says whether it is prepared
  // already. Empty name: run it unprepared (the cache is full).
  struct Prepared {
    std::string name;
    std::string numbered;
    bool known = false;
  };
  Prepared Lookup(absl::string_view sql);
  // Sends one prepared (or, with an empty name, unnamed) statement without waiting.
  bool Send(const Prepared& statement, const std::vector<SqlValue>& params);
  // Reads the results of a pipeline of `sent` statements, then its sync; marks those prepared.
  std::vector<absl::StatusOr<SqlRows>> ReadPipeline(const std::vector<Prepared>& sent);

  // Waits for the result of the statement just sent, cancelling it if cancelled_ says so.
  PostgresResult AwaitCancellable();

  PGconn* connection_;
  const Options options_;
  std::function<bool()> cancelled_;
  // SQL text to its prepared statement's name, on this connection.
  absl::flat_hash_map<std::string, std::string> prepared_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_
