#!/usr/bin/env bash
# Installs what is missing, builds the suite optimised (build-bench/), and prints every
# benchmark figure beside its target, as a ratio to its limit where it has one:
#   - the eligibility engine's CPU per person (Google Benchmark);
#   - durable referral transitions per second: SQLite beside a one-row-per-transaction loop,
#     PostgreSQL beside pgbench's single-row inserts on the same server;
#   - caseload pages and reports with 1,000,000 referrals stored, on SQLite and PostgreSQL;
#   - the running suite (bench/suite_bench.py): throughput and p99 through the gateway beside
#     an echo chain with the same hops, start-up time and idle memory, a 240,000-person
#     ScreenCaseload, and list latency with 1,000,000 referrals stored;
#   - hostile callers (bench/hostile_bench.py): the gateway's memory after random method names,
#     and threads and list latency with thousands of watches and unread exports open.
# BENCH_SECONDS sets each h2load run's length (default 10); BENCH_REFERRALS how many referrals
# the caseload benchmark stores (default 1,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench >/dev/null
export BUILD_DIR=${BUILD_DIR:-build-bench}
BUILD_TYPE=Release scripts/build.sh >/dev/null
workdir=$(mktemp -d)
postgres_started=0
cleanup() {
  rm -rf "$workdir"
  if [ "$postgres_started" = 1 ]; then scripts/test-postgres.sh stop; fi
}
trap cleanup EXIT

echo "== eligibility engine"
"${BUILD_DIR}/bench/eligibility_bench" --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$workdir/eligibility.json" \
  --benchmark_out_format=json >/dev/null 2>&1
/usr/bin/python3 - "$workdir/eligibility.json" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    report = json.load(f)
rows = {}
for b in report["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    us = b["cpu_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3}[b["time_unit"]]
    rows[b["run_name"]] = us
    print(f"  {b['run_name']:<45} {us:9.2f} us CPU per person  {1e6 / us:12,.0f} persons/s")
us = rows["BM_ScreenWholeCatalogue"]
print(f"whole-catalogue eligibility for one person: {us:.2f} us CPU (target <= 20 us): "
      f"{'OK' if us <= 20 else 'MISSED'}")
PY

echo "== durable referral transitions"
writers=${BENCH_WRITERS:-64}
sqlite_json=$("${BUILD_DIR}/bench/referral_transitions_bench" --directory="$workdir" \
  --writers="$writers")
postgres_url=${PROBATION_BENCH_POSTGRES:-}
if [ -z "$postgres_url" ]; then
  postgres_url=$(scripts/test-postgres.sh start)
  postgres_started=1
fi
psql_run() { psql -X -q "$postgres_url" -v ON_ERROR_STOP=1 "$@"; }
psql_run -c "DROP DATABASE IF EXISTS referrals_bench" -c "CREATE DATABASE referrals_bench"
bench_db="${postgres_url/dbname=postgres/dbname=referrals_bench}"
postgres_json=$("${BUILD_DIR}/bench/referral_transitions_bench" --postgres="$bench_db" \
  --writers="$writers")
# pgbench: the same number of clients, each committing one single-row insert at a time.
psql -X -q "$bench_db" -c "CREATE TABLE pgbench_rows (id bigserial PRIMARY KEY, body bytea)"
echo "INSERT INTO pgbench_rows (body) VALUES (decode(repeat('62', 300), 'hex'));" \
  >"$workdir/insert.sql"
pgbench_out=$(pgbench -n -f "$workdir/insert.sql" -c "$writers" -j 2 -T 5 "$bench_db" 2>&1)
pgbench_tps=$(echo "$pgbench_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
psql_run -c "DROP DATABASE referrals_bench"
/usr/bin/python3 - "$sqlite_json" "$postgres_json" "$pgbench_tps" <<'PY'
import json, sys
sqlite, postgres, pgbench = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
loop = sqlite["loop_rows_per_second"]
rate = sqlite["transitions_per_second"]
print(f"SQLite, synchronous=FULL: one-row-per-transaction loop {loop:,.0f} rows/s "
      f"(taking turns with the writers, 1 s each)")
print(f"SQLite: {sqlite['writers']} writers, {rate:,.0f} durable transitions/s "
      f"({sqlite['mean_group']:.1f} writes per commit)")
print(f"SQLite transitions / plain loop: {rate / loop:.2f} (target >= 2.00): "
      f"{'OK' if rate >= 2 * loop else 'MISSED'}")
print(f"PostgreSQL: pgbench single-row inserts, {sqlite['writers']} clients: {pgbench:,.0f} tps")
print(f"PostgreSQL: {postgres['writers']} writers, "
      f"{postgres['transitions_per_second']:,.0f} durable transitions/s")
print(f"PostgreSQL transitions / pgbench inserts: "
      f"{postgres['transitions_per_second'] / pgbench:.2f}")
PY

echo "== caseload pages and reports, ${BENCH_REFERRALS:-1000000} referrals stored"
referrals=${BENCH_REFERRALS:-1000000}
sqlite_caseload=$("${BUILD_DIR}/bench/caseload_bench" --sqlite="$workdir/caseload.db" \
  --count="$referrals")
rm -f "$workdir"/caseload.db*
psql_run -c "DROP DATABASE IF EXISTS referrals_caseload" -c "CREATE DATABASE referrals_caseload"
postgres_caseload=$("${BUILD_DIR}/bench/caseload_bench" \
  --postgres="${postgres_url/dbname=postgres/dbname=referrals_caseload}" --count="$referrals")
psql_run -c "DROP DATABASE referrals_caseload"
/usr/bin/python3 - "$sqlite_caseload" "$postgres_caseload" <<'PY'
import json, sys
sqlite, postgres = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"loaded {sqlite['referrals']:,} referrals: SQLite {sqlite['load_seconds']:.0f} s, "
      f"PostgreSQL {postgres['load_seconds']:.0f} s")
print(f"  {'p50 / p99 ms':<40} {'SQLite':>16} {'PostgreSQL':>16}")
for section in ("caseload", "report"):
    for name in sqlite[section]:
        a, b = sqlite[section][name], postgres[section][name]
        print(f"  {section + ': ' + name:<40} {a['p50_ms']:7.2f} / {a['p99_ms']:6.2f}"
              f" {b['p50_ms']:7.2f} / {b['p99_ms']:6.2f}")
for name in sqlite["export"]:
    a, b = sqlite["export"][name], postgres["export"][name]
    print(f"  {'CSV export: ' + name:<40} {a['p50_ms']:7.0f} ms      {b['p50_ms']:7.0f} ms"
          f"  ({a['bytes'] / 1e6:.1f} MB)")
PY

echo "== the running suite"
/usr/bin/python3 bench/suite_bench.py --build_dir="$BUILD_DIR" --seconds="${BENCH_SECONDS:-10}"

echo "== hostile callers"
/usr/bin/python3 bench/hostile_bench.py --build_dir="$BUILD_DIR"
