#!/usr/bin/env bash
# The whole suite again on Node 22 (the image's Node, the recommended one), so
# both supported majors are tested: `npm test` itself runs on the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE22="$(bash scripts/node22.sh)"
echo "tests on $("$NODE22" --version)"
PATH="$(dirname "$NODE22"):$PATH" VITEST_REPORT=.cache/vitest-report-node22.json \
  "$NODE22" node_modules/vitest/vitest.mjs run "$@"
