#!/usr/bin/env bash
# Starts (start) or stops (stop) a throwaway PostgreSQL server for the test suite, from
# Debian's postgresql package: its own data directory, a Unix socket in it, a fixed port.
# Prints the libpq connection string the tests read from PROBATION_TEST_POSTGRES.
set -euo pipefail
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data_dir=${PROBATION_TEST_POSTGRES_DIR:-/tmp/probation-test-postgres}
port=${PROBATION_TEST_POSTGRES_PORT:-54329}

# PostgreSQL will not run as root; root runs it as the package's postgres user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case "${1:-start}" in
  start)
    if [ ! -f "${data_dir}/PG_VERSION" ]; then
      rm -rf "${data_dir}"
      mkdir -p "${data_dir}"
      if [ "$(id -u)" -eq 0 ]; then chown postgres: "${data_dir}"; fi
      "${as_owner[@]}" "${pg_bin}/initdb" -D "${data_dir}" -A trust -U postgres >/dev/null
    fi
    if ! "${as_owner[@]}" "${pg_bin}/pg_ctl" -D "${data_dir}" status >/dev/null 2>&1; then
      "${as_owner[@]}" "${pg_bin}/pg_ctl" -D "${data_dir}" -w -l "${data_dir}/server.log" \
        -o "-p ${port} -k ${data_dir} -c listen_addresses=''" start >/dev/null
    fi
    echo "host=${data_dir} port=${port} user=postgres dbname=postgres"
    ;;
  stop)
    "${as_owner[@]}" "${pg_bin}/pg_ctl" -D "${data_dir}" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
