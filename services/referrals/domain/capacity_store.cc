#include "services/referrals/domain/capacity_store.h"

#include "absl/strings/str_cat.h"
#include "libs/names/resource_name.h"
#include "libs/status/error_reason.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::referrals {

std::string CapacityName(absl::string_view intervention, absl::string_view region,
                         absl::string_view provider) {
  return FormatCapacityName({std::string(IdOf(kInterventions, intervention)), std::string(region),
                             std::string(provider)});
}

std::string CapacityNotSet(absl::string_view intervention, absl::string_view region,
                           absl::string_view provider) {
  return absl::StrCat("no capacity is set for ", intervention, " in ", region,
                      provider.empty() ? "" : absl::StrCat(" from ", provider));
}

absl::Status CheckCapacityVersion(const v1::Capacity& capacity, int64_t version,
                                  absl::string_view expected_etag, bool allow_missing) {
  if (version == 0 && !allow_missing) {
    return ResourceNotFoundError(
        kCapacityType,
        CapacityName(capacity.intervention(), capacity.region(), capacity.provider()),
        absl::StrCat(
            CapacityNotSet(capacity.intervention(), capacity.region(), capacity.provider()),
            "; set allow_missing to create it"));
  }
  if (!expected_etag.empty() && VersionOfEtag(expected_etag) != version) {
    return StaleEtagError(expected_etag, version == 0 ? "" : absl::StrCat(version), "the capacity");
  }
  return absl::OkStatus();
}

}  // namespace probation::referrals
