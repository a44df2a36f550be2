# Sourced by the screenshot scripts: sets $browser to the first Chromium found, or
# stops with how to install it. `$0` names the script in the message.
browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser="$b"; break; fi
done
if [[ -z "$browser" ]]; then
  echo "$(basename "$0" .sh): no chromium found; install it (apt-get install -y --no-install-recommends chromium)" >&2
  exit 1
fi
