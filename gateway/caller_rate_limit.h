// Per-caller rate limits at the gateway: a token bucket per token subject, so one caller (a
// runaway integration, a stolen token) cannot take the suite's capacity from everyone else.
// Checked after the token verifies, so only callers holding a valid token have a bucket;
// buckets that have filled back up are forgotten when there are many, so memory stays
// bounded by the callers active within a refill time.
#ifndef PROBATION_GATEWAY_CALLER_RATE_LIMIT_H_
#define PROBATION_GATEWAY_CALLER_RATE_LIMIT_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation::gateway {

struct CallerRateLimit {
  // Calls per second each caller may make over time; 0 turns the limit off.
  double calls_per_second = 0;
  // Calls a caller may make at once, after being idle.
  int burst = 0;
};

class CallerRateLimiter {
 public:
  explicit CallerRateLimiter(const CallerRateLimit& limit) : limit_(limit) {}

  // OK, taking one call from `caller`'s bucket; or RESOURCE_EXHAUSTED with a
  // google.rpc.RetryInfo detail saying when the next call would be allowed.
  absl::Status Admit(const std::string& caller, absl::Time now);

  // Callers with a bucket now (for tests and metrics).
  size_t callers();

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  // Drops the buckets that have filled back up: a caller without one starts full anyway.
  void ForgetFullBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CallerRateLimit limit_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  size_t forget_above_ ABSL_GUARDED_BY(mu_) = 1024;
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_CALLER_RATE_LIMIT_H_
