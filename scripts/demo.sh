#!/usr/bin/env bash
# `make run`: the main job on the demo calendar (check, publish to the outbox,
# status, build, serve), in a scratch copy so that the runner's receipt commits
# never land in this project's own history. DEMO_SERVE=0 stops after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
NOW="${DEMO_NOW:-2026-11-16T10:00}"
DEMO=.socialgit/demo

rm -rf "$DEMO"
mkdir -p "$DEMO"
cp -r content socialgit.toml "$DEMO"/
[ -d templates ] && cp -r templates "$DEMO"/
git -C "$DEMO" init -q -b main
git -C "$DEMO" add -A
git -C "$DEMO" -c user.name="demo" -c user.email="demo@example.org" commit -qm "demo calendar"

echo "== socialgit check (the demo keeps two deliberate problems to show what check reports)"
"$BIN/socialgit" check --root "$DEMO" --now "$NOW" || true
echo
echo "== socialgit publish (to the local outbox: $DEMO/outbox/)"
"$BIN/socialgit" publish --root "$DEMO" --now "$NOW" || true
echo
echo "== socialgit status"
"$BIN/socialgit" status --root "$DEMO" --now "$NOW"
echo
echo "== socialgit build"
"$BIN/socialgit" build --root "$DEMO" --now "$NOW" --out site
echo
if [ "${DEMO_SERVE:-1}" = "1" ]; then
  echo "== socialgit serve (the site is also in ./site; stop with Ctrl-C)"
  exec "$BIN/socialgit" serve --root "$DEMO" --now "$NOW" --out site --port "${PORT:-8000}"
fi
