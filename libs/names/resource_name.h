// Resource names (AIP-122), parsed and formatted in one place for every collection of the
// suite, with one rule for ids. A name is "{collection}/{id}" ("interventions/unpaid-work",
// "referrals/3f2a...") or a nested path of such pairs (a capacity). Ids that stand alone in a
// field (a referral's region or provider) follow the same rule.
#ifndef PROBATION_LIBS_NAMES_RESOURCE_NAME_H_
#define PROBATION_LIBS_NAMES_RESOURCE_NAME_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace probation {

inline constexpr absl::string_view kInterventions = "interventions";
inline constexpr absl::string_view kRegions = "regions";
inline constexpr absl::string_view kProviders = "providers";
inline constexpr absl::string_view kReferrals = "referrals";

// AIP-122 and RFC 1034: at most 63 characters.
inline constexpr size_t kMaxResourceIdLength = 63;

// The one id rule: lower-case letters and digits in words joined by single hyphens, e.g.
// "kent-surrey-and-sussex" (not "a--b", "-a" or "A").
bool IsResourceId(absl::string_view id);

// INVALID_ARGUMENT naming `field` unless `id` follows the rule.
absl::Status CheckResourceId(absl::string_view field, absl::string_view id);

// "{collection}/{id}".
std::string ResourceName(absl::string_view collection, absl::string_view id);

// The id in `name`, which must be "{collection}/{id}": INVALID_ARGUMENT naming `field` if it
// is empty, names another collection, or its id breaks the rule.
absl::StatusOr<std::string> ParseResourceName(absl::string_view field, absl::string_view collection,
                                              absl::string_view name);

// The id in a name of `collection`, or `name` itself when it is not one: for names the
// suite made itself (no check, no allocation), and ids accepted in either form.
absl::string_view IdOf(absl::string_view collection, absl::string_view name);

// interventions/{intervention}/regions/{region}[/providers/{provider}]/capacity
struct CapacityNameParts {
  std::string intervention;
  std::string region;
  // Empty for the capacity of a region as a whole.
  std::string provider;
};
std::string FormatCapacityName(const CapacityNameParts& name);
absl::StatusOr<CapacityNameParts> ParseCapacityName(absl::string_view field,
                                                    absl::string_view name);

}  // namespace probation

#endif  // PROBATION_LIBS_NAMES_RESOURCE_NAME_H_
