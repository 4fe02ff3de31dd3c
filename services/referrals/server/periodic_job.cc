#include "services/referrals/server/periodic_job.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/logging/json_log.h"

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

std::unique_ptr<PeriodicJob> PeriodicPurge(absl::Duration interval, absl::string_view what,
                                           std::function<absl::StatusOr<int>()> purge) {
  return std::make_unique<PeriodicJob>(interval, [purge = std::move(purge),
                                                  purged_event = absl::StrCat(what, "_purged"),
                                                  failed_event =
                                                      absl::StrCat(what, "_purge_failed")] {
    absl::StatusOr<int> purged = purge();
    if (!purged.ok()) {
      Log(spdlog::level::err, failed_event, {{"error", std::string(purged.status().message())}});
    } else if (*purged > 0) {
      Log(spdlog::level::info, purged_event, {{"count", *purged}});
    }
  });
}

}  // namespace probation::referrals
