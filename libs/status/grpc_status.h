// Conversion between absl::Status, which domain code returns, and grpc::Status, which handlers
// send. Field violations travel as a google.rpc.BadRequest detail so clients can name the
// field they must fix (AIP-193).
#ifndef PROBATION_LIBS_STATUS_GRPC_STATUS_H_
#define PROBATION_LIBS_STATUS_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "libs/status/field_error.h"

namespace probation {

// Same code and message; payloads become google.rpc.Status details, and a status that carries
// no ErrorInfo (or, for UNAVAILABLE, RESOURCE_EXHAUSTED and ABORTED, no RetryInfo) is given its
// code's general one (libs/status/error_reason.h).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The google.rpc.Status form, with the same details, for a status carried inside a message
// (e.g. one failed item of a stream that goes on).
google::rpc::Status ToRpcStatus(const absl::Status& status);

// The reverse, for a service that calls another: keeps code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace probation

#endif  // PROBATION_LIBS_STATUS_GRPC_STATUS_H_
