#include "services/eligibility/catalogue_watcher.h"

#include <algorithm>

#include "libs/logging/json_log.h"
#include "services/eligibility/catalogue_fetcher.h"

namespace probation::eligibility {
namespace {

std::string Fingerprint(const CatalogueSnapshot& snapshot) {
  std::string bytes;
  for (const auto& region : snapshot.regions()) bytes += region.SerializeAsString();
  for (const auto& intervention : snapshot.interventions()) {
    bytes += intervention.SerializeAsString();
  }
  return bytes;
}

}  // namespace

CatalogueWatcher::CatalogueWatcher(std::shared_ptr<grpc::Channel> channel,
                                   std::shared_ptr<const PathwayBuilder> pathway,
                                   CatalogueWatcherOptions options,
                                   std::function<void()> on_first_load)
    : stub_(catalogue::v1::CatalogueService::NewStub(std::move(channel))),
      pathway_(std::move(pathway)),
      options_(options),
      on_first_load_(std::move(on_first_load)) {}

CatalogueWatcher::~CatalogueWatcher() { Stop(); }

void CatalogueWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void CatalogueWatcher::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status CatalogueWatcher::RefreshNow() {
  absl::StatusOr<std::shared_ptr<const CatalogueSnapshot>> snapshot =
      FetchCatalogue(*stub_, options_.rpc_timeout);
  if (!snapshot.ok()) return snapshot.status();
  std::string fingerprint = Fingerprint(**snapshot);
  const int size = static_cast<int>((*snapshot)->interventions().size());
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    if (current_ != nullptr && fingerprint == fingerprint_) return absl::OkStatus();
    first = current_ == nullptr;
    current_ = std::make_shared<const EligibilityChecker>(*std::move(snapshot), pathway_);
    fingerprint_ = std::move(fingerprint);
  }
  Log(spdlog::level::info, first ? "catalogue_loaded" : "catalogue_changed",
      {{"interventions", size}});
  if (first && on_first_load_) on_first_load_();
  return absl::OkStatus();
}

std::shared_ptr<const EligibilityChecker> CatalogueWatcher::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void CatalogueWatcher::Run() {
  absl::Duration retry = options_.initial_retry;
  while (!stop_.HasBeenNotified()) {
    const absl::Status status = RefreshNow();
    const bool loaded = current() != nullptr;
    if (!status.ok()) {
      Log(loaded ? spdlog::level::warn : spdlog::level::err, "catalogue_refresh_failed",
          {{"error", std::string(status.message())},
           {"code", absl::StatusCodeToString(status.code())},
           {"serving_last_good", loaded}});
    }
    absl::Duration wait = options_.refresh_interval;
    if (!loaded) {
      wait = std::min(retry, options_.refresh_interval);
      retry = std::min(retry * 2, options_.refresh_interval);
    }
    stop_.WaitForNotificationWithTimeout(wait);
  }
}

}  // namespace probation::eligibility
