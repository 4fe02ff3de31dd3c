#include "libs/status/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"

namespace probation {
namespace {

TEST(GrpcStatus, OkStaysOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(GrpcStatus, KeepsCodeAndMessage) {
  const grpc::Status status = ToGrpcStatus(absl::NotFoundError("intervention \"x\" not found"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "intervention \"x\" not found");
  // With its code's general reason, since it named none.
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(info.domain(), "probation-interventions");
}

TEST(GrpcStatus, AReasonOfItsOwnIsKeptAndRetryableCodesSayWhenToRetry) {
  const grpc::Status stale = ToGrpcStatus(WithReason(
      absl::AbortedError("etag is stale"), reason::kEtagMismatch, {{"current_etag", "7"}}));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(stale.error_details()));
  google::rpc::ErrorInfo info;
  google::rpc::RetryInfo retry;
  bool has_info = false, has_retry = false;
  for (const auto& any : details.details()) {
    has_info |= any.UnpackTo(&info);
    has_retry |= any.UnpackTo(&retry);
  }
  ASSERT_TRUE(has_info);
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info.metadata().at("current_etag"), "7");
  EXPECT_TRUE(has_retry);
  EXPECT_EQ(ErrorReasonOf(FromGrpcStatus(stale)), "ETAG_MISMATCH");
}

TEST(GrpcStatus, FieldViolationTravelsAsBadRequestDetail) {
  const grpc::Status status = ToGrpcStatus(InvalidFieldError("page_size", "must not be negative"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "page_size: must not be negative");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(details.details_size(), 2);
  google::rpc::BadRequest bad_request;
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request) ||
              details.details(1).UnpackTo(&bad_request));
  ASSERT_TRUE(details.details(0).UnpackTo(&info) || details.details(1).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "FIELD_INVALID");
  EXPECT_EQ(info.metadata().at("field"), "page_size");
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "page_size");
}

TEST(GrpcStatus, RoundTripsThroughGrpc) {
  const absl::Status original = InvalidFieldError("region", "unknown region");
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), original.code());
  EXPECT_EQ(back.message(), original.message());
  EXPECT_TRUE(back.GetPayload("type.googleapis.com/google.rpc.BadRequest").has_value());
}

}  // namespace
}  // namespace probation
