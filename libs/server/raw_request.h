// Requests to raw methods (which take their messages as bytes, to answer without encoding
// a message) are parsed here, so a malformed one is refused as the typed methods refuse it.
#ifndef PROBATION_LIBS_SERVER_RAW_REQUEST_H_
#define PROBATION_LIBS_SERVER_RAW_REQUEST_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace probation {

// Why a call whose client sent no message at all is refused.
inline constexpr char kNoRequestMessage[] = "the call carries no request message";

// Parses `request` into `message`; INVALID_ARGUMENT when there is no message
// (kNoRequestMessage), or naming the message type if the bytes are not one (malformed, or a string
// field that is not UTF-8). `request` is left as it was.
absl::Status ParseRawRequest(const grpc::ByteBuffer& request, google::protobuf::Message& message);

}  // namespace probation

#endif  // PROBATION_LIBS_SERVER_RAW_REQUEST_H_
