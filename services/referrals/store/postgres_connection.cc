#include "services/referrals/store/postgres_connection.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace probation::referrals {
namespace {

constexpr absl::string_view kUniqueViolation = "23505";
// pg_type's oid of bytea.
constexpr Oid kByteaOid = 17;

// `?` placeholders numbered in order, `?N` kept as the N-th: $1, $2, ...
std::string Numbered(absl::string_view sql) {
  std::string numbered;
  numbered.reserve(sql.size() + 16);
  int next = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '?') {
      numbered.push_back(sql[i]);
      continue;
    }
    numbered.push_back('$');
    if (i + 1 < sql.size() && absl::ascii_isdigit(sql[i + 1])) continue;
    absl::StrAppend(&numbered, ++next);
  }
  return numbered;
}

absl::Status ErrorOf(PGconn* connection, const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  if (PQstatus(connection) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("database connection lost: ", message));
  }
  if (state != nullptr && state == kUniqueViolation) {
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    return absl::AlreadyExistsError(absl::StrCat(
        "unique constraint ", constraint != nullptr ? constraint : "?", ": ", message));
  }
  // query_canceled: statement_timeout, the deadline SetDeadline set, has passed.
  if (state != nullptr && absl::string_view(state) == "57014") {
    return absl::DeadlineExceededError(
        absl::StrCat("database: stopped at its deadline: ", message));
  }
  // Serialisation failures and deadlocks are worth retrying.
  if (state != nullptr &&
      (absl::string_view(state) == "40001" || absl::string_view(state) == "40P01")) {
    return absl::AbortedError(message);
  }
  return absl::InternalError(absl::StrCat("database: ", message));
}

}  // namespace

std::string PostgresResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     PQgetlength(result_.get(), row, column));
}

int64_t PostgresResult::Int(int row, int column) const {
  int64_t value = 0;
  return absl::SimpleAtoi(PQgetvalue(result_.get(), row, column), &value) ? value : 0;
}

std::string PostgresResult::Bytes(int row, int column) const {
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  if (bytes == nullptr) return std::string();
  std::string value(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return value;
}

int64_t PostgresResult::affected() const {
  int64_t value = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_.get()), &value) ? value : 0;
}

SqlRows PostgresResult::Rows() const {
  const int columns = PQnfields(result_.get());
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(rows()) * columns);
  for (int row = 0; row < rows(); ++row) {
    for (int column = 0; column < columns; ++column) {
      values.push_back(PQftype(result_.get(), column) == kByteaOid ? Bytes(row, column)
                                                                   : Text(row, column));
    }
  }
  return SqlRows(columns, std::move(values), affected());
}

absl::StatusOr<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    const std::string& conninfo) {
  PGconn* connection = PQconnectdb(conninfo.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PostgresConnection>(new PostgresConnection(connection));
}

PostgresConnection::~PostgresConnection() { PQfinish(connection_); }

absl::Status PostgresConnection::EnsureConnected() {
  if (PQstatus(connection_) == CONNECTION_OK) return absl::OkStatus();
  PQreset(connection_);
  if (PQstatus(connection_) == CONNECTION_OK) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot reconnect to PostgreSQL: ", PQerrorMessage(connection_)));
}

absl::StatusOr<PostgresResult> PostgresConnection::Exec(absl::string_view sql,
                                                        const std::vector<SqlValue>& params) {
  if (absl::Status status = EnsureConnected(); !status.ok()) return status;
  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const SqlValue& param = params[i];
    if (param.kind == SqlValue::Kind::kInteger) {
      texts[i] = absl::StrCat(param.integer);
      values[i] = texts[i].c_str();
    } else {
      values[i] = param.bytes.data();
      lengths[i] = static_cast<int>(param.bytes.size());
      formats[i] = param.kind == SqlValue::Kind::kBlob ? 1 : 0;
      if (formats[i] == 0) {
        texts[i] = param.bytes;  // text parameters must be NUL-terminated
        values[i] = texts[i].c_str();
      }
    }
  }
  PGresult* result =
      PQexecParams(connection_, std::string(sql).c_str(), static_cast<int>(params.size()), nullptr,
                   values.data(), lengths.data(), formats.data(), /*resultFormat=*/0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status error = ErrorOf(connection_, result);
    PQclear(result);
    return error;
  }
  return PostgresResult(result);
}

absl::StatusOr<SqlRows> PostgresConnection::Query(absl::string_view sql,
                                                  const std::vector<SqlValue>& params) {
  absl::StatusOr<PostgresResult> result = Exec(Numbered(sql), params);
  if (!result.ok()) return result.status();
  return result->Rows();
}

absl::Status PostgresConnection::ExecScript(absl::string_view sql) {
  if (absl::Status status = EnsureConnected(); !status.ok()) return status;
  PGresult* result = PQexec(connection_, std::string(sql).c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::Status outcome = (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
                             ? absl::OkStatus()
                             : ErrorOf(connection_, result);
  PQclear(result);
  return outcome;
}

absl::Status PostgresConnection::SetDeadline(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return ExecScript("SET statement_timeout = 0");
  const int64_t left_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
  return ExecScript(absl::StrCat("SET statement_timeout = ", left_ms));
}

}  // namespace probation::referrals
