// A spdlog sink that gathers lines and writes them to stderr with one write(2) when flushed
// (or when 64 KiB are waiting), instead of a write per line: the per-call lines of a busy
// service cost a system call a second rather than one each. What has not been flushed is lost
// if the process is killed; the logger flushes on warnings, and the sink when it is destroyed.
#ifndef PROBATION_LIBS_LOGGING_BUFFERED_STDERR_SINK_H_
#define PROBATION_LIBS_LOGGING_BUFFERED_STDERR_SINK_H_

#include <mutex>
#include <string>

#include "spdlog/sinks/base_sink.h"

namespace probation {

class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr size_t kMaxBufferedBytes = 64 * 1024;

  ~BufferedStderrSink() override;

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override;

 private:
  std::string buffer_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_LOGGING_BUFFERED_STDERR_SINK_H_
