// A service binary started as a real child process, its stdout and stderr captured, so e2e
// tests exercise exactly what operators run: flags, environment, signals, exit codes, logs.
#ifndef PROBATION_TESTS_SUPPORT_CHILD_PROCESS_H_
#define PROBATION_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation::testing {

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; `environment` entries are added to (or replace
  // those in) the test's own environment.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      std::vector<std::string> argv,
      std::vector<std::pair<std::string, std::string>> environment = {});

  ~ChildProcess();

  // Waits until an output line satisfies `matches` and returns it; DEADLINE_EXCEEDED if none
  // does in time, FAILED_PRECONDITION if the process exits first.
  absl::StatusOr<std::string> WaitForLine(const std::function<bool(const std::string&)>& matches,
                                          absl::Duration timeout);

  void Signal(int signal_number);

  // The exit code (or 128 + signal), DEADLINE_EXCEEDED if still running after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Everything printed so far, stdout and stderr interleaved.
  std::string Output() const;

 private:
  ChildProcess(pid_t pid, int output_fd);
  void ReadOutput();

  pid_t pid_;
  int output_fd_;
  std::thread reader_;
  mutable absl::Mutex mutex_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mutex_);
  std::string partial_ ABSL_GUARDED_BY(mutex_);
  bool output_closed_ ABSL_GUARDED_BY(mutex_) = false;
  bool reaped_ = false;
  int exit_code_ = 0;
};

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_CHILD_PROCESS_H_
