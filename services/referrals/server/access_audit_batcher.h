// The access audit's records of reads and refusals, written in batches from a thread of its
// own, so a read never waits for a disk flush of its own: each batch is one write, shared by
// group commit with the referral writes of the moment. The queue is bounded; when it is full,
// Record waits for the writer (reads slow down rather than go unrecorded).
//
// If the process dies with records queued (SIGKILL, a crash), those records, at most one
// flush interval's worth, are lost: the reads they record were answered. A drain (SIGTERM)
// writes them all. Writes of referrals are never at risk: their records commit with them.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_ACCESS_AUDIT_BATCHER_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_ACCESS_AUDIT_BATCHER_H_

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/referrals/domain/access_audit.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

class AccessAuditBatcher final : public AccessAudit {
 public:
  // Writes what is queued every `flush_interval`, or sooner once `batch` records wait.
  explicit AccessAuditBatcher(ReferralStore& store,
                              absl::Duration flush_interval = absl::Milliseconds(200),
                              int batch = 256, int capacity = 10000);
  // Writes what is queued, then stops.
  ~AccessAuditBatcher() override { Stop(); }

  void Record(v1::AccessRecord record) override;
  void Stop();

 private:
  void Run();

  ReferralStore& store_;
  const absl::Duration flush_interval_;
  const size_t batch_;
  const size_t capacity_;
  absl::Mutex mu_;
  std::vector<v1::AccessRecord> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_ACCESS_AUDIT_BATCHER_H_
