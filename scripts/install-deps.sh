#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything the suite needs. Safe to run repeatedly:
# it only calls apt-get when something is missing.
#   scripts/install-deps.sh          build, run and test (a developer machine, CI)
#   scripts/install-deps.sh build    only what compiling the services needs (image build stage)
#   scripts/install-deps.sh bench    all of the above and the load generator (bench/run.sh)
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libspdlog-dev nlohmann-json3-dev prometheus-cpp-dev
  libsqlite3-dev libpq-dev libjwt-dev libssl-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql
  clang-format
  python3 python3-grpcio python3-protobuf python3-yaml
  curl iproute2 graphviz openssl
  haproxy python3-h2
  clang libclang-rt-14-dev
)
# h2load speaks HTTP/2, so it can drive gRPC unary calls; pgbench comes with postgresql.
bench_packages=(nghttp2-client)

case "${1:-all}" in
  build) packages=("${build_packages[@]}") ;;
  all) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  bench) packages=("${build_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}") ;;
  *)
    echo "usage: $0 [build|all|bench]" >&2
    exit 2
    ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

# The deployment test asks apt which packages Debian 12 has, so the lists must be there.
if [ "${1:-all}" != build ] && ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  "${sudo_cmd[@]}" apt-get update -qq
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
