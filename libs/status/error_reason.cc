#include "libs/status/error_reason.h"

#include <optional>

#include "absl/strings/cord.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"

namespace probation {
namespace {

constexpr absl::string_view kErrorInfoUrl = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr absl::string_view kPreconditionFailureUrl =
    "type.googleapis.com/google.rpc.PreconditionFailure";
constexpr absl::string_view kResourceInfoUrl = "type.googleapis.com/google.rpc.ResourceInfo";
constexpr absl::string_view kRetryInfoUrl = "type.googleapis.com/google.rpc.RetryInfo";

}  // namespace

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const ErrorMetadata& metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithPreconditionViolation(absl::Status status, absl::string_view type,
                                       absl::string_view subject, absl::string_view description) {
  if (status.ok()) return status;
  google::rpc::PreconditionFailure failure;
  if (auto existing = status.GetPayload(kPreconditionFailureUrl)) {
    failure.ParseFromString(std::string(*existing));
  }
  auto* violation = failure.add_violations();
  violation->set_type(std::string(type));
  violation->set_subject(std::string(subject));
  violation->set_description(std::string(description));
  status.SetPayload(kPreconditionFailureUrl, absl::Cord(failure.SerializeAsString()));
  return status;
}

absl::Status WithResourceInfo(absl::Status status, absl::string_view resource_type,
                              absl::string_view resource_name, absl::string_view description) {
  if (status.ok()) return status;
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(resource_name));
  info.set_description(std::string(description));
  status.SetPayload(kResourceInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1'000'000'000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  status.SetPayload(kRetryInfoUrl, absl::Cord(retry.SerializeAsString()));
  return status;
}

absl::Status ResourceNotFoundError(absl::string_view resource_type, absl::string_view resource_name,
                                   absl::string_view message) {
  return WithResourceInfo(WithReason(absl::NotFoundError(message), reason::kResourceNotFound,
                                     {{"resource_type", std::string(resource_type)},
                                      {"resource_name", std::string(resource_name)}}),
                          resource_type, resource_name, message);
}

absl::Status PreconditionError(absl::string_view reason, absl::string_view type,
                               absl::string_view subject, absl::string_view message) {
  return WithPreconditionViolation(WithReason(absl::FailedPreconditionError(message), reason), type,
                                   subject, message);
}

bool HasRetryDelay(const absl::Status& status) {
  return status.GetPayload(kRetryInfoUrl).has_value();
}

std::string ErrorReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  google::rpc::ErrorInfo info;
  if (!payload.has_value() || !info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

absl::string_view GeneralReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return reason::kFieldInvalid;
    case absl::StatusCode::kUnauthenticated:
      return reason::kTokenInvalid;
    case absl::StatusCode::kPermissionDenied:
      return reason::kRoleNotAllowed;
    case absl::StatusCode::kNotFound:
      return reason::kResourceNotFound;
    case absl::StatusCode::kAlreadyExists:
      return reason::kResourceAlreadyExists;
    case absl::StatusCode::kFailedPrecondition:
      return reason::kPreconditionFailed;
    case absl::StatusCode::kAborted:
      return reason::kConcurrentWrite;
    case absl::StatusCode::kResourceExhausted:
      return reason::kResourceExhausted;
    case absl::StatusCode::kUnavailable:
      return reason::kUnavailable;
    case absl::StatusCode::kDeadlineExceeded:
      return reason::kDeadlineExceeded;
    case absl::StatusCode::kCancelled:
      return reason::kCancelled;
    case absl::StatusCode::kUnimplemented:
      return reason::kUnimplemented;
    default:
      return reason::kInternal;
  }
}

}  // namespace probation
