// Purges drafts untouched for the retention period, now and then, on a thread of its own,
// for as long as it lives.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_DRAFT_RETENTION_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_DRAFT_RETENTION_H_

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/referrals/domain/referral_workflow.h"

namespace probation::referrals {

class DraftRetention {
 public:
  // Purges at once, then every `interval`, logging what was purged or why it failed.
  DraftRetention(ReferralWorkflow& workflow, absl::Duration interval);
  // Stops the thread (waiting for a purge in progress).
  ~DraftRetention() { Stop(); }

  void Stop();

 private:
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_DRAFT_RETENTION_H_
