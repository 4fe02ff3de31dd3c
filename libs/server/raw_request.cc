#include "libs/server/raw_request.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace probation {

absl::Status ParseRawRequest(const grpc::ByteBuffer& request, google::protobuf::Message& message) {
  if (!request.Valid()) return absl::InvalidArgumentError(kNoRequestMessage);
  // Reading consumes a buffer: read a copy, which shares the bytes.
  grpc::ByteBuffer readable(request);
  if (!grpc::SerializationTraits<google::protobuf::Message>::Deserialize(&readable, &message)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not a valid ", message.GetDescriptor()->name(),
                     ": malformed protobuf, or a string field that is not UTF-8"));
  }
  return absl::OkStatus();
}

}  // namespace probation
