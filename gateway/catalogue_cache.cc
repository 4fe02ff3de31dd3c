#include "gateway/catalogue_cache.h"

#include <utility>

namespace probation::gateway {

CatalogueCache::CatalogueCache(absl::Duration ttl, size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries) {}

std::pair<int, int> CatalogueCache::Key(catalogue::v1::InterventionKind kind,
                                        common::v1::NeedArea need_area) {
  return {kind, need_area};
}

std::shared_ptr<const EncodedInterventions> CatalogueCache::Find(
    catalogue::v1::InterventionKind kind, common::v1::NeedArea need_area, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(Key(kind, need_area));
  if (it == entries_.end() || now - it->second.fetched >= ttl_) return nullptr;
  return it->second.interventions;
}

void CatalogueCache::Put(catalogue::v1::InterventionKind kind, common::v1::NeedArea need_area,
                         std::shared_ptr<const EncodedInterventions> interventions,
                         absl::Time now) {
  if (ttl_ <= absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  // Full: start again rather than track age; filters are few unless someone invents them.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[Key(kind, need_area)] = Entry{std::move(interventions), now};
}

}  // namespace probation::gateway
