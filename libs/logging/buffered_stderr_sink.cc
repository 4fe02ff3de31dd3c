#include "libs/logging/buffered_stderr_sink.h"

#include <unistd.h>

#include <cerrno>

namespace probation {

BufferedStderrSink::~BufferedStderrSink() {
  std::lock_guard<std::mutex> lock(mutex_);
  flush_();
}

void BufferedStderrSink::sink_it_(const spdlog::details::log_msg& message) {
  spdlog::memory_buf_t formatted;
  formatter_->format(message, formatted);
  buffer_.append(formatted.data(), formatted.size());
  if (buffer_.size() >= kMaxBufferedBytes) flush_();
}

void BufferedStderrSink::flush_() {
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    // Nowhere left to report a failure to write the log; drop what is waiting.
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  buffer_.clear();
}

}  // namespace probation
