#include "services/referrals/server/export_stream.h"

#include <string>
#include <utility>

namespace probation::referrals {

grpc::ServerWriteReactor<v1::ExportReferralsResponse>* ExportStream::Start(
    grpc::CallbackServerContext* context, const v1::ExportReferralsRequest& request,
    absl::StatusOr<Identity> caller, const ExportDependencies& dependencies) {
  if (!caller.ok()) return new RefusedStream<v1::ExportReferralsResponse>(caller.status());
  auto stream = std::make_shared<ExportStream>(context, *std::move(caller), request, dependencies);
  if (stream->Open(dependencies.streams, StreamKind::kExport, stream)) stream->ScheduleNextChunk();
  return stream.get();
}

ExportStream::ExportStream(grpc::CallbackServerContext* context, Identity caller,
                           const v1::ExportReferralsRequest& request,
                           const ExportDependencies& dependencies)
    : BoundedStream(context, dependencies.streams.limits(), std::move(caller), "the export"),
      dependencies_(dependencies),
      request_(request) {}

grpc::Status ExportStream::PastMaxDuration() {
  return grpc::Status(
      grpc::StatusCode::DEADLINE_EXCEEDED,
      absl::StrCat("the export has run for ", absl::FormatDuration(limits().max_duration),
                   ", the longest one may; export a shorter time range"));
}

void ExportStream::ScheduleNextChunk() {
  if (!BeginJob()) return;
  dependencies_.pool.Schedule([stream = shared_from_this()] { stream->WriteNextChunk(); });
}

void ExportStream::WriteNextChunk() {
  if (!export_.has_value()) {
    absl::StatusOr<ReferralExport> started = dependencies_.reports.StartExport(request_, caller());
    if (!started.ok()) {
      EndJob();
      return End(ToGrpcStatus(started.status()));
    }
    export_.emplace(*std::move(started));
  }
  absl::StatusOr<std::optional<std::string>> chunk = export_->Next();
  if (!chunk.ok() || !chunk->has_value()) {
    EndJob();
    return End(chunk.ok() ? grpc::Status::OK : ToGrpcStatus(chunk.status()));
  }
  {
    absl::MutexLock lock(&mu_);
    message_.set_csv(**std::move(chunk));
    StartWriteLocked(&message_);
  }
  EndJob();
}

}  // namespace probation::referrals
