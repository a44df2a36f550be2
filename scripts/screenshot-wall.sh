#!/usr/bin/env bash
# Runs the scripted ten-question classroom demo (docs/wall-demo.txt) through
# `passagebot chat --wall`, then screenshots the live wall in headless Chromium at a
# projector's size, to check that it reads well.
#
#   scripts/screenshot-wall.sh [OUT.png] [QUESTIONS.txt]
#
# With no OUT.png it writes target/wall-demo/wall.png, so a trial run never overwrites
# the tracked docs/wall.png; pass docs/wall.png to refresh the README's picture.
# WALL_SIZE=1024,768 takes the screenshot at another window size (default 1280,800).
#
# Needs chromium (Debian/Ubuntu: apt-get install -y chromium). Uses a debug build and
# a scratch data folder; the bundled corpus and index.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/wall-demo/wall.png}"
questions="${2:-docs/wall-demo.txt}"
port="${WALL_PORT:-18765}"
size="${WALL_SIZE:-1280,800}"

source scripts/chromium.sh

cargo build --quiet
work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The demo is piped in; the wall stays up after the last question until killed.
target/debug/passagebot --data "$work/data" chat --wall "127.0.0.1:$port" \
  <"$questions" >"$work/chat.txt" 2>"$work/chat.err" &
pid=$!
for _ in $(seq 1 300); do
  if grep -q "wall stays up" "$work/chat.err" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/chat.err" >&2; exit 1; fi
  sleep 0.2
done

mkdir -p "$(dirname "$out")"
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size="$size" \
  --timeout=4000 \
  --screenshot="$(realpath -m "$out")" "http://127.0.0.1:$port/" 2>/dev/null
echo "screenshot-wall: wrote $out"
