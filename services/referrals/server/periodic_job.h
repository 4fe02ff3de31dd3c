// Runs a job now and then on a thread of its own, for as long as it lives: the limited-access
// rules' refresh and the access audit's retention purge.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace probation::referrals {

class PeriodicJob {
 public:
  // Runs `job` at once, then every `interval`.
  PeriodicJob(absl::Duration interval, std::function<void()> job);
  // Stops the thread (waiting for a run in progress).
  ~PeriodicJob() { Stop(); }

  void Stop();

 private:
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_
