// `probation_referrals{intervention, state}`: how many referrals stand in each state, read
// from the store at each scrape, so every replica reports the same shared truth.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_STATE_METRICS_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_STATE_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

class ReferralStateMetrics final : public prometheus::Collectable {
 public:
  explicit ReferralStateMetrics(ReferralStore& store) : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ReferralStore& store_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_REFERRAL_STATE_METRICS_H_
