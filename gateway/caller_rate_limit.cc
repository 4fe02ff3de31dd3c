#include "gateway/caller_rate_limit.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "libs/status/error_reason.h"

namespace probation::gateway {
namespace {

absl::Status RateLimited(absl::Duration retry_after) {
  return WithRetryDelay(WithReason(absl::ResourceExhaustedError(absl::StrCat(
                                       "you are calling faster than your rate limit; retry after ",
                                       absl::FormatDuration(retry_after))),
                                   reason::kRateLimited),
                        retry_after);
}

}  // namespace

absl::Status CallerRateLimiter::Admit(const std::string& caller, absl::Time now) {
  if (limit_.calls_per_second <= 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= forget_above_) ForgetFullBuckets(now);
  auto [it, added] = buckets_.try_emplace(caller, Bucket{static_cast<double>(limit_.burst), now});
  Bucket& bucket = it->second;
  const double refilled =
      absl::ToDoubleSeconds(std::max(now - bucket.updated, absl::ZeroDuration())) *
      limit_.calls_per_second;
  bucket.tokens = std::min(static_cast<double>(limit_.burst), bucket.tokens + refilled);
  bucket.updated = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const double seconds = (1 - bucket.tokens) / limit_.calls_per_second;
  return RateLimited(absl::Milliseconds(std::ceil(seconds * 1000)));
}

size_t CallerRateLimiter::callers() {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

void CallerRateLimiter::ForgetFullBuckets(absl::Time now) {
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) * limit_.calls_per_second >=
           limit_.burst;
  });
  // Many callers active at once: look again only once as many more have come.
  forget_above_ = std::max<size_t>(1024, buckets_.size() * 2);
}

}  // namespace probation::gateway
