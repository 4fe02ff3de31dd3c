// Connections to one database shared by the threads that read it: a reader borrows one for a
// query or a few and gives it back, so a long report holds up one connection, not every read.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_POOL_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_POOL_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/referrals/store/sql_connection.h"

namespace probation::referrals {

class SqlConnectionPool {
 public:
  // A borrowed connection, given back when the lease ends.
  class Lease {
   public:
    Lease(SqlConnectionPool& pool, std::unique_ptr<SqlConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.GiveBack(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    SqlConnection& operator*() const { return *connection_; }
    SqlConnection* operator->() const { return connection_.get(); }

   private:
    SqlConnectionPool& pool_;
    std::unique_ptr<SqlConnection> connection_;
  };

  // At least one connection.
  explicit SqlConnectionPool(std::vector<std::unique_ptr<SqlConnection>> connections)
      : idle_(std::move(connections)), size_(static_cast<int>(idle_.size())) {}

  // Waits for a connection to be free.
  Lease Borrow() {
    absl::MutexLock lock(
        &mu_, absl::Condition(
                  +[](std::vector<std::unique_ptr<SqlConnection>>* idle) { return !idle->empty(); },
                  &idle_));
    std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }

  int size() const { return size_; }

 private:
  void GiveBack(std::unique_ptr<SqlConnection> connection) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(connection));
  }

  absl::Mutex mu_;
  std::vector<std::unique_ptr<SqlConnection>> idle_ ABSL_GUARDED_BY(mu_);
  const int size_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_CONNECTION_POOL_H_
