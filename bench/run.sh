#!/usr/bin/env bash
# Installs what is missing, builds what the sections need, optimised (build-bench/), and
# prints each figure beside its target and OK or MISSED (or says it has none), as a ratio to
# its limit where it has one. `bench/run.sh SECTION...` runs only those sections; with none it
# runs them all, in this order:
#   eligibility  the eligibility engine's CPU per person (Google Benchmark);
#   transitions  durable referral transitions per second: SQLite beside a one-row-per-
#                transaction loop, PostgreSQL beside pgbench's single-row inserts on the same
#                server, and three processes at once on one PostgreSQL database;
#   caseload     caseload pages and reports with 1,000,000 referrals stored, on SQLite and
#                PostgreSQL;
#   startup      start to SERVING and idle memory of each service;
#   throughput   calls/s and p99 through the gateway beside an echo chain with the same hops;
#   screening    a 240,000-person ScreenCaseload through the gateway;
#   listing      ListReferrals latency through the gateway with 1,000,000 referrals stored;
#   hostile      hostile callers: the gateway's memory after random method names, and threads
#                and list latency with thousands of watches and unread exports open;
#   watchers     10,000 event watches on one referrals process on PostgreSQL: every event
#                delivered, commit to delivery, the process's threads and memory;
#   relay        the webhook relay draining a 20,000-event subscription to a local receiver;
#   delivery     attendance recorded for 100 appointments a second for a minute on SQLite,
#                open-loop, in-process through the delivery workflow and store;
#   waiting      the waiting list of one programme in one region with 10,000 waiting (its
#                first, middle and last pages), on SQLite and PostgreSQL, in-process through
#                the group workflow and store.
# startup, throughput, screening and listing run the suite through bench/suite_bench.py, once
# for all of them; hostile through bench/hostile_bench.py.
# BENCH_SECONDS sets each h2load run's length (default 10); BENCH_REFERRALS how many referrals
# the caseload benchmark stores (default 1,000,000); BENCH_WRITERS the writers of the
# transitions (64); BENCH_WATCHERS and BENCH_WATCH_RATE the watches and events/s of watchers
# (10,000 and 1); BENCH_ATTENDANCE_RATE and BENCH_ATTENDANCE_SECONDS the attendance records/s
# and seconds of delivery (100 and 60); BENCH_WAITING the referrals on the waiting list of
# waiting (10,000); PROBATION_BENCH_POSTGRES a PostgreSQL server (libpq
# `key=value` string with dbname=postgres) instead of a throwaway one.
set -euo pipefail
cd "$(dirname "$0")/.."

all_sections=(eligibility transitions caseload startup throughput screening listing hostile
  watchers relay delivery waiting)
services=(catalogue eligibility referrals gateway probation python_client_stubs)
declare -A section_targets=(
  [eligibility]="eligibility_bench"
  [transitions]="referral_transitions_bench"
  [caseload]="caseload_bench"
  [startup]="${services[*]}"
  [throughput]="${services[*]} echo_server"
  [screening]="${services[*]} screen_caseload_client"
  [listing]="${services[*]} caseload_bench"
  [hostile]="${services[*]} caseload_bench"
  [watchers]="referrals watchers_bench"
  [relay]="${services[*]} relay"
  [delivery]="attendance_bench"
  [waiting]="waiting_list_bench"
)

usage="usage: bench/run.sh [SECTION...]; sections: ${all_sections[*]}"
declare -A chosen=()
for section in "$@"; do
  case "$section" in -h | --help)
    echo "$usage"
    exit 0
    ;;
  esac
  if [ -z "${section_targets[$section]+set}" ]; then
    echo "bench/run.sh: no section '$section'" >&2
    echo "$usage" >&2
    exit 2
  fi
  chosen[$section]=1
done
if [ $# -eq 0 ]; then
  for section in "${all_sections[@]}"; do chosen[$section]=1; done
fi
chose() { [ -n "${chosen[$1]+set}" ]; }

scripts/install-deps.sh bench >/dev/null
export BUILD_DIR=${BUILD_DIR:-build-bench}
targets=()
for section in "${all_sections[@]}"; do
  if chose "$section"; then
    read -r -a more <<<"${section_targets[$section]}"
    targets+=("${more[@]}")
  fi
done
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | sort -u)
BUILD_TYPE=Release scripts/build.sh "${targets[@]}" >/dev/null

workdir=$(mktemp -d)
postgres_started=0
cleanup() {
  rm -rf "$workdir"
  if [ "$postgres_started" = 1 ]; then scripts/test-postgres.sh stop; fi
}
trap cleanup EXIT
export PYTHONPATH="$PWD/bench${PYTHONPATH:+:$PYTHONPATH}"

postgres_url=${PROBATION_BENCH_POSTGRES:-}
if { chose transitions || chose caseload || chose watchers || chose waiting; } &&
  [ -z "$postgres_url" ]; then
  postgres_url=$(scripts/test-postgres.sh start)
  postgres_started=1
fi
export PGOPTIONS="-c client_min_messages=warning"
psql_run() { psql -X -q "$postgres_url" -v ON_ERROR_STOP=1 "$@"; }
# A fresh database on the server, and its libpq string.
fresh_database() {
  psql_run -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  echo "${postgres_url/dbname=postgres/dbname=$1}"
}
# The same database as a postgresql:// URL, as the services take it: every other key of the
# server's libpq string becomes a parameter.
database_url() {
  local url="postgresql:///$1" separator="?" pair
  for pair in $postgres_url; do
    case "$pair" in dbname=*) ;; *) url+="${separator}${pair}" separator="&" ;; esac
  done
  echo "$url"
}

section_eligibility() {
  echo "== eligibility engine"
  "${BUILD_DIR}/bench/eligibility_bench" --benchmark_min_time=1 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true --benchmark_out="$workdir/eligibility.json" \
    --benchmark_out_format=json >/dev/null 2>&1
  /usr/bin/python3 - "$workdir/eligibility.json" <<'PY'
import json, sys
from figure import show
with open(sys.argv[1]) as f:
    report = json.load(f)
rows = {}
for b in report["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    us = b["cpu_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3}[b["time_unit"]]
    rows[b["run_name"]] = us
    show(f"  {b['run_name']:<45} {us:9.2f} us CPU per person  {1e6 / us:12,.0f} persons/s")
us = rows["BM_ScreenWholeCatalogue"]
show(f"whole-catalogue eligibility for one person: {us:.2f} us CPU", "<= 20 us", us <= 20)
PY
}

section_transitions() {
  echo "== durable referral transitions"
  local writers=${BENCH_WRITERS:-64} bench_db start_at replica
  local sqlite_json postgres_json pgbench_out pgbench_tps
  sqlite_json=$("${BUILD_DIR}/bench/referral_transitions_bench" --directory="$workdir" \
    --writers="$writers")
  bench_db=$(fresh_database referrals_bench)
  postgres_json=$("${BUILD_DIR}/bench/referral_transitions_bench" --postgres="$bench_db" \
    --writers="$writers")
  # Three replicas: three processes on the same (now migrated) database, each with its own
  # referrals, writing from the same moment.
  start_at=$(date -u -d "@$(($(date +%s) + 3))" +%Y-%m-%dT%H:%M:%SZ)
  local replica_pids=()
  for replica in 1 2 3; do
    "${BUILD_DIR}/bench/referral_transitions_bench" --postgres="$bench_db" --writers="$writers" \
      --id_prefix="replica${replica}-" --start_at="$start_at" >"$workdir/replica${replica}.json" &
    replica_pids+=($!)
  done
  for replica in "${replica_pids[@]}"; do wait "$replica"; done
  # pgbench: the same number of clients, each committing one single-row insert at a time.
  psql -X -q "$bench_db" -c "CREATE TABLE pgbench_rows (id bigserial PRIMARY KEY, body bytea)"
  echo "INSERT INTO pgbench_rows (body) VALUES (decode(repeat('62', 300), 'hex'));" \
    >"$workdir/insert.sql"
  pgbench_out=$(pgbench -n -f "$workdir/insert.sql" -c "$writers" -j 2 -T 5 "$bench_db" 2>&1)
  pgbench_tps=$(echo "$pgbench_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  psql_run -c "DROP DATABASE referrals_bench"
  /usr/bin/python3 - "$sqlite_json" "$postgres_json" "$pgbench_tps" \
    "$workdir"/replica{1,2,3}.json <<'PY'
import json, sys
from figure import show
sqlite, postgres, pgbench = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
replicas = [json.load(open(path)) for path in sys.argv[4:]]
loop = sqlite["loop_rows_per_second"]
rate = sqlite["transitions_per_second"]
show(f"SQLite, synchronous=FULL: one-row-per-transaction loop {loop:,.0f} rows/s "
     f"(taking turns with the writers, 1 s each)")
show(f"SQLite: {sqlite['writers']} writers, {rate:,.0f} durable transitions/s "
     f"({sqlite['mean_group']:.1f} writes per commit)")
show(f"SQLite transitions / plain loop: {rate / loop:.2f}", ">= 2.00", rate >= 2 * loop)
show(f"PostgreSQL: pgbench single-row inserts, {sqlite['writers']} clients: {pgbench:,.0f} tps")
show(f"PostgreSQL: {postgres['writers']} writers, "
     f"{postgres['transitions_per_second']:,.0f} durable transitions/s "
     f"({postgres['mean_group']:.1f} writes per commit)")
ratio = postgres['transitions_per_second'] / pgbench
show(f"PostgreSQL transitions / pgbench inserts: {ratio:.2f}", ">= 1.00", ratio >= 1)
each = " + ".join(f"{r['transitions_per_second']:,.0f}" for r in replicas)
show(f"PostgreSQL three replicas: "
     f"{sum(r['transitions_per_second'] for r in replicas):,.0f} durable transitions/s "
     f"({each}; {replicas[0]['writers']} writers each)")
if any(r["failures"] for r in replicas + [postgres, sqlite]):
    print("some transitions failed: see the errors above")
PY
}

section_caseload() {
  local referrals=${BENCH_REFERRALS:-1000000} sqlite_caseload postgres_caseload
  echo "== caseload pages and reports, ${referrals} referrals stored"
  sqlite_caseload=$("${BUILD_DIR}/bench/caseload_bench" --sqlite="$workdir/caseload.db" \
    --count="$referrals")
  rm -f "$workdir"/caseload.db*
  postgres_caseload=$("${BUILD_DIR}/bench/caseload_bench" \
    --postgres="$(fresh_database referrals_caseload)" --count="$referrals")
  psql_run -c "DROP DATABASE referrals_caseload"
  /usr/bin/python3 - "$sqlite_caseload" "$postgres_caseload" <<'PY'
import json, sys
from figure import show
sqlite, postgres = json.loads(sys.argv[1]), json.loads(sys.argv[2])
show(f"loaded {sqlite['referrals']:,} referrals: SQLite {sqlite['load_seconds']:.0f} s, "
     f"PostgreSQL {postgres['load_seconds']:.0f} s")
print(f"  {'p50 / p99 ms':<40} {'SQLite':>16} {'PostgreSQL':>16}")
for section in ("caseload", "report"):
    for name in sqlite[section]:
        a, b = sqlite[section][name], postgres[section][name]
        show(f"  {section + ': ' + name:<40} {a['p50_ms']:7.2f} / {a['p99_ms']:6.2f}"
             f" {b['p50_ms']:7.2f} / {b['p99_ms']:6.2f}")
for name in sqlite["export"]:
    a, b = sqlite["export"][name], postgres["export"][name]
    show(f"  {'CSV export: ' + name:<40} {a['p50_ms']:7.0f} ms      {b['p50_ms']:7.0f} ms"
         f"  ({a['bytes'] / 1e6:.1f} MB)")
PY
}

# startup, throughput, screening and listing share one running suite.
section_suite() {
  echo "== the running suite: $1"
  /usr/bin/python3 bench/suite_bench.py --build_dir="$BUILD_DIR" \
    --seconds="${BENCH_SECONDS:-10}" --sections="$1"
}

section_hostile() {
  echo "== hostile callers"
  /usr/bin/python3 bench/hostile_bench.py --build_dir="$BUILD_DIR"
}

section_relay() {
  echo "== the webhook relay (bench/relay/relay_bench.py)"
  /usr/bin/python3 bench/relay/relay_bench.py --build_dir="$BUILD_DIR" \
    --events="${BENCH_RELAY_EVENTS:-20000}" --lanes="${BENCH_RELAY_LANES:-16}"
}

section_watchers() {
  local watchers=${BENCH_WATCHERS:-10000} database port="" pid result
  local secret=bench-internal-secret-0123456789abcdefgh log="$workdir/referrals-watchers.log"
  echo "== event watchers on one referrals process (PostgreSQL)"
  fresh_database referrals_watchers >/dev/null
  database=$(database_url referrals_watchers)
  # Nothing these writes do calls the catalogue or eligibility, so nothing listens there.
  "${BUILD_DIR}/services/referrals/referrals" --port=0 --database="$database" \
    --internal_secret="$secret" --catalogue_address=127.0.0.1:9 \
    --eligibility_address=127.0.0.1:9 --max_watches="$watchers" \
    --max_watches_per_caller="$watchers" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    port=$(sed -n 's/.*"event":"serving".*"port":\([0-9]*\).*/\1/p' "$log" | head -1)
    if [ -n "$port" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "the referrals process did not serve:" >&2
    cat "$log" >&2
    kill -TERM "$pid" 2>/dev/null || true
    return 1
  fi
  local status=0
  result=$("${BUILD_DIR}/bench/watchers_bench" --address="127.0.0.1:$port" \
    --database="$database" --secret="$secret" --pid="$pid" --watchers="$watchers" \
    --rate="${BENCH_WATCH_RATE:-1}") || status=$?
  kill -TERM "$pid"
  wait "$pid" || true
  if [ "$status" != 0 ]; then return "$status"; fi
  psql_run -c "DROP DATABASE referrals_watchers WITH (FORCE)"
  /usr/bin/python3 - "$result" <<'PY'
import json, sys
from figure import show
r = json.loads(sys.argv[1])
show(f"{r['live']:,} of {r['watchers']:,} watches live over {r['channels']} connections "
     f"({r['callers']} callers) after {r['open_seconds']:.1f} s")
show(f"first sight of {r['referrals']} referrals by every watch "
     f"({r['referrals'] * r['live']:,} access records): all delivered after "
     f"{r['warm_up_seconds']:.1f} s")
show(f"writes: {r['writes']:,} acknowledged at {r['rate']:g}/s over {r['write_seconds']:.0f} s, "
     f"moving {r['referrals']} referrals; {r['write_failures']} refused")
show(f"every event delivered to every watch: {'yes' if r['every_event_delivered'] else 'no'} "
     f"({r['deliveries']:,} of {r['expected_deliveries']:,} deliveries; "
     f"{r['watchers_with_every_event']:,} watches with every event; "
     f"{r['out_of_order_or_repeated']} out of order or repeated)", "yes",
     r["every_event_delivered"])
show(f"commit to delivery, p50: {r['p50_ms']:.1f} ms (max {r['max_ms']:.0f} ms; "
     f"{r['delivered_before_acknowledged']:,} delivered before their write's answer)")
per = 1e6 / max(1, r["deliveries"])
show(f"CPU per delivery while writing: referrals {r['server_cpu_seconds'] * per:.0f} us, "
     f"this client {r['client_cpu_seconds'] * per:.0f} us")
show(f"commit to delivery, p99: {r['p99_ms']:.1f} ms", "< 100 ms", r["p99_ms"] < 100)
show(f"referrals process threads: {r['idle_threads']} idle, at most {r['max_threads']} "
     f"with the watches", "< 64", r["max_threads"] < 64)
show(f"referrals process peak RSS (VmHWM): {r['peak_rss_mb']:.0f} MB "
     f"({r['idle_rss_mb']:.0f} MB idle)", "< 300 MB", r["peak_rss_mb"] < 300)
if r["first_error"]:
    print(f"a watch ended with {r['first_error']}")
PY
}

section_delivery() {
  local result status=0
  echo "== attendance recorded on SQLite (bench/attendance_bench)"
  # It exits 1 when it misses its target, which the figures below say.
  result=$("${BUILD_DIR}/bench/attendance_bench" --sqlite="$workdir/attendance.db" \
    --rate="${BENCH_ATTENDANCE_RATE:-100}" --seconds="${BENCH_ATTENDANCE_SECONDS:-60}") ||
    status=$?
  if [ -z "$result" ]; then
    echo "attendance_bench printed no figures (exit ${status})" >&2
    return $((status ? status : 1))
  fi
  /usr/bin/python3 - "$result" <<'PY'
import json, sys
from figure import show
r = json.loads(sys.argv[1])
show(f"{r['referrals']:,} CRS referrals in delivery, {r['scheduled']:,} sessions scheduled through "
     f"the workflow in {r['schedule_seconds']:.1f} s")
show(f"attendance recorded: {r['recorded']:,} of {r['calls']:,} at {r['achieved_rate']:.1f}/s "
     f"over {r['elapsed_seconds']:.1f} s ({r['rate']:g}/s asked, {r['threads']} threads); "
     f"{r['errors']} errors, {r['wrong_summaries']} wrong attendance summaries", "no errors",
     r["errors"] == 0 and r["wrong_summaries"] == 0 and r["recorded"] == r["calls"])
show(f"attendance recorded, from when due, p50 {r['p50_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
     f"(the call alone: p50 {r['service_p50_ms']:.1f}, p99 {r['service_p99_ms']:.1f} ms)")
show(f"attendance recorded, from when due, p99: {r['p99_ms']:.1f} ms",
     f"< {r['max_p99_ms']:g} ms", r["p99_ms"] < r["max_p99_ms"])
PY
}

section_waiting() {
  local waiting=${BENCH_WAITING:-10000} result status=0
  echo "== the waiting list of a programme in a region, ${waiting} waiting"
  # It exits 1 when it misses its target or the list is wrong, which the figures below say.
  result=$("${BUILD_DIR}/bench/waiting_list_bench" --sqlite="$workdir/waiting.db" \
    --postgres="$(fresh_database referrals_waiting)" --waiting="$waiting") || status=$?
  psql_run -c "DROP DATABASE referrals_waiting WITH (FORCE)"
  if [ -z "$result" ]; then
    echo "waiting_list_bench printed no figures (exit ${status})" >&2
    return $((status ? status : 1))
  fi
  /usr/bin/python3 - "$result" <<'PY'
import json, sys
from figure import show
r = json.loads(sys.argv[1])
names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
for e in r["engines"]:
    show(f"{names[e['engine']]}: {e['waiting']:,} waiting beside {r['noise']:,} others, written "
         f"through the store in {e['seed_seconds']:.1f} s; every page walked by its tokens: "
         f"{e['pages']} pages in {e['walk_ms']:.0f} ms")
print(f"  {'p50 / p99 / max ms':<40} {'SQLite':>22} {'PostgreSQL':>22}")
for page, title in (("first_page", "first page (1-100)"), ("middle_page", "middle page"),
                    ("last_page", "last page")):
    first = r["engines"][0][page].get("first_position")
    if first:
        title = f"{title} ({first:,}-{first + 99:,})"
    cells = "".join(f" {e[page]['p50_ms']:6.2f} / {e[page]['p99_ms']:5.2f} / "
                    f"{e[page]['max_ms']:5.1f}" for e in r["engines"])
    show(f"  {title:<40}{cells}")
show(f"waiting list right on every engine (total_size, positions, order, every referral once): "
     f"{'yes' if not r['errors'] else 'no: ' + r['errors'][0]}", "yes", not r["errors"])
for e in r["engines"]:
    worst = max(e[page]["p99_ms"] for page in ("first_page", "middle_page", "last_page"))
    show(f"{names[e['engine']]}: waiting list of {e['waiting']:,}, worst page p99 {worst:.2f} ms",
         f"< {r['max_p99_ms']:g} ms", worst < r["max_p99_ms"])
PY
}

# Every line goes to the terminal and to a file, for the summary of targets missed.
figures="$workdir/figures"
suite=()
for section in startup throughput screening listing; do
  if chose "$section"; then suite+=("$section"); fi
done
for section in "${all_sections[@]}"; do
  if ! chose "$section"; then continue; fi
  case "$section" in
    startup | throughput | screening | listing)
      # The suite starts once, for the first of its sections.
      if [ "$section" = "${suite[0]}" ]; then
        section_suite "$(IFS=,; echo "${suite[*]}")" | tee -a "$figures"
      fi
      ;;
    *) "section_$section" | tee -a "$figures" ;;
  esac
done
missed=$(grep -c ': MISSED$' "$figures" || true)
echo "== ${missed} target(s) missed"
grep ': MISSED$' "$figures" || true
