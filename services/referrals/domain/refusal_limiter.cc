#include "services/referrals/domain/refusal_limiter.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"

namespace probation::referrals {
namespace {

// Beyond this many callers, those who have drawn least are forgotten, so a stream of callers
// cannot grow the map without end.
constexpr size_t kMaxTrackedActors = 10000;

}  // namespace

RefusalLimiter::RefusalLimiter(int per_hour, std::function<absl::Time()> now)
    : capacity_(std::max(per_hour, 1)),
      per_token_(absl::Hours(1) / std::max(per_hour, 1)),
      now_(now ? std::move(now) : [] { return absl::Now(); }) {}

void RefusalLimiter::Refill(Bucket& bucket, absl::Time now) const {
  bucket.tokens =
      std::min(capacity_, bucket.tokens + absl::FDivDuration(now - bucket.refilled, per_token_));
  bucket.refilled = now;
}

bool RefusalLimiter::Allow(absl::string_view actor) {
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= kMaxTrackedActors) {
    // Keeps the half that has drawn the most: a full bucket is forgotten without loss, and a
    // caller who has drawn much is never forgotten for the sake of ones who drew little.
    std::vector<std::pair<double, std::string>> fullest;
    for (auto& [name, bucket] : buckets_) {
      Refill(bucket, now);
      fullest.emplace_back(bucket.tokens, name);
    }
    const size_t keep = kMaxTrackedActors / 2;
    std::nth_element(fullest.begin(), fullest.begin() + keep, fullest.end());
    for (size_t i = keep; i < fullest.size(); ++i) buckets_.erase(fullest[i].second);
  }
  auto [it, added] = buckets_.try_emplace(actor, Bucket{capacity_, now});
  Bucket& bucket = it->second;
  if (!added) Refill(bucket, now);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

}  // namespace probation::referrals
