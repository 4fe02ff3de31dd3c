#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace probation::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> environment) {
  // Everything the child needs is built here, before fork: the child of a threaded process
  // may only make async-signal-safe calls until exec. An allocation there can deadlock on a
  // lock another thread held at the fork (ASan's allocator has no fork handler), which
  // leaves a child that never starts.
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view current(*entry);
    const std::string_view name = current.substr(0, current.find('='));
    bool overridden = false;
    for (const auto& [override_name, value] : environment) overridden |= name == override_name;
    if (!overridden) entries.emplace_back(current);
  }
  // A name given twice takes its last value, as setenv would.
  for (size_t i = 0; i < environment.size(); ++i) {
    bool given_again = false;
    for (size_t later = i + 1; later < environment.size(); ++later) {
      given_again |= environment[later].first == environment[i].first;
    }
    if (!given_again) {
      entries.push_back(absl::StrCat(environment[i].first, "=", environment[i].second));
    }
  }
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    // The test may block signals for its own servers; the child must receive SIGTERM.
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, fds[0]));
}

ChildProcess::ChildProcess(pid_t pid, int output_fd)
    : pid_(pid), output_fd_(output_fd), reader_([this] { ReadOutput(); }) {}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    (void)Wait(absl::Seconds(10));
  }
  reader_.join();
  close(output_fd_);
}

void ChildProcess::ReadOutput() {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(output_fd_, buffer, sizeof(buffer));
    if (n <= 0) break;
    absl::MutexLock lock(&mutex_);
    partial_.append(buffer, n);
    size_t newline;
    while ((newline = partial_.find('\n')) != std::string::npos) {
      lines_.push_back(partial_.substr(0, newline));
      partial_.erase(0, newline + 1);
    }
  }
  absl::MutexLock lock(&mutex_);
  if (!partial_.empty()) lines_.push_back(std::move(partial_));
  output_closed_ = true;
}

absl::StatusOr<std::string> ChildProcess::WaitForLine(
    const std::function<bool(const std::string&)>& matches, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t checked = 0;
  absl::MutexLock lock(&mutex_);
  while (true) {
    for (; checked < lines_.size(); ++checked) {
      if (matches(lines_[checked])) return lines_[checked];
    }
    if (output_closed_) {
      return absl::FailedPreconditionError(
          absl::StrCat("process exited; output:\n", absl::StrJoin(lines_, "\n")));
    }
    const size_t seen = lines_.size();
    auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return lines_.size() != seen || output_closed_;
    };
    if (!mutex_.AwaitWithDeadline(absl::Condition(&changed), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("no matching line; output:\n", absl::StrJoin(lines_, "\n")));
    }
  }
}

void ChildProcess::Signal(int signal_number) {
  if (!reaped_) kill(pid_, signal_number);
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (reaped_) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t result = waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // The pipe may still hold what the process wrote last (its reason for exiting): let
      // the reader drain it, so Output() after Wait() has all of it.
      absl::MutexLock lock(&mutex_);
      mutex_.AwaitWithDeadline(absl::Condition(&output_closed_), deadline);
      return exit_code_;
    }
    if (absl::Now() > deadline) return absl::DeadlineExceededError("process still running");
    absl::SleepFor(absl::Milliseconds(10));
  }
}

std::string ChildProcess::Output() const {
  absl::MutexLock lock(&mutex_);
  return absl::StrCat(absl::StrJoin(lines_, "\n"), partial_);
}

}  // namespace probation::testing
