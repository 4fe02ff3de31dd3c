// Every setting of a service is a command-line flag and an environment variable. The variable
// for flag `data_file` of the service with prefix "CATALOGUE_" is CATALOGUE_DATA_FILE; a flag
// given on the command line wins over the environment.
#ifndef PROBATION_LIBS_CONFIG_FLAG_ENVIRONMENT_H_
#define PROBATION_LIBS_CONFIG_FLAG_ENVIRONMENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace probation {

// The environment variable that sets `flag_name`.
std::string EnvironmentVariableFor(absl::string_view env_prefix, absl::string_view flag_name);

// Sets each named flag from its environment variable, if that is set. An unknown flag name
// or a value the flag cannot parse is INVALID_ARGUMENT naming the variable.
absl::Status ApplyEnvironmentToFlags(absl::string_view env_prefix,
                                     absl::Span<const absl::string_view> flag_names);

// Applies the environment, then parses argv (which wins). On an invalid setting prints a
// message naming it and exits with status 2. Returns the positional arguments.
std::vector<char*> ParseFlagsAndEnvironment(int argc, char** argv, absl::string_view env_prefix,
                                            absl::Span<const absl::string_view> flag_names);

// A flag's file as Abseil reports it (no leading "/" or "./"), so paths compare.
absl::string_view NormalizedFlagFile(absl::string_view path);

// The names of the flags defined in `file` (pass __FILE__ from a service's main.cc), so every
// setting a service defines is also read from the environment without a list to maintain.
std::vector<std::string> FlagsDefinedIn(absl::string_view file);

// ParseFlagsAndEnvironment for every flag defined in `file`.
std::vector<char*> ParseFlagsAndEnvironment(int argc, char** argv, absl::string_view env_prefix,
                                            absl::string_view file);

// Prints "invalid setting --flag (PREFIX_FLAG): message" and exits with status 2: how every
// service refuses a setting it has parsed but cannot use.
[[noreturn]] void ExitOnInvalidSetting(absl::string_view env_prefix, absl::string_view flag_name,
                                       absl::string_view message);

}  // namespace probation

#endif  // PROBATION_LIBS_CONFIG_FLAG_ENVIRONMENT_H_
