#include "services/catalogue/catalogue.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/names/resource_name.h"
#include "libs/pagination/page_token.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"

namespace probation::catalogue {
namespace {

std::vector<std::string> QueryWords(absl::string_view query) {
  return absl::StrSplit(absl::AsciiStrToLower(query), absl::ByAnyChar(" \t\n\r,;"),
                        absl::SkipEmpty());
}

}  // namespace

Catalogue::Catalogue(data::v1::Catalogue data) : data_(std::move(data)) {
  for (int i = 0; i < data_.interventions_size(); ++i) {
    const v1::Intervention& intervention = data_.interventions(i);
    intervention_index_.emplace(intervention.id(), i);
    encoded_interventions_.push_back(intervention.SerializeAsString());
    search_text_.push_back(absl::AsciiStrToLower(
        absl::StrJoin({intervention.title(), intervention.short_title(), intervention.summary(),
                       intervention.description(), intervention.id()},
                      "\n")));
  }
  for (int i = 0; i < data_.regions_size(); ++i) region_index_.emplace(data_.regions(i).id(), i);
  for (const v1::Region& region : data_.regions()) {
    offers_.emplace(region.id(), BuildRegionalOffer(region));
  }
}

const v1::Intervention* Catalogue::FindIntervention(absl::string_view id) const {
  auto it = intervention_index_.find(id);
  return it == intervention_index_.end() ? nullptr : &data_.interventions(it->second);
}

const v1::Region* Catalogue::FindRegion(absl::string_view id) const {
  auto it = region_index_.find(id);
  return it == region_index_.end() ? nullptr : &data_.regions(it->second);
}

absl::StatusOr<const v1::Intervention*> Catalogue::GetIntervention(absl::string_view name) const {
  absl::StatusOr<std::string> id = ParseResourceName("name", kInterventions, name);
  if (!id.ok()) return id.status();
  const v1::Intervention* intervention = FindIntervention(*id);
  if (intervention == nullptr) {
    return ResourceNotFoundError(
        "probation.catalogue.v1.Intervention", name.substr(0, 200),
        absl::StrCat("intervention \"", name.substr(0, 200), "\" not found"));
  }
  return intervention;
}

absl::StatusOr<absl::string_view> Catalogue::GetEncodedIntervention(absl::string_view name) const {
  absl::StatusOr<const v1::Intervention*> intervention = GetIntervention(name);
  if (!intervention.ok()) return intervention.status();
  return encoded_interventions_[intervention_index_.at((*intervention)->id())];
}

absl::StatusOr<const v1::Region*> Catalogue::ResolveRegion(absl::string_view field,
                                                           absl::string_view region) const {
  // A region may be named by its id ("london") or its resource name ("regions/london").
  const absl::string_view id = IdOf(kRegions, region);
  if (id.empty()) return InvalidFieldError(field, "required, e.g. \"london\"");
  const v1::Region* found = FindRegion(id);
  if (found == nullptr) {
    return InvalidFieldError(field, absl::StrCat("unknown region \"", region.substr(0, 200),
                                                 "\"; ListRegions gives the valid ids"));
  }
  return found;
}

bool Catalogue::IsOfferedIn(const v1::Intervention& intervention, absl::string_view region_id) {
  if (intervention.availability_scope() == v1::AVAILABILITY_SCOPE_NATIONAL) return true;
  return std::any_of(intervention.regions().begin(), intervention.regions().end(),
                     [&](const v1::RegionalAvailability& availability) {
                       return availability.region() == region_id &&
                              (availability.status() == v1::AVAILABILITY_STATUS_OFFERED ||
                               availability.status() == v1::AVAILABILITY_STATUS_OFFERED_IN_PART);
                     });
}

absl::StatusOr<v1::ListInterventionsResponse> Catalogue::ListInterventions(
    const v1::ListInterventionsRequest& request) const {
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  if (!v1::InterventionKind_IsValid(request.kind())) {
    return InvalidFieldError("kind", absl::StrCat("unknown kind ", request.kind()));
  }
  if (!probation::common::v1::NeedArea_IsValid(request.need_area())) {
    return InvalidFieldError("need_area", absl::StrCat("unknown need area ", request.need_area()));
  }
  std::string region_id;
  if (!request.region().empty()) {
    absl::StatusOr<const v1::Region*> region = ResolveRegion("region", request.region());
    if (!region.ok()) return region.status();
    region_id = (*region)->id();
  }
  if (request.query().size() > kMaxQueryLength) {
    return InvalidFieldError("query", absl::StrCat("longer than ", kMaxQueryLength, " characters"));
  }
  const std::vector<std::string> words = QueryWords(request.query());

  const uint64_t fingerprint = FilterFingerprint(
      absl::StrCat("kind=", request.kind(), ";region=", region_id, ";need=", request.need_area(),
                   ";query=", absl::StrJoin(words, " ")));
  absl::StatusOr<uint64_t> offset = DecodePageToken(request.page_token(), fingerprint);
  if (!offset.ok()) return offset.status();

  std::vector<int> matches;
  for (int i = 0; i < data_.interventions_size(); ++i) {
    const v1::Intervention& intervention = data_.interventions(i);
    if (request.kind() != v1::INTERVENTION_KIND_UNSPECIFIED &&
        intervention.kind() != request.kind()) {
      continue;
    }
    if (!region_id.empty() && !IsOfferedIn(intervention, region_id)) continue;
    if (request.need_area() != probation::common::v1::NEED_AREA_UNSPECIFIED &&
        std::find(intervention.need_areas().begin(), intervention.need_areas().end(),
                  request.need_area()) == intervention.need_areas().end()) {
      continue;
    }
    if (!std::all_of(words.begin(), words.end(), [&](const std::string& word) {
          return absl::StrContains(search_text_[i], word);
        })) {
      continue;
    }
    matches.push_back(i);
  }

  v1::ListInterventionsResponse response;
  response.set_total_size(static_cast<int>(matches.size()));
  const uint64_t end = std::min<uint64_t>(*offset + *page_size, matches.size());
  for (uint64_t i = *offset; i < end; ++i) {
    *response.add_interventions() = data_.interventions(matches[i]);
  }
  if (end < matches.size()) response.set_next_page_token(EncodePageToken(end, fingerprint));
  return response;
}

v1::ListRegionsResponse Catalogue::ListRegions() const {
  v1::ListRegionsResponse response;
  *response.mutable_regions() = data_.regions();
  return response;
}

absl::StatusOr<v1::RegionalOffer> Catalogue::GetRegionalOffer(absl::string_view region) const {
  absl::StatusOr<const v1::Region*> found = ResolveRegion("region", region);
  if (!found.ok()) return found.status();
  return offers_.at((*found)->id());
}

v1::RegionalOffer Catalogue::BuildRegionalOffer(const v1::Region& offer_region) const {
  v1::RegionalOffer offer;
  *offer.mutable_region() = offer_region;
  *offer.mutable_contacts() = data_.contacts();
  for (const data::v1::KindInfo& kind : data_.kinds()) {
    v1::OfferGroup group;
    group.set_kind(kind.kind());
    group.set_title(kind.title());
    group.set_description(kind.description());
    for (const v1::Intervention& intervention : data_.interventions()) {
      if (intervention.kind() == kind.kind() && IsOfferedIn(intervention, offer_region.id())) {
        *group.add_interventions() = intervention;
      }
    }
    if (!group.interventions().empty()) *offer.add_groups() = std::move(group);

    // Need areas this kind serves region by region: say where this region lists nothing.
    for (const data::v1::NeedAreaInfo& need : data_.need_areas()) {
      bool served_regionally = false;
      bool served_here = false;
      for (const v1::Intervention& intervention : data_.interventions()) {
        if (intervention.kind() != kind.kind() ||
            std::find(intervention.need_areas().begin(), intervention.need_areas().end(),
                      need.area()) == intervention.need_areas().end()) {
          continue;
        }
        served_regionally |= intervention.availability_scope() == v1::AVAILABILITY_SCOPE_REGIONAL;
        served_here |= IsOfferedIn(intervention, offer_region.id());
      }
      if (served_regionally && !served_here) {
        offer.add_not_listed(absl::StrCat("The brochures list no ", kind.title(), " for ",
                                          need.title(), " in ", offer_region.title(), "."));
      }
    }
  }
  return offer;
}

}  // namespace probation::catalogue
