// The person on probation, from the command line: a JSON PersonProfile from --person (a file,
// or - for standard input) and one flag per PersonProfile field, named after the field, which
// overrides the file. The flags come from the message's descriptor, so a field added to the
// profile is a flag with no change here. The profile's `region` is --person_region, because
// --region elsewhere means the referral's region or a filter.
#ifndef PROBATION_TOOLS_PROBATION_PROFILE_FLAGS_H_
#define PROBATION_TOOLS_PROBATION_PROFILE_FLAGS_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/common/v1/person_profile.pb.h"
#include "tools/probation/command_line.h"

namespace probation::cli {

inline constexpr char kPersonFlag[] = "person";

// --person, then a flag per profile field in field order.
const std::vector<std::string>& ProfileFlagNames();

// A flag that may stand alone: `--has_rar` is true, `--nohas_rar` false.
bool IsProfileBooleanFlag(absl::string_view flag);

// Whether `options` hold --person or any profile flag.
bool HasProfileOptions(const Options& options);

// For the usage text: the values each profile flag takes.
std::vector<FlagHelp> ProfileFlagHelp();

// A PersonProfile in protobuf JSON; unknown fields are errors, so a misspelt one is not lost.
absl::StatusOr<common::v1::PersonProfile> ProfileFromJson(absl::string_view json);

// Sets on `profile` every field whose flag is in `options`. A list flag replaces the list.
// INVALID_ARGUMENT naming the flag for a value it cannot take.
absl::Status ApplyProfileFlags(const Options& options, common::v1::PersonProfile& profile);

// The update-mask path of each profile flag in `options`, in field order: "person.needs" for
// --needs (--person, a whole profile, has none).
std::vector<std::string> ProfilePathsOf(const Options& options);

// The profile --person names (read from `standard_input` for "-"), or an empty one, with the
// profile flags applied over it.
absl::StatusOr<common::v1::PersonProfile> ProfileFromOptions(const Options& options,
                                                             std::istream& standard_input);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_PROFILE_FLAGS_H_
