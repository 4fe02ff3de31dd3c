// The relay's Prometheus metrics: deliveries, attempts by outcome, dead letters, how long a
// delivery takes, and per subscription the events in flight and the acknowledged sequence.
#ifndef PROBATION_SERVICES_RELAY_RELAY_METRICS_H_
#define PROBATION_SERVICES_RELAY_RELAY_METRICS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/relay/retry_policy.h"

namespace probation::relay {

class RelayMetrics {
 public:
  explicit RelayMetrics(prometheus::Registry& registry);

  void CountAttempt(AttemptOutcome outcome);
  // An event delivered `elapsed` after its first attempt started.
  void CountDelivered(absl::Duration elapsed);
  void CountDeadLetter();
  void SetInFlight(const std::string& subscription, int64_t events);
  void SetAcknowledgedSequence(const std::string& subscription, int64_t sequence);

 private:
  prometheus::Counter& delivered_;
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Counter& dead_letters_;
  prometheus::Histogram& delivery_seconds_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Gauge>& acknowledged_;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_RELAY_METRICS_H_
