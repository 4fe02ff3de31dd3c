// `capacity get`, `capacity set` and `availability`: an intervention's places in a region, as
// set by its provider or programme team, and what is left of them now.
#include "absl/strings/str_cat.h"
#include "tools/probation/commands.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

// The intervention argument and --region (required) and --provider of a capacity.
absl::Status ReadCapacityKey(CommandContext& context, referrals::v1::Capacity& capacity) {
  absl::StatusOr<std::string> intervention =
      InterventionName(context.arguments.at(0), "intervention");
  if (!intervention.ok()) return intervention.status();
  OptionReader reader(context.options);
  if (!reader.Has("region")) return InvalidFlag("region", "required");
  capacity.set_intervention(*intervention);
  capacity.set_region(reader.String("region"));
  capacity.set_provider(reader.String("provider"));
  return absl::OkStatus();
}

}  // namespace

int CapacityGet(CommandContext& context) {
  referrals::v1::Capacity key;
  if (absl::Status status = ReadCapacityKey(context, key); !status.ok()) {
    return UsageFailure(context, status);
  }
  referrals::v1::GetCapacityRequest request;
  request.set_name(absl::StrCat(key.intervention(), "/regions/", key.region(),
                                key.provider().empty() ? "" : "/providers/", key.provider(),
                                "/capacity"));
  return CallAndPrint(context, &Gateway::GetCapacity, request);
}

int CapacitySet(CommandContext& context) {
  referrals::v1::UpdateCapacityRequest request;
  referrals::v1::Capacity& capacity = *request.mutable_capacity();
  if (absl::Status status = ReadCapacityKey(context, capacity); !status.ok()) {
    return UsageFailure(context, status);
  }
  OptionReader reader(context.options);
  // Every value is replaced, so none is left to a default by accident.
  for (const char* flag : {"period", "places"}) {
    if (!reader.Has(flag)) return UsageFailure(context, InvalidFlag(flag, "required"));
  }
  capacity.set_period(reader.Enum<referrals::v1::Capacity::Period>("period"));
  capacity.set_places(reader.Int("places"));
  capacity.set_next_start_date(reader.String("next_start_date"));
  capacity.set_etag(reader.String("etag"));
  // "set" sets it whether or not one was set before; --etag guards against a concurrent change.
  request.set_allow_missing(true);
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::UpdateCapacity, request);
}

int Availability(CommandContext& context) {
  referrals::v1::BatchGetAvailabilityRequest request;
  request.set_region(context.arguments.at(0));
  for (size_t i = 1; i < context.arguments.size(); ++i) {
    absl::StatusOr<std::string> intervention =
        InterventionName(context.arguments[i], "intervention");
    if (!intervention.ok()) return UsageFailure(context, intervention.status());
    request.add_interventions(*intervention);
  }
  return CallAndPrint(context, &Gateway::BatchGetAvailability, request);
}

}  // namespace probation::cli
