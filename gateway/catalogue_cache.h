// The catalogue's interventions as FindInterventions joins them, kept for a short while per
// filter (kind and need area), already encoded. The catalogue changes only when it is
// redeployed (the eligibility service refreshes its own copy once a minute), while every
// FindInterventions call would otherwise fetch, parse, copy and re-encode the whole list.
#ifndef PROBATION_GATEWAY_CATALOGUE_CACHE_H_
#define PROBATION_GATEWAY_CATALOGUE_CACHE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"

namespace probation::gateway {

// Each intervention's wire encoding, by resource name.
using EncodedInterventions = absl::flat_hash_map<std::string, std::string>;

class CatalogueCache {
 public:
  // Entries are used for `ttl` after they are fetched; a zero ttl keeps nothing. At most
  // `max_entries` filters are kept (a caller may send enum values no one has defined).
  explicit CatalogueCache(absl::Duration ttl, size_t max_entries = 64);

  // The interventions fetched for this filter less than ttl before `now`, or null.
  std::shared_ptr<const EncodedInterventions> Find(catalogue::v1::InterventionKind kind,
                                                   common::v1::NeedArea need_area, absl::Time now);

  // Keeps `interventions` as fetched for this filter at `now`.
  void Put(catalogue::v1::InterventionKind kind, common::v1::NeedArea need_area,
           std::shared_ptr<const EncodedInterventions> interventions, absl::Time now);

 private:
  struct Entry {
    std::shared_ptr<const EncodedInterventions> interventions;
    absl::Time fetched;
  };
  static std::pair<int, int> Key(catalogue::v1::InterventionKind kind,
                                 common::v1::NeedArea need_area);

  const absl::Duration ttl_;
  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<int, int>, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_CATALOGUE_CACHE_H_
