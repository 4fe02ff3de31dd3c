#include "libs/names/resource_name.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/status/field_error.h"

namespace probation {
namespace {

// Echoed in errors, cut short: a name is the caller's text.
std::string Quoted(absl::string_view text) {
  constexpr size_t kMaxEcho = 100;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxEcho)),
                      text.size() > kMaxEcho ? "...\"" : "\"");
}

}  // namespace

bool IsResourceId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxResourceIdLength || id.front() == '-' || id.back() == '-') {
    return false;
  }
  char previous = 0;
  for (char c : id) {
    const bool allowed = absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
    if (!allowed || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

absl::Status CheckResourceId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return InvalidFieldError(field, "is required");
  if (!IsResourceId(id)) {
    return InvalidFieldError(
        field, absl::StrCat("must be lower-case words joined by single hyphens (at most ",
                            kMaxResourceIdLength, " characters), got ", Quoted(id)));
  }
  return absl::OkStatus();
}

std::string ResourceName(absl::string_view collection, absl::string_view id) {
  return absl::StrCat(collection, "/", id);
}

absl::StatusOr<std::string> ParseResourceName(absl::string_view field, absl::string_view collection,
                                              absl::string_view name) {
  if (name.empty()) {
    return InvalidFieldError(field, absl::StrCat("is required: \"", collection, "/{id}\""));
  }
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, collection) || !absl::ConsumePrefix(&id, "/") ||
      !IsResourceId(id)) {
    return InvalidFieldError(field,
                             absl::StrCat("must be \"", collection, "/{id}\", got ", Quoted(name)));
  }
  return std::string(id);
}

absl::string_view IdOf(absl::string_view collection, absl::string_view name) {
  absl::string_view id = name;
  if (absl::ConsumePrefix(&id, collection) && absl::ConsumePrefix(&id, "/")) return id;
  return name;
}

std::string FormatCapacityName(const CapacityNameParts& name) {
  return absl::StrCat(ResourceName(kInterventions, name.intervention), "/",
                      ResourceName(kRegions, name.region), name.provider.empty() ? "" : "/",
                      name.provider.empty() ? "" : ResourceName(kProviders, name.provider),
                      "/capacity");
}

absl::StatusOr<CapacityNameParts> ParseCapacityName(absl::string_view field,
                                                    absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const bool with_provider = parts.size() == 7;
  if ((parts.size() != 5 && !with_provider) || parts[0] != kInterventions || parts[2] != kRegions ||
      (with_provider && parts[4] != kProviders) || parts.back() != "capacity" ||
      !IsResourceId(parts[1]) || !IsResourceId(parts[3]) ||
      (with_provider && !IsResourceId(parts[5]))) {
    return InvalidFieldError(
        field, absl::StrCat("must be \"interventions/{id}/regions/{region}/capacity\" or "
                            "\"interventions/{id}/regions/{region}/providers/{provider}/capacity\""
                            ", got ",
                            Quoted(name)));
  }
  return CapacityNameParts{std::string(parts[1]), std::string(parts[3]),
                           with_provider ? std::string(parts[5]) : std::string()};
}

}  // namespace probation
