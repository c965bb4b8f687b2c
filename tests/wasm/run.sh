#!/usr/bin/env bash
# run.sh — the WebAssembly build's tests: test.mjs (the replica layer against the native CLI),
# api.test.mjs (the Promise API and the sync client in Node against `arenadb serve`),
# opfs.test.mjs (the OPFS VFS in headless Chromium: reloads, locks, quota, kill -9) and
# browser.test.mjs (the notes example in two browser contexts with the CLI, live and offline).
# Usage: tests/wasm/run.sh [ARENADB]; run by `make test-wasm`, after make wasm and
# example-notes. The last line totals them: "wasm: P passed, F failed".
set -u
cd "$(dirname "$0")/../.."
cli=$(realpath "${1:-build/arenadb}")
passed=0 failed=0

# run NAME COMMAND...: one test program; adds the counts of its last "NAME: P passed, F failed".
run() {
  local name=$1 out line
  shift
  out=$("$@" 2>&1)
  local rc=$?
  echo "$out"
  line=$(echo "$out" | grep -E "^$name: [0-9]+ passed, [0-9]+ failed" | tail -n 1)
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
    [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ] && failed=$((failed + 1))
  else
    failed=$((failed + 1))
  fi
}

export ARENADB_CLI=$cli
run wasm timeout -k 5 300 node tests/wasm/test.mjs
run wasm-api timeout -k 5 300 node --experimental-websocket tests/wasm/api.test.mjs
if [ -x /usr/bin/chromium ]; then
  if [ ! -f tests/ui/node_modules/.package-lock.json ] ||
     [ tests/ui/package-lock.json -nt tests/ui/node_modules/.package-lock.json ]; then
    (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error) || failed=$((failed + 1))
  fi
  run opfs timeout -k 5 300 node tests/wasm/opfs.test.mjs build/wasm
  run browser timeout -k 5 300 node tests/wasm/browser.test.mjs "$cli"
else
  echo "no /usr/bin/chromium: run scripts/setup.sh"
  failed=$((failed + 1))
fi
echo "wasm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
