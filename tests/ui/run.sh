#!/usr/bin/env bash
# run.sh — the browser UI's tests: builds the UI, installs playwright-core from npm into
# tests/ui/node_modules (git-ignored; never a browser download: Debian's chromium is used), and
# drives the page in headless Chromium (uitest.mjs). Usage: tests/ui/run.sh [ARENADB].
# The last line is "ui: N passed, M failed"; a screenshot lands in build/ui-screenshot.png.
set -u
cd "$(dirname "$0")/../.."
bin=${1:-build/arenadb}
fail() { echo "$1"; echo "ui: 0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium: run scripts/setup.sh"
make -s ui >/dev/null || fail "make ui failed"
if [ ! -f tests/ui/node_modules/.package-lock.json ] ||
   [ tests/ui/package-lock.json -nt tests/ui/node_modules/.package-lock.json ]; then
  (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
mkdir -p build
exec timeout -k 5 120 node tests/ui/uitest.mjs "$bin" web/dist build/ui-screenshot.png
