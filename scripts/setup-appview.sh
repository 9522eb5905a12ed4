#!/usr/bin/env bash
# Install what the full local Bluesky network (the AppView: threads, notifications,
# counts) needs beyond scripts/setup-bluesky-network.sh: PostgreSQL and Redis, from
# Debian. The tests start their own private Postgres cluster and Redis on free
# 127.0.0.1 ports; nothing here starts a service or touches an existing database.
#
# Idempotent: installs only what is missing, and only where apt-get is available.
# Prints the folder holding initdb and pg_ctl on the last line of stdout; progress
# goes to stderr. Exit 3: something is missing and cannot be installed here.
set -euo pipefail

say() { echo "setup-appview: $*" >&2; }

pg_bin() {
  local found
  found="$(command -v initdb 2>/dev/null || true)"
  if [[ -n "$found" ]] && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$found")"
    return 0
  fi
  # Debian keeps the server binaries out of PATH, one folder per major version
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$found" && -x "$found/initdb" && -x "$found/pg_ctl" ]]; then
    echo "$found"
    return 0
  fi
  return 1
}

need=()
pg_bin >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)

if [[ ${#need[@]} -gt 0 ]]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${need[*]} and no apt-get here; install PostgreSQL (initdb, pg_ctl) and redis-server with your package manager"
    exit 3
  fi
  SUDO=""
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { say "missing ${need[*]}; run as root or install sudo"; exit 3; }
    SUDO="sudo"
  fi
  say "installing ${need[*]}"
  $SUDO apt-get update -qq >&2
  # the packages may start their system services too; the tests never use those
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

pg_bin || { say "PostgreSQL is installed but initdb/pg_ctl were not found"; exit 3; }
