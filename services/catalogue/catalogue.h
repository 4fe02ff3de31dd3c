// The loaded intervention catalogue and the queries the service answers over it: listing
// with filters and pagination, lookup by resource name, regions and each region's offer.
// Immutable once built, so one instance is shared by every request without locking.
#ifndef PROBATION_SERVICES_CATALOGUE_CATALOGUE_H_
#define PROBATION_SERVICES_CATALOGUE_CATALOGUE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/catalogue/data/v1/catalogue.pb.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"

namespace probation::catalogue {

// The longest free-text query accepted.
inline constexpr size_t kMaxQueryLength = 256;

class Catalogue {
 public:
  // `data` must come from LoadCatalogue (validated and completed).
  explicit Catalogue(data::v1::Catalogue data);

  const data::v1::Catalogue& data() const { return data_; }

  const v1::Intervention* FindIntervention(absl::string_view id) const;
  const v1::Region* FindRegion(absl::string_view id) const;

  // `name` is "interventions/{id}"; INVALID_ARGUMENT naming `name` if malformed, NOT_FOUND
  // naming it if there is no such intervention.
  absl::StatusOr<const v1::Intervention*> GetIntervention(absl::string_view name) const;
  // The same intervention as its wire bytes, encoded once when the catalogue is built, so an
  // answer is a copy of bytes rather than of a message and its encoding.
  absl::StatusOr<absl::string_view> GetEncodedIntervention(absl::string_view name) const;

  absl::StatusOr<v1::ListInterventionsResponse> ListInterventions(
      const v1::ListInterventionsRequest& request) const;

  v1::ListRegionsResponse ListRegions() const;

  // `region` is an id ("london") or a resource name ("regions/london").
  absl::StatusOr<v1::RegionalOffer> GetRegionalOffer(absl::string_view region) const;

  // Whether the intervention is offered, in all or part of the region.
  static bool IsOfferedIn(const v1::Intervention& intervention, absl::string_view region_id);

 private:
  absl::StatusOr<const v1::Region*> ResolveRegion(absl::string_view field,
                                                  absl::string_view region) const;
  v1::RegionalOffer BuildRegionalOffer(const v1::Region& region) const;

  data::v1::Catalogue data_;
  absl::flat_hash_map<std::string, int> intervention_index_;
  // Each intervention serialised, by its index in data_.
  std::vector<std::string> encoded_interventions_;
  absl::flat_hash_map<std::string, int> region_index_;
  // Lower-cased title, short title, summary and description, for free-text search.
  std::vector<std::string> search_text_;
  // Each region's offer, built once: the catalogue never changes while it is served.
  absl::flat_hash_map<std::string, v1::RegionalOffer> offers_;
};

}  // namespace probation::catalogue

#endif  // PROBATION_SERVICES_CATALOGUE_CATALOGUE_H_
