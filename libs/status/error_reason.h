// Machine-readable errors (AIP-193) for domain code: plain absl::Status, no gRPC. Every error
// a service sends carries a google.rpc.ErrorInfo whose `reason` a client can branch on (a
// stale etag, a not-eligible submission and a wrong-state move each have their own), in the
// suite's one `domain`; and, where they help, PreconditionFailure, ResourceInfo and RetryInfo.
// The reasons are listed in docs/errors.md; libs/status/grpc_status.h gives a status that has
// none its code's general reason on the way out.
#ifndef PROBATION_LIBS_STATUS_ERROR_REASON_H_
#define PROBATION_LIBS_STATUS_ERROR_REASON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace probation {

// ErrorInfo.domain of every error the suite sends.
inline constexpr absl::string_view kErrorDomain = "probation-interventions";

// The reasons, stable: a client may depend on each. One per distinct thing a client would
// do differently; docs/errors.md says when each is sent and what it carries.
namespace reason {
// INVALID_ARGUMENT: a request field is wrong (BadRequest names it).
inline constexpr absl::string_view kFieldInvalid = "FIELD_INVALID";
// UNAUTHENTICATED.
inline constexpr absl::string_view kTokenMissing = "TOKEN_MISSING";
inline constexpr absl::string_view kTokenInvalid = "TOKEN_INVALID";
inline constexpr absl::string_view kIdentityInvalid = "IDENTITY_INVALID";
// PERMISSION_DENIED.
inline constexpr absl::string_view kRoleNotAllowed = "ROLE_NOT_ALLOWED";
inline constexpr absl::string_view kOutOfScope = "OUT_OF_SCOPE";
// NOT_FOUND (ResourceInfo names what).
inline constexpr absl::string_view kResourceNotFound = "RESOURCE_NOT_FOUND";
// ALREADY_EXISTS.
inline constexpr absl::string_view kReferralAlreadyOpen = "REFERRAL_ALREADY_OPEN";
inline constexpr absl::string_view kRequestIdReused = "REQUEST_ID_REUSED";
inline constexpr absl::string_view kResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
// FAILED_PRECONDITION (PreconditionFailure says which).
inline constexpr absl::string_view kNotEligible = "NOT_ELIGIBLE";
inline constexpr absl::string_view kTransitionNotAllowed = "TRANSITION_NOT_ALLOWED";
inline constexpr absl::string_view kWrongState = "WRONG_STATE";
inline constexpr absl::string_view kNotReferrable = "NOT_REFERRABLE";
inline constexpr absl::string_view kAmendmentNotAllowed = "AMENDMENT_NOT_ALLOWED";
inline constexpr absl::string_view kNotOfferedInRegion = "NOT_OFFERED_IN_REGION";
inline constexpr absl::string_view kDeliveryRecordMissing = "DELIVERY_RECORD_MISSING";
inline constexpr absl::string_view kDeliveryNotAllowed = "DELIVERY_NOT_ALLOWED";
inline constexpr absl::string_view kGroupFull = "GROUP_FULL";
inline constexpr absl::string_view kCohortMismatch = "COHORT_MISMATCH";
inline constexpr absl::string_view kPreconditionFailed = "PRECONDITION_FAILED";
// ABORTED (RetryInfo: read again, then retry).
inline constexpr absl::string_view kEtagMismatch = "ETAG_MISMATCH";
inline constexpr absl::string_view kConcurrentWrite = "CONCURRENT_WRITE";
// RESOURCE_EXHAUSTED (RetryInfo).
inline constexpr absl::string_view kRateLimited = "RATE_LIMITED";
inline constexpr absl::string_view kTooManyStreams = "TOO_MANY_STREAMS";
inline constexpr absl::string_view kWatchTooFarBehind = "WATCH_TOO_FAR_BEHIND";
inline constexpr absl::string_view kTooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS";
inline constexpr absl::string_view kResourceExhausted = "RESOURCE_EXHAUSTED";
// UNAVAILABLE (RetryInfo).
inline constexpr absl::string_view kUnavailable = "UNAVAILABLE";
// The rest, by code.
inline constexpr absl::string_view kDeadlineExceeded = "DEADLINE_EXCEEDED";
inline constexpr absl::string_view kCancelled = "CANCELLED";
inline constexpr absl::string_view kInternal = "INTERNAL";
inline constexpr absl::string_view kUnimplemented = "UNIMPLEMENTED";
}  // namespace reason

using ErrorMetadata = std::vector<std::pair<std::string, std::string>>;

// `status` with a google.rpc.ErrorInfo of `reason` in kErrorDomain, replacing any it had.
absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const ErrorMetadata& metadata = {});

// `status` with one more google.rpc.PreconditionFailure violation: `type` is what kind of
// precondition ("STATE", "ELIGIBILITY", "AMENDMENT", ...), `subject` what it is about (a
// resource name, a criterion, a field), `description` why it failed.
absl::Status WithPreconditionViolation(absl::Status status, absl::string_view type,
                                       absl::string_view subject, absl::string_view description);

// `status` with a google.rpc.ResourceInfo.
absl::Status WithResourceInfo(absl::Status status, absl::string_view resource_type,
                              absl::string_view resource_name, absl::string_view description = "");

// `status` with a google.rpc.RetryInfo of `delay`.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// NOT_FOUND, RESOURCE_NOT_FOUND, with ResourceInfo: `resource_type` is the proto message's full
// name (AIP-193's convention, "probation.referrals.v1.Referral"), `resource_name` its name.
absl::Status ResourceNotFoundError(absl::string_view resource_type, absl::string_view resource_name,
                                   absl::string_view message);

// FAILED_PRECONDITION with `reason` and one PreconditionFailure violation.
absl::Status PreconditionError(absl::string_view reason, absl::string_view type,
                               absl::string_view subject, absl::string_view message);

// Whether `status` says when to retry (a google.rpc.RetryInfo).
bool HasRetryDelay(const absl::Status& status);

// The ErrorInfo reason `status` carries; empty if none.
std::string ErrorReasonOf(const absl::Status& status);

// The reason a status of `code` is sent with when it carries none of its own.
absl::string_view GeneralReason(absl::StatusCode code);

}  // namespace probation

#endif  // PROBATION_LIBS_STATUS_ERROR_REASON_H_
