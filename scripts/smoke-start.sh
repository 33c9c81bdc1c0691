#!/usr/bin/env bash
# The README's promise: after `npm install`, `npm start` serves /health.
# Upstream points at a closed loopback port: /health must not need fal.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SMOKE_PORT:-18766}"
mkdir -p .cache
PORT="$PORT" FAL_API_URL=http://127.0.0.1:9/v1 LOG_LEVEL=warn setsid npm start >.cache/smoke-start.log 2>&1 &
PID=$!
trap 'kill -- -"$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  if body=$(curl -fsS "http://127.0.0.1:$PORT/health" 2>/dev/null); then
    echo "npm start: /health answered $body"
    exit 0
  fi
  sleep 0.2
done
echo "npm start: /health did not answer"
cat .cache/smoke-start.log
exit 1
