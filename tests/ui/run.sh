#!/usr/bin/env bash
# run.sh — the browser UI's tests: builds the UI, installs playwright-core from npm into
# tests/ui/node_modules (git-ignored; never a browser download: Debian's chromium is used), and
# drives the page in headless Chromium (uitest.mjs, the query console's console.test.mjs, the
# graph view's graph.test.mjs, the side panels' panels.test.mjs, editing's edit.test.mjs,
# page.test.mjs for the theme, the shortcuts and the URL, live.test.mjs: pushed updates and
# presence across two tabs, text.test.mjs: collaborative text through the page's WebAssembly
# replica, and offline.test.mjs: the page on that replica with the server out of reach). The WebAssembly package is built first (make test runs this suite before the wasm
# one), so that `make ui` puts it beside the page.
# Usage: tests/ui/run.sh [ARENADB].
# The last line is "ui: N passed, M failed"; a screenshot lands in build/ui-screenshot.png.
set -u
cd "$(dirname "$0")/../.."
bin=${1:-build/arenadb}
fail() { echo "$1"; echo "ui: 0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium: run scripts/setup.sh"
mkdir -p build
make -s wasm >build/ui-wasm.log 2>&1 || fail "make wasm failed (build/ui-wasm.log): the editor of text.test.mjs runs on it"
make -s ui >/dev/null || fail "make ui failed"
if [ ! -f tests/ui/node_modules/.package-lock.json ] ||
   [ tests/ui/package-lock.json -nt tests/ui/node_modules/.package-lock.json ]; then
  (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
# Each file ends with its own "ui: N passed, M failed"; this script's last line is the sum.
passed=0 failed=0
for t in "uitest.mjs $bin web/dist build/ui-screenshot.png" "console.test.mjs $bin web/dist" \
         "graph.test.mjs $bin web/dist build/ui-graph-screenshot.png" "panels.test.mjs $bin web/dist" \
         "edit.test.mjs $bin web/dist" "page.test.mjs $bin web/dist" "live.test.mjs $bin web/dist" "text.test.mjs $bin web/dist" \
         "offline.test.mjs $bin web/dist"; do
  set -- $t
  out=$(timeout -k 5 120 node "tests/ui/$1" "${@:2}" 2>&1)
  echo "$out" | grep -v '^ui: '
  if line=$(echo "$out" | grep -E '^ui: [0-9]+ passed, [0-9]+ failed$' | tail -n 1); then
    read -r p f <<<"$(echo "$line" | sed -E 's/ui: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')"
    passed=$((passed + p)) failed=$((failed + f))
  else
    echo "FAIL $1 ended without its summary"
    failed=$((failed + 1))
  fi
done
echo "ui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
