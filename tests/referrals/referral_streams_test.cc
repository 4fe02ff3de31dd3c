// The referrals service's streams within their limits, through a real gRPC server on
// loopback and a real SQLite file: watches catch up across pages and go live without a thread
// each, callers and the process have caps, a reader behind the live events reads on from the
// store, and a stream whose reader stops, that outlives its caller's identity or that runs
// past the longest a stream may is ended.
#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "libs/auth/grpc_identity.h"
#include "tests/support/referrals_server_fixture.h"

namespace probation::referrals {
namespace {

using testing::RunningReferrals;

// Referrals written straight into the store (drafts, one event each), from several threads so
// group commit batches them: quick enough to give streams something large to carry. Each
// `tag` (one digit) has its own people.
void SeedDrafts(ReferralStore& store, int count, int tag) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, count, tag, t] {
      for (int i = t; i < count; i += kThreads) {
        const absl::Time now = absl::Now();
        ReferralWrite write;
        v1::Referral& referral = write.referral;
        referral.set_id(absl::StrCat("seed-", tag, "-", i));
        referral.set_name(absl::StrCat("referrals/", referral.id()));
        referral.set_reference(absl::StrCat("S", tag, i));
        referral.mutable_person()->set_crn(absl::StrCat("S", tag * 100000 + i));
        referral.set_intervention("interventions/positive-pathways");
        referral.set_kind(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
        referral.set_region("london");
        referral.set_created_by("seed");
        referral.set_reason_for_referral(std::string(120, 'r'));
        referral.set_state(v1::REFERRAL_STATE_DRAFT);
        const auto time =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
        *referral.mutable_create_time() = time;
        *referral.mutable_update_time() = time;
        *referral.mutable_state_time() = time;
        write.history.emplace();
        write.history->set_to_state(v1::REFERRAL_STATE_DRAFT);
        write.history->set_action("create");
        *write.history->mutable_occurred_at() = time;
        write.event_type = v1::ReferralEvent::TYPE_CREATED;
        auto created = store.Create(write, absl::StrCat("seed-", tag, "-", i));
        EXPECT_TRUE(created.ok()) << created.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// A call signed as the gateway signs it, for `actor`, whose identity expires at `expires`.
std::unique_ptr<grpc::ClientContext> AdminCall(absl::string_view actor,
                                               absl::Time expires = absl::Now() +
                                                                    absl::Minutes(5)) {
  auto context = std::make_unique<grpc::ClientContext>();
  SetCallerIdentity(*context, {std::string(actor), common::v1::ROLE_ADMIN, "", "", expires});
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  return context;
}

struct OpenWatch {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<v1::ReferralEvent>> reader;
};

OpenWatch Watch(RunningReferrals& running, absl::string_view actor, int64_t after_sequence = 0,
                absl::Time expires = absl::Now() + absl::Minutes(5)) {
  OpenWatch watch{AdminCall(actor, expires), nullptr};
  v1::WatchReferralEventsRequest request;
  request.set_after_sequence(after_sequence);
  watch.reader = running.stub->WatchReferralEvents(watch.context.get(), request);
  return watch;
}

// The status a watch ends with, reading whatever it still sends.
grpc::Status Drain(OpenWatch& watch) {
  v1::ReferralEvent event;
  while (watch.reader->Read(&event)) {
  }
  return watch.reader->Finish();
}

int ThreadsOfThisProcess() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int threads = 0;
    if (absl::ConsumePrefix(&rest, "Threads:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &threads)) {
      return threads;
    }
  }
  return -1;
}

v1::ExportReferralsRequest ExportEverything() {
  v1::ExportReferralsRequest request;
  const absl::Time now = absl::Now();
  for (auto [time, at] :
       {std::pair{request.mutable_filter()->mutable_start_time(), now - absl::Hours(24)},
        std::pair{request.mutable_filter()->mutable_end_time(), now + absl::Hours(24)}}) {
    *time = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at));
  }
  return request;
}

TEST(ReferralStreams, AWatchCatchesUpAcrossPagesThenGoesLive) {
  auto running = testing::StartReferrals();
  SeedDrafts(*running->store, 1200, 1);
  OpenWatch watch = Watch(*running, "watcher");
  v1::ReferralEvent event;
  for (int64_t expected = 1; expected <= 1200; ++expected) {
    ASSERT_TRUE(watch.reader->Read(&event))
        << "event " << expected << ": " << watch.reader->Finish().error_message();
    ASSERT_EQ(event.sequence(), expected) << "in order, with no gap";
  }
  SeedDrafts(*running->store, 3, 2);
  running->bell.Ring();
  for (int64_t expected = 1201; expected <= 1203; ++expected) {
    ASSERT_TRUE(watch.reader->Read(&event));
    EXPECT_EQ(event.sequence(), expected);
  }
  watch.context->TryCancel();
  EXPECT_EQ(Drain(watch).error_code(), grpc::StatusCode::CANCELLED);
}

TEST(ReferralStreams, AWatchRecordsWhoseDataItSentOncePerReferral) {
  auto running = testing::StartReferrals();
  SeedDrafts(*running->store, 3, 1);
  OpenWatch watch = Watch(*running, "auditor-watch");
  v1::ReferralEvent event;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(watch.reader->Read(&event));
  watch.context->TryCancel();
  Drain(watch);
  // Read back as an admin would, once the batch is written.
  std::vector<std::string> crns;
  for (int attempt = 0; attempt < 100 && crns.size() < 3; ++attempt) {
    absl::SleepFor(absl::Milliseconds(20));
    auto list = AdminCall("auditor");
    v1::ListAccessRecordsRequest request;
    request.set_actor("auditor-watch");
    v1::ListAccessRecordsResponse records;
    ASSERT_TRUE(running->stub->ListAccessRecords(list.get(), request, &records).ok());
    crns.clear();
    for (const v1::AccessRecord& record : records.records()) {
      EXPECT_EQ(record.method(), "WatchReferralEvents");
      crns.push_back(record.crn());
    }
  }
  std::sort(crns.begin(), crns.end());
  EXPECT_EQ(crns, (std::vector<std::string>{"S100000", "S100001", "S100002"}));
}

TEST(ReferralStreams, CallersAndTheProcessHaveAWatchLimit) {
  StreamLimits limits;
  limits.max_watches = 4;
  limits.max_watches_per_caller = 2;
  auto running = testing::StartReferrals(limits);
  SeedDrafts(*running->store, 1, 1);
  // An open watch sends the stored event; a refused one ends at once.
  auto open = [&](absl::string_view actor) {
    OpenWatch watch = Watch(*running, actor);
    v1::ReferralEvent event;
    const bool opened = watch.reader->Read(&event);
    return std::pair(opened, std::move(watch));
  };
  auto [a1_open, a1] = open("a");
  auto [a2_open, a2] = open("a");
  auto [a3_open, a3] = open("a");
  EXPECT_TRUE(a1_open && a2_open);
  EXPECT_FALSE(a3_open);
  const grpc::Status refused = a3.reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("the most one caller may"), std::string::npos)
      << refused.error_message();

  auto [b1_open, b1] = open("b");
  auto [b2_open, b2] = open("b");
  auto [c1_open, c1] = open("c");
  EXPECT_TRUE(b1_open && b2_open);
  EXPECT_FALSE(c1_open) << "four open in the process";
  EXPECT_EQ(c1.reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Closing one gives its place back.
  a1.context->TryCancel();
  Drain(a1);
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    auto [c_open, c] = open("c");
    reopened = c_open;
    if (reopened) c.context->TryCancel();
    Drain(c);
    if (!reopened) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(reopened);
  for (OpenWatch* watch : {&a2, &b1, &b2}) watch->context->TryCancel();
}

// A watch live from the start (nothing stored), then 2,000 events at once, far more than its
// queue holds, while its reader reads nothing.
OpenWatch LiveWatchThenABurst(RunningReferrals& running) {
  OpenWatch watch = Watch(running, "slow");
  absl::SleepFor(absl::Milliseconds(300));
  SeedDrafts(*running.store, 2000, 1);
  running.bell.Ring();
  absl::SleepFor(absl::Seconds(1));
  return watch;
}

TEST(ReferralStreams, AReaderBehindTheLiveEventsReadsOnFromTheStoreAndMissesNothing) {
  StreamLimits limits;
  limits.watch_buffer = 10;
  auto running = testing::StartReferrals(limits);
  OpenWatch watch = LiveWatchThenABurst(*running);
  v1::ReferralEvent event;
  for (int64_t expected = 1; expected <= 2000; ++expected) {
    ASSERT_TRUE(watch.reader->Read(&event))
        << "event " << expected << ": " << watch.reader->Finish().error_message();
    ASSERT_EQ(event.sequence(), expected) << "in order, with no gap";
  }
  // And it is live again afterwards.
  SeedDrafts(*running->store, 1, 2);
  running->bell.Ring();
  ASSERT_TRUE(watch.reader->Read(&event));
  EXPECT_EQ(event.sequence(), 2001);
  watch.context->TryCancel();
}

TEST(ReferralStreams, AReaderThatFallsTooFarBehindIsEndedAndResumesFromItsLastSequence) {
  StreamLimits limits;
  limits.watch_buffer = 10;
  limits.max_watch_lag = 100;
  auto running = testing::StartReferrals(limits);
  // More behind than its allowed lag, too.
  OpenWatch watch = LiveWatchThenABurst(*running);
  v1::ReferralEvent event;
  int64_t last = 0;
  while (last < 2000 && watch.reader->Read(&event)) {
    ASSERT_EQ(event.sequence(), last + 1) << "in order, with no gap";
    last = event.sequence();
  }
  if (last == 2000) watch.context->TryCancel();  // it was never ended
  const grpc::Status ended = watch.reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << ended.error_message();
  EXPECT_TRUE(absl::StrContains(ended.error_message(), "from the last sequence"))
      << ended.error_message();
  EXPECT_LT(last, 2000);
  // Resumed from its last sequence, it reads the rest (starting behind, it may catch up).
  OpenWatch resumed = Watch(*running, "slow", last);
  for (int64_t expected = last + 1; expected <= 2000; ++expected) {
    ASSERT_TRUE(resumed.reader->Read(&event)) << resumed.reader->Finish().error_message();
    ASSERT_EQ(event.sequence(), expected);
  }
  resumed.context->TryCancel();
}

TEST(ReferralStreams, AWatchEndsWhenItsCallersIdentityExpires) {
  auto running = testing::StartReferrals();
  OpenWatch watch = Watch(*running, "brief", 0, absl::Now() + absl::Seconds(2));
  const grpc::Status status = Drain(watch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("watch again from the last sequence"), std::string::npos)
      << status.error_message();
}

TEST(ReferralStreams, AWatchEndsAfterTheLongestAStreamRuns) {
  StreamLimits limits;
  limits.max_duration = absl::Seconds(1);
  auto running = testing::StartReferrals(limits);
  OpenWatch watch = Watch(*running, "long");
  EXPECT_EQ(Drain(watch).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(ReferralStreams, ExportsNeverReadHoldNoThreadAndEndAfterTheStallTimeout) {
  StreamLimits limits;
  limits.stall_timeout = absl::Seconds(1);
  limits.max_exports = 40;
  limits.max_exports_per_caller = 40;
  auto running = testing::StartReferrals(limits);
  SeedDrafts(*running->store, 3000, 1);
  const int threads_before = ThreadsOfThisProcess();
  // A client that never reads, without the window growth that would let it take the whole
  // export into its buffers: the server's writes stall, as with a reader that stopped.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stalling = v1::ReferralService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", running->server->port()),
                                grpc::InsecureChannelCredentials(), arguments));

  // Twenty exports and three hundred watches that nobody reads.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::ExportReferralsResponse>>> exports;
  for (int i = 0; i < 20; ++i) {
    contexts.push_back(AdminCall("exporter"));
    exports.push_back(stalling->ExportReferrals(contexts.back().get(), ExportEverything()));
  }
  std::vector<OpenWatch> watches;
  for (int i = 0; i < 300; ++i) watches.push_back(Watch(*running, absl::StrCat("w", i), 2999));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_LT(ThreadsOfThisProcess() - threads_before, 20) << "no thread per stream";

  // Other calls are answered meanwhile.
  auto list_call = AdminCall("lister");
  list_call->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  v1::ListReferralsRequest list;
  list.set_page_size(10);
  v1::ListReferralsResponse page;
  const grpc::Status listed = running->stub->ListReferrals(list_call.get(), list, &page);
  EXPECT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(page.referrals_size(), 10);

  // Past the stall timeout, every unread export has been ended and its place freed.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(running->streams->Open(StreamKind::kExport), 0);
  for (auto& reader : exports) {
    v1::ExportReferralsResponse chunk;
    while (reader->Read(&chunk)) {
    }
    EXPECT_FALSE(reader->Finish().ok());
  }
  EXPECT_EQ(running->streams->Open(StreamKind::kWatch), 300);
  for (OpenWatch& watch : watches) watch.context->TryCancel();
}

TEST(ReferralStreams, ACallerHasAnExportLimitAndAReadExportCompletes) {
  StreamLimits limits;
  limits.max_exports_per_caller = 1;
  auto running = testing::StartReferrals(limits);
  SeedDrafts(*running->store, 3000, 1);
  auto first_call = AdminCall("exporter");
  auto first = running->stub->ExportReferrals(first_call.get(), ExportEverything());
  v1::ExportReferralsResponse chunk;
  ASSERT_TRUE(first->Read(&chunk)) << "the header";

  auto second_call = AdminCall("exporter");
  auto second = running->stub->ExportReferrals(second_call.get(), ExportEverything());
  EXPECT_FALSE(second->Read(&chunk));
  EXPECT_EQ(second->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  int lines = 0;
  while (first->Read(&chunk)) lines += std::count(chunk.csv().begin(), chunk.csv().end(), '\n');
  EXPECT_TRUE(first->Finish().ok());
  EXPECT_EQ(lines, 3000);
}

}  // namespace
}  // namespace probation::referrals
