// A thin RAII layer over libpq: a connection that reconnects when it has dropped,
// parameterised statements ($1, $2, ...) with BYTEA sent as binary, results read as text,
// serving the SQL store as its SqlConnection (whose `?` placeholders become $1, $2, ...).
// Errors are absl::Status, with unique violations as ALREADY_EXISTS (naming the constraint)
// and lost connections as UNAVAILABLE.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sql_value.h"

namespace probation::referrals {

class PostgresResult {
 public:
  explicit PostgresResult(PGresult* result) : result_(result, &PQclear) {}
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
  // `conninfo` is a libpq connection string or URL (postgresql://user@host/db).
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(const std::string& conninfo);
  ~PostgresConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  absl::StatusOr<SqlRows> Query(absl::string_view sql,
                                const std::vector<SqlValue>& params = {}) override;
  absl::Status Script(absl::string_view sql) override { return ExecScript(sql); }
  // statement_timeout, set to the time left (at least 1 ms) or back to none.
  absl::Status SetDeadline(absl::Time deadline) override;

  absl::StatusOr<PostgresResult> Exec(absl::string_view sql,
                                      const std::vector<SqlValue>& params = {});
  // Several statements, no parameters (migrations).
  absl::Status ExecScript(absl::string_view sql);

 private:
  explicit PostgresConnection(PGconn* connection) : connection_(connection) {}
  absl::Status EnsureConnected();

  PGconn* connection_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_CONNECTION_H_
