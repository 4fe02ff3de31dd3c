// A fixed set of threads for work that blocks (database I/O, calls to other services), so a
// callback-API handler can hand its work over and return at once instead of holding one of
// gRPC's own threads, which other calls (even nested ones) need to make progress.
#ifndef PROBATION_LIBS_SERVER_WORKER_POOL_H_
#define PROBATION_LIBS_SERVER_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace probation {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs what is queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> work);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_WORKER_POOL_H_
