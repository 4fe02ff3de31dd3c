// Event watchers on one referrals process: --watchers WatchReferralEvents streams (gRPC's
// async API, a thread per connection, none per stream) over --channels connections,
// while --writers move referrals on and off hold through the service at a steady --rate. It
// records when each write was acknowledged and when each watcher received each event, then
// prints one JSON line: whether every watcher got every acknowledged event, in order, once;
// the time from acknowledgement (the commit) to delivery over all (watcher, event) pairs; and
// the process's threads and memory, sampled from /proc/--pid while it ran.
//
// The referrals it moves are written straight into --database (the one the process serves)
// before the watches open, so the service needs neither the catalogue nor eligibility. Each is
// moved once before the measurement (the warm-up, timed), so every watch has recorded it in the
// access audit: what the measured writes cost is delivery alone.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/process_sampler.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/grpc_identity.h"
#include "nlohmann/json.hpp"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/store/open_referral_store.h"

ABSL_FLAG(std::string, address, "", "host:port of the referrals process.");
ABSL_FLAG(std::string, database, "", "The database it serves (a PostgreSQL URL or SQLite file).");
ABSL_FLAG(std::string, secret, "", "The suite's internal identity secret.");
ABSL_FLAG(int, pid, 0, "The referrals process, whose threads and memory are sampled.");
ABSL_FLAG(int, watchers, 10000, "Event watches held open at once.");
ABSL_FLAG(int, channels, 8, "Connections the watches share.");
ABSL_FLAG(int, callers, 10, "Callers (token subjects) the watches are opened for, in turn.");
ABSL_FLAG(int, referrals, 8,
          "Referrals the writes move, in turn; each is moved once before the measured writes "
          "(the warm-up), so every watch has seen it.");
ABSL_FLAG(int, writers, 4, "Threads writing, each moving its own share of the referrals.");
ABSL_FLAG(double, rate, 1, "Writes (events) per second, in all.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(30), "How long the writes go on.");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(10),
          "How long to wait, after the last write, for the last deliveries.");
ABSL_FLAG(std::string, id_prefix, "watch", "Starts the ids of the referrals it writes.");
ABSL_FLAG(std::string, latencies_file, "",
          "Also writes each delivery here, a line each: watch, sequence, milliseconds from "
          "acknowledgement.");

namespace probation::referrals {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const std::string& why) {
  std::cerr << "watchers_bench: " << why << "\n";
  std::exit(1);
}

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) Die(value.status().ToString());
  return *std::move(value);
}

// Where an event is recognised: a write's answer and the event it made carry the same
// referral at the same etag.
std::string KeyOf(const v1::Referral& referral) {
  return absl::StrCat(referral.name(), "@", referral.etag());
}

struct Seeded {
  std::vector<v1::Referral> referrals;
  int64_t last_sequence = 0;
};

// `count` submitted referrals, written straight into the store.
Seeded Seed(const std::string& database, int count, const std::string& prefix) {
  using google::protobuf::util::TimeUtil;
  std::unique_ptr<SqlReferralStore> store = OrDie(OpenReferralStore(database));
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  Seeded seeded;
  for (int i = 0; i < count; ++i) {
    ReferralWrite write;
    v1::Referral& referral = write.referral;
    referral.set_id(absl::StrCat(prefix, i, "-", run));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrCat("W", prefix, i, run));
    referral.set_intervention("interventions/thinking-skills");
    referral.set_kind(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
    referral.mutable_person()->set_crn(absl::StrCat("W", prefix, i, run));
    referral.set_region("london");
    referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
    *referral.mutable_create_time() = TimeUtil::GetCurrentTime();
    *referral.mutable_update_time() = referral.create_time();
    *referral.mutable_state_time() = referral.create_time();
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    seeded.referrals.push_back(OrDie(store->Create(write, referral.id())).referral);
  }
  seeded.last_sequence = OrDie(store->LastEventSequence());
  return seeded;
}

struct Arrival {
  int64_t sequence;
  int64_t nanos;
};

// Counts shared by every watcher, so the bench can wait for them.
struct Tally {
  std::atomic<int64_t> delivered{0};
  std::atomic<int> called{0};   // watches whose call has started
  std::atomic<int> started{0};  // watches that have received anything
  std::atomic<int> done{0};
};

// One watch, driven from its connection's completion queue: started, then read until it
// ends. One operation is in flight at a time, so the watch itself is the tag.
class Watcher {
 public:
  // The observer (`keeps_keys`) also keeps which write each event came from.
  Watcher(Tally& tally, bool keeps_keys) : tally_(tally), keeps_keys_(keeps_keys) {}

  void Start(v1::ReferralService::Stub& stub, grpc::CompletionQueue& queue,
             const std::string& actor, int64_t after) {
    SetCallerIdentity(context_,
                      {actor, common::v1::ROLE_ADMIN, "", "", absl::Now() + absl::Hours(1)});
    v1::WatchReferralEventsRequest request;
    request.set_after_sequence(after);
    reader_ = stub.PrepareAsyncWatchReferralEvents(&context_, request, &queue);
    reader_->StartCall(this);
  }

  // What the queue returned for this watch's operation.
  void Proceed(bool ok) {
    switch (state_) {
      case State::kReading:
        if (ok) {
          arrivals_.push_back({event_.sequence(), NowNanos()});
          if (keeps_keys_) keys_.push_back(KeyOf(event_.referral()));
          if (arrivals_.size() == 1) ++tally_.started;
          ++tally_.delivered;
        }
        [[fallthrough]];
      case State::kStarting:
        if (state_ == State::kStarting && ok) ++tally_.called;
        if (ok) {
          state_ = State::kReading;
          return reader_->Read(&event_, this);
        }
        state_ = State::kFinishing;
        return reader_->Finish(&status_, this);
      case State::kFinishing:
        ++tally_.done;
        return;
    }
  }

  void Cancel() { context_.TryCancel(); }

  // Read once every watcher is done.
  const std::vector<Arrival>& arrivals() const { return arrivals_; }
  const std::vector<std::string>& keys() const { return keys_; }
  const grpc::Status& status() const { return status_; }

 private:
  enum class State { kStarting, kReading, kFinishing };

  Tally& tally_;
  const bool keeps_keys_;
  State state_ = State::kStarting;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientAsyncReader<v1::ReferralEvent>> reader_;
  v1::ReferralEvent event_;
  std::vector<Arrival> arrivals_;
  std::vector<std::string> keys_;
  grpc::Status status_;
};

// A connection and the completion queue its watches are driven from, by a thread of its own.
// Not the callback API: Debian's gRPC keeps its debug check of every completion against a
// list of the operations pending on the queue, and the callback API puts every stream's on
// one queue, so each completion would cost a scan of all 10,000.
class Connection {
 public:
  explicit Connection(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::ReferralService::NewStub(std::move(channel))), thread_([this] {
          void* tag;
          bool ok;
          while (queue_.Next(&tag, &ok)) static_cast<Watcher*>(tag)->Proceed(ok);
        }) {}
  // Every watch started here must be done.
  ~Connection() {
    queue_.Shutdown();
    thread_.join();
  }

  void Start(Watcher& watcher, const std::string& actor, int64_t after) {
    watcher.Start(*stub_, queue_, actor, after);
  }

 private:
  std::unique_ptr<v1::ReferralService::Stub> stub_;
  grpc::CompletionQueue queue_;
  std::thread thread_;
};

// Moves its referrals between submitted and on hold through the service, recording when each
// write was acknowledged, by the key of the event it made.
class Writer {
 public:
  Writer(std::shared_ptr<grpc::Channel> channel, std::vector<v1::Referral> mine)
      : stub_(v1::ReferralService::NewStub(std::move(channel))), mine_(std::move(mine)) {}

  // One write of the `turn`-th referral; false if the service refused it.
  bool Move(size_t turn) {
    v1::Referral& referral = mine_[turn % mine_.size()];
    v1::TransitionReferralRequest move;
    move.set_name(referral.name());
    move.set_etag(referral.etag());
    const bool hold = referral.state() == v1::REFERRAL_STATE_SUBMITTED;
    move.set_to_state(hold ? v1::REFERRAL_STATE_ON_HOLD : v1::REFERRAL_STATE_SUBMITTED);
    if (hold) move.set_reason_code("awaiting-information");
    grpc::ClientContext context;
    SetCallerIdentity(context, {"bench-writer", common::v1::ROLE_PROBATION_PRACTITIONER, "london",
                                "", absl::Now() + absl::Minutes(1)});
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::Referral moved;
    const grpc::Status status = stub_->TransitionReferral(&context, move, &moved);
    const int64_t acknowledged = NowNanos();
    if (!status.ok()) {
      std::cerr << "watchers_bench: write refused: " << status.error_message() << "\n";
      ++failures_;
      return false;
    }
    acks_.emplace(KeyOf(moved), acknowledged);
    referral = std::move(moved);
    return true;
  }

  // Writes due every `interval` from `start`, this writer taking the turns `first`,
  // `first + stride`, ... before `end`.
  void Run(Clock::time_point start, Clock::duration interval, int64_t first, int64_t stride,
           int64_t end) {
    size_t turn = 0;
    for (int64_t n = first; n < end; n += stride) {
      std::this_thread::sleep_until(start + n * interval);
      Move(turn++);
    }
  }

  const absl::flat_hash_map<std::string, int64_t>& acks() const { return acks_; }
  absl::flat_hash_map<std::string, int64_t> TakeAcks() { return std::exchange(acks_, {}); }
  int64_t failures() const { return failures_; }

 private:
  std::unique_ptr<v1::ReferralService::Stub> stub_;
  std::vector<v1::Referral> mine_;
  absl::flat_hash_map<std::string, int64_t> acks_;
  int64_t failures_ = 0;
};

std::shared_ptr<grpc::Channel> Channel(const std::string& address, int number) {
  grpc::ChannelArguments arguments;
  // A connection of its own for each channel, as separate clients would have.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  arguments.SetInt("probation.bench.channel", number);
  arguments.SetMaxReceiveMessageSize(16 << 20);
  return OrDie(CreateSignedChannel(address, "", absl::GetFlag(FLAGS_secret), arguments));
}

// Waits until `done` holds or `timeout` passes; whether it held.
template <typename Predicate>
bool WaitFor(Predicate done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

double Percentile(std::vector<int64_t>& values, double p) {
  if (values.empty()) return 0;
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(values.size() * p));
  std::nth_element(values.begin(), values.begin() + at, values.end());
  return values[at] / 1e6;
}

int Main() {
  const std::string address = absl::GetFlag(FLAGS_address);
  const int count = absl::GetFlag(FLAGS_watchers);
  const int writers = absl::GetFlag(FLAGS_writers);
  const int moved = std::max(absl::GetFlag(FLAGS_referrals), writers);
  if (address.empty() || absl::GetFlag(FLAGS_database).empty()) {
    Die("--address and --database are required");
  }
  if (absl::GetFlag(FLAGS_rate) <= 0 || count < 1 || absl::GetFlag(FLAGS_channels) < 1) {
    Die("--rate, --watchers and --channels must be positive");
  }
  Seeded seeded = Seed(absl::GetFlag(FLAGS_database), moved, absl::GetFlag(FLAGS_id_prefix));
  bench::ProcessSampler sampler(absl::GetFlag(FLAGS_pid));
  nlohmann::json result = {{"watchers", count},
                           {"channels", absl::GetFlag(FLAGS_channels)},
                           {"callers", absl::GetFlag(FLAGS_callers)},
                           {"referrals", moved},
                           {"rate", absl::GetFlag(FLAGS_rate)}};
  result["idle_threads"] = sampler.Field("Threads");
  result["idle_rss_mb"] = sampler.Field("VmRSS") / 1024.0;
  sampler.Start();

  Tally tally;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    connections.push_back(std::make_unique<Connection>(Channel(address, i)));
  }
  // Declared after the connections, so destroyed first.
  std::vector<std::unique_ptr<Watcher>> watchers;
  const absl::Time opening = absl::Now();
  for (int i = 0; i < count; ++i) {
    watchers.push_back(std::make_unique<Watcher>(tally, i == 0));
    connections[i % connections.size()]->Start(
        *watchers.back(), absl::StrCat("watcher-", i % absl::GetFlag(FLAGS_callers)),
        seeded.last_sequence);
  }

  std::vector<std::unique_ptr<Writer>> writing;
  for (int w = 0; w < writers; ++w) {
    std::vector<v1::Referral> mine;
    for (size_t i = w; i < seeded.referrals.size(); i += writers) {
      mine.push_back(seeded.referrals[i]);
    }
    writing.push_back(std::make_unique<Writer>(Channel(address, -1 - w), std::move(mine)));
  }
  // The warm-up: each referral moved once, which every watch must see before the measured
  // writes begin. A watch's first sight of a referral is when it records it in the access
  // audit, so this is also what those records cost.
  WaitFor([&] { return tally.called.load() + tally.done.load() >= count; }, absl::Seconds(120));
  const absl::Time warming = absl::Now();
  for (int turn = 0; turn * writers < moved; ++turn) {
    for (auto& writer : writing) writer->Move(turn);
  }
  absl::flat_hash_map<std::string, int64_t> warm_acks;
  auto warm_up_seen = [&] {
    for (auto& writer : writing) warm_acks.merge(writer->TakeAcks());
    const int64_t deliveries = static_cast<int64_t>(warm_acks.size()) * count;
    return WaitFor([&] { return tally.delivered.load() >= deliveries || tally.done.load() > 0; },
                   absl::Seconds(600));
  };
  // Then one more move: the fan-out delivers it only once it has handed the warm-up's
  // access records to the audit, so the measured writes do not wait for them.
  bool all_live = warm_up_seen();
  writing.front()->Move(moved);
  all_live = all_live && warm_up_seen();
  const int64_t warm_deliveries = tally.delivered.load();
  result["live"] = tally.started.load() - tally.done.load();
  result["warm_up_seconds"] = absl::ToDoubleSeconds(absl::Now() - warming);
  result["open_seconds"] = absl::ToDoubleSeconds(warming - opening);

  const double rate = absl::GetFlag(FLAGS_rate);
  const int64_t writes =
      static_cast<int64_t>(rate * absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration)));
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  const Clock::time_point start = Clock::now();
  const double server_cpu = sampler.CpuSeconds();
  const double client_cpu = bench::ProcessCpuSeconds("/proc/self/stat");
  std::vector<std::thread> threads;
  if (all_live) {
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] { writing[w]->Run(start, interval, w, writers, writes); });
    }
  }
  for (std::thread& thread : threads) thread.join();
  result["write_seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  absl::flat_hash_map<std::string, int64_t> acks;
  int64_t failures = 0;
  for (const auto& writer : writing) {
    acks.insert(writer->acks().begin(), writer->acks().end());
    failures += writer->failures();
  }
  const int64_t expected = static_cast<int64_t>(acks.size()) * count;
  WaitFor([&] { return tally.delivered.load() - warm_deliveries >= expected; },
          absl::GetFlag(FLAGS_grace));
  result["server_cpu_seconds"] = sampler.CpuSeconds() - server_cpu;
  result["client_cpu_seconds"] = bench::ProcessCpuSeconds("/proc/self/stat") - client_cpu;
  sampler.Stop();
  result["max_threads"] = sampler.max_threads();
  result["max_rss_mb"] = sampler.max_rss_kb() / 1024.0;
  result["peak_rss_mb"] = sampler.Field("VmHWM") / 1024.0;
  for (auto& watcher : watchers) watcher->Cancel();
  if (!WaitFor([&] { return tally.done.load() >= count; }, absl::Seconds(60))) {
    Die("watches did not end after being cancelled");
  }

  // Which write each sequence came from, as the observer saw it.
  const Watcher& observer = *watchers.front();
  absl::flat_hash_map<int64_t, int64_t> acked_at;  // sequence -> acknowledgement
  int64_t unmatched = 0;
  for (size_t i = 0; i < observer.arrivals().size(); ++i) {
    auto it = acks.find(observer.keys()[i]);
    if (it != acks.end()) {
      acked_at.emplace(observer.arrivals()[i].sequence, it->second);
    } else if (!warm_acks.contains(observer.keys()[i])) {
      ++unmatched;
    }
  }
  std::vector<int64_t> latencies;
  latencies.reserve(expected);
  int64_t delivered = 0;
  int64_t out_of_order = 0;
  int complete = 0;
  int64_t early = 0;
  std::string first_error;
  std::ofstream latencies_file;
  if (!absl::GetFlag(FLAGS_latencies_file).empty()) {
    latencies_file.open(absl::GetFlag(FLAGS_latencies_file));
  }
  for (size_t w = 0; w < watchers.size(); ++w) {
    const Watcher* watcher = watchers[w].get();
    int64_t last = 0;
    int64_t mine = 0;
    for (const Arrival& arrival : watcher->arrivals()) {
      if (arrival.sequence <= last) ++out_of_order;
      last = arrival.sequence;
      auto it = acked_at.find(arrival.sequence);
      if (it == acked_at.end()) continue;
      ++mine;
      // The event may reach a watcher before the answer reaches its writer.
      const int64_t latency = arrival.nanos - it->second;
      if (latency < 0) ++early;
      latencies.push_back(std::max<int64_t>(0, latency));
      if (latencies_file.is_open()) {
        latencies_file << w << " " << arrival.sequence << " " << latency / 1e6 << "\n";
      }
    }
    delivered += mine;
    if (mine == static_cast<int64_t>(acks.size())) ++complete;
    const grpc::StatusCode code = watcher->status().error_code();
    if (first_error.empty() && code != grpc::StatusCode::CANCELLED) {
      first_error = absl::StrCat(code, ": ", watcher->status().error_message());
    }
  }
  result["writes"] = static_cast<int64_t>(acks.size());
  result["write_failures"] = failures;
  result["writes_missing_from_observer"] = static_cast<int64_t>(acks.size() - acked_at.size());
  result["events_not_written"] = unmatched;
  result["expected_deliveries"] = expected;
  result["deliveries"] = delivered;
  result["watchers_with_every_event"] = complete;
  result["out_of_order_or_repeated"] = out_of_order;
  result["delivered_before_acknowledged"] = early;
  result["every_event_delivered"] = all_live && failures == 0 && delivered == expected &&
                                    acked_at.size() == acks.size() && out_of_order == 0 &&
                                    complete == count;
  result["first_error"] = first_error;
  result["p50_ms"] = Percentile(latencies, 0.50);
  result["p99_ms"] = Percentile(latencies, 0.99);
  result["max_ms"] =
      latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end()) / 1e6;
  std::cout << result.dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace probation::referrals

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return probation::referrals::Main();
}
