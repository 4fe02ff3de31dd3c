#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test; ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# The fuzz targets, briefly: clang, libFuzzer, ASan and UBSan (fuzz/run.sh runs them long).
fuzz/run.sh 20
# The storage tests run against PostgreSQL too: a throwaway server, stopped afterwards.
PROBATION_TEST_POSTGRES="$(scripts/test-postgres.sh start)"
export PROBATION_TEST_POSTGRES
trap "$(pwd)/scripts/test-postgres.sh stop" EXIT
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
