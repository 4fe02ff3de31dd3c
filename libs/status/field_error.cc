#include "libs/status/field_error.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "libs/status/error_reason.h"

namespace probation {
namespace {

constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";

}  // namespace

absl::Status InvalidFieldError(absl::string_view field, absl::string_view description) {
  absl::Status status(absl::StatusCode::kInvalidArgument, absl::StrCat(field, ": ", description));
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return WithReason(std::move(status), reason::kFieldInvalid, {{"field", std::string(field)}});
}

}  // namespace probation
