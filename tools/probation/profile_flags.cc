#include "tools/probation/profile_flags.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "tools/probation/enum_names.h"

namespace probation::cli {
namespace {

using common::v1::PersonProfile;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kPersonRegionFlag[] = "person_region";

std::string FlagNameFor(const FieldDescriptor& field) {
  return field.name() == "region" ? kPersonRegionFlag : field.name();
}

bool IsScalarSupported(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
    case FieldDescriptor::CPPTYPE_ENUM:
    case FieldDescriptor::CPPTYPE_BOOL:
    case FieldDescriptor::CPPTYPE_INT32:
      return true;
    default:
      return false;
  }
}

// A message typed as `part[:part...]`, one part per field: e.g. a Need as "accommodation:high".
bool IsCompactMessage(const FieldDescriptor& field) {
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const google::protobuf::Descriptor& type = *field.message_type();
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->is_repeated() || !IsScalarSupported(*type.field(i))) return false;
  }
  return type.field_count() > 0;
}

bool HasFlag(const FieldDescriptor& field) {
  return IsScalarSupported(field) || (field.is_repeated() && IsCompactMessage(field));
}

const FieldDescriptor* FieldForFlag(absl::string_view flag) {
  const google::protobuf::Descriptor& profile = *PersonProfile::descriptor();
  for (int i = 0; i < profile.field_count(); ++i) {
    const FieldDescriptor& field = *profile.field(i);
    if (HasFlag(field) && FlagNameFor(field) == flag) return &field;
  }
  return nullptr;
}

std::optional<bool> ParseBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower == "true" || lower == "yes" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "0") return false;
  return std::nullopt;
}

// Sets (or, for a repeated field, adds) one scalar value typed as `text`. The error does not
// name the flag; the caller knows it.
absl::Status SetScalar(Message& message, const FieldDescriptor& field, absl::string_view text) {
  const Reflection& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value(absl::StripAsciiWhitespace(text));
      repeated ? reflection.AddString(&message, &field, std::move(value))
               : reflection.SetString(&message, &field, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      absl::StatusOr<const google::protobuf::EnumValueDescriptor*> value =
          ParseEnumValue(*field.enum_type(), text);
      if (!value.ok()) return value.status();
      repeated ? reflection.AddEnum(&message, &field, *value)
               : reflection.SetEnum(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const std::optional<bool> value = ParseBool(text);
      if (!value) {
        return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not true or false"));
      }
      repeated ? reflection.AddBool(&message, &field, *value)
               : reflection.SetBool(&message, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
        return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a whole number"));
      }
      repeated ? reflection.AddInt32(&message, &field, value)
               : reflection.SetInt32(&message, &field, value);
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(field.name(), " cannot be set by a flag"));
  }
}

absl::Status AddCompactMessage(Message& message, const FieldDescriptor& field,
                               absl::string_view text) {
  const google::protobuf::Descriptor& type = *field.message_type();
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (static_cast<int>(parts.size()) > type.field_count()) {
    std::vector<std::string> names;
    for (int i = 0; i < type.field_count(); ++i) names.push_back(type.field(i)->name());
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' has too many parts; write ", absl::StrJoin(names, ":")));
  }
  Message& item = *message.GetReflection()->AddMessage(&message, &field);
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor& part_field = *type.field(static_cast<int>(i));
    if (absl::Status status = SetScalar(item, part_field, parts[i]); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': ", part_field.name(), ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status SetField(Message& message, const FieldDescriptor& field, absl::string_view text) {
  if (!field.is_repeated()) return SetScalar(message, field, text);
  message.GetReflection()->ClearField(&message, &field);
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::Status status = IsCompactMessage(field) ? AddCompactMessage(message, field, item)
                                                  : SetScalar(message, field, item);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::string ValuesOf(const google::protobuf::EnumDescriptor& type) {
  return absl::StrJoin(AcceptedNames(type), " | ");
}

std::string ScalarHelp(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return ValuesOf(*field.enum_type());
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true | false";
    case FieldDescriptor::CPPTYPE_INT32:
      return "a whole number";
    default:
      return "text";
  }
}

std::string HelpFor(const FieldDescriptor& field) {
  if (IsCompactMessage(field)) {
    const google::protobuf::Descriptor& type = *field.message_type();
    std::vector<std::string> names;
    std::vector<std::string> parts;
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& part = *type.field(i);
      names.push_back(i == 0 ? part.name() : absl::StrCat("[:", part.name(), "]"));
      parts.push_back(absl::StrCat(part.name(), ": ", ScalarHelp(part)));
    }
    return absl::StrCat("comma list of ", absl::StrJoin(names, ""), "; ",
                        absl::StrJoin(parts, "; "));
  }
  std::string help =
      field.is_repeated() ? absl::StrCat("comma list of ", ScalarHelp(field)) : ScalarHelp(field);
  if (field.has_presence() && field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    absl::StrAppend(&help, " (unset: not recorded)");
  }
  return help;
}

absl::StatusOr<std::string> ReadPersonFile(absl::string_view path, std::istream& standard_input) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(standard_input),
                       std::istreambuf_iterator<char>());
  }
  std::ifstream file{std::string(path)};
  if (!file) return InvalidFlag(kPersonFlag, absl::StrCat("cannot read '", path, "'"));
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

const std::vector<std::string>& ProfileFlagNames() {
  static const std::vector<std::string>* names = [] {
    auto* names = new std::vector<std::string>{kPersonFlag};
    const google::protobuf::Descriptor& profile = *PersonProfile::descriptor();
    for (int i = 0; i < profile.field_count(); ++i) {
      if (HasFlag(*profile.field(i))) names->push_back(FlagNameFor(*profile.field(i)));
    }
    return names;
  }();
  return *names;
}

bool IsProfileBooleanFlag(absl::string_view flag) {
  const FieldDescriptor* field = FieldForFlag(flag);
  return field != nullptr && !field->is_repeated() &&
         field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL;
}

bool HasProfileOptions(const Options& options) {
  const std::vector<std::string>& names = ProfileFlagNames();
  return std::any_of(options.begin(), options.end(), [&](const auto& option) {
    return std::find(names.begin(), names.end(), option.first) != names.end();
  });
}

std::vector<FlagHelp> ProfileFlagHelp() {
  std::vector<FlagHelp> help = {{kPersonFlag, "", "",
                                 "a JSON PersonProfile file, or - for standard input; the flags "
                                 "below override its fields"}};
  const google::protobuf::Descriptor& profile = *PersonProfile::descriptor();
  for (int i = 0; i < profile.field_count(); ++i) {
    const FieldDescriptor& field = *profile.field(i);
    if (HasFlag(field)) help.push_back({FlagNameFor(field), "", "", HelpFor(field)});
  }
  return help;
}

absl::StatusOr<PersonProfile> ProfileFromJson(absl::string_view json) {
  PersonProfile profile;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &profile, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON PersonProfile: ", std::string(status.message())));
  }
  return profile;
}

absl::Status ApplyProfileFlags(const Options& options, PersonProfile& profile) {
  for (const auto& [flag, value] : options) {
    const FieldDescriptor* field = FieldForFlag(flag);
    if (field == nullptr) continue;
    if (absl::Status status = SetField(profile, *field, value); !status.ok()) {
      return InvalidFlag(flag, status.message());
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> ProfilePathsOf(const Options& options) {
  std::vector<std::string> paths;
  const google::protobuf::Descriptor& profile = *PersonProfile::descriptor();
  for (int i = 0; i < profile.field_count(); ++i) {
    const FieldDescriptor& field = *profile.field(i);
    if (HasFlag(field) && options.contains(FlagNameFor(field))) {
      paths.push_back(absl::StrCat(kPersonFlag, ".", field.name()));
    }
  }
  return paths;
}

absl::StatusOr<PersonProfile> ProfileFromOptions(const Options& options,
                                                 std::istream& standard_input) {
  PersonProfile profile;
  if (const auto person = options.find(kPersonFlag); person != options.end()) {
    const std::string& path = person->second;
    absl::StatusOr<std::string> json = ReadPersonFile(path, standard_input);
    if (!json.ok()) return json.status();
    absl::StatusOr<PersonProfile> parsed = ProfileFromJson(*json);
    if (!parsed.ok()) {
      return InvalidFlag(kPersonFlag, absl::StrCat(path == "-" ? "standard input" : path, ": ",
                                                   parsed.status().message()));
    }
    profile = *std::move(parsed);
  }
  if (absl::Status status = ApplyProfileFlags(options, profile); !status.ok()) return status;
  return profile;
}

}  // namespace probation::cli
