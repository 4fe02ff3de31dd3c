#include "services/relay/relay_metrics.h"

namespace probation::relay {

RelayMetrics::RelayMetrics(prometheus::Registry& registry)
    : delivered_(prometheus::BuildCounter()
                     .Name("relay_events_delivered_total")
                     .Help("Events a webhook receiver accepted (2xx), replays included.")
                     .Register(registry)
                     .Add({})),
      attempts_(prometheus::BuildCounter()
                    .Name("relay_delivery_attempts_total")
                    .Help("HTTP attempts by outcome: delivered, retryable or permanent.")
                    .Register(registry)),
      dead_letters_(prometheus::BuildCounter()
                        .Name("relay_dead_letters_total")
                        .Help("Events given up on and sent to their subscription's dead letters.")
                        .Register(registry)
                        .Add({})),
      delivery_seconds_(
          prometheus::BuildHistogram()
              .Name("relay_delivery_seconds")
              .Help("From an event's first attempt to its 2xx, retries included.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                               0.5, 1, 2.5, 5, 10, 30, 60, 300})),
      in_flight_(prometheus::BuildGauge()
                     .Name("relay_in_flight")
                     .Help("Events received from a subscription and not yet delivered or "
                           "dead-lettered.")
                     .Register(registry)),
      acknowledged_(prometheus::BuildGauge()
                        .Name("relay_acknowledged_sequence")
                        .Help("The newest sequence the subscription has acknowledged.")
                        .Register(registry)) {
  for (AttemptOutcome outcome :
       {AttemptOutcome::kDelivered, AttemptOutcome::kRetryable, AttemptOutcome::kPermanent}) {
    attempts_.Add({{"outcome", AttemptOutcomeName(outcome)}});
  }
}

void RelayMetrics::CountAttempt(AttemptOutcome outcome) {
  attempts_.Add({{"outcome", AttemptOutcomeName(outcome)}}).Increment();
}

void RelayMetrics::CountDelivered(absl::Duration elapsed) {
  delivered_.Increment();
  delivery_seconds_.Observe(absl::ToDoubleSeconds(elapsed));
}

void RelayMetrics::CountDeadLetter() { dead_letters_.Increment(); }

void RelayMetrics::SetInFlight(const std::string& subscription, int64_t events) {
  in_flight_.Add({{"subscription", subscription}}).Set(static_cast<double>(events));
}

void RelayMetrics::SetAcknowledgedSequence(const std::string& subscription, int64_t sequence) {
  acknowledged_.Add({{"subscription", subscription}}).Set(static_cast<double>(sequence));
}

}  // namespace probation::relay
