// Where intervention capacity lives, and the live counts availability is worked out from.
// Implemented by both referral stores, on the same database as the referrals they count.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_STORE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "probation/referrals/v1/capacity.pb.h"
#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::referrals {

// How many open referrals to one intervention (and provider) are in one state.
struct OpenCount {
  std::string intervention;
  std::string provider;
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  int64_t count = 0;
};

// How many referrals to one intervention (and provider) took a place since a given time.
struct StartCount {
  std::string intervention;
  std::string provider;
  int64_t count = 0;
};

struct RegionLoad {
  std::vector<OpenCount> open;
  std::vector<StartCount> started;
};

class CapacityStore {
 public:
  virtual ~CapacityStore() = default;

  // NOT_FOUND when none is set.
  virtual absl::StatusOr<v1::Capacity> GetCapacity(absl::string_view intervention,
                                                   absl::string_view region,
                                                   absl::string_view provider) = 0;

  // Stores `capacity` (its name, times and who already set) with the next etag. ABORTED when
  // `expected_etag` is non-empty and not the stored one; NOT_FOUND when none is stored and
  // `allow_missing` is false.
  virtual absl::StatusOr<v1::Capacity> PutCapacity(const v1::Capacity& capacity,
                                                   absl::string_view expected_etag,
                                                   bool allow_missing) = 0;

  // Every capacity set in a region, by intervention then provider.
  virtual absl::StatusOr<std::vector<v1::Capacity>> CapacitiesInRegion(
      absl::string_view region) = 0;

  // The region's open referrals by intervention, provider and state, and how many took a
  // place at or after `started_since`.
  virtual absl::StatusOr<RegionLoad> LoadInRegion(absl::string_view region,
                                                  absl::Time started_since) = 0;
};

// "interventions/{id}/regions/{region}[/providers/{provider}]/capacity".
std::string CapacityName(absl::string_view intervention, absl::string_view region,
                         absl::string_view provider);

// "no capacity is set for ..." naming the intervention, region and provider.
std::string CapacityNotSet(absl::string_view intervention, absl::string_view region,
                           absl::string_view provider);

// Whether a capacity stored at `version` (0 when none is) may be replaced by a write naming
// `expected_etag`: NOT_FOUND or ABORTED as CapacityStore::PutCapacity says.
absl::Status CheckCapacityVersion(const v1::Capacity& capacity, int64_t version,
                                  absl::string_view expected_etag, bool allow_missing);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CAPACITY_STORE_H_
