// Keeps the eligibility service's catalogue current: fetches it from the catalogue service
// at start (retrying with backoff until it has one), then refreshes it periodically. A
// failed refresh keeps the last good catalogue in service.
#ifndef PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_WATCHER_H_
#define PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "services/eligibility/eligibility_checker.h"
#include "services/eligibility/pathway_builder.h"

namespace probation::eligibility {

struct CatalogueWatcherOptions {
  absl::Duration refresh_interval = absl::Minutes(1);
  absl::Duration rpc_timeout = absl::Seconds(5);
  // First retry delay while no catalogue has been loaded; doubles up to refresh_interval.
  absl::Duration initial_retry = absl::Milliseconds(250);
};

class CatalogueWatcher {
 public:
  // `on_first_load` runs once, on the watcher's thread, when the first catalogue is in place
  // (the service then reports SERVING).
  CatalogueWatcher(std::shared_ptr<grpc::Channel> channel,
                   std::shared_ptr<const PathwayBuilder> pathway, CatalogueWatcherOptions options,
                   std::function<void()> on_first_load = nullptr);
  ~CatalogueWatcher();

  // Starts the background thread.
  void Start();
  // Stops it and waits for it; idempotent.
  void Stop();

  // Fetches once and, on success, puts the new catalogue in service.
  absl::Status RefreshNow();

  // The checker over the latest good catalogue; null until one has been loaded.
  std::shared_ptr<const EligibilityChecker> current() const;

 private:
  void Run();

  std::unique_ptr<catalogue::v1::CatalogueService::Stub> stub_;
  std::shared_ptr<const PathwayBuilder> pathway_;
  CatalogueWatcherOptions options_;
  std::function<void()> on_first_load_;
  absl::Notification stop_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const EligibilityChecker> current_ ABSL_GUARDED_BY(mu_);
  // The catalogue's serialised form, to tell a changed catalogue from the same one.
  std::string fingerprint_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_WATCHER_H_
