#!/usr/bin/env bash
# Scaling out for real: a redis-server on loopback, `npm start` with REDIS_URL,
# and /ready must report the shared store as reachable. Upstream points at a
# closed loopback port (the catalogue falls back; nothing leaves the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis smoke skipped: no redis-server (scripts/install-system-deps.sh installs it)"
  exit 0
fi
REDIS_PORT="${SMOKE_REDIS_PORT:-18767}"
PORT="${SMOKE_PORT:-18768}"
mkdir -p .cache
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >.cache/smoke-redis-server.log 2>&1 &
REDIS_PID=$!
PORT="$PORT" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" TASKS_SECRET="smoke-redis-tasks-secret-0123456789abcdef" FAL_API_URL=http://127.0.0.1:9/v1 LOG_LEVEL=warn \
  setsid npm start >.cache/smoke-redis.log 2>&1 &
PID=$!
trap 'kill -- -"$PID" 2>/dev/null || true; kill "$REDIS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 75); do
  if body=$(curl -fsS "http://127.0.0.1:$PORT/ready" 2>/dev/null) && [[ "$body" == *'"store":{"kind":"redis","state":"ok"'* ]]; then
    echo "npm start with REDIS_URL: /ready reports the shared store: ${body##*\"store\":}"
    exit 0
  fi
  sleep 0.2
done
echo "npm start with REDIS_URL: /ready never reported a reachable Redis (last: ${body:-none})"
cat .cache/smoke-redis.log
exit 1
