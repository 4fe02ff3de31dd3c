#!/usr/bin/env bash
# Chaos run: installs what is missing, builds, then drives referrals through the gateway for
# SECONDS (default 300) while random services are killed (SIGKILL, sometimes SIGTERM) and
# restarted, and checks that every acknowledged write is stored, that the event sequence has
# no gap and that every referral is in a state its machine allows (tests/chaos/chaos.py).
# Exits non-zero on any violation, keeping the services' logs.
#   scripts/chaos.sh [SECONDS]
# BUILD_DIR (default build) and SANITIZE=1 (an ASan + UBSan build) as for scripts/build.sh.
# Referrals runs on SQLite in a temporary directory, or on PostgreSQL with
# REFERRALS_DATABASE=postgresql://... (or the string `scripts/test-postgres.sh start` prints):
# a throwaway database is created on that server and dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS]   (a positive whole number; default 300)" >&2
  exit 2
fi
scripts/install-deps.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
arguments=(--build_dir="$build_dir" --seconds="$seconds")
if [ -n "${REFERRALS_DATABASE:-}" ]; then arguments+=(--database="$REFERRALS_DATABASE"); fi
# Debian's interpreter: it has python3-grpcio, which another python3 on PATH may lack.
exec /usr/bin/python3 tests/chaos/chaos.py "${arguments[@]}"
