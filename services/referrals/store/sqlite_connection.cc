#include "services/referrals/store/sqlite_connection.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace probation::referrals {
namespace {

absl::Status Error(sqlite3* db, absl::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  const std::string message = absl::StrCat(what, ": ", sqlite3_errmsg(db));
  // A locked or busy database is worth retrying; anything else is a fault.
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
    return absl::UnavailableError(message);
  }
  if ((code & 0xff) == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(message);
  // Only the progress handler interrupts: the statement ran past its deadline.
  if ((code & 0xff) == SQLITE_INTERRUPT) {
    return absl::DeadlineExceededError(absl::StrCat(what, ": stopped at its deadline"));
  }
  return absl::InternalError(message);
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteConnection& connection, absl::string_view sql)
    : connection_(connection), sql_(sql), db_(connection.db()) {
  statement_ = connection_.Take(sql);
  if (statement_ == nullptr) status_ = Error(db_, "prepare");
}

SqliteStatement::~SqliteStatement() {
  if (statement_ != nullptr) connection_.Give(sql_, statement_);
}

SqliteStatement& SqliteStatement::Bind(const std::vector<SqlValue>& values) {
  if (!status_.ok()) return *this;
  for (int i = 0; i < static_cast<int>(values.size()); ++i) {
    const SqlValue& value = values[i];
    int rc = SQLITE_OK;
    switch (value.kind) {
      case SqlValue::Kind::kInteger:
        rc = sqlite3_bind_int64(statement_, i + 1, value.integer);
        break;
      case SqlValue::Kind::kText:
        rc = sqlite3_bind_text(statement_, i + 1, value.bytes.data(),
                               static_cast<int>(value.bytes.size()), SQLITE_TRANSIENT);
        break;
      case SqlValue::Kind::kBlob:
        rc = sqlite3_bind_blob(statement_, i + 1, value.bytes.data(),
                               static_cast<int>(value.bytes.size()), SQLITE_TRANSIENT);
        break;
    }
    if (rc != SQLITE_OK) {
      status_ = Error(db_, "bind");
      break;
    }
  }
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (!status_.ok()) return status_;
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  extended_code_ = sqlite3_extended_errcode(db_);
  return Error(db_, "step");
}

absl::Status SqliteStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(statement_, column); }

std::string SqliteStatement::Text(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       sqlite3_column_bytes(statement_, column));
}

std::string SqliteStatement::Bytes(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob),
                                       sqlite3_column_bytes(statement_, column));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::FailedPreconditionError(absl::StrCat("cannot open ", path, ": ", message));
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  sqlite3_busy_timeout(db, 5000);
  for (absl::string_view pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (absl::Status status = connection->Exec(pragma); !status.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(path, ": ", status.message()));
    }
  }
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : prepared_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteConnection::Take(absl::string_view sql) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) {
    sqlite3_stmt* statement = it->second;
    prepared_.erase(it);
    return statement;
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &statement, nullptr) != SQLITE_OK) {
    sqlite3_finalize(statement);
    return nullptr;
  }
  return statement;
}

void SqliteConnection::Give(const std::string& sql, sqlite3_stmt* statement) {
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  // The same SQL in use twice at once leaves two; keep one.
  if (!prepared_.emplace(sql, statement).second) sqlite3_finalize(statement);
}

absl::Status SqliteConnection::Run(absl::string_view sql) {
  SqliteStatement statement(*this, sql);
  return statement.Run();
}

absl::StatusOr<SqlRows> SqliteConnection::Query(absl::string_view sql,
                                                const std::vector<SqlValue>& params) {
  stopped_by_cancel_ = false;
  SqliteStatement statement(*this, sql);
  statement.Bind(params);
  std::vector<std::string> values;
  int columns = 0;
  while (true) {
    absl::StatusOr<bool> row = statement.Step();
    if (!row.ok() && stopped_by_cancel_) {
      return absl::CancelledError("database: stopped, its caller has gone");
    }
    if (!row.ok()) return row.status();
    if (!*row) break;
    columns = sqlite3_column_count(statement.statement_);
    for (int column = 0; column < columns; ++column) {
      values.push_back(sqlite3_column_type(statement.statement_, column) == SQLITE_INTEGER
                           ? absl::StrCat(statement.Int(column))
                           : statement.Bytes(column));
    }
  }
  return SqlRows(columns, std::move(values), sqlite3_changes(db_), sqlite3_last_insert_rowid(db_));
}

absl::Status SqliteConnection::Exec(absl::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    absl::Status status = Error(db_, message != nullptr ? message : "exec");
    sqlite3_free(message);
    return status;
  }
  return absl::OkStatus();
}

absl::Status SqliteConnection::SetDeadline(absl::Time deadline, std::function<bool()> cancelled) {
  deadline_ = deadline;
  cancelled_ = std::move(cancelled);
  if (deadline == absl::InfiniteFuture() && !cancelled_) {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    return absl::OkStatus();
  }
  // SQLite calls this every thousand virtual machine steps; non-zero interrupts.
  sqlite3_progress_handler(
      db_, 1000,
      [](void* self) -> int {
        auto* connection = static_cast<SqliteConnection*>(self);
        if (connection->cancelled_ && connection->cancelled_()) {
          connection->stopped_by_cancel_ = true;
          return 1;
        }
        return absl::Now() > connection->deadline_ ? 1 : 0;
      },
      this);
  return absl::OkStatus();
}

}  // namespace probation::referrals
