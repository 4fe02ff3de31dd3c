// What a binary was built from: the suite's version, the source revision and the build type,
// fixed when CMake configures the build (PROBATION_REVISION; the git commit by default). Every
// binary prints it for --version, and every service exports it as the `probation_build_info`
// metric and logs it at start.
#ifndef PROBATION_LIBS_BUILD_INFO_BUILD_INFO_H_
#define PROBATION_LIBS_BUILD_INFO_BUILD_INFO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace probation {

struct BuildInfo {
  // The suite's release, from CMakeLists.txt's project(VERSION).
  absl::string_view version;
  // The source revision (a git commit), "unknown" when built outside a checkout.
  absl::string_view revision;
  // Release, RelWithDebInfo, ...
  absl::string_view build_type;
};

const BuildInfo& GetBuildInfo();

// "catalogue 1.1.0 (revision 1a2b3c4d5e6f, Release)": what --version prints.
std::string VersionLine(absl::string_view program);

}  // namespace probation

#endif  // PROBATION_LIBS_BUILD_INFO_BUILD_INFO_H_
