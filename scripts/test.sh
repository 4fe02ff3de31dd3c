#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test; ends with ctest's summary.
# The tests run in an AddressSanitizer + UBSan build (build-sanitize/, BUILD_DIR to change
# it), so a memory error or undefined behaviour anywhere in the suite fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export BUILD_DIR=${BUILD_DIR:-build-sanitize}
SANITIZE=${SANITIZE:-1} scripts/build.sh
# The fuzz targets, briefly: clang, libFuzzer, ASan and UBSan (fuzz/run.sh runs them long).
fuzz/run.sh 20
# Every process the tests start inherits these: stop at the first report, and leave out the
# one-off allocations of libraries we do not own.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/sanitizers/lsan.supp}
# The storage tests run against PostgreSQL too: a throwaway server, stopped afterwards.
PROBATION_TEST_POSTGRES="$(scripts/test-postgres.sh start)"
export PROBATION_TEST_POSTGRES
trap "$(pwd)/scripts/test-postgres.sh stop" EXIT
cd "$BUILD_DIR"
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
