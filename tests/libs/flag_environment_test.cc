#include "libs/config/flag_environment.h"

#include <algorithm>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, test_port, 1, "A flag for the test.");
ABSL_FLAG(std::string, test_name, "default", "A flag for the test.");

namespace probation {
namespace {

TEST(FlagEnvironment, NamesTheVariableAfterTheFlag) {
  EXPECT_EQ(EnvironmentVariableFor("CATALOGUE_", "data_file"), "CATALOGUE_DATA_FILE");
}

TEST(FlagEnvironment, SetsFlagsFromTheEnvironment) {
  setenv("T_TEST_PORT", "8080", 1);
  setenv("T_TEST_NAME", "from-env", 1);
  const absl::string_view names[] = {"test_port", "test_name"};
  ASSERT_TRUE(ApplyEnvironmentToFlags("T_", names).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 8080);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_name), "from-env");
  unsetenv("T_TEST_PORT");
  unsetenv("T_TEST_NAME");
}

TEST(FlagEnvironment, LeavesFlagsAloneWhenUnset) {
  absl::SetFlag(&FLAGS_test_port, 5);
  const absl::string_view names[] = {"test_port"};
  ASSERT_TRUE(ApplyEnvironmentToFlags("UNSET_", names).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 5);
}

TEST(FlagEnvironment, AnInvalidValueNamesTheVariable) {
  setenv("BAD_TEST_PORT", "eighty", 1);
  const absl::string_view names[] = {"test_port"};
  const absl::Status status = ApplyEnvironmentToFlags("BAD_", names);
  unsetenv("BAD_TEST_PORT");
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("BAD_TEST_PORT"), std::string::npos) << status;
}

}  // namespace
TEST(FlagEnvironment, FindsEveryFlagAFileDefines) {
  const std::vector<std::string> names = FlagsDefinedIn(__FILE__);
  EXPECT_FALSE(names.empty());
  EXPECT_NE(std::find(names.begin(), names.end(), "test_port"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "test_name"), names.end());
  EXPECT_TRUE(FlagsDefinedIn("no/such/file.cc").empty());
}

}  // namespace probation
