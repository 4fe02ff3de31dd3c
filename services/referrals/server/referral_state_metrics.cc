#include "services/referrals/server/referral_state_metrics.h"

#include <string>

#include "absl/strings/strip.h"
#include "libs/logging/json_log.h"

namespace probation::referrals {

std::vector<prometheus::MetricFamily> ReferralStateMetrics::Collect() const {
  prometheus::MetricFamily family;
  family.name = "probation_referrals";
  family.help = "Referrals by intervention and current state";
  family.type = prometheus::MetricType::Gauge;
  absl::StatusOr<std::vector<StateCount>> counts = store_.CountByState();
  if (!counts.ok()) {
    // A scrape must not fail the service; the gap in the series shows the problem.
    Log(spdlog::level::warn, "state_metrics_failed",
        {{"error", std::string(counts.status().message())}});
    return {};
  }
  for (const StateCount& count : *counts) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"intervention", count.intervention});
    metric.label.push_back({"state", std::string(absl::StripPrefix(
                                         v1::ReferralState_Name(count.state), "REFERRAL_STATE_"))});
    metric.gauge.value = static_cast<double>(count.count);
    family.metric.push_back(std::move(metric));
  }
  return {std::move(family)};
}

}  // namespace probation::referrals
