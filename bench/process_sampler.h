// What a process uses, read from /proc: its CPU time, and the most threads and memory it held
// while sampled, for benchmarks that drive another process and judge what it costs.
#ifndef PROBATION_BENCH_PROCESS_SAMPLER_H_
#define PROBATION_BENCH_PROCESS_SAMPLER_H_

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace probation::bench {

// utime + stime from a /proc/.../stat file, in seconds.
inline double ProcessCpuSeconds(const std::string& stat_path) {
  std::ifstream stat(stat_path);
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The fields after the command, which may hold spaces, in parentheses.
  const size_t command_end = text.rfind(") ");
  if (command_end == std::string::npos) return 0;  // no such process
  std::vector<std::string> fields = absl::StrSplit(text.substr(command_end + 2), ' ');
  int64_t user = 0, system = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user) ||
      !absl::SimpleAtoi(fields[12], &system)) {
    return 0;
  }
  return static_cast<double>(user + system) / sysconf(_SC_CLK_TCK);
}

// The most Threads and VmRSS of a process, sampled every 50 ms until stopped; any field of its
// status (VmHWM, its peak memory) on demand.
class ProcessSampler {
 public:
  explicit ProcessSampler(int pid)
      : path_(absl::StrCat("/proc/", pid, "/status")),
        stat_path_(absl::StrCat("/proc/", pid, "/stat")) {}
  ~ProcessSampler() { Stop(); }

  int64_t Field(const std::string& name) {
    std::ifstream status(path_);
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind(name + ":", 0) != 0) continue;
      int64_t value = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits += c;
      }
      return absl::SimpleAtoi(digits, &value) ? value : 0;
    }
    return 0;
  }

  // User and system CPU the process has used, in seconds.
  double CpuSeconds() const { return ProcessCpuSeconds(stat_path_); }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        max_threads_ = std::max(max_threads_.load(), Field("Threads"));
        max_rss_kb_ = std::max(max_rss_kb_.load(), Field("VmRSS"));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  int64_t max_threads() const { return max_threads_; }
  int64_t max_rss_kb() const { return max_rss_kb_; }

 private:
  const std::string path_;
  const std::string stat_path_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> max_threads_{0};
  std::atomic<int64_t> max_rss_kb_{0};
  std::thread thread_;
};

}  // namespace probation::bench

#endif  // PROBATION_BENCH_PROCESS_SAMPLER_H_
