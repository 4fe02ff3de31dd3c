#include "services/referrals/store/postgres_connection.h"

#include <poll.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace probation::referrals {
namespace {

constexpr absl::string_view kUniqueViolation = "23505";
// pg_type's oid of bytea.
constexpr Oid kByteaOid = 17;
// Statements a connection keeps prepared; beyond that (many distinct list filters), the rest
// run unprepared.
constexpr size_t kMaxPrepared = 1000;

// Transaction control runs unprepared: there is nothing to plan.
bool IsTransactionControl(absl::string_view sql) {
  for (absl::string_view verb : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET "}) {
    if (absl::StartsWith(sql, verb)) return true;
  }
  return false;
}

// Parameters as libpq takes them: integers and text as NUL-terminated text, BYTEA as binary.
class BoundParams {
 public:
  explicit BoundParams(const std::vector<SqlValue>& params)
      : texts_(params.size()),
        values_(params.size()),
        lengths_(params.size()),
        formats_(params.size()) {
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& param = params[i];
      if (param.kind == SqlValue::Kind::kInteger) {
        texts_[i] = absl::StrCat(param.integer);
        values_[i] = texts_[i].c_str();
      } else if (param.kind == SqlValue::Kind::kBlob) {
        values_[i] = param.bytes.data();
        lengths_[i] = static_cast<int>(param.bytes.size());
        formats_[i] = 1;
      } else {
        values_[i] = param.bytes.c_str();  // std::string keeps a NUL after its bytes
      }
    }
  }
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::string> texts_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

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
    const std::string& conninfo, Options options) {
  PGconn* connection = PQconnectdb(conninfo.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PostgresConnection> opened(
      new PostgresConnection(connection, std::move(options)));
  if (absl::Status status = opened->SetUpSession(); !status.ok()) return status;
  return opened;
}

absl::Status PostgresConnection::SetUpSession() {
  for (const std::string& sql : options_.session_setup) {
    if (absl::Status status = ExecScript(sql); !status.ok()) return status;
  }
  return absl::OkStatus();
}

PostgresConnection::~PostgresConnection() { PQfinish(connection_); }

absl::Status PostgresConnection::EnsureConnected() {
  if (PQstatus(connection_) == CONNECTION_OK) return absl::OkStatus();
  PQreset(connection_);
  // A new session has nothing prepared.
  prepared_.clear();
  if (PQstatus(connection_) == CONNECTION_OK) return SetUpSession();
  return absl::UnavailableError(
      absl::StrCat("cannot reconnect to PostgreSQL: ", PQerrorMessage(connection_)));
}

absl::StatusOr<PostgresResult> PostgresConnection::Exec(absl::string_view sql,
                                                        const std::vector<SqlValue>& params) {
  if (absl::Status status = EnsureConnected(); !status.ok()) return status;
  const BoundParams bound(params);
  PGresult* result =
      PQexecParams(connection_, std::string(sql).c_str(), bound.size(), nullptr, bound.values(),
                   bound.lengths(), bound.formats(), /*resultFormat=*/0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status error = ErrorOf(connection_, result);
    PQclear(result);
    return error;
  }
  return PostgresResult(result);
}

PostgresConnection::Prepared PostgresConnection::Lookup(absl::string_view sql) {
  Prepared statement;
  if (!IsTransactionControl(sql)) {
    if (auto found = prepared_.find(sql); found != prepared_.end()) {
      // Prepared already: the server has its text, so none is built.
      statement.name = found->second;
      statement.known = true;
      return statement;
    }
    if (prepared_.size() < kMaxPrepared) statement.name = absl::StrCat("s", prepared_.size() + 1);
  }
  statement.numbered = Numbered(sql);
  return statement;
}

absl::StatusOr<SqlRows> PostgresConnection::Query(absl::string_view sql,
                                                  const std::vector<SqlValue>& params) {
  if (absl::Status status = EnsureConnected(); !status.ok()) return status;
  const Prepared statement = Lookup(sql);
  if (statement.name.empty()) {
    absl::StatusOr<PostgresResult> result = Exec(statement.numbered, params);
    if (!result.ok()) return result.status();
    return result->Rows();
  }
  if (!statement.known) {
    PostgresResult prepared(
        PQprepare(connection_, statement.name.c_str(), statement.numbered.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return ErrorOf(connection_, prepared.get());
    }
    prepared_.emplace(std::string(sql), statement.name);
  }
  const BoundParams bound(params);
  bool cancelled_it = false;
  PostgresResult result(nullptr);
  if (!cancelled_) {
    result = PostgresResult(PQexecPrepared(connection_, statement.name.c_str(), bound.size(),
                                           bound.values(), bound.lengths(), bound.formats(),
                                           /*resultFormat=*/0));
  } else if (PQsendQueryPrepared(connection_, statement.name.c_str(), bound.size(), bound.values(),
                                 bound.lengths(), bound.formats(),
                                 /*resultFormat=*/0) == 1) {
    result = AwaitCancellable();
    cancelled_it = cancelled_();
  }
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    if (cancelled_it) return absl::CancelledError("database: stopped, its caller has gone");
    return ErrorOf(connection_, result.get());
  }
  return result.Rows();
}

PostgresResult PostgresConnection::AwaitCancellable() {
  bool cancel_sent = false;
  while (PQisBusy(connection_) == 1) {
    if (!cancel_sent && cancelled_()) {
      // Asks the server to stop the statement; its result then comes back as an error.
      if (PGcancel* cancel = PQgetCancel(connection_)) {
        char error[256];
        PQcancel(cancel, error, sizeof(error));
        PQfreeCancel(cancel);
      }
      cancel_sent = true;
    }
    pollfd socket = {PQsocket(connection_), POLLIN, 0};
    poll(&socket, 1, /*timeout_ms=*/20);
    if (PQconsumeInput(connection_) != 1) break;
  }
  PostgresResult result(PQgetResult(connection_));
  while (PGresult* extra = PQgetResult(connection_)) PQclear(extra);
  return result;
}

bool PostgresConnection::Send(const Prepared& statement, const std::vector<SqlValue>& params) {
  const BoundParams bound(params);
  if (statement.name.empty()) {
    return PQsendQueryParams(connection_, statement.numbered.c_str(), bound.size(), nullptr,
                             bound.values(), bound.lengths(), bound.formats(),
                             /*resultFormat=*/0) == 1;
  }
  if (!statement.known && PQsendPrepare(connection_, statement.name.c_str(),
                                        statement.numbered.c_str(), 0, nullptr) != 1) {
    return false;
  }
  return PQsendQueryPrepared(connection_, statement.name.c_str(), bound.size(), bound.values(),
                             bound.lengths(), bound.formats(), /*resultFormat=*/0) == 1;
}

std::vector<absl::StatusOr<SqlRows>> PostgresConnection::QueryBatch(
    const std::vector<SqlStatement>& statements) {
  std::vector<absl::StatusOr<SqlRows>> results;
  if (statements.empty()) return results;
  if (absl::Status status = EnsureConnected(); !status.ok()) {
    results.assign(statements.size(), status);
    return results;
  }
  if (PQenterPipelineMode(connection_) != 1) {
    results.assign(statements.size(),
                   absl::InternalError(
                       absl::StrCat("database: cannot pipeline: ", PQerrorMessage(connection_))));
    return results;
  }
  // Non-blocking while sending: a large batch is written as the server takes it, and its
  // results are read in meanwhile, so neither side waits on a full socket buffer.
  PQsetnonblocking(connection_, 1);
  std::vector<Prepared> sent;
  sent.reserve(statements.size());
  bool sending = true;
  for (const SqlStatement& statement : statements) {
    Prepared prepared = Lookup(statement.sql);
    if (!Send(prepared, statement.values)) {
      sending = false;
      break;
    }
    // A statement prepared earlier in this batch is known to those after it.
    if (!prepared.known && !prepared.name.empty()) {
      prepared_.emplace(statement.sql, prepared.name);
    }
    sent.push_back(std::move(prepared));
  }
  if (sending) sending = PQpipelineSync(connection_) == 1;
  while (sending) {
    const int flushed = PQflush(connection_);
    if (flushed <= 0) {
      sending = flushed == 0;
      break;
    }
    pollfd socket = {PQsocket(connection_), POLLIN | POLLOUT, 0};
    if (poll(&socket, 1, -1) < 0) continue;
    if ((socket.revents & POLLIN) != 0 && PQconsumeInput(connection_) != 1) sending = false;
  }
  PQsetnonblocking(connection_, 0);
  if (sending) results = ReadPipeline(sent);
  if (!sending || PQexitPipelineMode(connection_) != 1) {
    // The connection is in no state to reuse: start a new session.
    const absl::Status lost = absl::UnavailableError(
        absl::StrCat("database connection lost: ", PQerrorMessage(connection_)));
    PQreset(connection_);
    prepared_.clear();
    if (PQstatus(connection_) == CONNECTION_OK) SetUpSession().IgnoreError();
    results.assign(statements.size(), lost);
    return results;
  }
  results.resize(statements.size(), absl::AbortedError("an earlier statement of the batch failed"));
  return results;
}

std::vector<absl::StatusOr<SqlRows>> PostgresConnection::ReadPipeline(
    const std::vector<Prepared>& sent) {
  std::vector<absl::StatusOr<SqlRows>> results;
  results.reserve(sent.size());
  // Each command's results end with a null; a failed Prepare fails its statement too.
  auto next_command = [this]() -> PostgresResult {
    PostgresResult result(PQgetResult(connection_));
    if (result.get() != nullptr) {
      while (PGresult* extra = PQgetResult(connection_)) PQclear(extra);
    }
    return result;
  };
  for (const Prepared& statement : sent) {
    if (!statement.known && !statement.name.empty()) {
      PostgresResult prepared = next_command();
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        // Not prepared after all (the batch failed before it): prepare it next time.
        for (auto it = prepared_.begin(); it != prepared_.end(); ++it) {
          if (it->second == statement.name) {
            prepared_.erase(it);
            break;
          }
        }
      }
    }
    PostgresResult result = next_command();
    if (result.get() == nullptr) {
      results.push_back(absl::UnavailableError(
          absl::StrCat("database connection lost: ", PQerrorMessage(connection_))));
      continue;
    }
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      results.push_back(result.Rows());
    } else if (status == PGRES_PIPELINE_ABORTED) {
      results.push_back(absl::AbortedError("an earlier statement of the batch failed"));
    } else {
      results.push_back(ErrorOf(connection_, result.get()));
    }
  }
  // The sync that ends the pipeline.
  PostgresResult sync(PQgetResult(connection_));
  (void)sync;
  return results;
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

absl::Status PostgresConnection::SetDeadline(absl::Time deadline, std::function<bool()> cancelled) {
  cancelled_ = std::move(cancelled);
  if (deadline == absl::InfiniteFuture()) return ExecScript("SET statement_timeout = 0");
  const int64_t left_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
  return ExecScript(absl::StrCat("SET statement_timeout = ", left_ms));
}

}  // namespace probation::referrals
