// Attendance recorded for appointments at a steady --rate for --seconds, on a SQLite file opened
// as the referrals service opens its own (WAL, synchronous=FULL), in-process through the real
// DeliveryWorkflow, delivery rules, state machines and store. The CRS referrals are written
// straight into the store in delivery, each with an approved action plan of --sessions
// sessions; a service provider then schedules every session through the workflow, in the
// future by the workflow's clock, which is then moved on past them all so that their
// attendance may be recorded. The recording is open-loop: call n is due at start + n / rate,
// whichever of --threads is free takes it, and its latency runs from when it was due to its
// answer, so a stall is counted against every call it held up (no coordinated omission). Each
// call commits the appointment, the referral's attendance summary, the event and the access
// record in one transaction. Prints one JSON line; exits 1 on any error or wrong summary, or if
// p99 is --max_p99_ms or more.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "services/referrals/domain/delivery_rules.h"
#include "services/referrals/domain/delivery_workflow.h"
#include "services/referrals/domain/state_machine_set.h"
#include "services/referrals/store/open_referral_store.h"

ABSL_FLAG(std::string, sqlite, "/tmp/bench-attendance.db",
          "The SQLite file to create (replaced if it exists, removed afterwards).");
ABSL_FLAG(double, rate, 100, "Attendance records per second, in all.");
ABSL_FLAG(double, seconds, 60, "How long to record attendance for.");
ABSL_FLAG(int, threads, 4, "Threads making the calls; a free one takes the next call due.");
ABSL_FLAG(int, sessions, 10,
          "Sessions of each referral's approved action plan: the referrals are the calls over "
          "this, each with this many appointments.");
ABSL_FLAG(double, max_p99_ms, 50, "The target: p99 below this, in milliseconds.");

namespace probation::referrals {
namespace {

using Clock = std::chrono::steady_clock;
using google::protobuf::util::TimeUtil;

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << "attendance_bench: " << value.status() << "\n";
    std::exit(2);
  }
  return *std::move(value);
}

void RemoveSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

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

// CRS referral `i`, sent to provider-a in London and now in delivery, with its approved action
// plan of `sessions` sessions: created sent, then moved on, then the plan written.
v1::Referral SeedReferral(ReferralStore& store, int i, int sessions, absl::Time now) {
  ReferralWrite create;
  v1::Referral& referral = create.referral;
  referral.set_id(absl::StrCat("attendance-", i));
  referral.set_name(absl::StrCat("referrals/", referral.id()));
  referral.set_reference(
      absl::StrFormat("AT%04d%c%c", i % 10000, 'A' + (i / 10000) % 26, 'A' + (i / 260000) % 26));
  referral.set_intervention("interventions/crs-accommodation");
  referral.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  referral.mutable_person()->set_crn(absl::StrFormat("A%06d", i));
  referral.mutable_person()->set_region("london");
  referral.set_region("london");
  referral.set_provider("provider-a");
  referral.set_created_by(absl::StrCat("pp-london-", i % 200));
  referral.set_reason_for_referral("Generated for the attendance benchmark.");
  referral.add_desired_outcomes("Secures suitable accommodation");
  referral.add_desired_outcomes("Keeps their tenancy");
  referral.set_state(v1::REFERRAL_STATE_SENT);
  *referral.mutable_create_time() = ToTimestamp(now - absl::Hours(24 * 60));
  *referral.mutable_submit_time() = referral.create_time();
  *referral.mutable_update_time() = referral.create_time();
  *referral.mutable_state_time() = referral.create_time();
  create.event_type = v1::ReferralEvent::TYPE_CREATED;
  v1::Referral sent = OrDie(store.Create(create, referral.id())).referral;

  ReferralWrite move;
  move.referral = sent;
  move.referral.set_state(v1::REFERRAL_STATE_IN_DELIVERY);
  move.referral.set_assignee(absl::StrCat("caseworker-", i % 500));
  move.referral.mutable_attendance()->set_sessions_required(sessions);
  *move.referral.mutable_start_time() = ToTimestamp(now - absl::Hours(24 * 30));
  *move.referral.mutable_update_time() = ToTimestamp(now - absl::Hours(24));
  *move.referral.mutable_state_time() = move.referral.update_time();
  v1::HistoryEntry& entry = move.history.emplace();
  entry.set_from_state(v1::REFERRAL_STATE_SENT);
  entry.set_to_state(v1::REFERRAL_STATE_IN_DELIVERY);
  entry.set_action("start-delivery");
  entry.set_actor("bench-provider");
  entry.set_role(common::v1::ROLE_SERVICE_PROVIDER);
  *entry.mutable_occurred_at() = move.referral.update_time();
  *entry.mutable_time_in_previous_state() = TimeUtil::MicrosecondsToDuration(
      TimeUtil::TimestampToMicroseconds(move.referral.update_time()) -
      TimeUtil::TimestampToMicroseconds(sent.state_time()));
  move.event_type = v1::ReferralEvent::TYPE_TRANSITIONED;
  v1::Referral in_delivery = OrDie(store.Update(move, sent.etag()));

  DeliveryRecordWrite plan;
  plan.kind = DeliveryRecordWrite::Kind::kActionPlan;
  plan.referral_id = in_delivery.id();
  delivery::v1::ActionPlan& action_plan = plan.action_plan;
  action_plan.set_name(ActionPlanName(in_delivery.id()));
  for (const std::string& outcome : in_delivery.desired_outcomes()) {
    delivery::v1::Activity& activity = *action_plan.add_activities();
    activity.set_description("Weekly sessions with the caseworker.");
    activity.set_desired_outcome(outcome);
  }
  action_plan.set_number_of_sessions(sessions);
  action_plan.set_approved_number_of_sessions(sessions);
  action_plan.set_state(delivery::v1::ACTION_PLAN_STATE_APPROVED);
  *action_plan.mutable_submit_time() = ToTimestamp(now - absl::Hours(24 * 3));
  *action_plan.mutable_approve_time() = ToTimestamp(now - absl::Hours(24 * 2));
  action_plan.set_approved_by(in_delivery.created_by());
  *action_plan.mutable_update_time() = action_plan.approve_time();
  OrDie(store.PutDeliveryRecord(plan));
  return in_delivery;
}

double Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return 0;
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(values.size() * p));
  std::nth_element(values.begin(), values.begin() + at, values.end());
  return values[at] / 1e6;
}

int Main() {
  const std::string database = absl::GetFlag(FLAGS_sqlite);
  const double rate = absl::GetFlag(FLAGS_rate);
  const int threads = absl::GetFlag(FLAGS_threads);
  const int sessions = absl::GetFlag(FLAGS_sessions);
  const int calls = static_cast<int>(rate * absl::GetFlag(FLAGS_seconds));
  if (rate <= 0 || threads < 1 || sessions < 1 || calls < 1) {
    std::cerr << "attendance_bench: --rate, --seconds, --threads and --sessions must be "
                 "positive\n";
    return 2;
  }
  const int referral_count = (calls + sessions - 1) / sessions;

  RemoveSqlite(database);
  std::unique_ptr<SqlReferralStore> store = OrDie(OpenSqliteReferralStore(database));
  const StateMachineSet machines =
      OrDie(StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded"));
  const DeliveryRules rules = OrDie(DeliveryRules::LoadEmbedded());
  // The workflow's clock: the real one, moved on by `ahead_us` once the sessions are booked.
  std::atomic<int64_t> ahead_us{0};
  // No access audit or refusal limiter: every call here is in scope, and a write's access
  // record commits with it whether or not the workflow has an audit.
  DeliveryWorkflow workflow(machines, rules, *store,
                            [&] { return absl::Now() + absl::Microseconds(ahead_us.load()); });
  const Identity provider{"bench-provider-a-worker", common::v1::ROLE_SERVICE_PROVIDER, "",
                          "provider-a", absl::InfiniteFuture()};

  const absl::Time seeding = absl::Now();
  std::vector<v1::Referral> referrals(referral_count);
  InParallel(threads, referral_count,
             [&](int i) { referrals[i] = SeedReferral(*store, i, sessions, seeding); });
  const double seed_seconds = absl::ToDoubleSeconds(absl::Now() - seeding);

  // Session k of each referral a day apart from tomorrow, spread over the day by referral;
  // call n records session n / referral_count of referral n % referral_count.
  const absl::Time scheduling = absl::Now();
  const absl::Time first_day = absl::Now() + absl::Hours(24);
  std::vector<delivery::v1::Appointment> appointments(calls);
  std::atomic<int> schedule_errors{0};
  InParallel(threads, referral_count, [&](int r) {
    for (int k = 0; k < sessions && k * referral_count + r < calls; ++k) {
      delivery::v1::ScheduleAppointmentRequest request;
      request.set_parent(referrals[r].name());
      request.set_request_id(absl::StrCat("attendance-bench-", r, "-", k));
      delivery::v1::Appointment& proposed = *request.mutable_appointment();
      proposed.set_type(delivery::v1::APPOINTMENT_TYPE_SESSION);
      *proposed.mutable_start_time() =
          ToTimestamp(first_day + absl::Hours(24) * k + absl::Minutes(r % 480));
      *proposed.mutable_duration() = TimeUtil::SecondsToDuration(3600);
      proposed.set_delivery_method(delivery::v1::DELIVERY_METHOD_IN_PERSON);
      proposed.set_location("1 Example Street, London");
      absl::StatusOr<delivery::v1::Appointment> scheduled =
          workflow.ScheduleAppointment(request, provider);
      if (!scheduled.ok()) {
        if (schedule_errors++ < 5) std::cerr << "schedule: " << scheduled.status() << "\n";
        continue;
      }
      appointments[k * referral_count + r] = *std::move(scheduled);
    }
  });
  const double schedule_seconds = absl::ToDoubleSeconds(absl::Now() - scheduling);
  if (schedule_errors.load() > 0) {
    std::cerr << "attendance_bench: " << schedule_errors.load()
              << " appointments could not be scheduled\n";
    return 2;
  }
  // Every session has now started (and ended) by the workflow's clock.
  ahead_us = absl::ToInt64Microseconds(absl::Hours(24) * (sessions + 2));

  std::vector<int64_t> latencies(calls, -1);  // ns, from when each call was due
  std::vector<int64_t> service(calls, -1);    // ns, from when each call began
  std::atomic<int> next{0};
  std::atomic<int64_t> errors{0};
  absl::Mutex error_mu;
  std::vector<std::string> first_errors;
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&] {
      for (int n = next++; n < calls; n = next++) {
        const Clock::time_point due = start + n * interval;
        std::this_thread::sleep_until(due);
        const Clock::time_point began = Clock::now();
        delivery::v1::RecordAttendanceRequest request;
        request.set_name(appointments[n].name());
        request.set_etag(appointments[n].etag());
        request.mutable_attendance()->set_outcome(delivery::v1::ATTENDANCE_OUTCOME_ATTENDED);
        request.mutable_attendance()->set_notes("Attended on time; engaged well.");
        absl::StatusOr<delivery::v1::Appointment> recorded =
            workflow.RecordAttendance(request, provider);
        const Clock::time_point done = Clock::now();
        if (!recorded.ok()) {
          ++errors;
          absl::MutexLock lock(&error_mu);
          if (first_errors.size() < 5) first_errors.push_back(recorded.status().ToString());
          continue;
        }
        latencies[n] = std::chrono::nanoseconds(done - due).count();
        service[n] = std::chrono::nanoseconds(done - began).count();
      }
    });
  }
  for (std::thread& thread : running) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (const std::string& error : first_errors) std::cerr << "record: " << error << "\n";

  // Every referral's summary counts the sessions recorded for it.
  int wrong_summaries = 0;
  for (int r = 0; r < referral_count; ++r) {
    const v1::Referral stored = OrDie(store->Get(referrals[r].id()));
    int booked = 0;
    int attended = 0;
    for (int k = 0; k < sessions && k * referral_count + r < calls; ++k) {
      ++booked;
      if (latencies[k * referral_count + r] >= 0) ++attended;
    }
    if (stored.attendance().sessions_attended() != attended ||
        stored.attendance().sessions_scheduled() != booked ||
        stored.attendance().sessions_required() != sessions) {
      ++wrong_summaries;
    }
  }

  std::vector<int64_t> ok_latencies;
  std::vector<int64_t> ok_service;
  for (int n = 0; n < calls; ++n) {
    if (latencies[n] < 0) continue;
    ok_latencies.push_back(latencies[n]);
    ok_service.push_back(service[n]);
  }
  const double max_ms = ok_latencies.empty()
                            ? 0.0
                            : *std::max_element(ok_latencies.begin(), ok_latencies.end()) / 1e6;
  nlohmann::json result = {{"engine", "sqlite"},
                           {"rate", rate},
                           {"seconds", absl::GetFlag(FLAGS_seconds)},
                           {"threads", threads},
                           {"referrals", referral_count},
                           {"sessions", sessions},
                           {"seed_seconds", seed_seconds},
                           {"scheduled", calls},
                           {"schedule_seconds", schedule_seconds},
                           {"calls", calls},
                           {"recorded", static_cast<int64_t>(ok_latencies.size())},
                           {"errors", errors.load()},
                           {"wrong_summaries", wrong_summaries},
                           {"elapsed_seconds", elapsed},
                           {"achieved_rate", ok_latencies.size() / elapsed},
                           {"p50_ms", Percentile(ok_latencies, 0.50)},
                           {"p99_ms", Percentile(ok_latencies, 0.99)},
                           {"max_ms", max_ms},
                           {"service_p50_ms", Percentile(ok_service, 0.50)},
                           {"service_p99_ms", Percentile(ok_service, 0.99)},
                           {"max_p99_ms", absl::GetFlag(FLAGS_max_p99_ms)}};
  std::cout << result.dump() << std::endl;
  store.reset();
  RemoveSqlite(database);
  const bool met = result["p99_ms"].get<double>() < absl::GetFlag(FLAGS_max_p99_ms);
  return met && errors.load() == 0 && wrong_summaries == 0 ? 0 : 1;
}

}  // namespace
}  // namespace probation::referrals

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return probation::referrals::Main();
}
