// The probation CLI's command line: `probation [flags] <command> <subcommand> [args]`, with
// flags allowed anywhere, the table of commands it is checked against, the usage text made
// from that table, and readers for typed option values whose errors name the flag.
#ifndef PROBATION_TOOLS_PROBATION_COMMAND_LINE_H_
#define PROBATION_TOOLS_PROBATION_COMMAND_LINE_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tools/probation/enum_names.h"

namespace probation::cli {

// The flags given, by name, with their values as typed; the last of a repeated flag wins.
using Options = std::map<std::string, std::string, std::less<>>;

struct CommandLine {
  // The command, the subcommand and their arguments.
  std::vector<std::string> words;
  Options options;
};

// Splits argv (without the program name). A flag is `--name=value` or `--name value` (one
// dash will do); a boolean flag, for which `is_boolean` is true, stands alone (`--json`,
// `--nojson`) or takes `=value`. Everything after `--` is a word.
absl::StatusOr<CommandLine> ParseCommandLine(
    absl::Span<const std::string> args, const std::function<bool(absl::string_view)>& is_boolean);

// One command of the CLI, as the usage text shows it.
// Every member has an initializer so that the table can name only what a command has.
struct CommandSpec {
  std::string command{};
  std::string subcommand{};
  // The positional arguments, as usage shows them, e.g. "<id>".
  std::string arguments{};
  std::string summary{};
  std::vector<std::string> flags{};
  // Also accepts the person profile flags (profile_flags.h).
  bool takes_profile = false;
  int min_arguments = 0;
  // -1: any number.
  int max_arguments = 0;
};

// The command `words` start with; INVALID_ARGUMENT for an unknown one.
absl::StatusOr<const CommandSpec*> FindCommand(absl::Span<const CommandSpec> commands,
                                               absl::Span<const std::string> words);

// INVALID_ARGUMENT naming a flag `command` does not take, or a wrong number of arguments.
// `profile_flags` are the flags a command that takes a profile accepts besides its own.
absl::Status CheckCommandLine(const CommandSpec& command, absl::Span<const std::string> arguments,
                              const Options& options, absl::Span<const std::string> profile_flags);

// A flag the usage text lists with its default and help.
struct FlagHelp {
  std::string name;
  std::string default_value;
  std::string environment_variable;
  std::string help;
};

std::string Usage(absl::Span<const CommandSpec> commands, absl::Span<const FlagHelp> global_flags,
                  absl::Span<const FlagHelp> profile_flags);

// INVALID_ARGUMENT "--flag: message": how every bad value is reported.
absl::Status InvalidFlag(absl::string_view flag, absl::string_view message);

// Reads the options given as typed values. The first bad value's error is kept in status(),
// so a command reads all its flags and checks once; a flag not given reads as empty or zero.
class OptionReader {
 public:
  explicit OptionReader(const Options& options) : options_(options) {}

  bool Has(absl::string_view flag) const;
  std::string String(absl::string_view flag) const;
  int Int(absl::string_view flag);
  // Items split at `separator` and trimmed; empty items dropped.
  std::vector<std::string> List(absl::string_view flag, char separator = ',') const;

  template <typename E>
  E Enum(absl::string_view flag) {
    if (!Has(flag)) return E{};
    absl::StatusOr<E> value = ParseEnum<E>(String(flag));
    if (value.ok()) return *value;
    Fail(InvalidFlag(flag, value.status().message()));
    return E{};
  }

  const absl::Status& status() const { return status_; }

 private:
  void Fail(absl::Status status);

  const Options& options_;
  absl::Status status_;
};

// INVALID_ARGUMENT "--flag: required" for the first of `flags` not given.
absl::Status Required(const OptionReader& reader, std::initializer_list<absl::string_view> flags);

// A boolean flag: alone (`--notify_practitioner`) or with true or false; false when not given.
absl::StatusOr<bool> ReadBool(const OptionReader& reader, absl::string_view flag);

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_COMMAND_LINE_H_
