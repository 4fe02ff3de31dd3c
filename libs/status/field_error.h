// The error domain code returns for a request field it cannot accept (AIP-193): plain
// absl::Status, no gRPC, so the domain libraries need none. libs/status/grpc_status.h turns
// it into what a handler sends.
#ifndef PROBATION_LIBS_STATUS_FIELD_ERROR_H_
#define PROBATION_LIBS_STATUS_FIELD_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace probation {

// INVALID_ARGUMENT whose message starts with the field ("page_token: ...") and which carries
// a google.rpc.BadRequest naming it.
absl::Status InvalidFieldError(absl::string_view field, absl::string_view description);

}  // namespace probation

#endif  // PROBATION_LIBS_STATUS_FIELD_ERROR_H_
