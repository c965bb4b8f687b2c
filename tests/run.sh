#!/usr/bin/env bash
# run.sh — every test, as `make test` runs it: unit, CLI, crash, network and browser UI tests on the normal
# build, unit, CLI and network tests again under AddressSanitizer and UndefinedBehaviorSanitizer, and the
# WebAssembly replica against a native one. The last line totals every suite.
set -u
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"
passed=0 failed=0 broken=()
jobs=${JOBS:-2}

# suite NAME COMMAND...: runs one suite, keeps its log, and adds its counts to the totals.
suite() {
  local name=$1 p f
  shift
  printf '%-14s ' "$name"
  "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  # Criterion closes with "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C";
  # the other suites with "NAME: P passed, F failed".
  local line
  line=$(grep -E 'Synthesis: Tested|[0-9]+ passed, [0-9]+ failed' "$logs/$name.log" | tail -n 1)
  if [[ $line =~ Passing:\ ([0-9]+)\ \|\ Failing:\ ([0-9]+)\ \|\ Crashing:\ ([0-9]+) ]]; then
    p=${BASH_REMATCH[1]} f=$((BASH_REMATCH[2] + BASH_REMATCH[3]))
  elif [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
  else
    p=0 f=1
  fi
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1 # a suite that died counts as a failure
  passed=$((passed + p)) failed=$((failed + f))
  if [ "$f" -eq 0 ]; then
    echo "$p passed"
  else
    echo "$p passed, $f FAILED (log: $logs/$name.log)"
    broken+=("$name")
    tail -n 40 "$logs/$name.log" | sed 's/^/    /'
  fi
}

san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
echo "building..."
make -s -j"$jobs" all build/test_unit >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; echo "0 passed, 1 failed"; exit 1; }
make -s -j"$jobs" BUILD=build/san OPT="-O1 -g" SAN="$san" all build/san/test_unit \
  >"$logs/build-san.log" 2>&1 || { cat "$logs/build-san.log"; echo "0 passed, 1 failed"; exit 1; }

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
suite unit build/test_unit -j"$jobs"
suite cli tests/cli/run.sh build/arenadb
suite crash tests/crash/run.sh build/arenadb
suite net tests/net/run.sh build/arenadb
suite ui tests/ui/run.sh build/arenadb
suite tck tests/tck/suite.sh build/arenadb
suite install tests/install/run.sh build
suite layers tests/layers/check.py
suite unit-san build/san/test_unit -j"$jobs"
suite cli-san tests/cli/run.sh build/san/arenadb
suite net-san tests/net/run.sh build/san/arenadb
if command -v emcc >/dev/null 2>&1 && [ -f wasm/wasm.mk ]; then
  suite wasm make -s test-wasm
fi

[ "${#broken[@]}" -gt 0 ] && echo "failed suites: ${broken[*]}"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
