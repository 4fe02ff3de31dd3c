// tests/relay/webhook_receiver.py run as a child process (the target defines PYTHON3 and
// WEBHOOK_RECEIVER_SCRIPT), on a port kept across restarts, with the events it accepted read
// back from its output file.
#ifndef PROBATION_TESTS_RELAY_WEBHOOK_RECEIVER_PROCESS_H_
#define PROBATION_TESTS_RELAY_WEBHOOK_RECEIVER_PROCESS_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"

namespace probation::testing {

// A loopback port nothing listens on now (the kernel's pick, released at once).
inline int UnusedLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// A fresh path under /tmp with `suffix`, removed by the caller.
inline std::string TemporaryPath(const std::string& suffix) {
  char path[] = "/tmp/relay-test-XXXXXX";
  close(mkstemp(path));
  std::remove(path);
  return absl::StrCat(path, suffix);
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
}

// One event as the receiver recorded it.
struct AcceptedEvent {
  std::string id;
  std::string subject;
  std::string type;
  std::string sequence;
  bool has_crn = false;
};

class WebhookReceiver {
 public:
  // `flags` are the receiver's own (--fail_fraction=0.2, ...).
  WebhookReceiver(std::string secret, std::vector<std::string> flags = {})
      : port_(UnusedLoopbackPort()),
        secret_file_(TemporaryPath(".secret")),
        output_(TemporaryPath(".jsonl")),
        flags_(std::move(flags)) {
    WriteFile(secret_file_, secret);
  }

  ~WebhookReceiver() {
    process_.reset();
    std::remove(secret_file_.c_str());
    std::remove(output_.c_str());
  }

  // Starts it (again, on the same port and output, after Kill).
  void Start() {
    std::vector<std::string> argv = {
        PYTHON3, WEBHOOK_RECEIVER_SCRIPT, absl::StrCat("--port=", port_),
        absl::StrCat("--secret_file=", secret_file_), absl::StrCat("--output=", output_)};
    argv.insert(argv.end(), flags_.begin(), flags_.end());
    auto process = ChildProcess::Start(argv);
    ASSERT_TRUE(process.ok()) << process.status();
    process_ = *std::move(process);
    auto listening = process_->WaitForLine(
        [](const std::string& line) { return absl::StartsWith(line, "listening "); },
        absl::Seconds(20));
    ASSERT_TRUE(listening.ok()) << listening.status() << process_->Output();
  }

  void Kill() {
    if (process_ == nullptr) return;
    process_->Signal(SIGKILL);
    (void)process_->Wait(absl::Seconds(10));
    process_.reset();
  }

  // The receiver's flags from its next Start() on (it keeps its port and what it accepted).
  void set_flags(std::vector<std::string> flags) { flags_ = std::move(flags); }

  int port() const { return port_; }
  // The file holding the secret, for the relay to sign with.
  const std::string& secret_file() const { return secret_file_; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/events"); }
  ChildProcess& process() { return *process_; }

  // The receiver's log lines (one JSON object per request) with `outcome`.
  std::vector<nlohmann::json> Requests(const std::string& outcome) const {
    std::vector<nlohmann::json> requests;
    if (process_ == nullptr) return requests;
    std::istringstream lines(process_->Output());
    for (std::string line; std::getline(lines, line);) {
      if (!absl::StartsWith(line, "{")) continue;
      nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
      if (!request.is_discarded() && request.value("outcome", "") == outcome) {
        requests.push_back(std::move(request));
      }
    }
    return requests;
  }

  // Every event accepted so far, in the order accepted, across restarts.
  std::vector<AcceptedEvent> Accepted() const {
    std::vector<AcceptedEvent> events;
    std::ifstream output(output_);
    for (std::string line; std::getline(output, line);) {
      nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      // A line being written as it is read is left for the next read.
      if (record.is_discarded()) break;
      events.push_back({record.value("id", ""), record.value("subject", ""),
                        record.value("type", ""), record.value("sequence", ""),
                        record.value("has_crn", false)});
    }
    return events;
  }

 private:
  int port_;
  std::string secret_file_;
  std::string output_;
  std::vector<std::string> flags_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace probation::testing

#endif  // PROBATION_TESTS_RELAY_WEBHOOK_RECEIVER_PROCESS_H_
