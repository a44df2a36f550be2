#!/usr/bin/env bash
# Renders `passagebot report --html` in headless Chromium and saves a screenshot, to check
# that the page (inline SVG charts, no network) reads well.
#
#   scripts/screenshot-report.sh [REPORT.html] [OUT.png]
#
# With no REPORT.html, a demo data folder is seeded (the `report_demo` example) and its
# report written to target/report-demo/report.html. Needs chromium
# (Debian/Ubuntu: apt-get install -y chromium). Uses a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

html="${1:-}"
out="${2:-target/report-demo/report.png}"
mkdir -p "$(dirname "$out")"

if [[ -z "$html" ]]; then
  demo=target/report-demo
  rm -rf "$demo/data"
  mkdir -p "$demo"
  cargo run --quiet --example report_demo -- "$demo/data"
  cargo run --quiet -- --data "$demo/data" report --html "$demo/report.html"
  html="$demo/report.html"
fi

source scripts/chromium.sh

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1200,3600 \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$html")" 2>/dev/null
echo "screenshot-report: wrote $out"
