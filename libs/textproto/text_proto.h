// Reading the suite's data files: text-format protobuf parsed against its schema, with
// syntax errors reported as "source:line:column: message".
#ifndef PROBATION_LIBS_TEXTPROTO_TEXT_PROTO_H_
#define PROBATION_LIBS_TEXTPROTO_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace probation {

// INVALID_ARGUMENT listing every syntax error. `tree`, if given, receives field locations so
// that later validation can name lines too.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message,
                            google::protobuf::TextFormat::ParseInfoTree* tree = nullptr);

// The whole file; NOT_FOUND naming it when it cannot be read.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace probation

#endif  // PROBATION_LIBS_TEXTPROTO_TEXT_PROTO_H_
