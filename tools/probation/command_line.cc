#include "tools/probation/command_line.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace probation::cli {
namespace {

constexpr size_t kUsageWidth = 100;

absl::Status UsageError(absl::string_view message) { return absl::InvalidArgumentError(message); }

std::string CommandName(const CommandSpec& command) {
  return command.subcommand.empty() ? command.command
                                    : absl::StrCat(command.command, " ", command.subcommand);
}

// Words laid out from `indent`, wrapped before kUsageWidth to `continuation_indent`.
std::string Wrapped(const std::vector<std::string>& words, size_t indent,
                    size_t continuation_indent) {
  std::string text(indent, ' ');
  size_t column = indent;
  bool line_empty = true;
  for (const std::string& word : words) {
    if (!line_empty && column + 1 + word.size() > kUsageWidth) {
      absl::StrAppend(&text, "\n", std::string(continuation_indent, ' '));
      column = continuation_indent;
      line_empty = true;
    }
    if (!line_empty) {
      text += ' ';
      ++column;
    }
    text += word;
    column += word.size();
    line_empty = false;
  }
  return text + "\n";
}

std::string FlagLines(absl::Span<const FlagHelp> flags) {
  size_t width = 0;
  for (const FlagHelp& flag : flags) width = std::max(width, flag.name.size() + 2);
  std::string text;
  for (const FlagHelp& flag : flags) {
    std::vector<std::string> words = absl::StrSplit(flag.help, ' ', absl::SkipEmpty());
    std::vector<std::string> notes;
    if (!flag.default_value.empty()) notes.push_back("default " + flag.default_value);
    if (!flag.environment_variable.empty()) notes.push_back("env " + flag.environment_variable);
    if (!notes.empty()) words.push_back(absl::StrCat("(", absl::StrJoin(notes, "; "), ")"));
    const std::string name = absl::StrCat("--", flag.name);
    const std::string body = Wrapped(words, width + 4, width + 4);
    absl::StrAppend(&text, "  ", name, body.substr(name.size() + 2));
  }
  return text;
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(
    absl::Span<const std::string> args, const std::function<bool(absl::string_view)>& is_boolean) {
  CommandLine line;
  bool words_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (words_only || arg.size() < 2 || arg[0] != '-') {
      line.words.push_back(arg);
      continue;
    }
    if (arg == "--") {
      words_only = true;
      continue;
    }
    absl::string_view body = arg;
    if (!absl::ConsumePrefix(&body, "--")) absl::ConsumePrefix(&body, "-");
    const size_t equals = body.find('=');
    const absl::string_view name = body.substr(0, equals);
    if (name.empty()) return UsageError(absl::StrCat("malformed flag '", arg, "'"));
    std::string key(name);
    if (equals != absl::string_view::npos) {
      line.options[key] = std::string(body.substr(equals + 1));
    } else if (is_boolean(name)) {
      line.options[key] = "true";
    } else if (absl::StartsWith(name, "no") && is_boolean(name.substr(2))) {
      line.options[std::string(name.substr(2))] = "false";
    } else if (i + 1 < args.size()) {
      line.options[key] = args[++i];
    } else {
      return UsageError(absl::StrCat("--", name, " needs a value"));
    }
  }
  return line;
}

absl::StatusOr<const CommandSpec*> FindCommand(absl::Span<const CommandSpec> commands,
                                               absl::Span<const std::string> words) {
  if (words.empty()) return UsageError("no command given; see `probation help`");
  std::vector<std::string> command_names;
  std::vector<std::string> subcommands;
  for (const CommandSpec& command : commands) {
    if (std::find(command_names.begin(), command_names.end(), command.command) ==
        command_names.end()) {
      command_names.push_back(command.command);
    }
    if (command.command != words[0]) continue;
    if (command.subcommand.empty()) return &command;
    subcommands.push_back(command.subcommand);
    if (words.size() > 1 && command.subcommand == words[1]) return &command;
  }
  if (subcommands.empty()) {
    return UsageError(absl::StrCat("unknown command '", words[0],
                                   "'; commands: ", absl::StrJoin(command_names, ", ")));
  }
  if (words.size() < 2) {
    return UsageError(
        absl::StrCat("`", words[0], "` needs a subcommand: ", absl::StrJoin(subcommands, ", ")));
  }
  return UsageError(absl::StrCat("unknown subcommand '", words[1], "' for `", words[0],
                                 "`; subcommands: ", absl::StrJoin(subcommands, ", ")));
}

absl::Status CheckCommandLine(const CommandSpec& command, absl::Span<const std::string> arguments,
                              const Options& options, absl::Span<const std::string> profile_flags) {
  const auto takes = [&](const std::string& flag) {
    if (std::find(command.flags.begin(), command.flags.end(), flag) != command.flags.end()) {
      return true;
    }
    return command.takes_profile &&
           std::find(profile_flags.begin(), profile_flags.end(), flag) != profile_flags.end();
  };
  for (const auto& [flag, value] : options) {
    if (takes(flag)) continue;
    std::vector<std::string> accepted;
    for (const std::string& name : command.flags) accepted.push_back("--" + name);
    if (command.takes_profile) accepted.push_back("the person profile flags");
    return UsageError(
        absl::StrCat("`", CommandName(command), "` has no flag --", flag, "; it takes ",
                     accepted.empty() ? std::string("no flags") : absl::StrJoin(accepted, ", ")));
  }
  const int count = static_cast<int>(arguments.size());
  if (count < command.min_arguments ||
      (command.max_arguments >= 0 && count > command.max_arguments)) {
    return UsageError(absl::StrCat("usage: probation ", CommandName(command),
                                   command.arguments.empty() ? "" : " ", command.arguments));
  }
  return absl::OkStatus();
}

std::string Usage(absl::Span<const CommandSpec> commands, absl::Span<const FlagHelp> global_flags,
                  absl::Span<const FlagHelp> profile_flags) {
  std::string text =
      "probation: a command-line client for the probation interventions gateway\n"
      "(probation.gateway.v1.InterventionsGateway).\n\n"
      "usage: probation [global flags] <command> [<subcommand>] [arguments] [flags]\n\n"
      "commands:\n";
  std::vector<std::string> profile_commands;
  for (const CommandSpec& command : commands) {
    std::vector<std::string> words = {"probation", CommandName(command)};
    if (!command.arguments.empty()) words.push_back(command.arguments);
    for (const std::string& flag : command.flags) words.push_back(absl::StrCat("[--", flag, "]"));
    if (command.takes_profile) {
      words.push_back("[person profile flags]");
      profile_commands.push_back(CommandName(command));
    }
    absl::StrAppend(
        &text, Wrapped(words, 2, 4),
        Wrapped(std::vector<std::string>(absl::StrSplit(command.summary, ' ', absl::SkipEmpty())),
                6, 6));
  }
  absl::StrAppend(&text, "\nglobal flags (each also read from the environment variable named):\n",
                  FlagLines(global_flags));
  absl::StrAppend(&text, "\nperson profile flags (", absl::StrJoin(profile_commands, ", "), "):\n",
                  FlagLines(profile_flags));
  absl::StrAppend(&text,
                  "\nReferral ids may be given as `abc` or `referrals/abc`, interventions as `x` "
                  "or\n`interventions/x`, appointments as `referrals/abc/appointments/def`, "
                  "programme groups as\n`g` or `groups/g` and their sessions as "
                  "`groups/g/sessions/3`. Enum values are written\nin lower case with hyphens "
                  "(community-order) or as their proto names\n"
                  "(SENTENCE_TYPE_COMMUNITY_ORDER).\n"
                  "\nexit status: 0 done; 1 the call failed (`error: CODE: message` on stderr); "
                  "2 usage error.\n");
  return text;
}

absl::Status InvalidFlag(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

bool OptionReader::Has(absl::string_view flag) const { return options_.contains(flag); }

std::string OptionReader::String(absl::string_view flag) const {
  const auto it = options_.find(flag);
  return it == options_.end() ? std::string() : it->second;
}

int OptionReader::Int(absl::string_view flag) {
  if (!Has(flag)) return 0;
  int value = 0;
  if (!absl::SimpleAtoi(String(flag), &value)) {
    Fail(InvalidFlag(flag, absl::StrCat("'", String(flag), "' is not a whole number")));
  }
  return value;
}

std::vector<std::string> OptionReader::List(absl::string_view flag, char separator) const {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(String(flag), separator)) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

void OptionReader::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

absl::Status Required(const OptionReader& reader, std::initializer_list<absl::string_view> flags) {
  for (const absl::string_view flag : flags) {
    if (!reader.Has(flag)) return InvalidFlag(flag, "required");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ReadBool(const OptionReader& reader, absl::string_view flag) {
  if (!reader.Has(flag)) return false;
  const std::string text = absl::AsciiStrToLower(reader.String(flag));
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return InvalidFlag(flag, absl::StrCat("'", reader.String(flag), "' is not true or false"));
}

}  // namespace probation::cli
