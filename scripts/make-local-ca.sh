#!/usr/bin/env bash
# Makes a local CA and a certificate and key for each service, for the internal mutual TLS
# (--internal_tls_cert_file, --internal_tls_key_file, --internal_tls_ca_file), with Debian's
# openssl:
#   scripts/make-local-ca.sh [DIR]     (default: build/local-ca)
# DIR then holds ca.crt and ca.key, and <service>.crt and <service>.key for catalogue,
# eligibility, referrals and gateway, each naming the service (its compose name), localhost
# and 127.0.0.1. Run again, it keeps what is still good and remakes only what is missing,
# no longer matches the CA or its key, or expires within 30 days: rotating is running it
# again (after removing the files to replace) and restarting the services. Keys are mode
# 0600 in a mode 0700 directory; no key is ever printed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${repo}/${BUILD_DIR:-build}/local-ca}
services=(catalogue eligibility referrals gateway)
renew_within=$((30 * 24 * 3600))

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

quiet() {  # openssl's own chatter, shown only if it fails
  local output
  if ! output=$("$@" 2>&1); then
    echo "make-local-ca.sh: $1 failed: ${output}" >&2
    return 1
  fi
}

# Whether cert $1 and key $2 exist, belong together, verify under the CA and stay valid for a
# while.
still_good() {
  [[ -s $1 && -s $2 ]] || return 1
  openssl verify -CAfile ca.crt "$1" >/dev/null 2>&1 || return 1
  openssl x509 -in "$1" -noout -checkend "$renew_within" >/dev/null 2>&1 || return 1
  [[ $(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) == \
     "$(openssl pkey -in "$2" -pubout 2>/dev/null)" ]]
}

new_key() {
  quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.tmp"
  chmod 600 "$1.tmp"
  mv "$1.tmp" "$1"
}

if ! [[ -s ca.crt && -s ca.key ]] ||
   ! openssl x509 -in ca.crt -noout -checkend "$renew_within" >/dev/null 2>&1; then
  new_key ca.key
  quiet openssl req -x509 -new -key ca.key -sha256 -days 3650 -out ca.crt \
    -subj "/CN=probation-interventions local CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  echo "make-local-ca.sh: made a new CA in ${dir}: every service certificate is remade"
fi

for service in "${services[@]}"; do
  if still_good "${service}.crt" "${service}.key"; then continue; fi
  new_key "${service}.key"
  quiet openssl req -new -key "${service}.key" -subj "/CN=${service}" -out "${service}.csr"
  # Each certificate serves (its own port) and calls (the other services).
  quiet openssl x509 -req -in "${service}.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -sha256 -days 365 -out "${service}.crt" -extfile <(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" \
      "subjectAltName=DNS:${service},DNS:localhost,IP:127.0.0.1")
  rm -f "${service}.csr"
  echo "make-local-ca.sh: made ${dir}/${service}.crt and its key"
done
chmod 600 ./*.key
chmod 644 ./*.crt
