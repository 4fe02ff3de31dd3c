#!/usr/bin/env bash
# Installs what is missing, builds, and runs the suite in the foreground until Ctrl-C.
# Today the suite is the catalogue service, on the catalogue built into the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
port=${CATALOGUE_PORT:-50051}

cat <<INFO
Starting the catalogue service on port ${port} (JSON logs below; Ctrl-C stops it).
  health:      ${build_dir}/tools/health_probe/probation-health-probe --addr=localhost:${port}
  API:         probation.catalogue.v1.CatalogueService at localhost:${port}; server
               reflection is on, so any reflection client (grpcurl, Postman, ...) can list
               and call it without the .proto files.
INFO
exec "${build_dir}/services/catalogue/catalogue" --port="${port}"
