#!/usr/bin/env bash
# suite.sh — the tck suite of tests/run.sh: the TCK runner's own tests and, when the given
# arenadb has a cypher command, the openCypher TCK, which must pass at least tests/tck/floor.txt
# scenarios (its failing scenarios are the engine's to-do list, not failures of this suite).
set -u
cd "$(dirname "$0")/../.."
bin=${1:-build/arenadb}
out=$(python3 tests/tck/selftest.py 2>&1)
rc=$?
echo "$out"
p=0 f=1
if [[ $(tail -n 1 <<<"$out") =~ ^tck-self:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
fi
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
if "$bin" cypher --help >/dev/null 2>&1; then
  if python3 tests/tck/tck.py --arenadb "$bin" -j"${JOBS:-2}" --floor tests/tck/floor.txt; then
    p=$((p + 1))
  else
    f=$((f + 1))
  fi
else
  echo "$bin has no cypher command: the TCK itself is not run"
fi
echo "tck: $p passed, $f failed"
[ "$f" -eq 0 ]
