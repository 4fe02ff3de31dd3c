// The catalogue as the eligibility engine needs it: the interventions fetched from the
// catalogue service, indexed, with the order to judge them in (a criterion such as "not
// eligible for any accredited programme" needs those verdicts first) and the regions and
// PCC areas a profile may name. Immutable once built; shared by every request.
#ifndef PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_SNAPSHOT_H_
#define PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_SNAPSHOT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/catalogue/v1/region.pb.h"

namespace probation::eligibility {

class CatalogueSnapshot {
 public:
  // Checks what the engine relies on: unique ids, known regions, criteria that name
  // existing interventions, and no intervention whose verdict depends on itself.
  // INVALID_ARGUMENT saying what is wrong otherwise.
  static absl::StatusOr<std::shared_ptr<const CatalogueSnapshot>> Build(
      std::vector<catalogue::v1::Intervention> interventions,
      std::vector<catalogue::v1::Region> regions);

  // In catalogue order; an intervention's index is its position here.
  const std::vector<catalogue::v1::Intervention>& interventions() const { return interventions_; }
  const std::vector<catalogue::v1::Region>& regions() const { return regions_; }

  // Indexes into interventions(), each after every intervention its criteria depend on.
  const std::vector<int>& evaluation_order() const { return evaluation_order_; }

  // Indexes of the interventions of `kind`, in catalogue order.
  const std::vector<int>& OfKind(catalogue::v1::InterventionKind kind) const;

  // -1 when there is no such id.
  int IndexOf(absl::string_view id) const;
  const catalogue::v1::Region* FindRegion(absl::string_view id) const;
  // The region a PCC area lies in, or empty if the catalogue does not know the area.
  absl::string_view RegionOfPccArea(absl::string_view pcc_area) const;

 private:
  CatalogueSnapshot() = default;
  absl::Status Index();
  absl::Status OrderByDependencies();

  std::vector<catalogue::v1::Intervention> interventions_;
  std::vector<catalogue::v1::Region> regions_;
  std::vector<int> evaluation_order_;
  absl::flat_hash_map<std::string, int> index_;
  absl::flat_hash_map<int, std::vector<int>> by_kind_;
  absl::flat_hash_map<std::string, int> region_index_;
  absl::flat_hash_map<std::string, std::string> pcc_area_regions_;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_CATALOGUE_SNAPSHOT_H_
