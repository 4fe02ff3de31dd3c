#include "tools/probation/enum_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace probation::cli {
namespace {

// "InterventionKind" -> "INTERVENTION_KIND_".
std::string ValuePrefix(const google::protobuf::EnumDescriptor& type) {
  std::string prefix;
  for (const char c : type.name()) {
    if (absl::ascii_isupper(c) && !prefix.empty()) prefix += '_';
    prefix += absl::ascii_toupper(c);
  }
  return prefix + "_";
}

// Lower case with '-' for '_', so that "COMMUNITY_ORDER", "community_order" and
// "community-order" compare equal.
std::string Canonical(absl::string_view text) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(text), {{"_", "-"}});
}

}  // namespace

std::string FriendlyName(const google::protobuf::EnumValueDescriptor& value) {
  absl::string_view name = value.name();
  const std::string prefix = ValuePrefix(*value.type());
  if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) {
    name.remove_prefix(prefix.size());
  }
  return Canonical(name);
}

std::string FriendlyName(const google::protobuf::EnumDescriptor& type, int number) {
  const google::protobuf::EnumValueDescriptor* value = type.FindValueByNumber(number);
  return value == nullptr ? absl::StrCat(number) : FriendlyName(*value);
}

std::vector<std::string> AcceptedNames(const google::protobuf::EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) names.push_back(FriendlyName(*type.value(i)));
  }
  return names;
}

absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ParseEnumValue(
    const google::protobuf::EnumDescriptor& type, absl::string_view text) {
  const std::string wanted = Canonical(absl::StripAsciiWhitespace(text));
  for (int i = 0; i < type.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type.value(i);
    if (wanted == FriendlyName(*value) || wanted == Canonical(value->name())) return value;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown value '", text, "'; accepted: ", absl::StrJoin(AcceptedNames(type), ", ")));
}

}  // namespace probation::cli
