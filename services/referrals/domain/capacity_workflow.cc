#include "services/referrals/domain/capacity_workflow.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/group_workflow.h"

namespace probation::referrals {
namespace {

using catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;

constexpr int kMaxPlaces = 100000;
constexpr int kMaxInterventionsPerBatch = 500;

absl::Status CheckInterventionName(absl::string_view field, absl::string_view name) {
  return ParseResourceName(field, kInterventions, name).status();
}

absl::Status CheckDate(absl::string_view field, absl::string_view date) {
  absl::Time parsed;
  std::string error;
  if (date.size() != 10 || !absl::ParseTime("%Y-%m-%d", date, &parsed, &error)) {
    return InvalidFieldError(field, "must be a date, \"YYYY-MM-DD\"");
  }
  return absl::OkStatus();
}

// PERMISSION_DENIED unless the caller runs the intervention's places in this region.
absl::Status CheckMaySet(const Identity& caller, const v1::Capacity& capacity, bool crs) {
  // Who sets capacity: the people who run the intervention, each for their own.
  const data::v1::RoleAccess& access = AccessPolicy::Embedded().For(caller.role);
  switch (access.sets_capacity()) {
    case data::v1::CAPACITY_GRANT_UNSPECIFIED:
      return absl::PermissionDeniedError(absl::StrCat(
          "the ", common::v1::Role_Name(caller.role),
          " role may not set capacity; programme teams, service providers and admins do"));
    case data::v1::CAPACITY_GRANT_EXCEPT_CRS:
      if (crs) {
        return absl::PermissionDeniedError("a CRS's places are set by its service provider");
      }
      break;
    case data::v1::CAPACITY_GRANT_CRS:
      if (!crs) {
        return absl::PermissionDeniedError(
            "capacity.provider: a service provider sets only its own CRS places");
      }
      break;
    default:
      break;
  }
  switch (access.scope()) {
    case data::v1::SCOPE_OWN_REGION:
      if (caller.region.empty() || caller.region != capacity.region()) {
        return WithReason(absl::PermissionDeniedError(absl::StrCat(
                              "capacity.region: you may set places only in your own region",
                              caller.region.empty() ? "" : absl::StrCat(", ", caller.region))),
                          reason::kOutOfScope, {{"field", "capacity.region"}});
      }
      break;
    case data::v1::SCOPE_OWN_PROVIDER:
      if (caller.provider.empty() || caller.provider != capacity.provider()) {
        return absl::PermissionDeniedError(
            "capacity.provider: a service provider sets only its own CRS places");
      }
      break;
    case data::v1::SCOPE_EVERYTHING:
      break;
    default:
      return absl::PermissionDeniedError("your role has no scope to set places in");
  }
  return absl::OkStatus();
}

// The first instant of the UTC calendar month holding `now`.
absl::Time StartOfMonth(absl::Time now) {
  const absl::CivilMonth month = absl::ToCivilMonth(now, absl::UTCTimeZone());
  return absl::FromCivil(month, absl::UTCTimeZone());
}

}  // namespace

CapacityWorkflow::CapacityWorkflow(const StateMachineSet& machines, CapacityStore& store,
                                   InterventionDirectory& interventions,
                                   std::function<absl::Time()> now, GroupStore* groups)
    : machines_(machines),
      store_(store),
      interventions_(interventions),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      groups_(groups) {}

absl::StatusOr<v1::Capacity> CapacityWorkflow::UpdateCapacity(
    const v1::UpdateCapacityRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  const v1::Capacity& proposed = request.capacity();
  if (absl::Status status = CheckInterventionName("capacity.intervention", proposed.intervention());
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckResourceId("capacity.region", proposed.region()); !status.ok()) {
    return status;
  }
  if (proposed.period() == v1::Capacity::PERIOD_UNSPECIFIED ||
      !v1::Capacity::Period_IsValid(proposed.period())) {
    return InvalidFieldError("capacity.period", "is required: PERIOD_COHORT or PERIOD_MONTH");
  }
  if (proposed.places() < 0 || proposed.places() > kMaxPlaces) {
    return InvalidFieldError("capacity.places", absl::StrCat("must be 0 to ", kMaxPlaces));
  }
  if (!proposed.next_start_date().empty()) {
    if (absl::Status status = CheckDate("capacity.next_start_date", proposed.next_start_date());
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<catalogue::v1::Intervention> intervention =
      interventions_.GetIntervention(proposed.intervention());
  if (!intervention.ok()) return intervention.status();
  if (machines_.For(intervention->kind()) == nullptr) {
    return PreconditionError(
        reason::kNotReferrable, "INTERVENTION_KIND", proposed.intervention(),
        absl::StrCat(intervention->title(), " takes no referrals, so it has no places to count"));
  }
  const bool crs = intervention->kind() == INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;
  if (crs && !IsResourceId(proposed.provider())) {
    return InvalidFieldError("capacity.provider",
                             "is required for a CRS: a provider id, e.g. \"nacro\"");
  }
  if (!crs && !proposed.provider().empty()) {
    return InvalidFieldError("capacity.provider", "only a CRS has places per provider");
  }
  if (NotOfferedIn(*intervention, proposed.region())) {
    return PreconditionError(
        reason::kNotOfferedInRegion, "REGION", proposed.region(),
        absl::StrCat(intervention->title(), " is not offered in ", proposed.region()));
  }
  if (absl::Status status = CheckMaySet(caller, proposed, crs); !status.ok()) return status;

  v1::Capacity capacity;
  capacity.set_name(CapacityName(proposed.intervention(), proposed.region(), proposed.provider()));
  capacity.set_intervention(proposed.intervention());
  capacity.set_region(proposed.region());
  capacity.set_provider(proposed.provider());
  capacity.set_period(proposed.period());
  capacity.set_places(proposed.places());
  capacity.set_next_start_date(proposed.next_start_date());
  *capacity.mutable_update_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now_()));
  capacity.set_updated_by(caller.actor);
  return store_.PutCapacity(capacity, proposed.etag(), request.allow_missing());
}

absl::StatusOr<v1::Capacity> CapacityWorkflow::GetCapacity(const v1::GetCapacityRequest& request,
                                                           const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<CapacityNameParts> name = ParseCapacityName("name", request.name());
  if (!name.ok()) return name.status();
  return store_.GetCapacity(ResourceName(kInterventions, name->intervention), name->region,
                            name->provider);
}

absl::Status CapacityWorkflow::AddGroups(
    absl::string_view region, std::map<std::pair<std::string, std::string>, v1::Availability>& rows,
    std::map<std::pair<std::string, std::string>, int64_t>& holding) {
  const absl::CivilDay today = absl::ToCivilDay(now_(), absl::UTCTimeZone());
  const absl::CivilDay soon = today + absl::ToInt64Hours(kGroupsStartingSoon) / 24;
  absl::StatusOr<RegionGroups> groups =
      groups_->GroupsInRegion(region, absl::FormatCivilTime(today), absl::FormatCivilTime(soon),
                              // A member still in a waiting state has a place.
                              machines_.GroupWaitingStates());
  if (!groups.ok()) return groups.status();
  for (const auto& [intervention, allocated] : groups->allocated_waiting) {
    auto it = rows.find({intervention, ""});
    if (it == rows.end()) continue;
    it->second.set_waiting(
        static_cast<int>(std::max<int64_t>(0, it->second.waiting() - allocated)));
    holding[{intervention, ""}] += allocated;
  }
  for (const GroupPlaces& places : groups->places) {
    v1::Availability& availability = rows[{places.intervention, ""}];
    availability.set_intervention(places.intervention);
    availability.set_region(std::string(region));
    availability.set_from_groups(true);
    availability.set_capacity_set(true);
    availability.set_period(v1::Capacity::PERIOD_COHORT);
    availability.set_groups_starting_soon(places.groups);
    availability.set_places(static_cast<int>(places.capacity));
    availability.set_places_taken(static_cast<int>(places.members));
    availability.set_places_available(
        static_cast<int>(std::max<int64_t>(0, places.capacity - places.members)));
    availability.set_next_start_date(places.next_start_date);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::BatchGetAvailabilityResponse> CapacityWorkflow::BatchGetAvailability(
    const v1::BatchGetAvailabilityRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (absl::Status status = CheckResourceId("region", request.region()); !status.ok())
    return status;
  if (request.interventions_size() > kMaxInterventionsPerBatch) {
    return InvalidFieldError("interventions",
                             absl::StrCat("at most ", kMaxInterventionsPerBatch, " at once"));
  }
  for (int i = 0; i < request.interventions_size(); ++i) {
    if (absl::Status status =
            CheckInterventionName(absl::StrCat("interventions[", i, "]"), request.interventions(i));
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<std::vector<v1::Capacity>> capacities =
      store_.CapacitiesInRegion(request.region());
  if (!capacities.ok()) return capacities.status();
  absl::StatusOr<RegionLoad> load = store_.LoadInRegion(request.region(), StartOfMonth(now_()));
  if (!load.ok()) return load.status();

  // Keyed by (intervention, provider), so the answer comes out in that order.
  std::map<std::pair<std::string, std::string>, v1::Availability> rows;
  std::map<std::pair<std::string, std::string>, int64_t> holding;
  std::map<std::pair<std::string, std::string>, int64_t> started;
  const auto row = [&](const std::string& intervention, const std::string& provider) -> auto& {
    v1::Availability& availability = rows[{intervention, provider}];
    availability.set_intervention(intervention);
    availability.set_region(request.region());
    availability.set_provider(provider);
    return availability;
  };
  for (const v1::Capacity& capacity : *capacities) {
    v1::Availability& availability = row(capacity.intervention(), capacity.provider());
    availability.set_capacity_set(true);
    availability.set_period(capacity.period());
    availability.set_places(capacity.places());
    availability.set_next_start_date(capacity.next_start_date());
  }
  for (const OpenCount& count : load->open) {
    const v1::CapacityUse use = machines_.CapacityUseOf(count.state);
    if (use == v1::CAPACITY_USE_UNSPECIFIED) continue;
    v1::Availability& availability = row(count.intervention, count.provider);
    if (use == v1::CAPACITY_USE_WAITING) {
      availability.set_waiting(availability.waiting() + static_cast<int>(count.count));
    } else {
      holding[{count.intervention, count.provider}] += count.count;
    }
  }
  for (const StartCount& count : load->started) {
    started[{count.intervention, count.provider}] += count.count;
  }
  if (groups_ != nullptr) {
    if (absl::Status status = AddGroups(request.region(), rows, holding); !status.ok()) {
      return status;
    }
  }
  for (auto& [key, availability] : rows) {
    if (availability.from_groups()) continue;
    const int64_t taken =
        availability.period() == v1::Capacity::PERIOD_MONTH ? started[key] : holding[key];
    availability.set_places_taken(static_cast<int>(taken));
    if (availability.capacity_set()) {
      availability.set_places_available(
          static_cast<int>(std::max<int64_t>(0, availability.places() - taken)));
    }
  }

  v1::BatchGetAvailabilityResponse response;
  if (request.interventions().empty()) {
    for (auto& [key, availability] : rows) *response.add_availabilities() = std::move(availability);
    return response;
  }
  for (const std::string& intervention : request.interventions()) {
    auto it = rows.lower_bound({intervention, ""});
    if (it == rows.end() || it->first.first != intervention) {
      // Nothing recorded: no capacity, nobody waiting or placed.
      v1::Availability* none = response.add_availabilities();
      none->set_intervention(intervention);
      none->set_region(request.region());
      continue;
    }
    for (; it != rows.end() && it->first.first == intervention; ++it) {
      *response.add_availabilities() = it->second;
    }
  }
  return response;
}

}  // namespace probation::referrals
