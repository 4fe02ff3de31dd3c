// The CLI's command line: words and flags in any order, boolean flags alone or negated, the
// command table's checks, and typed option values whose errors name the flag.
#include "tools/probation/command_line.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probation/common/v1/person_profile.pb.h"
#include "tools/probation/commands.h"

namespace probation::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

bool IsBoolean(absl::string_view flag) { return flag == "json" || flag == "has_rar"; }

std::vector<CommandSpec> Specs() {
  std::vector<CommandSpec> specs;
  for (const Command& command : Commands()) specs.push_back(command.spec);
  return specs;
}

TEST(CommandLine, SeparatesWordsFromFlagsWrittenAnywhere) {
  const absl::StatusOr<CommandLine> line =
      ParseCommandLine({"--address=gw:1", "referrals", "transition", "abc", "--to", "withdrawn",
                        "--json", "--nohas_rar", "--notes=moved away"},
                       IsBoolean);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(line->words, ElementsAre("referrals", "transition", "abc"));
  EXPECT_THAT(line->options, UnorderedElementsAre(Pair("address", "gw:1"), Pair("to", "withdrawn"),
                                                  Pair("json", "true"), Pair("has_rar", "false"),
                                                  Pair("notes", "moved away")));
}

TEST(CommandLine, TakesEverythingAfterADoubleDashAsWords) {
  const absl::StatusOr<CommandLine> line =
      ParseCommandLine({"interventions", "search", "--", "--not-a-flag", "-"}, IsBoolean);
  ASSERT_TRUE(line.ok());
  EXPECT_THAT(line->words, ElementsAre("interventions", "search", "--not-a-flag", "-"));
  EXPECT_TRUE(line->options.empty());
}

TEST(CommandLine, AFlagWithoutItsValueIsAnError) {
  const absl::StatusOr<CommandLine> line =
      ParseCommandLine({"referrals", "list", "--state"}, IsBoolean);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(line.status().message(), HasSubstr("--state needs a value"));
}

TEST(CommandLine, FindsCommandsAndNamesWhatIsUnknown) {
  const std::vector<CommandSpec> specs = Specs();
  const absl::StatusOr<const CommandSpec*> submit =
      FindCommand(specs, {"referrals", "submit", "abc"});
  ASSERT_TRUE(submit.ok());
  EXPECT_EQ((*submit)->subcommand, "submit");
  EXPECT_EQ((*FindCommand(specs, {"find"}))->command, "find");

  EXPECT_THAT(FindCommand(specs, {"referals"}).status().message(),
              HasSubstr("unknown command 'referals'"));
  EXPECT_THAT(FindCommand(specs, {"referrals", "sumbit"}).status().message(),
              HasSubstr("unknown subcommand 'sumbit' for `referrals`"));
  EXPECT_THAT(FindCommand(specs, {"referrals"}).status().message(),
              HasSubstr("`referrals` needs a subcommand"));
}

TEST(CommandLine, RefusesAFlagTheCommandDoesNotTakeAndAWrongNumberOfArguments) {
  const std::vector<CommandSpec> specs = Specs();
  const std::vector<std::string> profile_flags = {"crn"};
  const CommandSpec& get = **FindCommand(specs, {"referrals", "get"});
  EXPECT_TRUE(CheckCommandLine(get, {"abc"}, {}, profile_flags).ok());
  EXPECT_THAT(CheckCommandLine(get, {"abc"}, {{"etag", "1"}}, profile_flags).message(),
              HasSubstr("`referrals get` has no flag --etag"));
  EXPECT_THAT(CheckCommandLine(get, {}, {}, profile_flags).message(),
              HasSubstr("usage: probation referrals get <referral>"));
  EXPECT_FALSE(CheckCommandLine(get, {"a", "b"}, {}, profile_flags).ok());

  const CommandSpec& find = **FindCommand(specs, {"find"});
  EXPECT_TRUE(CheckCommandLine(find, {}, {{"crn", "X123456"}}, profile_flags).ok());
  EXPECT_FALSE(CheckCommandLine(get, {"abc"}, {{"crn", "X123456"}}, profile_flags).ok());
}

TEST(CommandLine, ReadsTypedOptionsAndKeepsTheFirstErrorNamingTheFlag) {
  const Options options = {
      {"page_size", "ten"}, {"sex", "unknown"}, {"crn", "X1"}, {"list", "a, b,,c"}};
  OptionReader reader(options);
  EXPECT_EQ(reader.String("crn"), "X1");
  EXPECT_EQ(reader.String("absent"), "");
  EXPECT_THAT(reader.List("list"), ElementsAre("a", "b", "c"));
  EXPECT_TRUE(reader.status().ok());
  EXPECT_EQ(reader.Int("page_size"), 0);
  EXPECT_EQ(reader.Enum<common::v1::Sex>("sex"), common::v1::SEX_UNSPECIFIED);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reader.status().message(), "--page_size: 'ten' is not a whole number");
}

TEST(CommandLine, UsageListsEveryCommand) {
  const std::string usage =
      Usage(Specs(), {{"address", "localhost:50050", "PROBATION_ADDRESS", "the gateway"}},
            {{"crn", "", "", "text"}});
  for (const Command& command : Commands()) {
    EXPECT_THAT(usage, HasSubstr(absl::StrCat("probation ", command.spec.command,
                                              command.spec.subcommand.empty() ? "" : " ",
                                              command.spec.subcommand)));
  }
  EXPECT_THAT(usage, HasSubstr("PROBATION_ADDRESS"));
  EXPECT_THAT(usage, HasSubstr("--crn"));
}

}  // namespace
}  // namespace probation::cli
