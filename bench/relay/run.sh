#!/usr/bin/env bash
# The relay's throughput: builds what it needs, optimised (build-bench/, as bench/run.sh), and
# prints events/s for a backlog drained to a local receiver that answers 204 at once.
# BENCH_RELAY_EVENTS sets the backlog (default 20,000); BENCH_RELAY_LANES the lanes (16).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh bench >/dev/null
export BUILD_DIR=${BUILD_DIR:-build-bench}
BUILD_TYPE=Release scripts/build.sh catalogue eligibility referrals gateway relay probation \
  python_client_stubs >/dev/null
/usr/bin/python3 bench/relay/relay_bench.py --build_dir="$BUILD_DIR" \
  --events="${BENCH_RELAY_EVENTS:-20000}" --lanes="${BENCH_RELAY_LANES:-16}"
