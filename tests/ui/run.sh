#!/usr/bin/env bash
# run.sh — the browser UI's tests: builds the UI, installs playwright-core from npm into
# tests/ui/node_modules (git-ignored; never a browser download: Debian's chromium is used), and
# drives the page in headless Chromium (uitest.mjs, graph.test.mjs). Usage: tests/ui/run.sh
# [ARENADB]. The last line is "ui: N passed, M failed" over every file; a screenshot lands in
# build/ui-screenshot.png.
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
passed=0 failed=0
for t in uitest graph.test; do
  out=$(timeout -k 5 120 node "tests/ui/$t.mjs" "$bin" web/dist build/ui-screenshot.png 2>&1)
  echo "$out" | sed '$d'
  # A file that died before its tally counts as one failure.
  if [[ $(echo "$out" | tail -n 1) =~ ^ui:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else
    echo "$out" | tail -n 1
    failed=$((failed + 1))
  fi
done
echo "ui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
