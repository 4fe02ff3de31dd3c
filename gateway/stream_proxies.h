// Streaming calls relayed between a caller and a backend, message by message, with flow
// control both ways: a message is read from one side only after the previous one has been
// taken by the other, so neither side buffers more than one. Either side ending or failing
// ends the other with the same status.
#ifndef PROBATION_GATEWAY_STREAM_PROXIES_H_
#define PROBATION_GATEWAY_STREAM_PROXIES_H_

#include <memory>

#include "absl/status/status.h"
#include "gateway/open_watches.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/server_callback.h"
#include "probation/eligibility/v1/eligibility_service.grpc.pb.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"

namespace probation::gateway {

// WatchReferralEvents: relays the backend's event stream to the caller, registered in
// `watches` while open; a drain ends it with UNAVAILABLE. With a non-OK `refusal` the call
// ends at once with it (no backend call is made).
grpc::ServerWriteReactor<referrals::v1::ReferralEvent>* StartWatchProxy(
    referrals::v1::ReferralService::Stub* backend, std::unique_ptr<grpc::ClientContext> context,
    const referrals::v1::WatchReferralEventsRequest& request, const absl::Status& refusal,
    OpenWatches& watches);

// ExportReferrals: relays the backend's CSV chunks to the caller.
grpc::ServerWriteReactor<referrals::v1::ExportReferralsResponse>* StartExportProxy(
    referrals::v1::ReferralService::Stub* backend, std::unique_ptr<grpc::ClientContext> context,
    const referrals::v1::ExportReferralsRequest& request, const absl::Status& refusal);

// ScreenCaseload: relays profiles to the backend and its answers back to the caller.
grpc::ServerBidiReactor<eligibility::v1::ScreenCaseloadRequest,
                        eligibility::v1::ScreenCaseloadResponse>*
StartScreenProxy(eligibility::v1::EligibilityService::Stub* backend,
                 std::unique_ptr<grpc::ClientContext> context, const absl::Status& refusal);

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_STREAM_PROXIES_H_
