#include "libs/status/grpc_status.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/status/error_reason.h"

namespace probation {
namespace {

// How long a client should wait before it tries again, by code, for errors that do not say.
std::optional<absl::Duration> GeneralRetryDelay(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return absl::Seconds(1);
    case absl::StatusCode::kAborted:
      // Read the resource again, then retry at once.
      return absl::Milliseconds(100);
    default:
      return std::nullopt;
  }
}

// `status` with its code's general ErrorInfo and RetryInfo where it has none of its own.
absl::Status WithGeneralDetails(absl::Status status) {
  if (ErrorReasonOf(status).empty()) {
    status = WithReason(std::move(status), GeneralReason(status.code()));
  }
  if (std::optional<absl::Duration> delay = GeneralRetryDelay(status.code());
      delay.has_value() && !HasRetryDelay(status)) {
    status = WithRetryDelay(std::move(status), *delay);
  }
  return status;
}

}  // namespace

google::rpc::Status ToRpcStatus(const absl::Status& given) {
  google::rpc::Status rpc_status;
  if (given.ok()) return rpc_status;
  const absl::Status status = WithGeneralDetails(given);
  // absl and gRPC share the canonical code numbers.
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return rpc_status;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const google::rpc::Status details = ToRpcStatus(status);
  return grpc::Status(code, details.message(), details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace probation
