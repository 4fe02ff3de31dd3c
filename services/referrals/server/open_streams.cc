#include "services/referrals/server/open_streams.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/error_reason.h"

namespace probation::referrals {
namespace {

absl::string_view Plural(StreamKind kind) {
  return kind == StreamKind::kWatch ? "event watches" : "exports";
}

}  // namespace

StreamPlace::~StreamPlace() { streams_.Release(kind_, actor_, id_); }

OpenStreams::OpenStreams(const StreamLimits& limits)
    : limits_(limits), supervisor_([this] { Supervise(); }) {}

OpenStreams::~OpenStreams() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  supervisor_.join();
}

absl::StatusOr<std::unique_ptr<StreamPlace>> OpenStreams::Admit(
    StreamKind kind, const std::string& actor, std::weak_ptr<SupervisedStream> stream) {
  const auto [most, most_per_caller] =
      kind == StreamKind::kWatch ? std::pair(limits_.max_watches, limits_.max_watches_per_caller)
      : kind == StreamKind::kExport
          ? std::pair(limits_.max_exports, limits_.max_exports_per_caller)
          : std::pair(limits_.max_reports, limits_.max_reports_per_caller);
  absl::MutexLock lock(&mu_);
  Counts& counts = CountsOf(kind);
  if (counts.total >= most) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat("this server has ", most, " ", Plural(kind),
                                                  " open, its limit; try again shortly")),
        reason::kTooManyStreams, {{"scope", "server"}});
  }
  int& mine = counts.by_actor[actor];
  if (mine >= most_per_caller) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat("you have ", mine, " ", Plural(kind),
                                                  " open, the most one caller may; close one")),
        reason::kTooManyStreams, {{"scope", "caller"}});
  }
  ++mine;
  ++counts.total;
  const uint64_t id = next_id_++;
  supervised_.emplace(id, std::move(stream));
  return std::unique_ptr<StreamPlace>(new StreamPlace(*this, kind, actor, id));
}

int OpenStreams::Open(StreamKind kind) {
  absl::MutexLock lock(&mu_);
  return CountsOf(kind).total;
}

void OpenStreams::Release(StreamKind kind, const std::string& actor, uint64_t id) {
  absl::MutexLock lock(&mu_);
  Counts& counts = CountsOf(kind);
  --counts.total;
  if (auto it = counts.by_actor.find(actor); it != counts.by_actor.end() && --it->second == 0) {
    counts.by_actor.erase(it);
  }
  supervised_.erase(id);
}

void OpenStreams::Supervise() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    std::vector<std::shared_ptr<SupervisedStream>> open;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), limits_.tick)) return;
      open.reserve(supervised_.size());
      for (const auto& [id, stream] : supervised_) {
        if (std::shared_ptr<SupervisedStream> alive = stream.lock()) open.push_back(alive);
      }
    }
    // Checked without the lock: ending a stream gives up its place, which takes it.
    const absl::Time now = absl::Now();
    for (const std::shared_ptr<SupervisedStream>& stream : open) stream->Check(now);
  }
}

}  // namespace probation::referrals
