#!/usr/bin/env bash
# Configures and builds the suite into build/ (BUILD_DIR to change it; BUILD_TYPE for the
# CMake build type; SANITIZE=1 for an ASan + UBSan build).
#   scripts/build.sh                      everything: services, tools, tests, benchmarks
#   scripts/build.sh TARGET...            only the named CMake targets and what they need,
#                                         e.g. scripts/build.sh catalogue gateway
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DPROBATION_SANITIZE="$([ "${SANITIZE:-0}" = 1 ] && echo ON || echo OFF)"
targets=()
if [ $# -gt 0 ]; then targets=(--target "$@"); fi
cmake --build "$build_dir" --parallel "$(nproc)" "${targets[@]}"
