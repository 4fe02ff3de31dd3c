// Durable referral transitions per second, against the limit of the disk: a plain loop that
// commits one row per transaction on a SQLite file opened exactly as the store opens its own
// (WAL, synchronous=FULL), and --writers threads each moving its own referral on and off hold
// through the real ReferralWorkflow, state machines and store, every move acknowledged only
// once committed. The disk's speed drifts from second to second, so the two take turns in
// --rounds slices of --slice each, and each figure is its total over its slices. With
// --postgres the store is PostgreSQL (bench/run.sh compares that with pgbench on the same
// server) and only the writers run; several processes may run at once against one database,
// as replicas do, each with its own --id_prefix and the same --start_at. Prints one JSON line.
#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "services/referrals/domain/referral_workflow.h"
#include "services/referrals/server/grpc_dependencies.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/sqlite_connection.h"

ABSL_FLAG(std::string, directory, "/tmp", "Where the SQLite files go.");
ABSL_FLAG(std::string, postgres, "", "libpq conninfo: measure the PostgreSQL store instead.");
ABSL_FLAG(int, writers, 64, "Concurrent writers, each with its own referral.");
ABSL_FLAG(int, rounds, 5, "Turns the loop and the writers take.");
ABSL_FLAG(absl::Duration, slice, absl::Seconds(1), "How long each turn lasts.");
ABSL_FLAG(int, database_readers, probation::referrals::StoreOptions().readers,
          "Connections the store reads on, as the referrals service's flag.");
ABSL_FLAG(int, database_writers, probation::referrals::StoreOptions().writers,
          "PostgreSQL connections the store writes on, as the referrals service's flag.");
ABSL_FLAG(std::string, id_prefix, "bench",
          "Starts the ids, references and CRNs of its referrals: distinct per process sharing a "
          "database.");
ABSL_FLAG(absl::Time, start_at, absl::InfinitePast(),
          "When the writers begin (RFC 3339), so processes sharing a database write together.");

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << "referral_transitions_bench: " << value.status() << "\n";
    std::exit(1);
  }
  return *std::move(value);
}

void OrDie(const absl::Status& status) {
  if (!status.ok()) {
    std::cerr << "referral_transitions_bench: " << status << "\n";
    std::exit(1);
  }
}

void RemoveSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// One row per transaction: what a durable write costs without grouping. Returns how many rows
// it committed in `slice`.
int64_t PlainLoopFor(SqliteConnection& connection, absl::Duration slice) {
  const std::string body(300, 'b');  // about a referral event's size
  const absl::Time end = absl::Now() + slice;
  int64_t rows = 0;
  while (absl::Now() < end) {
    SqlTransaction transaction(connection, "BEGIN IMMEDIATE");
    OrDie(transaction.begun());
    SqliteStatement insert(connection, "INSERT INTO t (body) VALUES (?)");
    insert.Bind({Blob{body}});
    OrDie(insert.Run());
    OrDie(transaction.Commit());
    ++rows;
  }
  return rows;
}

v1::Referral SubmittedReferral(int i) {
  v1::Referral referral;
  referral.set_id(absl::StrCat(absl::GetFlag(FLAGS_id_prefix), i));
  referral.set_name(absl::StrCat("referrals/", referral.id()));
  referral.set_reference(absl::StrCat("BN", absl::GetFlag(FLAGS_id_prefix), 100000 + i));
  referral.set_intervention("interventions/thinking-skills");
  referral.set_kind(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
  referral.mutable_person()->set_crn(absl::StrCat("B", absl::GetFlag(FLAGS_id_prefix), 100000 + i));
  referral.set_region("london");
  referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
  *referral.mutable_create_time() = TimeUtil::GetCurrentTime();
  *referral.mutable_update_time() = referral.create_time();
  *referral.mutable_state_time() = referral.create_time();
  return referral;
}

int Main() {
  const bool postgres = !absl::GetFlag(FLAGS_postgres).empty();
  const std::string directory = absl::GetFlag(FLAGS_directory);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const absl::Duration slice = absl::GetFlag(FLAGS_slice);
  nlohmann::json result = {{"engine", postgres ? "postgres" : "sqlite"}};
  const std::string loop_database = directory + "/bench-loop.db";
  std::unique_ptr<SqliteConnection> loop;
  if (!postgres) {
    RemoveSqlite(loop_database);
    loop = OrDie(SqliteConnection::Open(loop_database));
    OrDie(loop->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"));
  }

  const std::string database = directory + "/bench-transitions.db";
  std::unique_ptr<ReferralStore> store;
  std::function<GroupCommit::Counts()> write_counts;
  if (postgres) {
    auto opened = OrDie(OpenPostgresReferralStore(
        absl::GetFlag(FLAGS_postgres), {.readers = absl::GetFlag(FLAGS_database_readers),
                                        .writers = absl::GetFlag(FLAGS_database_writers)}));
    write_counts = [engine = opened.get()] { return engine->write_counts(); };
    store = std::move(opened);
  } else {
    RemoveSqlite(database);
    auto opened = OrDie(OpenSqliteReferralStore(
        database, {.readers = absl::GetFlag(FLAGS_database_readers), .writers = 1}));
    write_counts = [engine = opened.get()] { return engine->write_counts(); };
    store = std::move(opened);
  }
  StateMachineSet machines = OrDie(StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded"));
  // Transitions consult neither the catalogue nor eligibility (creation and submission do), so
  // these clients are never called; nothing listens at their address.
  auto nowhere = grpc::CreateChannel("127.0.0.1:9", grpc::InsecureChannelCredentials());
  GrpcInterventionDirectory interventions(nowhere, absl::Seconds(1));
  GrpcEligibilityGate eligibility(nowhere, absl::Seconds(1));
  ReferralWorkflow workflow(machines, *store, interventions, eligibility);

  const int writers = absl::GetFlag(FLAGS_writers);
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  std::vector<v1::Referral> referrals;
  for (int i = 0; i < writers; ++i) {
    ReferralWrite write;
    write.referral = SubmittedReferral(i);
    write.referral.set_id(absl::StrCat(write.referral.id(), "-", run));
    write.referral.set_name(absl::StrCat("referrals/", write.referral.id()));
    write.referral.set_reference(absl::StrCat(write.referral.reference(), run));
    write.referral.mutable_person()->set_crn(absl::StrCat(write.referral.person().crn(), run));
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    referrals.push_back(
        OrDie(store->Create(write, absl::StrCat(write.referral.id(), "-", run))).referral);
  }
  const Identity practitioner{"bench-practitioner", common::v1::ROLE_PROBATION_PRACTITIONER,
                              "london", ""};
  absl::SleepFor(absl::GetFlag(FLAGS_start_at) - absl::Now());
  const GroupCommit::Counts before = write_counts();
  std::vector<v1::Referral> current = referrals;
  std::atomic<int64_t> transitions{0};
  std::atomic<int64_t> failures{0};
  int64_t loop_rows = 0;
  absl::Duration writing = absl::ZeroDuration();
  absl::Duration looping = absl::ZeroDuration();
  for (int round = 0; round < rounds; ++round) {
    if (loop != nullptr) {
      const absl::Time start = absl::Now();
      loop_rows += PlainLoopFor(*loop, slice);
      looping += absl::Now() - start;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const absl::Time start = absl::Now();
    for (int i = 0; i < writers; ++i) {
      threads.emplace_back([&, i] {
        v1::Referral& mine = current[i];
        while (!stop.load(std::memory_order_relaxed)) {
          v1::TransitionReferralRequest move;
          move.set_name(mine.name());
          move.set_etag(mine.etag());
          const bool hold = mine.state() == v1::REFERRAL_STATE_SUBMITTED;
          move.set_to_state(hold ? v1::REFERRAL_STATE_ON_HOLD : v1::REFERRAL_STATE_SUBMITTED);
          if (hold) move.set_reason_code("awaiting-information");
          absl::StatusOr<v1::Referral> moved = workflow.TransitionReferral(move, practitioner);
          if (!moved.ok()) {
            std::cerr << moved.status() << "\n";
            ++failures;
            return;
          }
          mine = *std::move(moved);
          ++transitions;
        }
      });
    }
    absl::SleepFor(slice);
    stop = true;
    for (auto& thread : threads) thread.join();
    writing += absl::Now() - start;
  }
  if (loop != nullptr) {
    result["loop_rows_per_second"] = loop_rows / absl::ToDoubleSeconds(looping);
    loop.reset();
    RemoveSqlite(loop_database);
  }
  result["transitions"] = transitions.load();
  result["failures"] = failures.load();
  result["transitions_per_second"] = transitions.load() / absl::ToDoubleSeconds(writing);
  result["writers"] = writers;
  {
    const GroupCommit::Counts after = write_counts();
    result["commits"] = after.commits - before.commits;
    result["mean_group"] = static_cast<double>(after.writes - before.writes) /
                           std::max<int64_t>(1, after.commits - before.commits);
  }
  std::cout << result.dump() << std::endl;
  store.reset();
  if (!postgres) RemoveSqlite(database);
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace probation::referrals

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return probation::referrals::Main();
}
