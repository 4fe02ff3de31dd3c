#include "services/referrals/domain/referral_amendment.h"

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/field_error.h"
#include "nlohmann/json.hpp"

namespace probation::referrals {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

constexpr int kMaxReasonLength = 4000;

FieldMask MaskOf(absl::string_view path) {
  FieldMask mask;
  mask.add_paths(std::string(path));
  return mask;
}

}  // namespace

std::string FieldValueJson(const google::protobuf::Message& message, absl::string_view path) {
  // Walk to the message holding the last field; an unset message on the way is null.
  const google::protobuf::Message* parent = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* field =
        parent->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr || !parent->GetReflection()->HasField(*parent, field)) return "null";
    parent = &parent->GetReflection()->GetMessage(*parent, field);
  }
  // Print a copy holding only that field, then take its value out of the JSON object.
  std::unique_ptr<google::protobuf::Message> only(parent->New());
  FieldMaskUtil::MergeMessageTo(*parent, MaskOf(parts.back()), FieldMaskUtil::MergeOptions(),
                                only.get());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*only, &json, options).ok()) return "null";
  const nlohmann::json object = nlohmann::json::parse(json, nullptr, false);
  if (!object.is_object() || !object.contains(parts.back())) return "null";
  return object[parts.back()].dump();
}

absl::StatusOr<std::vector<v1::ChangelogEntry>> ApplyAmendment(
    const StateMachineSet& machines, const v1::AmendReferralRequest& request,
    const Identity& caller, absl::Time now, v1::Referral& referral) {
  if (request.update_mask().paths().empty()) {
    return InvalidFieldError("update_mask", "name the fields to amend");
  }
  if (request.reason().size() > kMaxReasonLength) {
    return InvalidFieldError("reason", absl::StrCat("at most ", kMaxReasonLength, " characters"));
  }
  const bool has_reason = !absl::StripAsciiWhitespace(request.reason()).empty();
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  // Every path is checked before any is applied, so a refused amendment changes nothing.
  for (const std::string& path : paths) {
    absl::StatusOr<const v1::AmendableField*> rule =
        machines.FindAmendable(referral.kind(), referral.state(), path, caller.role);
    if (!rule.ok()) return rule.status();
    if ((*rule)->reason_required() && !has_reason) {
      return InvalidFieldError("reason", absl::StrCat("is required to amend ", (*rule)->title()));
    }
  }

  FieldMaskUtil::MergeOptions replace;
  replace.set_replace_message_fields(true);
  replace.set_replace_repeated_fields(true);
  std::vector<v1::ChangelogEntry> changes;
  for (const std::string& path : paths) {
    std::string before = FieldValueJson(referral, path);
    FieldMaskUtil::MergeMessageTo(request.referral(), MaskOf(path), replace, &referral);
    std::string after = FieldValueJson(referral, path);
    if (before == after) continue;
    v1::ChangelogEntry& change = changes.emplace_back();
    change.set_field(path);
    change.set_old_value(std::move(before));
    change.set_new_value(std::move(after));
    change.set_reason(request.reason());
    change.set_actor(caller.actor);
    change.set_role(caller.role);
    *change.mutable_occurred_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  }
  return changes;
}

}  // namespace probation::referrals
