#!/usr/bin/env bash
# Installs what is missing, builds, and runs the suite in the foreground until Ctrl-C:
# the catalogue, eligibility and referrals services (referrals on a SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
catalogue_port=${CATALOGUE_PORT:-50051}
eligibility_port=${ELIGIBILITY_PORT:-50052}
referrals_port=${REFERRALS_PORT:-50053}
referrals_database=${REFERRALS_DATABASE:-${build_dir}/referrals.db}
# The services trust only identities signed with this secret (the gateway will hold it too).
internal_secret=${PROBATION_INTERNAL_SECRET:-$(head -c 32 /dev/urandom | base64)}

pids=()
stop() {
  # SIGTERM lets each service drain its calls in flight.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop EXIT INT TERM

"${build_dir}/services/catalogue/catalogue" --port="${catalogue_port}" \
  --internal_secret="${internal_secret}" &
pids+=($!)
"${build_dir}/services/eligibility/eligibility" --port="${eligibility_port}" \
  --catalogue_address="localhost:${catalogue_port}" --internal_secret="${internal_secret}" &
pids+=($!)
"${build_dir}/services/referrals/referrals" --port="${referrals_port}" \
  --database="${referrals_database}" --catalogue_address="localhost:${catalogue_port}" \
  --eligibility_address="localhost:${eligibility_port}" \
  --internal_secret="${internal_secret}" &
pids+=($!)

probe="${build_dir}/tools/health_probe/probation-health-probe"
for _ in $(seq 50); do
  if "$probe" --addr="localhost:${eligibility_port}" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

cat <<INFO

The suite is running (JSON logs above and below; Ctrl-C stops it):
  catalogue    probation.catalogue.v1.CatalogueService     localhost:${catalogue_port}
  eligibility  probation.eligibility.v1.EligibilityService localhost:${eligibility_port}
  referrals    probation.referrals.v1.ReferralService      localhost:${referrals_port} (data: ${referrals_database})
  health:      ${probe} --addr=localhost:${eligibility_port}
Server reflection is on, so any reflection client (grpcurl, Postman, ...) can list and call
the services without the .proto files.

INFO
wait -n
