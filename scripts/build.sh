#!/usr/bin/env bash
# Configures and builds the suite into build/ (BUILD_DIR to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
cmake --build "$build_dir" --parallel "$(nproc)"
