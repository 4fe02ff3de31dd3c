// A thin RAII layer over libpq: a connection that reconnects when it has dropped,
// parameterised statements ($1, $2, ...) with BYTEA sent as binary, results read as text,
// and transactions that roll back unless committed. Errors are absl::Status, with unique
// violations as ALREADY_EXISTS (naming the constraint) and lost connections as UNAVAILABLE.
#ifndef PROBATION_SERVICES_REFERRALS_POSTGRES_CONNECTION_H_
#define PROBATION_SERVICES_REFERRALS_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/sql_value.h"

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

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class PostgresConnection {
 public:
  // `conninfo` is a libpq connection string or URL (postgresql://user@host/db).
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(const std::string& conninfo);
  ~PostgresConnection();

  absl::StatusOr<PostgresResult> Exec(absl::string_view sql,
                                      const std::vector<SqlValue>& params = {});
  // Several statements, no parameters (migrations).
  absl::Status ExecScript(absl::string_view sql);

 private:
  explicit PostgresConnection(PGconn* connection) : connection_(connection) {}
  absl::Status EnsureConnected();

  PGconn* connection_;
};

// BEGIN on construction; ROLLBACK on destruction unless Commit() succeeded.
class PostgresTransaction {
 public:
  explicit PostgresTransaction(PostgresConnection& connection);
  ~PostgresTransaction();
  const absl::Status& begun() const { return begun_; }
  absl::Status Commit();

 private:
  PostgresConnection& connection_;
  absl::Status begun_;
  bool done_ = false;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_POSTGRES_CONNECTION_H_
