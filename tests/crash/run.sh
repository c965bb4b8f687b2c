#!/usr/bin/env bash
# shellcheck disable=SC2034 # some variables are read only inside the eval of check conditions
# tests/crash/run.sh BINARY — kill -9 the arenadb command while it writes, then check that
#   (a) every write it acknowledged (exit 0) is there, and the database passes 'check';
#   (b) an 'apply' killed at a random moment left either none or all of its change set.
#
# Runs the real binary given as $1 in a fresh temporary directory. Ends with one line
# "crash: N passed, M failed"; the exit status is non-zero when any check failed.
#   CRASH_KILLS=20      kills of the writer in (a)
#   CRASH_APPLY_KILLS=8 kills of 'apply' in (b)
#   CRASH_NODES=20000   nodes in the change set of (b)
#   CRASH_KEEP=1        keep the temporary directory
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
KILLS=${CRASH_KILLS:-20}
APPLY_KILLS=${CRASH_APPLY_KILLS:-8}
NODES=${CRASH_NODES:-20000}
W=$(mktemp -d "${TMPDIR:-/tmp}/arenadb-crash.XXXXXX")
[ -n "${CRASH_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
cd "$W" || exit 2
unset ARENADB_DB
START=$(date +%s)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check NAME CONDITION: one counted check; CONDITION is shell code, run with eval
  if eval "$2"; then pass "$1"; else fail "$1"; fi
}

db_ok() { # db_ok DB: 'arenadb check' prints ok
  local o
  o=$("$BIN" --db "$1" check 2>&1)
  [ "$o" = ok ] || { echo "    check of $1 said: $o"; return 1; }
}

count_sql() { # count_sql DB WHERE
  "$BIN" --db "$1" sql "SELECT count(*) AS n FROM nodes WHERE $2" --format csv 2>&1 | sed -n 2p
}

big_count() { count_sql "$1" "label = 'Big'"; }
big_sum() {
  "$BIN" --db "$1" sql "SELECT sum(json_extract(properties, '\$.i')) AS s FROM nodes WHERE label = 'Big'" --format csv 2>&1 | sed -n 2p
}
rand_ms() { echo $((RANDOM % ($1 + 1))); } # 0..N milliseconds
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# ---- (a) a stream of acknowledged writes, killed at random moments -------------------------
#
# A writer loop in the background runs one 'node add --id kI' at a time, and logs kI as
# acknowledged only once that command exited 0. Meanwhile this script kills the writer's current
# arenadb process with SIGKILL at random moments; the writer publishes "PID kI" before waiting,
# and the pid is only killed while /proc shows it is still that very command.

"$BIN" --db a.db init >/dev/null || { echo "crash: cannot create a database"; echo "crash: 0 passed, 1 failed"; exit 1; }

# How long one write takes here, to aim the kills inside writes.
t0=$(date +%s%N)
for i in 1 2 3 4 5; do "$BIN" --db a.db node add Warmup --id "w$i" >/dev/null || break; done
WRITE_MS=$((($(date +%s%N) - t0) / 5000000))
[ "$WRITE_MS" -ge 2 ] || WRITE_MS=2

writer() {
  local i=0 pid rc
  while [ ! -e stop ]; do
    i=$((i + 1))
    "$BIN" --db a.db node add K "{\"i\":$i,\"pad\":\"$(printf '%0200d' "$i")\"}" --id "k$i" >/dev/null 2>>writer.err &
    pid=$!
    echo "$pid k$i" >current.tmp && mv current.tmp current
    { wait "$pid"; } 2>/dev/null
    rc=$?
    case $rc in
    0) echo "k$i" >>acked.log ;;
    137) echo "k$i" >>killed.log ;;
    *) echo "k$i: exit $rc" >>writer.err ;;
    esac
  done
  echo "$i" >writes.count
}

: >acked.log
: >killed.log
: >writer.err
rm -f stop current
writer 2>/dev/null & # (the shell's own "Killed" notices; arenadb's stderr goes to writer.err)
writer_pid=$!
attempts=0
deadline=$(($(date +%s) + 120)) # ends as soon as enough kills landed; a slow machine needs longer
while [ "$(wc -l <killed.log)" -lt "$KILLS" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  sleep_ms "$(rand_ms $((WRITE_MS * 2)))"
  read -r pid id <current 2>/dev/null || continue
  # Only that very process: the pid of an exited command may have been reused.
  if { tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qx -- "$id"; then
    kill -9 "$pid" 2>/dev/null && attempts=$((attempts + 1))
  fi
done
sleep_ms $((WRITE_MS * 5)) # a few more writes after the last kill
touch stop
wait "$writer_pid"
effective=$(wc -l <killed.log)
before=$(wc -l <acked.log)
# The database still takes writes after the kills.
for j in 1 2 3; do
  "$BIN" --db a.db node add K --id "after$j" >/dev/null 2>>writer.err && echo "after$j" >>acked.log
done

acked=$(wc -l <acked.log)
echo "     (a) $(cat writes.count) writes, $acked acknowledged, $effective of $attempts kills landed mid-write (one write: ~${WRITE_MS} ms)"
check "(a) $KILLS kills landed while arenadb was writing" '[ "$effective" -ge "$KILLS" ]'
check "(a) writes go on after the kills" '[ "$acked" -eq $((before + 3)) ]'

# Every acknowledged write is readable, one 'node get' each.
missing=0
while read -r id; do
  out=$("$BIN" --db a.db node get "$id" 2>&1)
  case "$out" in
  "{\"id\":\"$id\",\"label\":\"K\""*) ;;
  *)
    missing=$((missing + 1))
    [ "$missing" -le 5 ] && echo "    acknowledged $id: $out"
    ;;
  esac
done <acked.log
check "(a) all $acked acknowledged writes are readable with 'node get'" '[ "$missing" -eq 0 ]'
# And SQL agrees: the acknowledged ids are all among the nodes.
"$BIN" --db a.db sql "SELECT id FROM nodes WHERE label = 'K' ORDER BY id" --format csv | tail -n +2 | sort >present.txt
check "(a) SQL sees every acknowledged write" '[ -z "$(sort acked.log | comm -23 - present.txt)" ]'
check "(a) arenadb check prints ok after the kills" 'db_ok a.db'
check "(a) no write failed except by the kills" '[ ! -s writer.err ]'
[ -s writer.err ] && sed -n '1,5s/^/    writer stderr| /p' writer.err

# ---- (b) kill -9 during 'apply' of a large change set ---------------------------------------

python3 - "$NODES" <<'EOF'
import json, sys
n = int(sys.argv[1])
with open("big.jsonl", "w") as f:
    for i in range(n):
        f.write(json.dumps({"type": "node", "id": "big%06d" % i, "label": "Big",
                            "properties": {"i": i, "text": "node number %d" % i}}) + "\n")
EOF
"$BIN" --db src.db init >/dev/null
"$BIN" --db src.db import big.jsonl >/dev/null
"$BIN" --db src.db changes -o big.cs 2>/dev/null
dbid=$("$BIN" --db src.db vv | sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/')
check "(b) made a change set of $NODES nodes" '[ -s big.cs ] && [ "$(big_count src.db)" = "$NODES" ]'
SUM=$((NODES * (NODES - 1) / 2))

# Templates: a replica of the same database with one node of its own, and an empty database
# (which adopts the set's database id when the apply commits).
"$BIN" --db replica.tmpl init --db-id "$dbid" >/dev/null
"$BIN" --db replica.tmpl node add Own '{"mine":true}' --id own >/dev/null
"$BIN" --db empty.tmpl init >/dev/null
emptyid=$("$BIN" --db empty.tmpl vv | sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/')

reset() { # reset TEMPLATE: t.db becomes a fresh copy of TEMPLATE
  rm -f t.db t.db-wal t.db-shm
  cp "$1" t.db
}

reset replica.tmpl
t0=$(date +%s%N)
"$BIN" --db t.db apply big.cs >/dev/null
APPLY_MS=$((($(date +%s%N) - t0) / 1000000))
echo "     (b) a clean apply of $(wc -c <big.cs) bytes takes ~${APPLY_MS} ms"

# Kill each apply at a random moment between a quarter and 1.25 times its expected run time
# (so that some kills land around the commit); the first two aim at the middle. The target is either a replica with data or an empty database, alternately.
before_commit=0
for k in $(seq 1 "$APPLY_KILLS"); do
  if [ $((k % 2)) -eq 1 ]; then tmpl=replica.tmpl; else tmpl=empty.tmpl; fi
  reset "$tmpl"
  delay=$((APPLY_MS / 4 + $(rand_ms "$APPLY_MS")))
  [ "$k" -le 2 ] && delay=$((APPLY_MS / 2))
  "$BIN" --db t.db apply big.cs >/dev/null 2>&1 &
  pid=$!
  sleep_ms "$delay"
  kill -9 "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  rc=$?
  n=$(big_count t.db)
  [ "$rc" -eq 137 ] && [ "$n" = 0 ] && before_commit=$((before_commit + 1))
  what="kill $k after ${delay} ms into $tmpl (exit $rc): $n of $NODES nodes"
  check "(b) $what: none or all" '[ "$n" = 0 ] || [ "$n" = "$NODES" ]'
  if [ "$n" = "$NODES" ]; then
    check "(b) kill $k: the nodes are intact" '[ "$(big_sum t.db)" = "$SUM" ]'
  fi
  vvdb=$("$BIN" --db t.db vv | sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/')
  if [ "$tmpl" = replica.tmpl ]; then
    check "(b) kill $k: the replica's own node is there" '"$BIN" --db t.db node get own >/dev/null'
  elif [ "$n" = 0 ]; then
    check "(b) kill $k: the empty database kept its id" '[ "$vvdb" = "$emptyid" ]'
  else
    check "(b) kill $k: the database adopted the set's id" '[ "$vvdb" = "$dbid" ]'
  fi
  check "(b) kill $k: arenadb check prints ok" 'db_ok t.db'
  # The killed target still takes the whole set.
  if [ "$k" -eq "$APPLY_KILLS" ]; then
    "$BIN" --db t.db apply big.cs >/dev/null 2>apply.err
    rc=$?
    check "(b) a clean apply after the kills succeeds" '[ "$rc" -eq 0 ]'
    check "(b) it gives all $NODES nodes" '[ "$(big_count t.db)" = "$NODES" ]'
    check "(b) with their properties" '[ "$(big_sum t.db)" = "$SUM" ]'
    total=$(count_sql t.db 1)
    "$BIN" --db t.db apply big.cs >/dev/null 2>>apply.err
    check "(b) applying it again changes nothing" '[ "$(count_sql t.db 1)" = "$total" ] && [ "$(big_sum t.db)" = "$SUM" ]'
    check "(b) arenadb check prints ok at the end" 'db_ok t.db'
  fi
done
check "(b) at least one kill landed before the commit" '[ "$before_commit" -ge 1 ]'

echo "     took $(($(date +%s) - START)) s"
echo "crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
