// The waiting list of one intervention in one region with --waiting referrals waiting (issue 22:
// 10,000 in under 20 ms p99), on a SQLite file opened as the referrals service opens its own
// and, with --postgres, on a PostgreSQL database too. Each engine's store is filled through its
// own Create (in parallel, as the service writes) with the waiting referrals to
// interventions/building-better-relationships in london, all submitted, of men, with distinct
// CRNs and submit times spread over the last year; and --noise others the list must leave out:
// another programme in the same region, the same programme in another region, and the same
// programme and region on the programme or closed. Then, in-process through the real
// GroupWorkflow::ListWaitingList as a programme team in london: the first page (default size,
// 100) --first_calls times; one walk of every page by its page tokens, checked (total_size,
// positions 1..N in order, ascending submit times, every waiting referral once); and the middle
// and the last page by their tokens --deep_calls times each. Prints one JSON object with p50,
// p99 and max in milliseconds per engine and page; exits 1 on a wrong list or a p99 of
// --max_p99_ms or more.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "services/catalogue/catalogue_loader.h"
#include "services/referrals/domain/bank_holidays.h"
#include "services/referrals/domain/dependencies.h"
#include "services/referrals/domain/group_workflow.h"
#include "services/referrals/domain/state_machine_set.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"

ABSL_FLAG(std::string, sqlite, "",
          "The SQLite file to create (replaced if it exists, removed afterwards); a file in a "
          "new temporary directory when empty.");
ABSL_FLAG(std::string, postgres, "",
          "A PostgreSQL conninfo of an empty database to fill and measure too; SQLite only when "
          "empty.");
ABSL_FLAG(int, waiting, 10000, "Referrals waiting on the measured list.");
ABSL_FLAG(int, noise, 10000, "Other referrals, which the list leaves out.");
ABSL_FLAG(int, threads, 8, "Threads writing the referrals.");
ABSL_FLAG(int, first_calls, 2000, "Timed calls of the first page.");
ABSL_FLAG(int, deep_calls, 500, "Timed calls each of the middle and the last page.");
ABSL_FLAG(double, max_p99_ms, 20, "The target: p99 of every page below this, in milliseconds.");

namespace probation::referrals {
namespace {

using Clock = std::chrono::steady_clock;
using google::protobuf::util::TimeUtil;

constexpr char kIntervention[] = "interventions/building-better-relationships";
constexpr char kOtherIntervention[] = "interventions/thinking-skills-programme";
constexpr char kRegion[] = "london";
constexpr char kOtherRegion[] = "north-west";

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << "waiting_list_bench: " << value.status() << "\n";
    std::exit(2);
  }
  return *std::move(value);
}

void OrDie(const absl::Status& status) {
  if (!status.ok()) {
    std::cerr << "waiting_list_bench: " << status << "\n";
    std::exit(2);
  }
}

void RemoveSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// The catalogue's interventions by name, as the catalogue service would answer.
class CatalogueDirectory : public InterventionDirectory {
 public:
  explicit CatalogueDirectory(const catalogue::data::v1::Catalogue& catalogue) {
    for (const catalogue::v1::Intervention& intervention : catalogue.interventions()) {
      by_name_[intervention.name()] = intervention;
    }
  }
  absl::StatusOr<catalogue::v1::Intervention> GetIntervention(absl::string_view name) override {
    auto found = by_name_.find(name);
    if (found == by_name_.end()) return absl::NotFoundError(absl::StrCat(name, " is not known"));
    return found->second;
  }

 private:
  absl::flat_hash_map<std::string, catalogue::v1::Intervention> by_name_;
};

// Runs `work(i)` for i in [0, count) on `threads` threads, each taking the next i.
template <typename Work>
void InParallel(int threads, int count, Work work) {
  std::atomic<int> next{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&] {
      for (int i = next++; i < count; i = next++) work(i);
    });
  }
  for (std::thread& thread : running) thread.join();
}

// What referral i is. The first `waiting` wait on the measured list; the rest are noise the
// list leaves out: another programme in the region, the programme in another region, on the
// programme (open but holding a place) and completed (closed).
struct Seed {
  std::string intervention = kIntervention;
  std::string region = kRegion;
  v1::ReferralState state = v1::REFERRAL_STATE_SUBMITTED;
  bool open = true;
  bool waiting = true;
};

Seed SeedOf(int i, int waiting) {
  Seed seed;
  if (i < waiting) return seed;
  seed.waiting = false;
  switch ((i - waiting) % 5) {
    case 0:
    case 1:
      seed.intervention = kOtherIntervention;
      break;
    case 2:
    case 3:
      seed.region = kOtherRegion;
      break;
    case 4:
      if ((i - waiting) % 10 == 4) {
        seed.state = v1::REFERRAL_STATE_ON_PROGRAMME;
      } else {
        seed.state = v1::REFERRAL_STATE_PROGRAMME_COMPLETE;
        seed.open = false;
      }
      break;
  }
  return seed;
}

struct Seeded {
  // The waiting referrals' ids in waiting order (their submit times ascend with i).
  std::vector<std::string> waiting_ids;
  double seconds = 0;
};

// Every referral through the store's Create, in a shuffled order; referral i was submitted
// i / count of the way through the last year (so the waiting and the noise interleave).
Seeded SeedStore(ReferralStore& store, int waiting, int noise, int threads, absl::Time now) {
  ListQuery any;
  any.page_size = 1;
  if (!OrDie(store.List(any)).referrals.empty()) {
    std::cerr << "waiting_list_bench: the database already holds referrals; give an empty one\n";
    std::exit(2);
  }
  const int count = waiting + noise;
  std::vector<int> order(count);
  for (int i = 0; i < count; ++i) order[i] = i;
  std::mt19937_64 random(22);
  std::shuffle(order.begin(), order.end(), random);
  std::vector<std::string> ids(count);
  for (std::string& id : ids) id = absl::StrFormat("%016x%016x", random(), random());
  const int64_t now_us = absl::ToUnixMicros(now);
  const int64_t year_us = int64_t{365} * 24 * 3600 * 1000000;
  // Waiting referral w is the (2w)th of the year's submissions and noise n the (2n+1)th,
  // roughly: every one distinct.
  const auto submit_us = [&](int i) {
    const int64_t slot = i < waiting ? 2 * int64_t{i} : 2 * int64_t{i - waiting} + 1;
    const int64_t slots = 2 * int64_t{std::max(waiting, noise)} + 2;
    return now_us - year_us + year_us / slots * slot;
  };
  std::atomic<int> failures{0};
  const absl::Time start = absl::Now();
  InParallel(threads, count, [&](int n) {
    const int i = order[n];
    const Seed seed = SeedOf(i, waiting);
    ReferralWrite create;
    v1::Referral& referral = create.referral;
    referral.set_id(ids[i]);
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrFormat("WL%06d%c", i % 1000000, 'A' + (i / 1000000) % 26));
    referral.set_intervention(seed.intervention);
    referral.set_kind(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
    common::v1::PersonProfile& person = *referral.mutable_person();
    person.set_crn(absl::StrFormat("W%06d", i));
    person.set_sex(common::v1::SEX_MALE);
    person.set_region(seed.region);
    referral.set_region(seed.region);
    referral.set_created_by(absl::StrCat("pp-", seed.region, "-", i % 200));
    referral.set_reason_for_referral("Generated for the waiting list benchmark.");
    referral.set_state(seed.state);
    const int64_t submitted = submit_us(i);
    *referral.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(submitted - 3600000000);
    *referral.mutable_submit_time() = TimeUtil::MicrosecondsToTimestamp(submitted);
    *referral.mutable_update_time() = referral.submit_time();
    *referral.mutable_state_time() = referral.submit_time();
    create.open = seed.open;
    create.event_type = v1::ReferralEvent::TYPE_CREATED;
    absl::StatusOr<CreateResult> created = store.Create(create, absl::StrCat("waiting-bench-", i));
    if (!created.ok() && failures++ < 5) std::cerr << "create: " << created.status() << "\n";
  });
  if (failures.load() > 0) {
    std::cerr << "waiting_list_bench: " << failures.load() << " referrals not created\n";
    std::exit(2);
  }
  Seeded seeded;
  seeded.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  seeded.waiting_ids.assign(ids.begin(), ids.begin() + waiting);
  return seeded;
}

struct Timing {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  int calls = 0;
};

Timing Summarise(std::vector<double> samples) {
  Timing timing;
  if (samples.empty()) return timing;
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double p) {
    return samples[std::min(samples.size() - 1, static_cast<size_t>(samples.size() * p))];
  };
  timing.p50_ms = at(0.50);
  timing.p99_ms = at(0.99);
  timing.max_ms = samples.back();
  timing.calls = static_cast<int>(samples.size());
  return timing;
}

nlohmann::json ToJson(const Timing& timing) {
  return {{"p50_ms", timing.p50_ms},
          {"p99_ms", timing.p99_ms},
          {"max_ms", timing.max_ms},
          {"calls", timing.calls}};
}

class Measure {
 public:
  Measure(GroupWorkflow& workflow, const Identity& caller) : workflow_(workflow), caller_(caller) {}

  delivery::v1::ListWaitingListResponse Page(const std::string& token, double* ms = nullptr) {
    delivery::v1::ListWaitingListRequest request;
    request.set_intervention(kIntervention);
    request.set_region(kRegion);
    request.set_page_token(token);
    const Clock::time_point start = Clock::now();
    absl::StatusOr<delivery::v1::ListWaitingListResponse> page =
        workflow_.ListWaitingList(request, caller_);
    const Clock::time_point done = Clock::now();
    if (ms != nullptr) *ms = std::chrono::duration<double, std::milli>(done - start).count();
    return OrDie(std::move(page));
  }

  // The page at `token`, `calls` times after a few untimed ones.
  Timing Repeat(const std::string& token, int calls) {
    for (int i = 0; i < std::min(calls, 20); ++i) Page(token);
    std::vector<double> samples(calls);
    for (int i = 0; i < calls; ++i) Page(token, &samples[i]);
    return Summarise(std::move(samples));
  }

 private:
  GroupWorkflow& workflow_;
  const Identity& caller_;
};

// Measures one engine's filled store; adds its errors to `errors`.
nlohmann::json MeasureEngine(const std::string& engine, ReferralStore& store, const Seeded& seeded,
                             const StateMachineSet& machines, const BankHolidays& holidays,
                             InterventionDirectory& interventions,
                             std::vector<std::string>& errors) {
  GroupWorkflow workflow(machines, holidays, store, interventions);
  const Identity team{"bench-programme-team-london", common::v1::ROLE_PROGRAMME_TEAM, kRegion, "",
                      absl::InfiniteFuture()};
  Measure measure(workflow, team);
  const int waiting = static_cast<int>(seeded.waiting_ids.size());
  const auto wrong = [&](const std::string& what) {
    errors.push_back(absl::StrCat(engine, ": ", what));
  };

  // One walk of every page, checked, and its page tokens.
  std::vector<std::string> tokens = {""};
  std::vector<double> walk_ms;
  int position = 0;
  int64_t last_since_us = INT64_MIN;
  std::set<std::string> seen;
  int pages = 0;
  for (std::string token;;) {
    double ms = 0;
    const delivery::v1::ListWaitingListResponse page = measure.Page(token, &ms);
    walk_ms.push_back(ms);
    ++pages;
    if (page.total_size() != waiting) {
      wrong(
          absl::StrCat("page ", pages, " says total_size ", page.total_size(), ", not ", waiting));
    }
    if (page.next_page_token().empty() ? page.entries_size() > 100 : page.entries_size() != 100) {
      wrong(absl::StrCat("page ", pages, " has ", page.entries_size(), " entries"));
    }
    for (const delivery::v1::WaitingListEntry& entry : page.entries()) {
      ++position;
      const int64_t since_us = TimeUtil::TimestampToMicroseconds(entry.waiting_since());
      if (entry.position() != position) {
        wrong(absl::StrCat("entry ", position, " has position ", entry.position()));
      }
      if (since_us <= last_since_us) {
        wrong(absl::StrCat("entry ", position, " waits since no later than the one before"));
      }
      if (position <= waiting &&
          entry.referral() != absl::StrCat("referrals/", seeded.waiting_ids[position - 1])) {
        wrong(absl::StrCat("entry ", position, " is ", entry.referral(), ", not referrals/",
                           seeded.waiting_ids[position - 1]));
      }
      if (entry.intervention() != kIntervention || entry.sex() != common::v1::SEX_MALE) {
        wrong(absl::StrCat("entry ", position, " is to ", entry.intervention(), " of sex ",
                           entry.sex()));
      }
      seen.insert(entry.referral());
      last_since_us = since_us;
    }
    if (page.next_page_token().empty()) break;
    token = page.next_page_token();
    tokens.push_back(token);
    if (pages > waiting / 100 + 10) {
      wrong("the pages do not end");
      break;
    }
  }
  if (position != waiting || static_cast<int>(seen.size()) != waiting) {
    wrong(absl::StrCat("the walk saw ", position, " entries (", seen.size(), " referrals), not ",
                       waiting));
  }
  if (errors.size() > 20) errors.resize(20);
  double walk_total_ms = 0;
  for (double ms : walk_ms) walk_total_ms += ms;

  nlohmann::json out = {
      {"engine", engine}, {"waiting", waiting},       {"seed_seconds", seeded.seconds},
      {"pages", pages},   {"walk_ms", walk_total_ms}, {"walk_page", ToJson(Summarise(walk_ms))}};
  // The first page, and the middle and last pages by their tokens.
  const delivery::v1::ListWaitingListResponse first = measure.Page("");
  if (first.entries_size() != std::min(100, waiting) ||
      (first.entries_size() > 0 && first.entries(0).position() != 1)) {
    wrong("the first page is not positions 1 to 100");
  }
  out["first_page"] = ToJson(measure.Repeat("", absl::GetFlag(FLAGS_first_calls)));
  const size_t middle = tokens.size() / 2;
  out["middle_page"] = ToJson(measure.Repeat(tokens[middle], absl::GetFlag(FLAGS_deep_calls)));
  out["middle_page"]["first_position"] = static_cast<int>(middle) * 100 + 1;
  out["last_page"] = ToJson(measure.Repeat(tokens.back(), absl::GetFlag(FLAGS_deep_calls)));
  out["last_page"]["first_position"] = static_cast<int>(tokens.size() - 1) * 100 + 1;
  return out;
}

int Main() {
  const int waiting = absl::GetFlag(FLAGS_waiting);
  const int noise = absl::GetFlag(FLAGS_noise);
  const int threads = absl::GetFlag(FLAGS_threads);
  if (waiting < 1 || noise < 0 || threads < 1 || absl::GetFlag(FLAGS_first_calls) < 1 ||
      absl::GetFlag(FLAGS_deep_calls) < 1) {
    std::cerr << "waiting_list_bench: --waiting, --threads and the calls must be positive\n";
    return 2;
  }
  const StateMachineSet machines =
      OrDie(StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded"));
  const BankHolidays holidays = OrDie(BankHolidays::LoadEmbedded());
  CatalogueDirectory interventions(
      OrDie(catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded")));
  const absl::Time now = absl::Now();

  std::string directory;
  std::string sqlite = absl::GetFlag(FLAGS_sqlite);
  if (sqlite.empty()) {
    char pattern[] = "/tmp/waiting-list-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::cerr << "waiting_list_bench: cannot make a temporary directory\n";
      return 2;
    }
    directory = pattern;
    sqlite = directory + "/referrals.db";
  }
  std::vector<std::string> errors;
  nlohmann::json result = {{"max_p99_ms", absl::GetFlag(FLAGS_max_p99_ms)},
                           {"noise", noise},
                           {"intervention", kIntervention},
                           {"region", kRegion}};
  {
    RemoveSqlite(sqlite);
    std::unique_ptr<SqlReferralStore> store = OrDie(OpenSqliteReferralStore(sqlite));
    const Seeded seeded = SeedStore(*store, waiting, noise, threads, now);
    result["engines"].push_back(
        MeasureEngine("sqlite", *store, seeded, machines, holidays, interventions, errors));
    store.reset();
    RemoveSqlite(sqlite);
    if (!directory.empty()) std::remove(directory.c_str());
  }
  if (const std::string postgres = absl::GetFlag(FLAGS_postgres); !postgres.empty()) {
    std::unique_ptr<SqlReferralStore> store = OrDie(OpenPostgresReferralStore(postgres));
    const Seeded seeded = SeedStore(*store, waiting, noise, threads, now);
    {
      // As autovacuum would leave the table after as many inserts: its statistics.
      std::unique_ptr<PostgresConnection> db = OrDie(PostgresConnection::Open(postgres));
      OrDie(db->ExecScript("VACUUM ANALYZE referrals"));
    }
    result["engines"].push_back(
        MeasureEngine("postgres", *store, seeded, machines, holidays, interventions, errors));
  }
  result["errors"] = errors;
  std::cout << result.dump() << std::endl;
  for (const std::string& error : errors) std::cerr << "wrong: " << error << "\n";
  bool met = errors.empty();
  for (const nlohmann::json& engine : result["engines"]) {
    for (const char* page : {"first_page", "middle_page", "last_page"}) {
      if (engine[page]["p99_ms"].get<double>() >= absl::GetFlag(FLAGS_max_p99_ms)) met = false;
    }
  }
  return met ? 0 : 1;
}

}  // namespace
}  // namespace probation::referrals

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return probation::referrals::Main();
}
