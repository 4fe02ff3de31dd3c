// One ExportReferrals stream: the CSV of the referrals the caller may see, a chunk per page.
// It holds no thread while its reader takes a chunk: the next page is read on the stream pool
// only once the last chunk has been taken, so an export that is never read costs one
// message in memory until the supervisor ends it (open_streams.h).
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_EXPORT_STREAM_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_EXPORT_STREAM_H_

#include <memory>
#include <optional>

#include "libs/server/worker_pool.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/domain/referral_report.h"
#include "services/referrals/server/bounded_stream.h"
#include "services/referrals/server/open_streams.h"

namespace probation::referrals {

struct ExportDependencies {
  ReferralReports& reports;
  OpenStreams& streams;
  // Where each page is read.
  WorkerPool& pool;
};

class ExportStream final : public BoundedStream<v1::ExportReferralsResponse>,
                           public std::enable_shared_from_this<ExportStream> {
 public:
  // The reactor for a new export: refused (finished) at once when the caller is not
  // authenticated or has no place left; a bad filter ends it with INVALID_ARGUMENT.
  static grpc::ServerWriteReactor<v1::ExportReferralsResponse>* Start(
      grpc::CallbackServerContext* context, const v1::ExportReferralsRequest& request,
      absl::StatusOr<Identity> caller, const ExportDependencies& dependencies);

  ExportStream(grpc::CallbackServerContext* context, Identity caller,
               const v1::ExportReferralsRequest& request, const ExportDependencies& dependencies);

 private:
  void AfterWrite() override { ScheduleNextChunk(); }
  grpc::Status PastMaxDuration() override;

  void ScheduleNextChunk();
  void WriteNextChunk();

  ExportDependencies dependencies_;
  const v1::ExportReferralsRequest request_;
  // Touched only by the one job or write in flight.
  std::optional<ReferralExport> export_;
  v1::ExportReferralsResponse message_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_EXPORT_STREAM_H_
