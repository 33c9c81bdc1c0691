#!/usr/bin/env bash
# System programs some tests drive for real, from Debian's packages:
#   chromium      — the OAuth consent page in a headless browser (playwright-core drives it)
#   redis-server  — the shared-state store (REDIS_URL) tests
#   curl, python3 — the signed-upload command and the curl/Python code snippets get_model_schema writes
# Tests that need chromium or redis skip with a message saying so when it is missing, so a
# laptop without them still runs the rest; CI installs them all here first.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3-minimal)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps present: chromium, redis-server, curl, python3"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install ${need[*]}: no apt-get here; the tests that need them will skip" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${need[@]}" >/tmp/system-deps.log 2>&1; then
  $SUDO apt-get update >>/tmp/system-deps.log 2>&1
  $SUDO apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/system-deps.log 2>&1 ||
    { echo "installing ${need[*]} failed (see /tmp/system-deps.log); the tests that need them will skip" >&2; exit 0; }
fi
echo "installed: ${need[*]}"
