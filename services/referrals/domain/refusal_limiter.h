// How many refusals for another scope's referral one caller may draw: a token bucket per
// actor, per process. Each such refusal tells the caller that a person they cannot see has an
// open referral, so a caller drawing many is probing, and is answered RESOURCE_EXHAUSTED.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFUSAL_LIMITER_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFUSAL_LIMITER_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation::referrals {

class RefusalLimiter {
 public:
  // Each actor may draw `per_hour` refusals at once, and one more every hour / per_hour.
  explicit RefusalLimiter(int per_hour, std::function<absl::Time()> now = nullptr);

  // Takes one of `actor`'s refusals; false when none is left.
  bool Allow(absl::string_view actor);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  // Tops `bucket` up for the time since it was last refilled.
  void Refill(Bucket& bucket, absl::Time now) const;

  const double capacity_;
  const absl::Duration per_token_;
  const std::function<absl::Time()> now_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFUSAL_LIMITER_H_
