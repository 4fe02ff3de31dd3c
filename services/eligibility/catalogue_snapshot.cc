#include "services/eligibility/catalogue_snapshot.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace probation::eligibility {
namespace {

using catalogue::v1::Criterion;
using catalogue::v1::Intervention;

// Calls `visit` for every criterion, nested ones included.
void ForEachCriterion(const google::protobuf::RepeatedPtrField<Criterion>& criteria,
                      const std::function<void(const Criterion&)>& visit) {
  for (const Criterion& criterion : criteria) {
    visit(criterion);
    if (criterion.has_any_of()) ForEachCriterion(criterion.any_of().criteria(), visit);
    if (criterion.has_all_of()) ForEachCriterion(criterion.all_of().criteria(), visit);
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CatalogueSnapshot>> CatalogueSnapshot::Build(
    std::vector<Intervention> interventions, std::vector<catalogue::v1::Region> regions) {
  std::shared_ptr<CatalogueSnapshot> snapshot(new CatalogueSnapshot());
  snapshot->interventions_ = std::move(interventions);
  snapshot->regions_ = std::move(regions);
  if (absl::Status status = snapshot->Index(); !status.ok()) return status;
  if (absl::Status status = snapshot->OrderByDependencies(); !status.ok()) return status;
  return std::shared_ptr<const CatalogueSnapshot>(std::move(snapshot));
}

absl::Status CatalogueSnapshot::Index() {
  for (int i = 0; i < static_cast<int>(regions_.size()); ++i) {
    const catalogue::v1::Region& region = regions_[i];
    if (!region_index_.emplace(region.id(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("region \"", region.id(), "\" twice"));
    }
    for (const catalogue::v1::PccArea& area : region.pcc_areas()) {
      pcc_area_regions_.emplace(area.id(), region.id());
    }
  }
  for (int i = 0; i < static_cast<int>(interventions_.size()); ++i) {
    const Intervention& intervention = interventions_[i];
    if (!index_.emplace(intervention.id(), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("intervention \"", intervention.id(), "\" twice"));
    }
    by_kind_[intervention.kind()].push_back(i);
    for (const catalogue::v1::RegionalAvailability& availability : intervention.regions()) {
      if (!region_index_.contains(availability.region())) {
        return absl::InvalidArgumentError(absl::StrCat("intervention \"", intervention.id(),
                                                       "\" names unknown region \"",
                                                       availability.region(), "\""));
      }
    }
  }
  return absl::OkStatus();
}

// Depth-first topological sort; a cycle means some verdict would depend on itself.
absl::Status CatalogueSnapshot::OrderByDependencies() {
  const int count = static_cast<int>(interventions_.size());
  std::vector<std::vector<int>> depends_on(count);
  for (int i = 0; i < count; ++i) {
    absl::Status status;
    ForEachCriterion(interventions_[i].criteria(), [&](const Criterion& criterion) {
      if (criterion.has_not_eligible_for_kind()) {
        const std::vector<int>& of_kind = OfKind(criterion.not_eligible_for_kind().kind());
        depends_on[i].insert(depends_on[i].end(), of_kind.begin(), of_kind.end());
      }
      if (criterion.has_not_eligible_for()) {
        for (const std::string& id : criterion.not_eligible_for().interventions()) {
          const int index = IndexOf(id);
          if (index < 0 && status.ok()) {
            status = absl::InvalidArgumentError(
                absl::StrCat("intervention \"", interventions_[i].id(), "\" criterion \"",
                             criterion.name(), "\" names unknown intervention \"", id, "\""));
          }
          if (index >= 0) depends_on[i].push_back(index);
        }
      }
    });
    if (!status.ok()) return status;
  }

  enum class Mark { kNone, kVisiting, kDone };
  std::vector<Mark> marks(count, Mark::kNone);
  std::vector<std::string> path;
  std::function<absl::Status(int)> visit = [&](int i) -> absl::Status {
    if (marks[i] == Mark::kDone) return absl::OkStatus();
    path.push_back(interventions_[i].id());
    if (marks[i] == Mark::kVisiting) {
      return absl::InvalidArgumentError(
          absl::StrCat("the verdict for \"", interventions_[i].id(),
                       "\" depends on itself through: ", absl::StrJoin(path, " -> ")));
    }
    marks[i] = Mark::kVisiting;
    for (int dependency : depends_on[i]) {
      if (absl::Status status = visit(dependency); !status.ok()) return status;
    }
    marks[i] = Mark::kDone;
    path.pop_back();
    evaluation_order_.push_back(i);
    return absl::OkStatus();
  };
  for (int i = 0; i < count; ++i) {
    if (absl::Status status = visit(i); !status.ok()) return status;
  }
  return absl::OkStatus();
}

const std::vector<int>& CatalogueSnapshot::OfKind(catalogue::v1::InterventionKind kind) const {
  static const std::vector<int> kNone;
  auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? kNone : it->second;
}

int CatalogueSnapshot::IndexOf(absl::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

const catalogue::v1::Region* CatalogueSnapshot::FindRegion(absl::string_view id) const {
  auto it = region_index_.find(id);
  return it == region_index_.end() ? nullptr : &regions_[it->second];
}

absl::string_view CatalogueSnapshot::RegionOfPccArea(absl::string_view pcc_area) const {
  auto it = pcc_area_regions_.find(pcc_area);
  return it == pcc_area_regions_.end() ? absl::string_view() : absl::string_view(it->second);
}

}  // namespace probation::eligibility
