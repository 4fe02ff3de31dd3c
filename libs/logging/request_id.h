// The request id of the call a thread is serving, so that calls it makes to other services
// carry the same id and every log line of one request can be found in every service.
#ifndef PROBATION_LIBS_LOGGING_REQUEST_ID_H_
#define PROBATION_LIBS_LOGGING_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace probation {

// The metadata key the request id travels in.
inline constexpr char kRequestIdHeader[] = "x-request-id";

// Empty when the thread serves no call.
absl::string_view CurrentRequestId();

// Makes `id` the thread's current request id for the scope's lifetime.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_LOGGING_REQUEST_ID_H_
