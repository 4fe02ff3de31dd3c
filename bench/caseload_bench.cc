// Caseload pages and reports with --count generated referrals stored, on SQLite (--sqlite, a
// file to create) or PostgreSQL (--postgres, an empty database): loads them in bulk through
// the service's own schema, then times each caseload view (as ListReferrals resolves it for a
// caller) and the reports over a month, a year and a region, in-process against the store.
// Prints one JSON object with p50 and p99 in milliseconds. With --load_only it only loads.
#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/generated_referrals.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "services/catalogue/catalogue_loader.h"
#include "services/referrals/domain/caseload_query.h"
#include "services/referrals/domain/referral_report.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/referral_list_sql.h"
#include "services/referrals/store/sqlite_connection.h"

ABSL_FLAG(std::string, sqlite, "", "A SQLite file to create and fill.");
ABSL_FLAG(std::string, postgres, "", "A PostgreSQL conninfo of an empty database to fill.");
ABSL_FLAG(int, count, 1000000, "How many referrals to store.");
ABSL_FLAG(int, rounds, 30, "Timed calls per view.");
ABSL_FLAG(bool, load_only, false, "Only load the referrals (for bench/suite_bench.py).");

namespace {

using google::protobuf::util::TimeUtil;
namespace referrals = probation::referrals;
namespace v1 = probation::referrals::v1;

[[noreturn]] void Fail(const absl::Status& status) {
  std::cerr << "caseload_bench: " << status << "\n";
  std::exit(1);
}

constexpr int kBatch = 500;

std::vector<referrals::SqlValue> ReferralRow(const probation::bench::GeneratedReferral& row) {
  const v1::Referral& r = row.referral;
  return {r.id(),
          r.reference(),
          r.person().crn(),
          r.intervention(),
          r.region(),
          r.provider(),
          int64_t{r.state()},
          int64_t{row.open ? 1 : 0},
          TimeUtil::TimestampToMicroseconds(r.create_time()),
          TimeUtil::TimestampToMicroseconds(r.update_time()),
          r.created_by(),
          r.assignee(),
          referrals::Blob{r.SerializeAsString()}};
}

constexpr char kReferralColumns[] =
    "INSERT INTO referrals (id, reference, crn, intervention, region, provider, state, is_open, "
    "version, create_time_us, update_time_us, created_by, assignee, body) VALUES ";
// History entries are kept on the rows of a referral's events, keyed by the event's sequence
// (the bench writes no events, so the sequence only orders them).
constexpr char kHistoryColumns[] =
    "INSERT INTO referral_events (referral_id, sequence, history, from_state, duration_us) VALUES ";

// Loads every generated referral, kBatch rows per statement, in one transaction.
template <typename RunBatch>
void Load(probation::bench::ReferralGenerator& generator, int count, RunBatch run,
          referrals::SqlDialect dialect) {
  const bool sqlite = dialect == referrals::SqlDialect::kSqlite;
  int64_t sequence = 0;
  std::vector<referrals::SqlValue> referral_values, history_values;
  std::string referral_sql, history_sql;
  const auto placeholder = [&](std::vector<referrals::SqlValue>& values) {
    return sqlite ? std::string("?") : absl::StrCat("$", values.size());
  };
  const auto flush = [&] {
    if (referral_values.empty()) return;
    run(absl::StrCat(kReferralColumns, referral_sql), referral_values);
    run(absl::StrCat(kHistoryColumns, history_sql), history_values);
    referral_values.clear();
    history_values.clear();
    referral_sql.clear();
    history_sql.clear();
  };
  for (int i = 0; i < count; ++i) {
    const probation::bench::GeneratedReferral row = generator.Next(i);
    std::vector<std::string> marks;
    for (referrals::SqlValue& value : ReferralRow(row)) {
      referral_values.push_back(std::move(value));
      marks.push_back(placeholder(referral_values));
    }
    // version is always 1
    marks.insert(marks.begin() + 8, "1");
    absl::StrAppend(&referral_sql, referral_sql.empty() ? "" : ", ", "(",
                    absl::StrJoin(marks, ", "), ")");
    for (size_t position = 0; position < row.history.size(); ++position) {
      const v1::HistoryEntry& entry = row.history[position];
      std::vector<std::string> entry_marks;
      for (referrals::SqlValue value :
           {referrals::SqlValue(row.referral.id()), referrals::SqlValue(++sequence),
            referrals::SqlValue(referrals::Blob{entry.SerializeAsString()}),
            referrals::SqlValue(int64_t{entry.from_state()}),
            referrals::SqlValue(referrals::StayMicros(entry))}) {
        history_values.push_back(std::move(value));
        entry_marks.push_back(placeholder(history_values));
      }
      absl::StrAppend(&history_sql, history_sql.empty() ? "" : ", ", "(",
                      absl::StrJoin(entry_marks, ", "), ")");
    }
    if ((i + 1) % kBatch == 0) flush();
  }
  flush();
}

struct Timing {
  double p50_ms;
  double p99_ms;
  int rows;
};

template <typename Call>
Timing Time(int rounds, Call call) {
  std::vector<double> samples;
  int rows = 0;
  for (int round = 0; round < rounds; ++round) {
    const absl::Time start = absl::Now();
    rows = call();
    samples.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2],
          samples[std::min(samples.size() - 1, samples.size() * 99 / 100)], rows};
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string sqlite = absl::GetFlag(FLAGS_sqlite);
  const std::string postgres = absl::GetFlag(FLAGS_postgres);
  const int count = absl::GetFlag(FLAGS_count);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (sqlite.empty() == postgres.empty()) {
    std::cerr << "caseload_bench: give one of --sqlite and --postgres\n";
    return 2;
  }
  auto catalogue = probation::catalogue::LoadCatalogue(
      probation::catalogue::EmbeddedCatalogueText(), "embedded");
  if (!catalogue.ok()) Fail(catalogue.status());
  auto machines =
      referrals::StateMachineSet::Load(referrals::EmbeddedStateMachinesText(), "embedded");
  if (!machines.ok()) Fail(machines.status());
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  probation::bench::ReferralGenerator generator(*catalogue, count, now_us);

  // Create the schema as the service does, then load in bulk beside it.
  std::unique_ptr<referrals::ReferralStore> store;
  const absl::Time load_start = absl::Now();
  if (!sqlite.empty()) {
    {
      auto created = referrals::OpenSqliteReferralStore(sqlite);
      if (!created.ok()) Fail(created.status());
    }
    auto db = referrals::SqliteConnection::Open(sqlite);
    if (!db.ok()) Fail(db.status());
    if (auto status = (*db)->Exec("BEGIN"); !status.ok()) Fail(status);
    Load(
        generator, count,
        [&](const std::string& sql, const std::vector<referrals::SqlValue>& values) {
          referrals::SqliteStatement statement(**db, sql);
          statement.Bind(values);
          if (auto status = statement.Run(); !status.ok()) Fail(status);
        },
        referrals::SqlDialect::kSqlite);
    if (auto status = (*db)->Exec("COMMIT; ANALYZE"); !status.ok()) Fail(status);
    db->reset();
    auto opened = referrals::OpenSqliteReferralStore(sqlite);
    if (!opened.ok()) Fail(opened.status());
    store = *std::move(opened);
  } else {
    {
      auto created = referrals::OpenPostgresReferralStore(postgres);
      if (!created.ok()) Fail(created.status());
    }
    auto db = referrals::PostgresConnection::Open(postgres);
    if (!db.ok()) Fail(db.status());
    if (auto status = (*db)->ExecScript("BEGIN"); !status.ok()) Fail(status);
    Load(
        generator, count,
        [&](const std::string& sql, const std::vector<referrals::SqlValue>& values) {
          if (auto result = (*db)->Exec(sql, values); !result.ok()) Fail(result.status());
        },
        referrals::SqlDialect::kPostgres);
    // As autovacuum would leave it: statistics, and a visibility map for index-only scans.
    if (auto status = (*db)->ExecScript("COMMIT"); !status.ok()) Fail(status);
    if (auto status = (*db)->ExecScript("VACUUM ANALYZE"); !status.ok()) Fail(status);
    db->reset();
    auto opened = referrals::OpenPostgresReferralStore(postgres);
    if (!opened.ok()) Fail(opened.status());
    store = *std::move(opened);
  }
  const double load_seconds = absl::ToDoubleSeconds(absl::Now() - load_start);
  if (absl::GetFlag(FLAGS_load_only)) {
    std::cout << "loaded " << count << " referrals in " << load_seconds << " s\n";
    return 0;
  }

  // A sample referral to search for and to take callers from.
  referrals::ListQuery newest;
  newest.page_size = 1;
  auto sample_page = store->List(newest);
  if (!sample_page.ok()) Fail(sample_page.status());
  const v1::Referral sample = sample_page->referrals.at(0);
  const probation::Identity practitioner{
      sample.created_by(), probation::common::v1::ROLE_PROBATION_PRACTITIONER, sample.region(), ""};
  const probation::Identity programme_team{
      "facilitator-7", probation::common::v1::ROLE_PROGRAMME_TEAM, sample.region(), ""};
  const probation::Identity provider{"caseworker-7", probation::common::v1::ROLE_SERVICE_PROVIDER,
                                     "", "provider-a"};
  const probation::Identity admin{"admin", probation::common::v1::ROLE_ADMIN, "", ""};
  using Request = v1::ListReferralsRequest;
  const auto request = [](auto set) {
    Request request;
    request.set_page_size(50);
    set(request);
    return request;
  };
  const std::vector<std::tuple<std::string, probation::Identity, Request>> views = {
      {"newest, admin", admin, request([](Request&) {})},
      {"a region, practitioner", practitioner, request([](Request&) {})},
      {"my referrals, practitioner", practitioner,
       request([](Request& r) { r.set_caseload(Request::CASELOAD_MINE); })},
      {"open in a region", practitioner,
       request([](Request& r) { r.set_state_group(Request::STATE_GROUP_OPEN); })},
      {"closed in a region", practitioner,
       request([](Request& r) { r.set_state_group(Request::STATE_GROUP_CLOSED); })},
      {"assigned to me, programme team", programme_team,
       request([](Request& r) { r.set_caseload(Request::CASELOAD_MINE); })},
      {"unassigned, programme team", programme_team,
       request([](Request& r) { r.set_caseload(Request::CASELOAD_UNASSIGNED); })},
      {"unassigned, provider", provider,
       request([](Request& r) { r.set_caseload(Request::CASELOAD_UNASSIGNED); })},
      {"recently updated in a region", practitioner,
       request([](Request& r) { r.set_order_by("update_time desc"); })},
      {"oldest first, admin", admin, request([](Request& r) { r.set_order_by("create_time"); })},
      {"by reference", practitioner, request([&](Request& r) { r.set_query(sample.reference()); })},
      {"by CRN", admin, request([&](Request& r) { r.set_query(sample.person().crn()); })},
  };
  nlohmann::json out = {{"engine", sqlite.empty() ? "postgres" : "sqlite"},
                        {"referrals", count},
                        {"load_seconds", load_seconds}};
  for (const auto& [name, caller, list_request] : views) {
    auto query = referrals::ResolveCaseloadQuery(list_request, caller);
    if (!query.ok()) Fail(query.status());
    // The second page too: a keyset page costs what the first does.
    const Timing timing = Time(rounds, [&] {
      auto page = store->List(query->query);
      if (!page.ok()) Fail(page.status());
      return page->total_size;
    });
    out["caseload"][name] = {
        {"p50_ms", timing.p50_ms}, {"p99_ms", timing.p99_ms}, {"total_size", timing.rows}};
  }
  referrals::ReferralReports reports(*machines, *store);
  const auto report = [&](absl::Duration span, const probation::Identity& caller) {
    v1::GetReferralReportRequest request;
    *request.mutable_filter()->mutable_start_time() =
        TimeUtil::MicrosecondsToTimestamp(now_us - absl::ToInt64Microseconds(span));
    *request.mutable_filter()->mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
    return Time(std::max(3, rounds / 10), [&] {
      auto built = reports.GetReferralReport(request, caller);
      if (!built.ok()) Fail(built.status());
      return static_cast<int>(built->total());
    });
  };
  for (const auto& [name, span, caller] :
       {std::tuple<std::string, absl::Duration, probation::Identity>{"last month, admin",
                                                                     absl::Hours(24 * 30), admin},
        {"last year, admin", absl::Hours(24 * 365), admin},
        {"last year, a region", absl::Hours(24 * 365), practitioner},
        {"three years, admin", absl::Hours(24 * 365 * 3), admin}}) {
    const Timing timing = report(span, caller);
    out["report"][name] = {
        {"p50_ms", timing.p50_ms}, {"p99_ms", timing.p99_ms}, {"referrals", timing.rows}};
  }
  v1::ExportReferralsRequest export_request;
  *export_request.mutable_filter()->mutable_start_time() =
      TimeUtil::MicrosecondsToTimestamp(now_us - absl::ToInt64Microseconds(absl::Hours(24 * 30)));
  *export_request.mutable_filter()->mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
  const Timing exported = Time(3, [&] {
    int64_t bytes = 0;
    auto status = reports.ExportReferrals(export_request, admin, [&](std::string chunk) {
      bytes += chunk.size();
      return true;
    });
    if (!status.ok()) Fail(status);
    return static_cast<int>(bytes);
  });
  out["export"]["last month, admin"] = {{"p50_ms", exported.p50_ms}, {"bytes", exported.rows}};
  std::cout << out.dump() << "\n";
  return 0;
}
