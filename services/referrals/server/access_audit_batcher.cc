#include "services/referrals/server/access_audit_batcher.h"

#include <string>
#include <utility>

#include "libs/logging/json_log.h"

namespace probation::referrals {

AccessAuditBatcher::AccessAuditBatcher(ReferralStore& store, absl::Duration flush_interval,
                                       int batch, int capacity)
    : store_(store),
      flush_interval_(flush_interval),
      batch_(static_cast<size_t>(batch)),
      capacity_(static_cast<size_t>(capacity)),
      thread_([this] { Run(); }) {}

void AccessAuditBatcher::Record(v1::AccessRecord record) {
  absl::MutexLock lock(&mu_);
  auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return queue_.size() < capacity_ || stopping_;
  };
  mu_.Await(absl::Condition(&room));
  queue_.push_back(std::move(record));
}

void AccessAuditBatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void AccessAuditBatcher::Run() {
  while (true) {
    std::vector<v1::AccessRecord> batch;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return queue_.size() >= batch_ || stopping_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), flush_interval_);
      batch.swap(queue_);
      stopping = stopping_;
    }
    if (!batch.empty()) {
      if (absl::Status status = store_.AppendAccessRecords(batch); !status.ok()) {
        Log(spdlog::level::err, "access_audit_write_failed",
            {{"records", static_cast<int64_t>(batch.size())},
             {"error", std::string(status.message())}});
      }
    }
    if (stopping && batch.empty()) return;
  }
}

}  // namespace probation::referrals
