#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything the suite needs. Safe to run repeatedly:
# it only calls apt-get when something is missing.
#   scripts/install-deps.sh          build, run and test (a developer machine, CI), with the
#                                    contract tools from npm (tools/contract: buf)
#   scripts/install-deps.sh build    only what compiling the services needs (image build stage)
#   scripts/install-deps.sh bench    all of the above and the load generator (bench/run.sh)
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libspdlog-dev nlohmann-json3-dev prometheus-cpp-dev
  libsqlite3-dev libpq-dev libjwt-dev libcjose-dev libjansson-dev libssl-dev
  libcurl4-openssl-dev
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

# The contract tools come from the npm registry, with Debian's npm where the machine has none
# (a Node.js from elsewhere brings its own, which Debian's package would conflict with).
contract_tools=false
if [ "${1:-all}" != build ]; then
  contract_tools=true
  if ! command -v npm >/dev/null; then packages+=(npm); fi
fi

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
else
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Exactly the versions in package-lock.json, installed again only when it changes.
if $contract_tools; then
  stamp=tools/contract/node_modules/.installed-from-lock
  if ! cmp -s tools/contract/package-lock.json "$stamp" 2>/dev/null; then
    echo "install-deps: installing the contract tools (npm ci in tools/contract)"
    npm ci --prefix tools/contract --no-audit --no-fund --ignore-scripts --loglevel=error
    cp tools/contract/package-lock.json "$stamp"
  fi
fi
