#include "libs/config/flag_environment.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace probation {

std::string EnvironmentVariableFor(absl::string_view env_prefix, absl::string_view flag_name) {
  return absl::StrCat(env_prefix, absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironmentToFlags(absl::string_view env_prefix,
                                     absl::Span<const absl::string_view> flag_names) {
  for (absl::string_view name : flag_names) {
    const std::string variable = EnvironmentVariableFor(env_prefix, name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(variable, ": no such setting --", name));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, ": invalid value '", value, "': ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseFlagsAndEnvironment(int argc, char** argv, absl::string_view env_prefix,
                                            absl::Span<const absl::string_view> flag_names) {
  if (absl::Status status = ApplyEnvironmentToFlags(env_prefix, flag_names); !status.ok()) {
    std::cerr << "invalid setting: " << status.message() << "\n";
    std::exit(2);
  }
  return absl::ParseCommandLine(argc, argv);
}

absl::string_view NormalizedFlagFile(absl::string_view path) {
  while (absl::ConsumePrefix(&path, "/") || absl::ConsumePrefix(&path, "./")) {
  }
  return path;
}

std::vector<std::string> FlagsDefinedIn(absl::string_view file) {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (NormalizedFlagFile(flag->Filename()) == NormalizedFlagFile(file)) {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<char*> ParseFlagsAndEnvironment(int argc, char** argv, absl::string_view env_prefix,
                                            absl::string_view file) {
  const std::vector<std::string> names = FlagsDefinedIn(file);
  const std::vector<absl::string_view> views(names.begin(), names.end());
  return ParseFlagsAndEnvironment(argc, argv, env_prefix, views);
}

void ExitOnInvalidSetting(absl::string_view env_prefix, absl::string_view flag_name,
                          absl::string_view message) {
  std::cerr << "invalid setting --" << flag_name << " ("
            << EnvironmentVariableFor(env_prefix, flag_name) << "): " << message << "\n";
  std::exit(2);
}

}  // namespace probation
