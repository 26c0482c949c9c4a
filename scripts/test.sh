#!/usr/bin/env bash
# Every test, on a fresh machine too: installs what is missing, then type-checks, runs the unit and
# integration tests (Vitest) and the browser tests (Playwright in Debian's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
# onnxruntime-node's postinstall downloads CUDA binaries from a host that is often unreachable; its CPU
# binaries (all Referee uses in Node) ship in the npm package. An environment variable rather than .npmrc,
# where npm warns that the key is unknown on every command.
export ONNXRUNTIME_NODE_INSTALL=skip

if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's Chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

npx tsc --noEmit -p .
npx vitest run
# The browser tests' server takes a free port unless one is given (a fixed one fails when it is in use).
if [ -z "${REFEREE_E2E_PORT:-}" ]; then
  REFEREE_E2E_PORT="$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  export REFEREE_E2E_PORT
fi
npx playwright test
