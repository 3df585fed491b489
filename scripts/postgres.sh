#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 and lets user `postgres` in without a
# password (trust, loopback only): the service-mode tests create their databases there.
# Idempotent: does nothing when one already answers; else starts the machine's cluster; else
# installs PostgreSQL with apt-get (as root, or through sudo) and configures it.
# Set FILMSTUDIO_TEST_POSTGRES=postgresql+psycopg2://USER:PASS@HOST:PORT/DB to use another server.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
say() { echo "postgres: $*" >&2; }
fail() { say "$*"; exit 1; }

if [ -n "${FILMSTUDIO_TEST_POSTGRES:-}" ]; then
  say "using FILMSTUDIO_TEST_POSTGRES (not checked here)"
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else fail "need root (or passwordless sudo) to $*; or start a PostgreSQL on $HOST:$PORT with trust auth for user postgres yourself, or set FILMSTUDIO_TEST_POSTGRES"
  fi
}

answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
  fi
}

logs_in() { psql -h "$HOST" -p "$PORT" -U postgres -d postgres -w -Atqc 'SELECT 1' >/dev/null 2>&1; }

wait_until_it_answers() {
  for _ in $(seq 60); do answers && return 0; sleep 0.5; done
  return 1
}

cluster_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

trust_loopback() {
  # user postgres from 127.0.0.1 without a password; the first matching pg_hba line wins
  local version hba
  version="$(cluster_version)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  [ -f "$hba" ] || fail "no $hba to configure"
  if ! as_root grep -qE '^host\s+all\s+(postgres|all)\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    say "allowing user postgres from 127.0.0.1 without a password ($hba)"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust  # filmstudio tests (scripts/postgres.sh)' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
}

if answers && logs_in; then
  exit 0  # already there: say nothing
fi

if ! answers; then
  if [ -z "$(cluster_version)" ]; then
    command -v apt-get >/dev/null || fail "no PostgreSQL on $HOST:$PORT and no apt-get to install one: install PostgreSQL (trust auth for user postgres on 127.0.0.1), or set FILMSTUDIO_TEST_POSTGRES"
    say "installing PostgreSQL with apt-get (a minute)"
    as_root apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version="$(cluster_version)"
  [ -n "$version" ] || fail "PostgreSQL is installed but has no cluster in /etc/postgresql (try: pg_createcluster --start 15 main)"
  say "starting the machine's PostgreSQL $version cluster"
  started="$(as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1)" || true  # "already running" is fine
  wait_until_it_answers || fail "PostgreSQL $version did not start on $HOST:$PORT (${started:-no output}); see /var/log/postgresql/"
fi

if ! logs_in; then
  command -v psql >/dev/null || fail "PostgreSQL answers on $HOST:$PORT but psql is missing to check it (apt-get install postgresql-client)"
  trust_loopback
  logs_in || fail "PostgreSQL answers on $HOST:$PORT but user postgres cannot log in without a password; allow it in pg_hba.conf (host all postgres 127.0.0.1/32 trust) or set FILMSTUDIO_TEST_POSTGRES"
fi
say "ready on $HOST:$PORT (user postgres, trust)"
