// Protobuf enum values as people type and read them: SENTENCE_TYPE_COMMUNITY_ORDER is
// "community-order". Derived from the enum descriptors, so a value added to a proto needs no
// table here; the full proto name is accepted too.
#ifndef PROBATION_TOOLS_PROBATION_ENUM_NAMES_H_
#define PROBATION_TOOLS_PROBATION_ENUM_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace probation::cli {

// The value's name without the enum's prefix (AIP-126: INTERVENTION_KIND_ for
// InterventionKind), lower case, '_' as '-'.
std::string FriendlyName(const google::protobuf::EnumValueDescriptor& value);

// The friendly name of `number`, or the number itself if `type` has no such value (a newer
// server may send one).
std::string FriendlyName(const google::protobuf::EnumDescriptor& type, int number);

template <typename E>
std::string FriendlyName(E value) {
  return FriendlyName(*google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
}

// The friendly names a person may type: every value but the zero one, which means "not set".
std::vector<std::string> AcceptedNames(const google::protobuf::EnumDescriptor& type);

// The value named by `text`: its friendly name or its proto name, in either case and with
// '-' or '_'. INVALID_ARGUMENT listing the accepted names otherwise.
absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ParseEnumValue(
    const google::protobuf::EnumDescriptor& type, absl::string_view text);

template <typename E>
absl::StatusOr<E> ParseEnum(absl::string_view text) {
  absl::StatusOr<const google::protobuf::EnumValueDescriptor*> value =
      ParseEnumValue(*google::protobuf::GetEnumDescriptor<E>(), text);
  if (!value.ok()) return value.status();
  return static_cast<E>((*value)->number());
}

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_ENUM_NAMES_H_
