// The server streams a referrals process has open (event watches and CSV exports), within
// limits: how many at once, in all and per caller, and for how long. A stream that would pass
// a limit is refused RESOURCE_EXHAUSTED naming it; one supervisor thread checks every open
// stream once a `tick` and ends those that ran too long, stopped reading or outlived their
// caller's identity, so no caller can hold the process's streams, threads or memory.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_OPEN_STREAMS_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_OPEN_STREAMS_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace probation::referrals {

// Reports are not streams, but hold the database as long as an export page does many times
// over: they are admitted the same way.
enum class StreamKind { kWatch, kExport, kReport };

struct StreamLimits {
  int max_watches = 10000;
  int max_watches_per_caller = 100;
  int max_exports = 8;
  int max_exports_per_caller = 2;
  int max_reports = 4;
  int max_reports_per_caller = 1;
  // The longest any stream runs; a watch is then resumed by its client.
  absl::Duration max_duration = absl::Hours(1);
  // How long a write may wait for a reader that has stopped reading.
  absl::Duration stall_timeout = absl::Seconds(30);
  // Events queued for one watch before it stops being fed and reads on from the store.
  int watch_buffer = 1000;
  // How far a watch that was live may fall behind the newest event, reading on from the
  // store, before it is ended RESOURCE_EXHAUSTED (its client resumes from its last sequence):
  // a burst is caught up; a reader slower than the writes for good is let go.
  int64_t max_watch_lag = 100000;
  // How often the supervisor checks the open streams.
  absl::Duration tick = absl::Milliseconds(250);
};

// What the supervisor asks of each open stream.
class SupervisedStream {
 public:
  virtual ~SupervisedStream() = default;
  // Ends the stream if, at `now`, it has run too long, stalled, or its caller's identity
  // has expired.
  virtual void Check(absl::Time now) = 0;
};

class OpenStreams;

// A stream's place among the open ones; giving it up (destroying it) frees the place.
class StreamPlace {
 public:
  ~StreamPlace();
  StreamPlace(const StreamPlace&) = delete;
  StreamPlace& operator=(const StreamPlace&) = delete;

 private:
  friend class OpenStreams;
  StreamPlace(OpenStreams& streams, StreamKind kind, std::string actor, uint64_t id)
      : streams_(streams), kind_(kind), actor_(std::move(actor)), id_(id) {}

  OpenStreams& streams_;
  StreamKind kind_;
  std::string actor_;
  uint64_t id_;
};

class OpenStreams {
 public:
  explicit OpenStreams(const StreamLimits& limits);
  // Stops the supervisor; every place must have been given up.
  ~OpenStreams();
  OpenStreams(const OpenStreams&) = delete;
  OpenStreams& operator=(const OpenStreams&) = delete;

  // A place for a new stream of `kind` opened by `actor`, which the supervisor then checks
  // (if `stream` is set) until the place is given up; RESOURCE_EXHAUSTED naming the limit it
  // would pass.
  absl::StatusOr<std::unique_ptr<StreamPlace>> Admit(StreamKind kind, const std::string& actor,
                                                     std::weak_ptr<SupervisedStream> stream);

  const StreamLimits& limits() const { return limits_; }
  // How many streams of `kind` are open now.
  int Open(StreamKind kind);

 private:
  friend class StreamPlace;
  struct Counts {
    int total = 0;
    absl::flat_hash_map<std::string, int> by_actor;
  };

  void Release(StreamKind kind, const std::string& actor, uint64_t id);
  void Supervise();
  Counts& CountsOf(StreamKind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (kind) {
      case StreamKind::kWatch:
        return watches_;
      case StreamKind::kExport:
        return exports_;
      case StreamKind::kReport:
        break;
    }
    return reports_;
  }

  const StreamLimits limits_;
  absl::Mutex mu_;
  Counts watches_ ABSL_GUARDED_BY(mu_);
  Counts exports_ ABSL_GUARDED_BY(mu_);
  Counts reports_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, std::weak_ptr<SupervisedStream>> supervised_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread supervisor_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_OPEN_STREAMS_H_
