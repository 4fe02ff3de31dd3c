// A PostgreSQL connection of its own that LISTENs on one channel and calls back when a
// NOTIFY arrives: how a replica learns at once that another has committed events, instead of
// at its next poll. It reconnects by itself when the connection drops, and calls back after
// reconnecting too, since notifications sent meanwhile are lost.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_LISTENER_H_
#define PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_LISTENER_H_

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace probation::referrals {

class PostgresListener {
 public:
  // Connects to `conninfo`, listens on `channel` and calls `notified` on its own thread for
  // each notification (several that arrive together make one call).
  static absl::StatusOr<std::unique_ptr<PostgresListener>> Start(const std::string& conninfo,
                                                                 absl::string_view channel,
                                                                 std::function<void()> notified);
  // Stops listening and closes the connection.
  ~PostgresListener();
  PostgresListener(const PostgresListener&) = delete;
  PostgresListener& operator=(const PostgresListener&) = delete;

 private:
  PostgresListener(PGconn* connection, std::string listen, std::function<void()> notified,
                   int stop_fd);
  void Run();
  // Waits until the socket can be read (or written, with `write`), or Stop; false if stopping.
  bool WaitForSocket(bool write, int timeout_ms);
  // Reconnects (without blocking Stop) and listens again; false if stopping.
  bool Reconnect();

  PGconn* connection_;
  const std::string listen_;
  const std::function<void()> notified_;
  // An eventfd written once to stop the thread.
  const int stop_fd_;
  std::thread thread_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_POSTGRES_LISTENER_H_
