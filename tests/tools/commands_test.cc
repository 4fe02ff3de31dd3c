// The command table the CLI dispatches on and usage lists, and the idempotency keys a
// referral is created with.
#include "tools/probation/commands.h"

#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/probation/profile_flags.h"

namespace probation::cli {
namespace {

TEST(Commands, EachCommandHasOneEntryARunFunctionAndNoFlagClashingWithTheProfile) {
  std::set<std::string> names;
  for (const Command& command : Commands()) {
    const std::string name = absl::StrCat(command.spec.command, " ", command.spec.subcommand);
    SCOPED_TRACE(name);
    EXPECT_TRUE(names.insert(name).second);
    EXPECT_NE(command.run, nullptr);
    EXPECT_FALSE(command.spec.summary.empty());
    if (!command.spec.takes_profile) continue;
    for (const std::string& flag : command.spec.flags) {
      EXPECT_THAT(ProfileFlagNames(), ::testing::Not(::testing::Contains(flag)));
    }
  }
}

TEST(Commands, RequestIdsAreVersionFourUuidsAndDiffer) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace probation::cli
