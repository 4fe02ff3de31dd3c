#!/usr/bin/env bash
# Builds the fuzz targets with clang, libFuzzer, ASan and UBSan into build-fuzz/ and runs
# each for SECONDS (default 600; scripts/test.sh runs them for 20), starting from the seeds
# in fuzz/corpus/ and the data files the services ship. A crash stops the run and leaves
# the input in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPROBATION_BUILD_TESTS=OFF -DPROBATION_FUZZ=ON >/dev/null
declare -A seeds=(
  [catalogue_loader_fuzzer]=services/catalogue/data
  [state_machine_loader_fuzzer]=services/referrals/data
  [eligibility_fuzzer]=fuzz/corpus/eligibility
  [token_fuzzer]=fuzz/corpus/token
)
cmake --build "$build_dir" --target "${!seeds[@]}"
mkdir -p "$build_dir/crashes"
passed=0
for fuzzer in catalogue_loader_fuzzer state_machine_loader_fuzzer eligibility_fuzzer token_fuzzer; do
  corpus="$build_dir/corpus/$fuzzer"
  mkdir -p "$corpus"
  echo "== $fuzzer for ${seconds}s"
  log="$build_dir/$fuzzer.log"
  status=0
  "$build_dir/fuzz/$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build_dir/crashes/$fuzzer-" \
    "$corpus" "${seeds[$fuzzer]}" >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "$fuzzer: FAILED (exit $status; input in $build_dir/crashes/)"
    echo "fuzz: $passed passed, 1 failed"
    exit 1
  fi
  passed=$((passed + 1))
done
echo "fuzz: $passed passed, 0 failed"
