#include "services/relay/bearer_token_file.h"

#include <sys/stat.h>

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/textproto/text_proto.h"

namespace probation::relay {

absl::StatusOr<std::string> BearerTokenFile::Current() {
  absl::MutexLock lock(&mutex_);
  struct stat file;
  if (stat(path_.c_str(), &file) != 0) {
    return absl::UnavailableError(
        absl::StrCat("token file ", path_, " unreadable: ", std::strerror(errno)));
  }
  if (file.st_mtim.tv_sec != modified_.tv_sec || file.st_mtim.tv_nsec != modified_.tv_nsec ||
      file.st_size != size_ || token_.empty()) {
    absl::StatusOr<std::string> text = ReadFileToString(path_);
    if (!text.ok()) return absl::UnavailableError(text.status().message());
    std::string token(absl::StripAsciiWhitespace(*text));
    if (token.empty())
      return absl::UnavailableError(absl::StrCat("token file ", path_, " is empty"));
    token_ = std::move(token);
    modified_ = file.st_mtim;
    size_ = file.st_size;
  }
  return token_;
}

}  // namespace probation::relay
