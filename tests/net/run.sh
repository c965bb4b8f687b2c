#!/usr/bin/env bash
# run.sh — the network tests: real arenadb processes on 127.0.0.1 (see nettest.py).
# Usage: tests/net/run.sh [ARENADB] [TEST...]; the last line is "net: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
bin=${1:-build/arenadb}
shift || true
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec timeout -k 10 600 python3 -u tests/net/nettest.py "$bin" "$@"
