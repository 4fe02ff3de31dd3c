#!/usr/bin/env bash
# Installs what is missing, builds what it runs (the four services, the CLI and the health
# probe; not the tests), and runs the whole suite in the foreground until Ctrl-C:
# the catalogue, eligibility and referrals services (referrals on a SQLite file) behind the
# gateway, the one public API, itself behind the HTTP/2 edge (HAProxy, deploy/edge/), which
# alone listens on the public port. Prints how to call it, with a local token to do so.
# PROBATION_MTLS=1: the services speak mutual TLS to each other, with a local CA
# (scripts/make-local-ca.sh, in build/local-ca).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh catalogue eligibility referrals gateway probation probation-health-probe
build_dir=${BUILD_DIR:-build}
# The public port is the edge's; the gateway listens on loopback behind it.
public_port=${EDGE_PORT:-50050}
gateway_port=${GATEWAY_PORT:-50054}
catalogue_port=${CATALOGUE_PORT:-50051}
eligibility_port=${ELIGIBILITY_PORT:-50052}
referrals_port=${REFERRALS_PORT:-50053}
referrals_database=${REFERRALS_DATABASE:-${build_dir}/referrals.db}
# The services trust only identities signed with this secret; only the suite holds it.
internal_secret=${PROBATION_INTERNAL_SECRET:-$(head -c 32 /dev/urandom | base64)}
# Local bearer tokens are HS256 with this secret (production uses RS256 and a public key).
jwt_secret=${PROBATION_JWT_SECRET:-$(head -c 32 /dev/urandom | base64)}
jwt_issuer=${GATEWAY_JWT_ISSUER:-probation-local}

# The local token secret is kept in a file only this user can read, and no secret is ever on
# a command line (where `ps` shows it) or printed: the services read theirs from the
# environment.
secrets_dir="${build_dir}/local-secrets"
mkdir -p "$secrets_dir" && chmod 700 "$secrets_dir"
jwt_secret_file="${secrets_dir}/jwt-hs256-secret"
(umask 077 && printf '%s' "$jwt_secret" >"$jwt_secret_file")

# Mutual TLS between the services, when asked: each reads its own certificate, its key and
# the CA from its environment (file paths only; the keys stay in their mode 0600 files).
internal_tls=off
if [[ ${PROBATION_MTLS:-0} == 1 ]]; then
  ca_dir="${build_dir}/local-ca"
  scripts/make-local-ca.sh "$ca_dir"
  for service in catalogue eligibility referrals gateway; do
    prefix=${service^^}
    export "${prefix}_INTERNAL_TLS_CERT_FILE=${ca_dir}/${service}.crt"
    export "${prefix}_INTERNAL_TLS_KEY_FILE=${ca_dir}/${service}.key"
    export "${prefix}_INTERNAL_TLS_CA_FILE=${ca_dir}/ca.crt"
  done
  internal_tls="on (certificates in ${ca_dir})"
fi

declare -A names=()
stop() {
  # SIGTERM lets each service drain its calls in flight.
  for pid in "${!names[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop EXIT INT TERM
start() {
  local name=$1
  shift
  "$@" &
  names[$!]=$name
}

CATALOGUE_INTERNAL_SECRET="$internal_secret" start catalogue \
  "${build_dir}/services/catalogue/catalogue" --port="${catalogue_port}"
ELIGIBILITY_INTERNAL_SECRET="$internal_secret" start eligibility \
  "${build_dir}/services/eligibility/eligibility" --port="${eligibility_port}" \
  --catalogue_address="127.0.0.1:${catalogue_port}"
REFERRALS_INTERNAL_SECRET="$internal_secret" start referrals \
  "${build_dir}/services/referrals/referrals" --port="${referrals_port}" \
  --database="${referrals_database}" --catalogue_address="127.0.0.1:${catalogue_port}" \
  --eligibility_address="127.0.0.1:${eligibility_port}"
GATEWAY_INTERNAL_SECRET="$internal_secret" GATEWAY_JWT_HS256_SECRET="$jwt_secret" start gateway \
  "${build_dir}/gateway/gateway" --host=127.0.0.1 --port="${gateway_port}" \
  --catalogue_address="127.0.0.1:${catalogue_port}" \
  --eligibility_address="127.0.0.1:${eligibility_port}" \
  --referrals_address="127.0.0.1:${referrals_port}" --jwt_issuer="${jwt_issuer}"

# The edge: plaintext HTTP/2 here; set EDGE_TLS_CERT (a PEM with the chain and the key) for
# TLS. It logs one line per call to stdout.
EDGE_BIND="${EDGE_BIND:-:${public_port}}" EDGE_GATEWAY_ADDRESS="127.0.0.1:${gateway_port}" \
  EDGE_METRICS_BIND="${EDGE_METRICS_BIND:-127.0.0.1:9470}" start edge \
  haproxy -f deploy/edge/haproxy.cfg

probe="${build_dir}/tools/health_probe/probation-health-probe"
for _ in $(seq 100); do
  if "$probe" --addr="localhost:${public_port}" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

cli="${build_dir}/tools/probation/probation"
token=$(PROBATION_JWT_SECRET="${jwt_secret}" "$cli" token --issuer="${jwt_issuer}" \
  --sub=local-practitioner --roles=probation_practitioner --region=london)

cat <<INFO

The suite is running (JSON logs above and below; Ctrl-C stops it). Call the gateway
through the HTTP/2 edge (HAProxy; the gateway itself listens on 127.0.0.1:${gateway_port}):
  probation.gateway.v1.InterventionsGateway   localhost:${public_port}
  health:  ${probe} --addr=localhost:${public_port}

A token for a London probation practitioner, valid 8 hours:
  export PROBATION_TOKEN=${token}
Mint others (roles: probation_practitioner, programme_team, service_provider, admin)
with the local secret in ${jwt_secret_file}:
  PROBATION_JWT_SECRET="\$(cat ${jwt_secret_file})" ${cli} token --issuer=${jwt_issuer} \\
    --sub=me --roles=programme_team --region=london
  PROBATION_JWT_SECRET="\$(cat ${jwt_secret_file})" ${cli} token --issuer=${jwt_issuer} \\
    --sub=me --roles=service_provider --provider=provider-a

Then, for example:
  ${cli} interventions list --region=london
  ${cli} find --crn=X123456 --date_of_birth=1990-01-01 --sex=male --person_region=london \\
    --sentence=community-order --risk_of_reoffending=medium --needs=accommodation
  ${cli} referrals list
Any gRPC client works too: send "authorization: Bearer \$PROBATION_TOKEN" metadata.
The services behind it (${catalogue_port}, ${eligibility_port}, ${referrals_port}, on 127.0.0.1) accept
only calls signed by the gateway. Mutual TLS between them: ${internal_tls}.

INFO
# The suite runs whole or not at all: when any process exits, say which, and stop the rest.
exited=0
status=0
wait -n -p exited || status=$?
echo "run.sh: the ${names[$exited]:-unknown} service exited (status ${status}); stopping the rest" >&2
exit 1
