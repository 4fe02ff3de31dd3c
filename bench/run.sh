#!/usr/bin/env bash
# Installs what is missing, builds (optimised), runs the benchmarks and prints each figure
# beside its target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export BUILD_DIR=${BUILD_DIR:-build-bench}
BUILD_TYPE=Release scripts/build.sh >/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
"${BUILD_DIR}/bench/eligibility_bench" --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$results" \
  --benchmark_out_format=json >/dev/null
python3 - "$results" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    report = json.load(f)
print(f"eligibility engine, {report['context']['num_cpus']} CPUs, median of 3 runs")
rows = {}
for b in report["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    us = b["cpu_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3}[b["time_unit"]]
    rows[name] = us
    print(f"  {name:<45} {us:9.2f} us CPU per person  {1e6 / us:12,.0f} persons/s")
us = rows["BM_ScreenWholeCatalogue"]
verdict = "OK" if us <= 20 else "MISSED"
print(f"whole-catalogue eligibility for one person: {us:.2f} us CPU (target <= 20 us): {verdict}"
      f" ({us / 20:.2f} of the budget)")
PY
