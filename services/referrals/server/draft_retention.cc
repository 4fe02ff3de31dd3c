#include "services/referrals/server/draft_retention.h"

#include <string>

#include "libs/logging/json_log.h"

namespace probation::referrals {

DraftRetention::DraftRetention(ReferralWorkflow& workflow, absl::Duration interval)
    : thread_([this, &workflow, interval] {
        do {
          absl::StatusOr<int> purged = workflow.PurgeStaleDrafts();
          if (!purged.ok()) {
            Log(spdlog::level::err, "purge_failed",
                {{"error", std::string(purged.status().message())}});
          } else if (*purged > 0) {
            Log(spdlog::level::info, "drafts_purged", {{"count", *purged}});
          }
        } while (!stopping_.WaitForNotificationWithTimeout(interval));
      }) {}

void DraftRetention::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace probation::referrals
