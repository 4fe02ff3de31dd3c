#include "services/referrals/store/postgres_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

namespace probation::referrals {
namespace {

// How long to wait before trying again when the server cannot be reached.
constexpr int kRetryMs = 1000;

bool Listen(PGconn* connection, const std::string& listen) {
  PGresult* result = PQexec(connection, listen.c_str());
  const bool listening = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  return listening;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresListener>> PostgresListener::Start(
    const std::string& conninfo, absl::string_view channel, std::function<void()> notified) {
  PGconn* connection = PQconnectdb(conninfo.c_str());
  const std::string listen = absl::StrCat("LISTEN \"", channel, "\"");
  if (PQstatus(connection) != CONNECTION_OK || !Listen(connection, listen)) {
    const std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    return absl::UnavailableError(absl::StrCat("cannot listen on PostgreSQL: ", message));
  }
  const int stop_fd = eventfd(0, EFD_CLOEXEC);
  if (stop_fd < 0) {
    PQfinish(connection);
    return absl::InternalError("cannot make an eventfd for the listener");
  }
  return std::unique_ptr<PostgresListener>(
      new PostgresListener(connection, listen, std::move(notified), stop_fd));
}

PostgresListener::PostgresListener(PGconn* connection, std::string listen,
                                   std::function<void()> notified, int stop_fd)
    : connection_(connection),
      listen_(std::move(listen)),
      notified_(std::move(notified)),
      stop_fd_(stop_fd),
      thread_([this] { Run(); }) {}

PostgresListener::~PostgresListener() {
  const uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof(one)) < 0) {
    // Cannot happen with a valid eventfd; the thread would then stop at its next wake.
  }
  thread_.join();
  PQfinish(connection_);
  close(stop_fd_);
}

bool PostgresListener::WaitForSocket(bool write, int timeout_ms) {
  pollfd fds[2] = {{PQsocket(connection_), static_cast<short>(write ? POLLOUT : POLLIN), 0},
                   {stop_fd_, POLLIN, 0}};
  // A lost connection has no socket (-1), which poll skips: only the stop or the timeout wake.
  poll(fds, 2, timeout_ms);
  return (fds[1].revents & POLLIN) == 0;
}

bool PostgresListener::Reconnect() {
  while (true) {
    if (PQresetStart(connection_) == 1) {
      PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
      while (polling == PGRES_POLLING_READING || polling == PGRES_POLLING_WRITING) {
        if (!WaitForSocket(polling == PGRES_POLLING_WRITING, kRetryMs)) return false;
        polling = PQresetPoll(connection_);
      }
      if (polling == PGRES_POLLING_OK && Listen(connection_, listen_)) return true;
    }
    if (!WaitForSocket(false, kRetryMs)) return false;
  }
}

void PostgresListener::Run() {
  while (true) {
    if (PQstatus(connection_) != CONNECTION_OK) {
      if (!Reconnect()) return;
      // Whatever was committed while the connection was down went unheard.
      notified_();
    }
    if (!WaitForSocket(false, -1)) return;
    if (PQconsumeInput(connection_) != 1) continue;  // lost: reconnect above
    bool any = false;
    while (PGnotify* notification = PQnotifies(connection_)) {
      any = true;
      PQfreemem(notification);
    }
    if (any) notified_();
  }
}

}  // namespace probation::referrals
