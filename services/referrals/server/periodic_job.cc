#include "services/referrals/server/periodic_job.h"

#include <utility>

namespace probation::referrals {

PeriodicJob::PeriodicJob(absl::Duration interval, std::function<void()> job)
    : thread_([this, interval, job = std::move(job)] {
        do {
          job();
        } while (!stopping_.WaitForNotificationWithTimeout(interval));
      }) {}

void PeriodicJob::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace probation::referrals
