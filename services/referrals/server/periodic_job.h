// Runs a job now and then on a thread of its own, for as long as it lives: the limited-access
// rules' refresh, and the purges of what is kept only for a while (stale drafts, old access
// records).
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// Runs `purge` at once, then every `interval`, logging `<what>_purged` with how many went, or
// `<what>_purge_failed` with why.
std::unique_ptr<PeriodicJob> PeriodicPurge(absl::Duration interval, absl::string_view what,
                                           std::function<absl::StatusOr<int>()> purge);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_PERIODIC_JOB_H_
