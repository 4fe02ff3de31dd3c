// `referrals report`, `referrals export`, `person export` and `person access-records`: figures
// and CSV for a period, everything stored about one person (a subject access request), and the
// access audit.
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "tools/probation/commands.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

using google::protobuf::util::TimeUtil;

// A date ("2026-11-01", midnight UTC) or an RFC 3339 time.
absl::StatusOr<google::protobuf::Timestamp> ParseInstant(absl::string_view flag,
                                                         absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error) &&
      !absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return InvalidFlag(flag, absl::StrCat("'", text,
                                          "' is not a date (2026-11-01) or an RFC 3339 time "
                                          "(2026-11-01T09:00:00Z)"));
  }
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// --from (inclusive) and --to (exclusive), both required, and the optional narrowing flags.
absl::StatusOr<referrals::v1::ReferralFilter> ReadFilter(const CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::ReferralFilter filter;
  for (const char* flag : {"from", "to"}) {
    if (!reader.Has(flag)) return InvalidFlag(flag, "required");
  }
  absl::StatusOr<google::protobuf::Timestamp> from = ParseInstant("from", reader.String("from"));
  if (!from.ok()) return from.status();
  absl::StatusOr<google::protobuf::Timestamp> to = ParseInstant("to", reader.String("to"));
  if (!to.ok()) return to.status();
  *filter.mutable_start_time() = *from;
  *filter.mutable_end_time() = *to;
  filter.set_region(reader.String("region"));
  filter.set_provider(reader.String("provider"));
  if (reader.Has("intervention")) {
    absl::StatusOr<std::string> intervention =
        InterventionName(reader.String("intervention"), "--intervention");
    if (!intervention.ok()) return intervention.status();
    filter.set_intervention(*intervention);
  }
  return filter;
}

}  // namespace

int ReferralsReport(CommandContext& context) {
  absl::StatusOr<referrals::v1::ReferralFilter> filter = ReadFilter(context);
  if (!filter.ok()) return UsageFailure(context, filter.status());
  referrals::v1::GetReferralReportRequest request;
  *request.mutable_filter() = *std::move(filter);
  return CallAndPrint(context, &Gateway::GetReferralReport, request);
}

int ReferralsExport(CommandContext& context) {
  absl::StatusOr<referrals::v1::ReferralFilter> filter = ReadFilter(context);
  if (!filter.ok()) return UsageFailure(context, filter.status());
  referrals::v1::ExportReferralsRequest request;
  *request.mutable_filter() = *std::move(filter);
  // A long range takes a while to stream; like a watch, it has a deadline only if asked.
  const std::unique_ptr<grpc::ClientContext> call =
      NewCallContext(context.settings, context.settings.stream_timeout);
  std::unique_ptr<grpc::ClientReaderInterface<referrals::v1::ExportReferralsResponse>> stream =
      context.gateway->ExportReferrals(call.get(), request);
  referrals::v1::ExportReferralsResponse chunk;
  while (stream->Read(&chunk)) *context.out << Render(chunk, context.settings.json);
  context.out->flush();
  if (const grpc::Status status = stream->Finish(); !status.ok()) {
    return CallFailure(context, status);
  }
  return kExitOk;
}

int PersonAccessRecords(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::ListAccessRecordsRequest request;
  if (!context.arguments.empty()) request.set_crn(context.arguments.at(0));
  request.set_actor(reader.String("actor"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  for (const char* flag : {"from", "to"}) {
    if (!reader.Has(flag)) continue;
    absl::StatusOr<google::protobuf::Timestamp> time = ParseInstant(flag, reader.String(flag));
    if (!time.ok()) return UsageFailure(context, time.status());
    *(absl::string_view(flag) == "from" ? request.mutable_start_time()
                                        : request.mutable_end_time()) = *time;
  }
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListAccessRecords, request);
}

int PersonExport(CommandContext& context) {
  referrals::v1::ExportPersonDataRequest request;
  request.set_crn(context.arguments.at(0));
  return CallAndPrint(context, &Gateway::ExportPersonData, request);
}

}  // namespace probation::cli
