#!/usr/bin/env bash
# tests/cli/run.sh BINARY — end-to-end tests of the arenadb command.
#
# Runs the real binary given as $1; every test runs in a subshell, in a fresh temporary
# directory of its own, with no ARENADB_DB in the environment (so the default ./arena.db is the
# test's own database). A test is a function test_NAME registered in TESTS at the bottom; the
# first failed assertion ends the test. Needs only bash, sqlite3 and python3.
#
#   tests/cli/run.sh build/arenadb            run every test
#   tests/cli/run.sh build/arenadb sync_      run the tests whose name contains "sync_"
#   CLI_JOBS=1 tests/cli/run.sh build/arenadb one test at a time (default: up to 4 at once)
#   CLI_KEEP=1 ...                            keep the temporary directories
#
# Ends with one line "cli: N passed, M failed"; the exit status is non-zero when any failed.
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY [NAME_FILTER]" >&2
  exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
FILTER=${2:-}
for tool in sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "cli: needs $tool" >&2; exit 2; }
done
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/arenadb-cli.XXXXXX")
[ -n "${CLI_KEEP:-}" ] || trap 'rm -rf "$ROOT"' EXIT

# ---- helpers ---------------------------------------------------------------------------------
# After run/A: RC is the exit status, $W/.out and $W/.err hold stdout and stderr.

fail() {
  {
    echo "    FAIL: $*"
    echo "    last command: ${LAST:-}"
    echo "    exit status: ${RC:-}"
    [ -s "$W/.out" ] && sed -n '1,12s/^/    stdout| /p' "$W/.out"
    [ -s "$W/.err" ] && sed -n '1,12s/^/    stderr| /p' "$W/.err"
  } >&2
  exit 1
}

run() {
  LAST="$*"
  "$@" >"$W/.out" 2>"$W/.err"
  RC=$?
}

# A ARGS... runs arenadb with ARGS (stdin is inherited, so pipes into A work).
A() { run "$BIN" "$@"; LAST="arenadb $*"; }

# at TIME ARGS...: arenadb must succeed with its clock set to TIME and frozen there
# (libfaketime; the sanitizers tolerate the preloaded library).
at() {
  run env ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "$1" "$BIN" "${@:2}"
  LAST="arenadb ${*:2} at $1"
  [ "$RC" -eq 0 ] || fail "expected exit 0"
}

out() { cat "$W/.out"; }
err() { cat "$W/.err"; }

ok() { # ok ARGS...: arenadb must succeed
  A "$@"
  [ "$RC" -eq 0 ] || fail "expected exit 0"
}

# fails [-p REGEX] ARGS...: arenadb must exit 1 with "arenadb..." first on stderr (and REGEX,
# case-insensitive, somewhere on stderr).
fails() {
  local pat=""
  if [ "$1" = "-p" ]; then pat=$2; shift 2; fi
  A "$@"
  [ "$RC" -eq 1 ] || fail "expected exit 1 (operation failed)"
  head -n 1 "$W/.err" | grep -q '^arenadb' || fail "expected a message 'arenadb: ...' on stderr"
  [ -z "$pat" ] || grep -Eqi -- "$pat" "$W/.err" || fail "stderr does not match /$pat/"
}

usage_error() { # usage_error ARGS...: arenadb must exit 2 with a message on stderr, nothing on stdout
  A "$@"
  [ "$RC" -eq 2 ] || fail "expected exit 2 (usage error)"
  [ -s "$W/.err" ] || fail "expected a usage message on stderr"
  [ ! -s "$W/.out" ] || fail "expected nothing on stdout for a usage error"
}

out_has() { grep -qF -- "$1" "$W/.out" || fail "stdout lacks '$1'"; }
out_lacks() { ! grep -qF -- "$1" "$W/.out" || fail "stdout has '$1' but should not"; }
out_eq() { [ "$(out)" = "$1" ] || fail "stdout is not '$1'"; }
err_has() { grep -Eqi -- "$1" "$W/.err" || fail "stderr does not match /$1/"; }
eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: '$1' != '$2'"; }
py() { python3 -c "$@"; }

# json_ok FILE: FILE parses as JSON.
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null || fail "not valid JSON: $1"; }

# The nodes and edges of a database, as SQL sees them, in a stable order.
graph() {
  local db=${1:-arena.db}
  "$BIN" --db "$db" sql "SELECT * FROM nodes ORDER BY id" --format json &&
    "$BIN" --db "$db" sql "SELECT * FROM edges ORDER BY id" --format json
}

# The full content of a database: export, version vector, and an SQLite dump of every internal
# table (taken from a copy, so that reading it cannot change the original).
state() {
  local db=${1:-arena.db} d
  "$BIN" --db "$db" export - 2>&1
  "$BIN" --db "$db" vv 2>&1
  d=$(mktemp -d "$W/.dump.XXXX")
  cp "$db" "$d/x.db"
  [ -e "$db-wal" ] && cp "$db-wal" "$d/x.db-wal"
  sqlite3 "$d/x.db" .dump 2>&1
  rm -rf "$d"
}

remember() { state "${1:-arena.db}" >"$W/.state.$(basename "${1:-arena.db}")"; }
unchanged() { # unchanged [DB]: DB's content is what remember saw
  local db=${1:-arena.db} f
  f="$W/.state.$(basename "$db")"
  [ -s "$f" ] || fail "internal: nothing remembered for $db"
  state "$db" >"$f.now"
  cmp -s "$f" "$f.now" || {
    diff "$f" "$f.now" | head -20 | sed 's/^/    diff| /' >&2
    fail "database $db changed"
  }
}

# Bytes of a file, for files arenadb must not touch at all.
remember_bytes() { cp "$1" "$W/.bytes.$(basename "$1")"; }
same_bytes() {
  cmp -s "$1" "$W/.bytes.$(basename "$1")" || fail "file $1 was modified"
  [ ! -s "$1-wal" ] || fail "a non-empty $1-wal appeared"
}

same_graph() { # same_graph DB1 DB2 ...
  local first=$1 g
  graph "$first" >"$W/.g.first" || fail "cannot read $first"
  shift
  for g in "$@"; do
    graph "$g" >"$W/.g.other" || fail "cannot read $g"
    cmp -s "$W/.g.first" "$W/.g.other" || {
      diff "$W/.g.first" "$W/.g.other" | head -20 | sed 's/^/    diff| /' >&2
      fail "$first and $g differ"
    }
  done
}

hexid() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# A small graph in ./arena.db: alice -KNOWS-> bob -LIVES_IN-> paris, carol.
seed() {
  ok init
  ok node add Person '{"name":"alice","age":30}' --id alice
  ok node add Person '{"name":"bob"}' --id bob
  ok node add Person '{"name":"carol","tags":["x","y"]}' --id carol
  ok node add City '{"name":"Paris"}' --id paris
  ok edge add alice KNOWS bob '{"since":2020}' --id e1
  ok edge add bob LIVES_IN paris --id e2
  ok edge add carol KNOWS alice --id e3
}

count() { # count SQL_WHERE [DB]: rows of nodes matching
  "$BIN" --db "${2:-arena.db}" sql "SELECT count(*) AS n FROM nodes WHERE $1" --format csv | sed -n 2p
}

# exchange FROM TO: TO receives what it lacks from FROM, through a version vector and a file.
exchange() {
  ok --db "$2" vv -o "$W/.vv"
  ok --db "$1" changes --since "$W/.vv" -o "$W/.cs"
  ok --db "$2" apply "$W/.cs"
}

# ---- help and usage --------------------------------------------------------------------------

COMMANDS=("init" "sql" "check" "shell" "node add" "node get" "node set" "node unset" "node del"
  "node list" "edge add" "edge get" "edge set" "edge unset" "edge del" "edge list" "vv" "changes"
  "apply" "sync" "import" "export" "text insert" "text delete" "text replace" "text get")

# The commands 'arenadb --help' lists, one a line.
listed_commands() {
  "$BIN" --help | sed -n '/^Commands:$/,/^$/p' | grep -E '^  [a-z]' |
    sed -E 's/^  ([a-z]+( [a-z]+)?)(  .*|$)/\1/'
}

# squeeze: the text on stdin with each run of spaces and line breaks made one space.
squeeze() { tr -s ' \n' '  ' | sed 's/ $//'; }

# narrow FILE: no line of FILE is wider than 100 columns.
narrow() { awk 'length > 100 { exit 1 }' "$1" || fail "a line of $1 is wider than 100 columns"; }

test_help_global() {
  ok --help
  out_has "usage: arenadb"
  local c
  for c in "${COMMANDS[@]}"; do out_has "  $c "; done
  ok -h
  out_has "usage: arenadb"
  ok --version
  grep -Eq '^arenadb [0-9]+\.[0-9]+\.[0-9]+' "$W/.out" || fail "--version prints no version"
  A
  [ "$RC" -eq 2 ] || fail "no command must be a usage error"
  err_has "usage"
  [ ! -e arena.db ] || fail "help created a database"
}

# The list fits in 100 columns and still holds every command's whole arguments and sentence,
# as its own help gives them.
test_help_global_is_narrow_and_whole() {
  ok --help
  narrow "$W/.out"
  local all c cmds args sentence
  all=" $(squeeze <"$W/.out") "
  mapfile -t cmds < <(listed_commands)
  [ "${#cmds[@]}" -ge 40 ] || fail "'arenadb --help' lists ${#cmds[@]} commands"
  for c in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    ok $c --help
    args=$(awk 'BEGIN { RS = "" } NR == 1' "$W/.out" | squeeze)
    args=${args#"usage: arenadb [--db PATH] $c"}
    sentence=$(awk 'BEGIN { RS = "" } NR == 2' "$W/.out" | squeeze)
    [[ "$all" == *" $c$args $sentence "* ]] || fail "the list lacks or cuts '$c$args $sentence'"
  done
}

test_help_each_command() {
  local c cmds o opts section
  mapfile -t cmds < <(listed_commands)
  [ "${#cmds[@]}" -ge 40 ] || fail "'arenadb --help' lists ${#cmds[@]} commands"
  for c in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    ok $c --help
    out_has "usage: arenadb [--db PATH] $c"
    narrow "$W/.out"
    section=$(sed -n '/^Example:$/,/^$/p' "$W/.out")
    grep -q '^  arenadb \|| arenadb ' <<<"$section" || fail "'$c --help' has no example"
    # every option its usage line names starts an entry under Options
    opts=$(awk 'BEGIN { RS = "" } NR == 1' "$W/.out" | sed "1s/^usage: arenadb \[--db PATH\] $c//" |
      grep -oE -- '(^|[][ |])--?[a-z][a-z-]*' | sed 's/^[][ |]//')
    [ -z "$opts" ] || out_has "Options:"
    section=$(sed -n '/^Options:$/,/^$/p' "$W/.out")
    for o in $opts; do
      grep -Eq -- "^  (-[a-z], )?$o([ =,]|\$)" <<<"$section" ||
        fail "'$c --help' does not explain $o"
    done
  done
  ok node add Person --help
  out_has "node add"
  [ ! -e arena.db ] || fail "--help created a database"
}

# 'arenadb help COMMAND' is 'arenadb COMMAND --help'; alone, it is the global help.
test_help_command() {
  ok help
  eq "$(out)" "$("$BIN" --help)" "'arenadb help' differs from 'arenadb --help'"
  local c
  for c in serve "node add" cypher "vector search" check; do
    # shellcheck disable=SC2086
    ok help $c
    # shellcheck disable=SC2086
    eq "$(out)" "$("$BIN" $c --help)" "'arenadb help $c' differs from 'arenadb $c --help'"
  done
  ok help node
  out_has "node add"
  usage_error help nosuch
  err_has "unknown command 'nosuch'"
  [ ! -e arena.db ] || fail "help created a database"
}

# Each command's examples run as printed (those of serve and presence, and the network sync,
# need a server and are left out), in an order where each finds what the ones before made.
test_help_examples_work() {
  local order=(init "node add" "node get" "node set" "node unset" "node list" "edge add" "edge get"
    "edge set" "edge unset" "edge list" sql check shell traverse path "text insert"
    "text replace" "text delete" "text get" "vector set" "vector get" "vector index"
    "vector info" "vector search" cypher sync vv changes apply export import "token create"
    "token list" "token revoke" "vector clear" "edge del" "node del" man completion)
  local skipped=(serve presence) c line listed lines
  while IFS= read -r listed; do
    [[ " ${order[*]} ${skipped[*]} " == *" $listed "* ]] || fail "no example run for '$listed'"
  done < <(listed_commands)
  ok init
  ok --db laptop.db init
  ok --db copy.db init
  ok node add Person '{"name": "Bob"}' --id bob
  ok node add Person '{"name": "Carol"}' --id carol
  ok edge add bob KNOWS carol
  # shellcheck disable=SC2317 # the examples call it, through eval, as printed
  arenadb() { "$BIN" "$@"; }
  for c in "${order[@]}"; do
    # shellcheck disable=SC2086
    ok $c --help
    mapfile -t lines < <(sed -n '/^Example:$/,/^$/s/^  //p' "$W/.out")
    [ "${#lines[@]}" -gt 0 ] || fail "'$c --help' has no example"
    for line in "${lines[@]}"; do
      [[ "$line" != *"ws://"* ]] || continue
      LAST="$line"
      eval "$line" >"$W/.out" 2>"$W/.err" </dev/null
      RC=$?
      [ "$RC" -eq 0 ] || fail "the example of '$c' fails"
    done
  done
  [ -s token.txt ] || fail "the token create example wrote no token"
}

# The manual page is the command table's help in roff: it renders without a warning, has a
# section per command that --help lists, with each command's usage and example.
test_man_page_covers_every_command() {
  local c cmds
  ok man
  cp "$W/.out" arenadb.1
  mapfile -t cmds < <(listed_commands)
  eq "$(grep -c '^\.SS ' arenadb.1)" "${#cmds[@]}" "sections in the manual page"
  MANWIDTH=100 man --warnings -l arenadb.1 >page.txt 2>warnings.txt || fail "man cannot render it"
  [ ! -s warnings.txt ] || fail "man warns: $(head -3 warnings.txt)"
  for c in "${cmds[@]}"; do
    grep -q "^   $c\b" page.txt || fail "the manual page has no section for '$c'"
  done
  grep -qF 'arenadb --db archive.db init --db-id 0123456789abcdef0123456789abcdef' page.txt ||
    fail "the manual page lacks init's example"
  grep -qF -- '--tls-cert FILE' page.txt || fail "the manual page lacks serve's options"
}

# The bash completion, made from the command table, completes command words, a group's
# commands, each command's options (those its help lists) and --format's values; bad shells
# are a usage error. zsh loads its version as the completion of arenadb.
test_completion_scripts() {
  ok completion bash
  cp "$W/.out" completion.bash
  bash -n completion.bash || fail "the bash completion does not parse"
  complete_words() { # complete_words WORDS...: what bash offers for the last word
    bash -c 'source ./completion.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _arenadb
             printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort | tr '\n' ' '
  }
  eq "$(complete_words arenadb no)" "node " "a command word"
  eq "$(complete_words arenadb node '')" "add del get list set unset " "the node group"
  eq "$(complete_words arenadb --db x.db vector s)" "search set " "after a global option"
  eq "$(complete_words arenadb edge list --f)" "--format --from " "options of edge list"
  eq "$(complete_words arenadb serve --tls)" "--tls-cert --tls-key " "options of serve"
  eq "$(complete_words arenadb sql x --format j)" "json jsonl " "--format's values"
  eq "$(complete_words arenadb node add --)" "--help --id " "options of node add"
  ok completion zsh
  cp "$W/.out" _arenadb
  zsh -n _arenadb || fail "the zsh completion does not parse"
  eq "$(zsh -f -c 'autoload -U compinit && compinit -u -D; source ./_arenadb
        print -r -- $_comps[arenadb]')" "_bash_complete -o filenames -F _arenadb" \
    "zsh's completion for arenadb"
  usage_error completion fish
  err_has "unknown shell 'fish'"
}

# 'arenadb node --help' should describe the node commands, not call 'node' unknown.
test_help_command_groups() {
  local g
  for g in node edge; do
    A "$g" --help
    [ "$RC" -eq 0 ] || fail "'arenadb $g --help' should list the $g commands"
    out_has "$g add"
    out_has "$g list"
    A "$g"
    [ "$RC" -eq 2 ] || fail "'arenadb $g' alone is a usage error"
    ! grep -q "unknown command '$g'" "$W/.err" || fail "'$g' is a command group, not unknown"
  done
}

test_usage_unknown_command() {
  seed
  remember
  usage_error frobnicate
  err_has "unknown command"
  usage_error node frobnicate x
  usage_error --db arena.db nodes list
  unchanged
}

test_usage_unknown_option() {
  seed
  remember
  usage_error node list --bogus
  err_has "unknown option.*--bogus"
  usage_error sql "SELECT 1" --nope
  usage_error node add L --idd x
  usage_error --format xml sql "SELECT 1"
  err_has "format"
  usage_error sql "SELECT 1" --format yaml
  usage_error node add L --id
  err_has "needs a value"
  usage_error --db
  usage_error changes --since
  unchanged
}

test_usage_missing_arguments() {
  seed
  remember
  local args
  for args in "node add" "node get" "node set alice k" "node set alice" "node unset alice" \
    "node del" "edge add alice KNOWS" "edge add alice" "edge get" "edge set e1 k" "edge unset e1" \
    "edge del" "sql" "apply" "sync" "import" "export" "changes"; do
    # shellcheck disable=SC2086
    usage_error $args
    err_has "usage"
  done
  unchanged
}

test_usage_too_many_arguments() {
  seed
  remember
  usage_error node get alice bob
  usage_error node list extra
  usage_error node del alice bob
  usage_error node add L '{}' extra
  usage_error edge add alice L bob '{}' extra
  usage_error sql "SELECT 1" "SELECT 2"
  usage_error check extra
  usage_error init extra
  unchanged
}

# ---- init and the database path --------------------------------------------------------------

# Access tokens: created once with a role, listed without secrets in every format, revoked;
# bad roles, durations and names are usage errors or failures that create nothing.
test_token_commands() {
  ok init
  ok token create --role write --name ci --expires 12h
  local secret
  secret=$(out)
  [[ $secret == adb_* ]] || fail "the token is not printed"
  err_has "shown only this once"
  ok token list
  out_has "ci" && out_has "write"
  grep -qF -- "${secret:4}" "$W/.out" && fail "token list shows the secret"
  ok token list --format json
  json_ok "$W/.out"
  out_has '"name":"ci"'
  ok token list --format csv
  out_has "name,role,created,expires"
  usage_error token create --role root
  usage_error token create --role read --expires 2w
  usage_error token create --role read --expires -1h
  fails -p "exists" token create --role read --name ci
  fails -p "empty" token create --role read --name ""
  ok token revoke ci
  fails -p "no token named" token revoke ci
  ok token list --format json
  out_eq "[]"
}

test_init() {
  ok init
  grep -Eq '^created \./arena\.db \(database [0-9a-f]{32}, replica [0-9a-f]{32}\)$' "$W/.out" ||
    fail "init prints the new ids"
  local dbid
  dbid=$(sed -E 's/.*database ([0-9a-f]{32}).*/\1/' "$W/.out")
  ok init
  out_has "opened"
  out_has "$dbid"
  ok check
  out_eq "ok"
  local id
  id=$(hexid)
  ok --db r.db init --db-id "$id"
  out_has "database $id"
  ok --db r.db vv
  out_has "\"db\":\"$id\""
}

test_init_bad_db_id_creates_nothing() {
  fails -p "hex" --db r.db init --db-id xyz
  [ ! -e r.db ] || fail "a failed init left a file r.db behind"
  fails --db r2.db init --db-id 0123
  [ ! -e r2.db ] || fail "a failed init left a file r2.db behind"
}

test_init_db_id_mismatch() {
  local id1 id2
  id1=$(hexid)
  id2=$(hexid)
  ok --db r.db init --db-id "$id1"
  ok --db r.db node add L --id n
  remember r.db
  # Asking for another database id on an existing database must not silently succeed.
  A --db r.db init --db-id "$id2"
  [ "$RC" -ne 0 ] || fail "init --db-id $id2 on a database of id $id1 reported success"
  unchanged r.db
}

test_db_path_resolution() {
  ok init
  ok node add Default --id d
  ok --db other.db init
  ok --db other.db node add Other --id o
  ARENADB_DB=env.db run "$BIN" init
  [ "$RC" -eq 0 ] || fail "init with ARENADB_DB"
  [ -e env.db ] || fail "ARENADB_DB was not used"
  ARENADB_DB=env.db run "$BIN" node add Env --id e
  ok node get d
  ok --db other.db node get o
  fails --db other.db node get d
  ARENADB_DB=env.db run "$BIN" node get e
  [ "$RC" -eq 0 ] || fail "node from ARENADB_DB"
  # --db wins over ARENADB_DB, and may come after the command.
  ARENADB_DB=env.db run "$BIN" node get o --db other.db
  [ "$RC" -eq 0 ] || fail "--db after the command, over ARENADB_DB"
}

test_missing_database_is_not_created() {
  local c
  for c in "node list" "node get x" "node add L" "sql SELECT" "cypher RETURN" "check" "vv" "export -" \
    "changes -o x.out" "text get x k" "vector search [1]"; do
    # shellcheck disable=SC2086
    fails -p "no database|init" --db missing.db $c
    [ ! -e missing.db ] || fail "'$c' created missing.db"
  done
  echo "{}" >x.cs
  fails --db missing.db apply x.cs
  fails --db missing.db shell </dev/null
  [ ! -e missing.db ] || fail "created missing.db"
}

# ---- nodes -----------------------------------------------------------------------------------

test_node_add_get() {
  ok init
  ok node add Person '{"name":"Al","age":3,"b":{"y":1,"x":[1,{"d":0,"c":1}]}}'
  local id
  id=$(out)
  [ -n "$id" ] && [ "$(wc -l <"$W/.out")" -eq 1 ] || fail "node add prints one id"
  ok node get "$id"
  out_eq "{\"id\":\"$id\",\"label\":\"Person\",\"properties\":{\"age\":3,\"b\":{\"x\":[1,{\"c\":1,\"d\":0}],\"y\":1},\"name\":\"Al\"}}"
  json_ok "$W/.out"
  ok node add Person
  local id2
  id2=$(out)
  [ "$id2" != "$id" ] || fail "two generated ids are equal"
  ok node get "$id2"
  out_eq "{\"id\":\"$id2\",\"label\":\"Person\",\"properties\":{}}"
  ok node add 'Ünïcode ☃' '{"s":"h\u00e9 \"q\" \\ ☃","n":null,"f":1.5,"t":true}' --id 'user:ål'
  out_eq "user:ål"
  ok node get 'user:ål'
  py 'import json,sys
d=json.load(open(sys.argv[1]))
assert d=={"id":"user:ål","label":"Ünïcode ☃","properties":{"f":1.5,"n":None,"s":"hé \"q\" \\ ☃","t":True}}, d' "$W/.out" ||
    fail "unicode node read back differently"
}

test_node_add_with_id() {
  ok init
  ok node add Person '{"a":1}' --id user:alice
  out_eq "user:alice"
  ok node add Person --id=user:bob
  out_eq "user:bob"
  ok node get user:alice
  out_has '"id":"user:alice"'
  remember
  fails -p "exists" node add Other --id user:alice
  unchanged
  ok node get user:alice
  out_has '"label":"Person"'
}

test_node_set_unset() {
  ok init
  ok node add P '{"a":1}' --id n
  ok node set n b '"two"'
  ok node set n c '{"z":[1,2]}'
  ok node set n d -5
  ok node set n e null
  ok node set n a 2.5
  ok node get n
  out_eq '{"id":"n","label":"P","properties":{"a":2.5,"b":"two","c":{"z":[1,2]},"d":-5,"e":null}}'
  ok node unset n c
  ok node unset n e
  ok node get n
  out_eq '{"id":"n","label":"P","properties":{"a":2.5,"b":"two","d":-5}}'
}

test_node_del() {
  seed
  ok node del carol
  fails -p "no node|not found" node get carol
  ok node list
  out_lacks carol
  fails -p "not found|no node" node del carol
  eq "$(count "id='carol'")" 0 "a deleted node is invisible to SQL"
  # Re-created, it is back.
  ok node add Person '{"name":"carol2"}' --id carol
  ok node get carol
  out_has carol2
}

test_node_list_filters() {
  seed
  ok node list
  out_has alice
  out_has paris
  head -n 1 "$W/.out" | grep -q '^id  *label  *properties' || fail "table header"
  ok node list --label City
  out_has paris
  out_lacks alice
  ok node list --label=Person --format json
  json_ok "$W/.out"
  eq "$(py 'import json,sys; print(",".join(r["id"] for r in json.load(open(sys.argv[1]))))' "$W/.out")" \
    "alice,bob,carol" "node list --label Person"
  ok node list --label Nothing
  [ "$(out | grep -c 'alice')" -eq 0 ] || fail "label filter"
  ok node list --format csv
  eq "$(head -n 1 "$W/.out")" "id,label,properties" "csv header"
  eq "$(wc -l <"$W/.out" | tr -d ' ')" 5 "csv rows"
  # pages: --limit, then --after the last id printed, until a page comes back empty
  local after="" ids="" page
  while :; do
    ok node list --limit 2 ${after:+--after "$after"} --format csv
    page=$(out | tail -n +2 | cut -d, -f1)
    [ -n "$page" ] || break
    ids="$ids $(echo $page)"
    after=$(echo "$page" | tail -n 1)
  done
  eq "$ids" " alice bob carol paris" "node list paged by two"
  usage_error node list --limit 0
  usage_error node list --limit two
  err_has "integer"
}

# ---- edges -----------------------------------------------------------------------------------

test_edge_add_get() {
  seed
  ok edge get e1
  out_eq '{"id":"e1","source_node_id":"alice","target_node_id":"bob","label":"KNOWS","properties":{"since":2020}}'
  json_ok "$W/.out"
  ok edge add paris NEAR paris '{"km":0}'
  local id
  id=$(out)
  [ -n "$id" ] || fail "edge add prints the id"
  ok edge get "$id"
  out_has '"source_node_id":"paris","target_node_id":"paris","label":"NEAR"'
  remember
  fails -p "exists" edge add alice X bob --id e1
  unchanged
}

test_edge_set_unset_del() {
  seed
  ok edge set e1 w 0.5
  ok edge set e1 note '"hi"'
  ok edge unset e1 since
  ok edge get e1
  out_eq '{"id":"e1","source_node_id":"alice","target_node_id":"bob","label":"KNOWS","properties":{"note":"hi","w":0.5}}'
  ok edge del e1
  fails -p "no edge|not found" edge get e1
  fails edge del e1
  ok edge list
  out_lacks e1
  out_has e2
}

test_edge_list_filters() {
  seed
  ok edge list
  out_has e1
  out_has e2
  out_has e3
  ok edge list --from alice
  out_has e1
  out_lacks e2
  out_lacks e3
  ok edge list --to alice
  out_has e3
  out_lacks e1
  ok edge list --label KNOWS
  out_has e1
  out_has e3
  out_lacks e2
  # either end, and pages by id
  ok edge list --node alice --format csv
  eq "$(out | cut -d, -f1 | tr '\n' ' ')" "id e1 e3 " "edge list --node alice"
  ok edge list --limit 2 --format csv
  eq "$(out | cut -d, -f1 | tr '\n' ' ')" "id e1 e2 " "edge list --limit 2"
  ok edge list --after e1 --format csv
  eq "$(out | cut -d, -f1 | tr '\n' ' ')" "id e2 e3 " "edge list --after e1"
  usage_error edge list --node alice --from alice
  err_has "without --from"
  ok edge list --label KNOWS --from carol --to alice --format json
  json_ok "$W/.out"
  eq "$(py 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))])' "$W/.out")" "['e3']" "combined filters"
  ok edge list --from nobody
  out_lacks e1
}

test_edge_hidden_with_deleted_endpoint() {
  seed
  ok node del bob
  fails edge get e1
  fails edge get e2
  ok edge list
  out_lacks e1
  out_lacks e2
  out_has e3
  eq "$("$BIN" sql "SELECT count(*) FROM edges" --format csv | sed -n 2p)" 1 "hidden edges in SQL"
  ok node add Person --id bob
  ok edge get e1
  out_has '"since":2020'
  ok edge list
  out_has e2
}

# ---- SQL -------------------------------------------------------------------------------------

test_sql_node_writes() {
  ok init
  ok sql "INSERT INTO nodes(id, label, properties) VALUES ('a', 'A', '{\"z\":1,\"y\":2}'), ('b', 'B', '{}')"
  ok node get a
  out_eq '{"id":"a","label":"A","properties":{"y":2,"z":1}}'
  ok sql "INSERT INTO nodes(label) VALUES ('generated')"
  eq "$(count "label='generated' AND id IS NOT NULL AND id <> ''")" 1 "generated id"
  ok sql "UPDATE nodes SET label = 'AA' WHERE id = 'a'"
  ok node get a
  out_eq '{"id":"a","label":"AA","properties":{"y":2,"z":1}}'
  ok sql "UPDATE nodes SET properties = json_set(properties, '\$.w', 5) WHERE id = 'a'"
  ok sql "SELECT json_extract(properties, '\$.w') AS w FROM nodes WHERE id = 'a'" --format csv
  eq "$(sed -n 2p "$W/.out")" 5 "json_set through the view"
  ok sql "DELETE FROM nodes WHERE id = 'b'"
  fails node get b
  ok sql "SELECT id, label FROM nodes ORDER BY id" --format csv
  out_lacks "b,B"
  remember
  fails -p "exists" sql "INSERT INTO nodes(id, label) VALUES ('a', 'again')"
  unchanged
}

test_sql_edge_writes() {
  seed
  ok sql "INSERT INTO edges(id, source_node_id, target_node_id, label, properties) VALUES ('s1', 'carol', 'paris', 'VISITED', '{\"y\":2019}')"
  ok edge get s1
  out_eq '{"id":"s1","source_node_id":"carol","target_node_id":"paris","label":"VISITED","properties":{"y":2019}}'
  ok sql "UPDATE edges SET label = 'LOVED', properties = '{\"y\":2020}' WHERE id = 's1'"
  ok edge get s1
  out_eq '{"id":"s1","source_node_id":"carol","target_node_id":"paris","label":"LOVED","properties":{"y":2020}}'
  remember
  fails -p "endpoint" sql "UPDATE edges SET target_node_id = 'alice' WHERE id = 's1'"
  unchanged
  ok sql "DELETE FROM edges WHERE label = 'KNOWS'"
  fails edge get e1
  fails edge get e3
  ok edge get e2
}

test_sql_multi_row_write_is_atomic() {
  seed
  remember
  fails -p "object" sql "UPDATE nodes SET properties = CASE WHEN id = 'paris' THEN '[1]' ELSE '{\"x\":1}' END"
  unchanged
  fails sql "INSERT INTO nodes(id, label, properties) VALUES ('m1', 'L', '{}'), ('m2', 'L', 'not json')"
  unchanged
  fails sql "INSERT INTO edges(id, source_node_id, target_node_id, label) VALUES ('x1', 'alice', 'bob', 'L'), ('x2', 'alice', 'ghost', 'L')"
  unchanged
}

test_sql_write_replicates() {
  local id
  id=$(hexid)
  ok --db a.db init --db-id "$id"
  ok --db b.db init --db-id "$id"
  ok --db a.db sql "INSERT INTO nodes(id, label, properties) VALUES ('n1', 'A', '{\"k\":1}'), ('n2', 'B', '{}'), ('n3', 'C', '{}')"
  ok --db a.db sql "INSERT INTO edges(id, source_node_id, target_node_id, label, properties) VALUES ('e1', 'n1', 'n2', 'R', '{\"w\":1}'), ('e2', 'n2', 'n3', 'R', '{}')"
  ok --db a.db sql "UPDATE nodes SET properties = '{\"k\":2,\"m\":\"x\"}', label = 'AA' WHERE id = 'n1'"
  ok --db a.db sql "UPDATE edges SET properties = '{\"w\":2}' WHERE id = 'e1'"
  ok --db a.db sql "DELETE FROM nodes WHERE id = 'n3'"
  ok --db a.db sql "DELETE FROM edges WHERE id = 'e1'"
  ok --db a.db changes -o a.cs
  ok --db b.db apply a.cs
  same_graph a.db b.db
  ok --db b.db node get n1
  out_eq '{"id":"n1","label":"AA","properties":{"k":2,"m":"x"}}'
  fails --db b.db node get n3
  fails --db b.db edge get e1
  # And back: an SQL write on b reaches a.
  ok --db b.db sql "UPDATE nodes SET label = 'fromB' WHERE id = 'n2'"
  exchange b.db a.db
  same_graph a.db b.db
  ok --db a.db node get n2
  out_has '"label":"fromB"'
}

test_sql_format_table() {
  seed
  ok sql "SELECT id, label FROM nodes WHERE label = 'City'"
  eq "$(sed -n 1p "$W/.out" | tr -s ' ')" "id label" "table header"
  sed -n 2p "$W/.out" | grep -Eq '^-+ +-+$' || fail "table separator"
  sed -n 3p "$W/.out" | grep -Eq '^paris +City$' || fail "table row"
  ok sql "SELECT 1 AS a, NULL AS b"
  out_has "NULL"
}

test_sql_format_json() {
  seed
  ok sql "SELECT id, label, properties, 1 AS one, 2.5 AS half, NULL AS nil, 'q\"\\' AS s FROM nodes ORDER BY id" --format json
  json_ok "$W/.out"
  py 'import json,sys
rows=json.load(open(sys.argv[1]))
assert isinstance(rows,list) and len(rows)==4, rows
r=rows[0]
assert r["id"]=="alice" and r["label"]=="Person", r
assert r["properties"]=={"age":30,"name":"alice"}, r
assert r["one"]==1 and r["half"]==2.5 and r["nil"] is None and r["s"]=="q\"\\", r
assert [x["id"] for x in rows]==["alice","bob","carol","paris"]' "$W/.out" || fail "json rows"
  # properties are objects in json and jsonl, wherever the column comes from unchanged; an
  # expression over them is text like any other; csv keeps the text.
  ok sql "SELECT p.properties AS p, json_set(properties, '\$.x', 1) AS q, label FROM (SELECT * FROM nodes) p WHERE id = 'alice'" --format jsonl
  eq "$(out)" '{"p":{"age":30,"name":"alice"},"q":"{\"age\":30,\"name\":\"alice\",\"x\":1}","label":"Person"}' "jsonl"
  ok sql "SELECT e.properties FROM edges e LIMIT 1" --format json
  py 'import json,sys; r=json.load(open(sys.argv[1])); assert isinstance(r[0]["properties"],dict), r' "$W/.out" ||
    fail "edge properties in json"
  ok node list --label Person --format json
  py 'import json,sys; r=json.load(open(sys.argv[1])); assert r[0]["properties"]=={"age":30,"name":"alice"}, r' "$W/.out" ||
    fail "node list json"
  ok sql "SELECT properties FROM nodes WHERE id = 'alice'" --format csv
  out_has '"{""age"":30,""name"":""alice""}"'
  ok sql "CREATE TABLE mine(properties TEXT); INSERT INTO mine VALUES('{}'); SELECT properties FROM mine" --format jsonl
  eq "$(out)" '{"properties":"{}"}' "a table of one's own is text"
  ok --format json sql "SELECT id FROM nodes WHERE 0"
  json_ok "$W/.out"
  eq "$(py 'import json,sys; print(json.load(open(sys.argv[1])))' "$W/.out")" "[]" "empty json result"
}

# A blob holding a NUL byte must not be cut short silently in any format.
test_sql_blob_output() {
  ok init
  local f
  for f in json csv table; do
    ok sql "SELECT x'41420043' AS b" --format $f
    ! grep -Eq '(^|[^0-9A-Za-z])AB($|[^0-9A-Za-z])' "$W/.out" || fail "--format $f cut the blob x'41420043' at its NUL byte"
  done
}

test_sql_format_csv() {
  seed
  ok sql "SELECT id, properties, 'a,b' AS c, NULL AS d FROM nodes WHERE id IN ('alice', 'carol') ORDER BY id" --format csv
  eq "$(sed -n 1p "$W/.out")" "id,properties,c,d" "csv header"
  py 'import csv,sys,json
rows=list(csv.reader(open(sys.argv[1])))
assert rows[0]==["id","properties","c","d"], rows
assert len(rows)==3, rows
assert rows[1][0]=="alice" and json.loads(rows[1][1])=={"age":30,"name":"alice"} and rows[1][2]=="a,b", rows
assert json.loads(rows[2][1])["tags"]==["x","y"], rows' "$W/.out" || fail "csv does not parse back"
}

test_sql_user_tables_and_reads() {
  seed
  ok sql "CREATE TABLE notes(x TEXT)"
  ok sql "INSERT INTO notes VALUES ('local')"
  ok sql "SELECT x FROM notes" --format csv
  out_has local
  ok sql "SELECT n.id, count(e.id) AS out FROM nodes n LEFT JOIN edges e ON e.source_node_id = n.id GROUP BY n.id ORDER BY n.id" --format csv
  out_has "alice,1"
  out_has "paris,0"
  ok sql "SELECT json_extract(properties, '\$.name') AS name FROM nodes WHERE label = 'City'" --format csv
  out_has Paris
}

# ---- replication -----------------------------------------------------------------------------

test_vv() {
  seed
  ok vv
  json_ok "$W/.out"
  py 'import json,sys
d=json.load(open(sys.argv[1]))
assert set(d)=={"db","vv"} and len(d["db"])==32, d
assert all(len(k)==32 and isinstance(v,int) for k,v in d["vv"].items()) and max(d["vv"].values())>=7, d' "$W/.out" ||
    fail "vv JSON shape"
  ok vv -o my.vv
  [ -s my.vv ] || fail "vv -o wrote nothing"
  ok vv --output=my2.vv
  cmp -s my.vv my2.vv || fail "vv -o is not stable"
  # Nothing is missing from a replica at our own vv: the set changes nothing.
  ok changes --since my.vv -o none.cs
  remember
  ok apply none.cs
  unchanged
}

test_three_replicas_converge() {
  local id r pair
  id=$(hexid)
  for r in a b c; do ok --db $r.db init --db-id "$id"; done
  ok --db a.db node add Person '{"name":"alice"}' --id alice
  ok --db a.db node add Shared '{"a":1,"both":"a"}' --id shared
  ok --db b.db node add Person '{"name":"bob"}' --id bob
  ok --db b.db node add Shared '{"b":2,"both":"b"}' --id shared
  ok --db c.db node add City '{"name":"Paris"}' --id paris
  ok --db c.db sql "INSERT INTO nodes(id, label, properties) VALUES ('viasql', 'S', '{\"s\":1}')"
  # Round 1: every direction, by version vector.
  for pair in "a b" "b a" "b c" "c b" "a c" "c a"; do
    exchange "${pair% *}.db" "${pair#* }.db"
  done
  same_graph a.db b.db c.db
  ok --db a.db node get shared
  out_has '"a":1'
  out_has '"b":2'
  # Round 2: concurrent edits of the same and different things.
  ok --db a.db edge add alice KNOWS bob --id ab
  ok --db a.db node set bob mood '"happy"'
  ok --db b.db node set bob mood '"sad"'
  ok --db b.db node set bob city '"Paris"'
  ok --db b.db edge add bob LIVES_IN paris --id bp
  ok --db c.db node del viasql
  ok --db c.db sql "UPDATE nodes SET label = 'Town' WHERE id = 'paris'"
  ok --db c.db node del bob
  local i
  for i in 1 2; do
    for pair in "a b" "b c" "c a" "b a" "c b" "a c"; do
      exchange "${pair% *}.db" "${pair#* }.db"
    done
  done
  same_graph a.db b.db c.db
  eq "$(count "id='viasql'" b.db)" 0 "delete replicated"
  ok --db a.db node get paris
  out_has '"label":"Town"'
  # Full (not incremental) sets applied anywhere change nothing more.
  for r in a b c; do ok --db $r.db changes -o $r.full; done
  for r in a b c; do
    ok --db $r.db apply a.full
    ok --db $r.db apply b.full
    ok --db $r.db apply c.full
  done
  same_graph a.db b.db c.db
  for r in a b c; do ok --db $r.db check; out_eq ok; done
}

test_apply_twice_is_idempotent() {
  seed
  ok changes -o all.cs
  local id
  id=$(sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/' <<<"$("$BIN" vv)")
  ok --db b.db init --db-id "$id"
  ok --db b.db node add Mine --id mine
  ok --db b.db apply all.cs
  out_has "merged"
  remember b.db
  ok --db b.db apply all.cs
  unchanged b.db
  ok --db b.db apply all.cs
  unchanged b.db
  eq "$(count "1" b.db)" 5 "node count after applying twice"
}

test_changes_since_is_incremental() {
  seed
  local id
  id=$(sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/' <<<"$("$BIN" vv)")
  ok --db b.db init --db-id "$id"
  ok changes -o all.cs
  ok --db b.db apply all.cs
  ok node add Late --id late
  ok --db b.db vv -o b.vv
  ok changes --since b.vv -o inc.cs
  local full inc
  full=$(wc -c <all.cs)
  inc=$(wc -c <inc.cs)
  [ "$inc" -lt "$full" ] || fail "incremental set ($inc bytes) not smaller than the full one ($full)"
  ok --db b.db apply inc.cs
  same_graph arena.db b.db
  # changes to standard output
  ok node add Later --id later
  ok --db b.db vv -o b.vv
  run sh -c "'$BIN' changes --since b.vv -o - > out.cs"
  [ "$RC" -eq 0 ] && [ -s out.cs ] || fail "changes -o -"
  run sh -c "'$BIN' --db b.db apply - < out.cs"
  [ "$RC" -eq 0 ] || fail "apply -"
  same_graph arena.db b.db
}

test_apply_adopts_database_id() {
  seed
  ok changes -o all.cs
  ok --db fresh.db init
  ok --db fresh.db apply all.cs
  same_graph arena.db fresh.db
  eq "$("$BIN" --db fresh.db vv | sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/')" \
    "$("$BIN" vv | sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/')" "adopted database id"
  # Now it is a replica: it exchanges both ways.
  ok --db fresh.db node add FromFresh --id ff
  exchange fresh.db arena.db
  same_graph arena.db fresh.db
}

# Every command opens the database, writes and closes. A command whose wall clock stepped back
# (set and frozen per process by libfaketime) must still win over the commands before it.
test_clock_steps_back_between_commands() {
  command -v faketime >/dev/null || fail "needs faketime (scripts/setup.sh installs it)"
  ok init
  at '2026-01-01 12:00:00' node add P '{"k":"first"}' --id n
  at '2026-01-01 12:00:05' node set n k '"second"'
  at '2026-01-01 12:00:10' node set n k '"third"'
  at '2026-01-01 12:00:07' node set n k '"fourth"'
  ok node get n
  out_has '"k":"fourth"'
  at '2026-01-01 09:00:00' sql "UPDATE nodes SET properties = json_set(properties, '$.k', 'fifth') WHERE id = 'n'"
  ok node get n
  out_has '"k":"fifth"'
  ok check
}

test_sync_local() {
  local id
  id=$(hexid)
  ok --db a.db init --db-id "$id"
  ok --db b.db init --db-id "$id"
  ok --db a.db node add A '{"x":1}' --id a1
  ok --db a.db node add A --id both
  ok --db b.db node add B --id b1
  ok --db b.db node add B '{"k":"b"}' --id both
  ok --db b.db edge add b1 R both --id r1
  ok --db a.db sync b.db
  same_graph a.db b.db
  ok --db a.db edge get r1
  remember a.db
  remember b.db
  ok --db b.db sync a.db
  unchanged a.db
  unchanged b.db
  ok --db a.db node del b1
  ok --db b.db sync a.db
  same_graph a.db b.db
  fails --db b.db edge get r1
}

# The merge rules of docs/crdt.md between separate processes and change files: a delete wins
# over a concurrent update, a re-create wins over the delete it follows, the later clock wins,
# and equal clocks go to the greater replica id (each command's clock is set by libfaketime).
test_merge_rules_between_processes() {
  command -v faketime >/dev/null || fail "needs faketime (scripts/setup.sh installs it)"
  swap() { # both ways through change files
    ok --db a.db vv -o a.vv && ok --db b.db vv -o b.vv
    ok --db a.db changes --since b.vv -o a.changes && ok --db b.db changes --since a.vv -o b.changes
    ok --db b.db apply a.changes && ok --db a.db apply b.changes
    same_graph a.db b.db
  }
  local id ra rb
  id=$(hexid)
  ok --db a.db init --db-id "$id"
  ra=$(py 'import json,sys; print(list(json.load(sys.stdin)["vv"])[0])' < <("$BIN" --db a.db vv))
  ok --db b.db init --db-id "$id"
  rb=$(py 'import json,sys; print(list(json.load(sys.stdin)["vv"])[0])' < <("$BIN" --db b.db vv))
  at '2026-01-01 12:00:00' --db a.db node add P '{"k":0}' --id n
  swap
  at '2026-01-01 12:00:01' --db a.db node del n
  at '2026-01-01 12:00:02' --db b.db node set n k 1
  swap
  fails --db a.db node get n
  at '2026-01-01 12:00:03' --db b.db node add P '{"k":"again"}' --id n
  swap
  ok --db a.db node get n
  out_has '"k":"again"'
  at '2026-01-01 12:00:05' --db a.db node set n k '"a later"'
  at '2026-01-01 12:00:04' --db b.db node set n k '"b earlier"'
  swap
  ok --db b.db node get n
  out_has '"k":"a later"'
  at '2026-01-01 12:00:09' --db a.db node set n k '"from a"'
  at '2026-01-01 12:00:09' --db b.db node set n k '"from b"'
  swap
  ok --db a.db node get n
  if [[ "$ra" > "$rb" ]]; then out_has '"k":"from a"'; else out_has '"k":"from b"'; fi
  ok --db a.db check
  ok --db b.db check
}

# A replica with no writes adopts the id of the first database it syncs with, whichever side
# of the command it is on.
test_sync_adopts_database_id() {
  seed
  ok --db fresh1.db init
  ok --db fresh2.db init
  ok sync fresh1.db
  same_graph arena.db fresh1.db
  A --db fresh2.db sync arena.db
  [ "$RC" -eq 0 ] || fail "an empty database must adopt the id of the database it syncs with"
  same_graph arena.db fresh2.db
}

test_sync_refuses_other_database() {
  ok --db a.db init
  ok --db a.db node add A --id a
  ok --db b.db init
  ok --db b.db node add B --id b
  remember a.db
  remember b.db
  fails -p "database" --db a.db sync b.db
  unchanged a.db
  unchanged b.db
  fails --db b.db sync a.db
  unchanged a.db
  unchanged b.db
}

test_sync_refuses_same_replica() {
  seed
  cp arena.db copy.db
  remember
  remember copy.db
  fails -p "same replica" sync copy.db
  fails sync arena.db
  unchanged
  unchanged copy.db
  fails -p "no database" sync missing.db
  [ ! -e missing.db ] || fail "sync created missing.db"
}

# ---- import and export -----------------------------------------------------------------------

test_export_import_roundtrip() {
  seed
  ok node add 'Ünï' '{"s":"tab\there \"q\" ☃","nested":{"b":[1,2.5,null,true],"a":{}}}' --id 'weird id/ü'
  ok edge add 'weird id/ü' SELF 'weird id/ü' '{"w":-1}' --id 'e/ü'
  ok node add Gone --id gone
  ok edge add gone X alice --id hidden
  ok node del gone
  ok export one.jsonl
  out_has "exported"
  py 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); assert d["type"] in ("node","edge") and isinstance(d["properties"],dict), l' one.jsonl ||
    fail "an exported line is not a JSON record"
  grep -q '"gone"' one.jsonl && fail "export holds a deleted node"
  grep -q '"hidden"' one.jsonl && fail "export holds a hidden edge"
  ok export -
  cmp -s one.jsonl "$W/.out" || fail "export - differs from export FILE"
  ok --db two.db init
  ok --db two.db import one.jsonl
  out_has "imported 9 records"
  ok --db two.db export two.jsonl
  cmp -s one.jsonl two.jsonl || fail "export -> import -> export is not identical"
  same_graph arena.db two.db
}

test_import_edges_before_nodes() {
  ok init
  cat >g.jsonl <<'EOF'
{"type":"edge","id":"e1","source_node_id":"n1","target_node_id":"n2","label":"L","properties":{"w":1}}

{"type":"edge","id":"e2","source_node_id":"n2","target_node_id":"n1","label":"M"}
{"type":"node","id":"n1","label":"A","properties":{"x":1}}
{"type":"node","id":"n2","label":"B"}
EOF
  ok import g.jsonl
  ok edge get e1
  out_eq '{"id":"e1","source_node_id":"n1","target_node_id":"n2","label":"L","properties":{"w":1}}'
  ok edge get e2
  ok node get n2
  out_eq '{"id":"n2","label":"B","properties":{}}'
}

# bad_import N CONTENT_LINE: a file with good records and CONTENT_LINE at line N.
bad_import() {
  local n=$1 bad=$2 i
  : >bad.jsonl
  for ((i = 1; i <= 5; i++)); do
    if [ "$i" -eq "$n" ]; then
      printf '%s\n' "$bad" >>bad.jsonl
    else
      printf '{"type":"node","id":"new%d","label":"New","properties":{"i":%d}}\n' "$i" "$i" >>bad.jsonl
    fi
  done
  fails -p "line $n\b" import bad.jsonl
  unchanged
}

test_import_is_one_transaction() {
  seed
  remember
  bad_import 3 '{"type":"node","id":"x","label":"L","properties":{bad json}}'
  bad_import 4 '{"type":"node","id":"x","label":"L","properties":[1,2]}'
  bad_import 2 '{"id":"x","label":"L"}'
  bad_import 5 '{"type":"spaceship","id":"x"}'
  bad_import 1 '[1,2,3]'
  bad_import 4 '{"type":"edge","id":"ex","source_node_id":"alice","target_node_id":"ghost","label":"L"}'
  bad_import 2 '{"type":"node","id":"alice","label":"Dup"}'
  bad_import 5 '{"type":"node","id":"x","label":""}'
  bad_import 3 '{"type":"node","id":"x","label":"L"'
  fails -p "cannot read|no such" import missing.jsonl
  unchanged
}

test_import_progress() {
  ok init
  python3 -c '
import json
with open("n.jsonl","w") as f:
    for i in range(3000):
        f.write(json.dumps({"type":"node","id":"n%d"%i,"label":"N","properties":{"i":i}})+"\n")
    for i in range(1,3000):
        f.write(json.dumps({"type":"edge","id":"e%d"%i,"source_node_id":"n%d"%(i-1),"target_node_id":"n%d"%i,"label":"NEXT"})+"\n")'
  ok import n.jsonl --progress
  out_has "imported 5999 records"
  [ -s "$W/.err" ] || fail "--progress shows no progress"
  eq "$(count 1)" 3000 "nodes imported"
  ok export back.jsonl
  cmp -s <(sort n.jsonl | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l); d.setdefault("properties",{}); print(json.dumps(d,sort_keys=True))' | sort) \
    <(python3 -c '
import json,sys
for l in open("back.jsonl"):
    print(json.dumps(json.loads(l),sort_keys=True))' | sort) || fail "exported records differ from imported ones"
}

# ---- check and shell -------------------------------------------------------------------------

test_check() {
  ok init
  ok check
  out_eq ok
  seed
  ok check
  out_eq ok
}

test_shell_piped() {
  seed
  A shell <<<"SELECT count(*) FROM nodes;"
  [ "$RC" -eq 0 ] || fail "shell"
  out_has 4
  printf "SELECT id\n  FROM nodes\n  WHERE label = 'City';\nINSERT INTO nodes(id, label) VALUES ('sh', 'Shell');\n" >in.sql
  A shell <in.sql
  [ "$RC" -eq 0 ] || fail "multi-line statement"
  out_has paris
  ok node get sh
  out_has '"label":"Shell"'
}

test_shell_dot_commands() {
  seed
  ok sql "CREATE TABLE mytable(x)"
  A shell <<'EOF'
.help
.tables
.format json
SELECT id FROM nodes WHERE label = 'City';
.format csv
SELECT id, label FROM nodes WHERE label = 'City';
.format table
.quit
SELECT 'after quit';
EOF
  [ "$RC" -eq 0 ] || fail "dot commands"
  out_has ".format"
  out_has ".tables"
  out_has ".quit"
  grep -Eq '^nodes +view' "$W/.out" || fail ".tables lists nodes"
  grep -Eq '^edges +view' "$W/.out" || fail ".tables lists edges"
  out_has mytable
  out_lacks adb_
  out_has '{"id":"paris"}'
  out_has "id,label"
  out_has "paris,City"
  out_lacks "after quit"
  A --format json shell <<<"SELECT id FROM nodes WHERE id = 'bob';"
  out_has '{"id":"bob"}'
}

test_shell_errors() {
  seed
  remember
  A shell <<<"SELEC 1;"
  [ "$RC" -ne 0 ] || fail "a failed statement makes a non-interactive shell fail"
  err_has "syntax error"
  A shell <<<".bogus"
  [ "$RC" -ne 0 ] || fail "an unknown dot command"
  err_has "unknown"
  A shell <<<"INSERT INTO adb_node(id) VALUES ('x');"
  [ "$RC" -ne 0 ] || fail "internal tables from the shell"
  unchanged
  # A last statement without its ';' must not be silently dropped.
  A shell <<<"SELECT 40 + 2 AS answer"
  if [ "$RC" -eq 0 ]; then
    grep -q 42 "$W/.out" || fail "a last statement without ';' was dropped silently (exit 0, no output)"
  else
    [ -s "$W/.err" ] || fail "incomplete statement: exit $RC without a message"
  fi
}

# ---- bad input: a clear error, and the database unchanged ------------------------------------

test_bad_invalid_json() {
  seed
  remember
  fails -p "json" node add Person '{"name":'
  fails -p "json" node add Person '{name: "x"}'
  fails -p "json" node add Person '{"a":1} trailing'
  fails -p "json" node set alice k '{bad'
  fails -p "json" node set alice k 'undefined'
  fails -p "json" edge add alice X bob '{"w":'
  fails -p "json" edge set e1 k '[1,'
  fails -p "json" sql "UPDATE nodes SET properties = '{oops' WHERE id = 'alice'"
  unchanged
}

test_bad_properties_not_object() {
  seed
  remember
  local v
  for v in '[1,2]' '"text"' '42' 'true' 'null'; do
    fails -p "object" node add Person "$v"
    fails -p "object" edge add alice X bob "$v"
    fails -p "object" sql "INSERT INTO nodes(id, label, properties) VALUES ('np', 'L', '$v')"
  done
  fails -p "object" sql "UPDATE edges SET properties = '[]' WHERE id = 'e1'"
  unchanged
}

test_bad_unknown_id() {
  seed
  remember
  fails -p "ghost" node get ghost
  fails -p "ghost" node set ghost k 1
  fails -p "ghost" node unset ghost k
  fails -p "ghost" node del ghost
  fails -p "ghost" edge get ghost
  fails -p "ghost" edge set ghost k 1
  fails -p "ghost" edge unset ghost k
  fails -p "ghost" edge del ghost
  fails node get e1
  fails edge get alice
  unchanged
}

test_bad_edge_to_missing_node() {
  seed
  remember
  fails -p "ghost" edge add alice KNOWS ghost
  fails -p "ghost" edge add ghost KNOWS alice
  fails -p "ghost" edge add ghost KNOWS ghost2 --id eg
  fails -p "ghost" sql "INSERT INTO edges(id, source_node_id, target_node_id, label) VALUES ('eg', 'alice', 'ghost', 'L')"
  ok node del carol
  remember
  fails edge add carol KNOWS bob
  unchanged
}

test_bad_empty_label_or_id() {
  seed
  remember
  fails -p "label" node add ''
  fails -p "id" node add L --id ''
  fails -p "label" edge add alice '' bob
  unchanged
}

test_bad_malformed_sql() {
  seed
  remember
  fails -p "syntax" sql "SELEC * FROM nodes"
  fails -p "no such table" sql "SELECT * FROM nosuch"
  fails sql "INSERT INTO nodes(id, label) VALUES ('x', 'unterminated)"
  fails sql "UPDATE nodes SET nosuchcolumn = 1"
  fails sql "DELETE FROM"
  unchanged
}

# A script whose second statement is malformed must not leave the first one's write behind.
test_bad_sql_script_is_atomic() {
  seed
  remember
  fails -p "syntax" sql "INSERT INTO nodes(id, label) VALUES ('partial', 'P'); SELEC 1"
  unchanged
}

test_bad_internal_tables_refused() {
  seed
  remember
  local s
  for s in "INSERT INTO adb_node(id, cl, label, props, meta) VALUES ('x', 1, 'L', '{}', x'00')" \
    "UPDATE adb_node SET label = 'hacked'" "DELETE FROM adb_node" "DELETE FROM adb_edge" \
    "DELETE FROM adb_meta" "UPDATE adb_replica SET seq = 0" "DELETE FROM adb_tag" \
    "DROP TABLE adb_node" "DROP VIEW nodes" "ALTER TABLE adb_node ADD COLUMN z" \
    "CREATE INDEX hack ON adb_node(label)" "PRAGMA user_version = 7" "PRAGMA writable_schema = 1" \
    "PRAGMA journal_mode = delete"; do
    fails sql "$s"
  done
  unchanged
  ok check
}

# The refusal names what was refused, so that a user can act on it.
test_bad_internal_table_message() {
  seed
  fails sql "INSERT INTO adb_node(id, cl, label, props, meta) VALUES ('x', 1, 'L', '{}', x'00')"
  err_has "adb_node|internal"
}

# A trigger on an internal table would let SQL write internal tables indirectly.
test_bad_internal_table_trigger() {
  seed
  remember
  fails sql "CREATE TRIGGER hack AFTER INSERT ON adb_node BEGIN DELETE FROM adb_edge; END"
  unchanged
  A node add Person --id dave
  ok edge get e1
  ok check
  out_eq ok
}

# make_remote_set: seeds ./arena.db, and base.cs holds a small change set of another replica
# (src.db) of the same database.
make_remote_set() {
  seed
  local id
  id=$(sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/' <<<"$("$BIN" vv)")
  ok --db src.db init --db-id "$id"
  ok --db src.db node add Remote '{"r":1}' --id remote
  ok --db src.db edge add remote TO remote --id re
  ok --db src.db changes -o base.cs
}

test_bad_changeset_truncated() {
  make_remote_set
  remember
  local len n
  len=$(wc -c <base.cs)
  for n in 0 1 4 8 16 $((len / 2)) $((len - 8)) $((len - 1)); do
    head -c "$n" base.cs >cut.cs
    fails -p "truncated|damaged|not a change set|corrupt" apply cut.cs
  done
  unchanged
  # And the intact set does apply.
  ok apply base.cs
  ok node get remote
}

test_bad_changeset_flipped_byte() {
  make_remote_set
  remember
  local len
  len=$(wc -c <base.cs)
  # Flip the low bit of every byte of the set in turn, and all bits of 40 random bytes.
  python3 - "$len" <<'EOF'
import random, sys
d = open("base.cs", "rb").read()
flips = [(i, 0x01) for i in range(len(d))] + [(i, 0xff) for i in random.sample(range(len(d)), min(40, len(d)))]
for i, mask in flips:
    e = bytearray(d); e[i] ^= mask
    open("flip.%d.%d.cs" % (i, mask), "wb").write(e)
EOF
  local f accepted=""
  for f in flip.*.cs; do
    "$BIN" apply "$f" >/dev/null 2>"$W/.err.flip"
    local rc=$?
    if [ "$rc" -ne 1 ] || ! head -n 1 "$W/.err.flip" | grep -q '^arenadb'; then accepted="$accepted $f(exit $rc)"; fi
  done
  [ -z "$accepted" ] || fail "tampered sets not rejected:$accepted"
  unchanged
  ok apply base.cs
}

test_bad_changeset_garbage() {
  seed
  remember
  head -c 4096 /dev/urandom >random.cs
  fails -p "not a change set|protocol|corrupt" apply random.cs
  printf 'ADBC' >magic-only.cs
  fails apply magic-only.cs
  : >empty.cs
  fails apply empty.cs
  echo '{"type":"node","id":"x","label":"L"}' >json.cs
  fails apply json.cs
  ok vv -o my.vv
  fails apply my.vv
  fails -p "cannot read|no such" apply missing.cs
  cp arena.db dbfile.cs
  fails apply dbfile.cs
  unchanged
}

test_bad_changeset_of_other_database() {
  seed
  ok --db other.db init
  ok --db other.db node add Other --id other
  ok --db other.db changes -o other.cs
  remember
  fails -p "database" apply other.cs
  unchanged
}

test_bad_vv_of_other_database() {
  seed
  ok --db other.db init
  ok --db other.db node add Other --id other
  ok --db other.db vv -o other.vv
  remember
  fails -p "database" changes --since other.vv -o x.cs
  [ ! -e x.cs ] || fail "a failed 'changes' wrote x.cs"
  head -c 64 /dev/urandom >junk.vv
  fails -p "version vector|protocol|corrupt" changes --since junk.vv -o x.cs
  head -c 10 other.vv >short.vv
  fails changes --since short.vv -o x.cs
  fails -p "cannot read|no such" changes --since missing.vv -o x.cs
  [ ! -e x.cs ] || fail "a failed 'changes' wrote x.cs"
  unchanged
}

# every_command_fails DB PATTERN: every command refuses DB with PATTERN on stderr, and DB keeps
# its bytes.
every_command_fails() {
  local db=$1 pat=$2 c
  ok --db ok.db init
  ok --db ok.db node add X --id x
  ok --db ok.db changes -o ok.cs
  ok --db ok.db export ok.jsonl
  remember_bytes "$db"
  for c in "node list" "node get x" "node add L" "node set x k 1" "node del x" "edge list" \
    "edge add x L x" "check" "init" "vv" "changes -o out.cs" "apply ok.cs" "import ok.jsonl" \
    "export out.jsonl" "sync ok.db"; do
    # shellcheck disable=SC2086
    fails -p "$pat" --db "$db" $c
    same_bytes "$db"
  done
  fails -p "$pat" --db "$db" sql "SELECT * FROM nodes"
  fails -p "$pat" --db "$db" shell <<<"SELECT 1;"
  fails -p "$pat" --db ok.db sync "$db"
  same_bytes "$db"
  [ ! -e out.cs ] || fail "wrote a change set from $db"
}

test_bad_text_file_database() {
  printf 'this is just a text file\nnot a database\n' >text.db
  every_command_fails text.db "not a database|not an arenadb|not an sqlite"
}

# A 0-byte file (a failed copy, a touch) is not a database: commands that do not create one
# refuse it and leave it empty. A device is not a change set: apply refuses it at once.
test_bad_empty_file_and_device() {
  ok --db ok.db init
  ok --db ok.db node add X --id x
  ok --db ok.db changes -o ok.cs
  : >empty.db
  local c
  for c in "node list" "node add L" "check" "vv" "apply ok.cs" "export out.jsonl"; do
    # shellcheck disable=SC2086
    fails -p "empty" --db empty.db $c
    [ ! -s empty.db ] || fail "'$c' wrote into the empty file"
  done
  fails -p "device" --db ok.db apply /dev/zero
  ok --db ok.db check
}

# A file this process may not write (root may write any file unless it is immutable): every
# read works, and a write fails with an error naming it, the file unchanged.
test_read_only_file_is_read_and_writes_are_refused() {
  ok --db ro.db init
  ok --db ro.db node add P '{"a":1}' --id a
  local before
  before=$(sha256sum <ro.db)
  if [ "$(id -u)" = 0 ]; then
    trap 'chattr -i ro.db 2>/dev/null' EXIT
    chattr +i ro.db || fail "chattr +i, which makes the file unwritable for root, failed"
  else
    chmod 0444 ro.db
  fi
  ok --db ro.db node get a
  grep -q '"a":1' "$W/.out" || fail "node get did not read the node"
  ok --db ro.db sql "SELECT count(*) FROM nodes"
  ok --db ro.db cypher "MATCH (n) RETURN count(n)"
  ok --db ro.db check
  fails -p "read-?only" --db ro.db node add P
  fails -p "read-?only" --db ro.db sql "DELETE FROM nodes"
  eq "$(sha256sum <ro.db)" "$before" "the read-only file's bytes"
}

test_bad_sqlite_not_arenadb() {
  sqlite3 plain.db "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);"
  every_command_fails plain.db "not an arenadb"
  eq "$(sqlite3 plain.db 'SELECT count(*) FROM t')" 2 "the other database's data"
}

test_bad_newer_format_version() {
  seed
  cp arena.db newer.db
  sqlite3 newer.db "PRAGMA user_version = 99"
  every_command_fails newer.db "version|newer|upgrade"
}

# ---- the list --------------------------------------------------------------------------------

test_traverse_and_path() {
  ok init
  for n in a b c d; do ok node add P --id "$n"; done
  ok edge add a KNOWS b --id ab
  ok edge add b KNOWS c --id bc
  ok edge add c LIKES d --id cd
  ok traverse a --depth 2 --format csv
  out_eq "$(printf 'id,depth,label\na,0,P\nb,1,P\nc,2,P')"
  ok traverse c --direction in --label KNOWS --format csv
  out_eq "$(printf 'id,depth,label\nc,0,P\nb,1,P\na,2,P')"
  ok path a d --format csv
  out_eq "$(printf 'step,node_id,edge_id\n0,a,\n1,b,ab\n2,c,bc\n3,d,cd')"
  # A deleted node hides its edges from traversal.
  ok node del c
  ok traverse a --format csv
  out_lacks "c,"
  fails -p "no path" path a d
}

test_traverse_bad_input() {
  ok init
  ok node add P --id a
  remember
  fails -p "nope" traverse nope
  usage_error traverse a --depth -1
  usage_error traverse a --depth x
  usage_error path a a --max-depth 2.5
  usage_error traverse a --direction up
  usage_error path a
  unchanged
}

test_text_round_trip() {
  local id
  id=$(hexid)
  ok --db a.db init --db-id "$id"
  ok --db b.db init --db-id "$id"
  ok --db a.db node add Note --id n
  ok --db a.db text insert n body 0 "héllo"
  ok --db a.db text insert n body 5 " world"
  ok --db a.db text get n body
  out_eq "héllo world"
  ok --db a.db sync b.db
  # Both replicas type at once; after syncing each sees both edits.
  ok --db a.db text delete n body 0 1
  ok --db a.db text insert n body 0 H
  ok --db b.db text insert n body 11 "!"
  ok --db b.db text replace n body 6 5 "there"
  ok --db a.db sync b.db
  ok --db a.db text get n body
  out_eq "Héllo there!"
  ok --db b.db text get n body
  out_eq "Héllo there!"
  ok --db b.db sql "SELECT json_extract(properties,'\$.body') AS b FROM nodes" --format csv
  out_has "Héllo there!"
  ok --db a.db node get n
  out_has '"body":"Héllo there!"'
  # Edge text, and a plain string read as text.
  ok --db a.db node add Note --id m '{"title":"plain"}'
  ok --db a.db edge add n LINKS m --id e
  ok --db a.db text insert e note 0 "why" --edge
  ok --db a.db text get e note --edge
  out_eq "why"
  ok --db a.db text get m title
  out_eq "plain"
  ok --db a.db check
}

test_text_bad_input() {
  ok init
  ok node add Note --id n '{"count":3}'
  ok text insert n body 0 "abc"
  remember
  fails -p "past the end" text insert n body 4 x
  fails -p "past the end" text delete n body 2 5
  fails -p "no node with id 'zz'" text insert zz body 0 x
  fails -p "no node" text get zz body
  fails -p "no property 'nope'" text get n nope
  fails -p "holds a number" text insert n count 0 x
  fails -p "not valid UTF-8" text insert n body 0 "$(printf '\xc3(')"
  fails -p "no edge" text insert n body 0 x --edge
  usage_error text insert n body -1 x
  usage_error text delete n body 0 many
  usage_error text insert n body 0
  usage_error text get n
  unchanged
  ok text get n body
  out_eq "abc"
}

# ---- vector search ---------------------------------------------------------------------------

COMMANDS+=("vector set" "vector get" "vector clear" "vector search" "vector index" "vector info")

# Three documents and an image along the axes; the nearest to [1,0,0] are a, then b.
vector_seed() { # vector_seed [INIT_OPTIONS...]
  ok init "$@"
  ok node add Doc '{"t":"a"}' --id a
  ok node add Doc --id b
  ok node add Img --id c
  ok vector set a '[1, 0, 0]'
  ok vector set b '[0.9, 0.1, 0]'
  ok vector set c '[0, 1, 0]'
}

# ids_are "a b": the ids of the JSON rows on stdout, in order.
ids_are() {
  local got
  got=$(py 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))))' "$W/.out")
  eq "$got" "$1" "result ids"
}

test_vector_search_formats() {
  vector_seed
  ok --format json vector search '[1, 0, 0]' -k 2
  json_ok "$W/.out"
  ids_are "a b"
  py 'import json,sys; r=json.load(open(sys.argv[1])); assert r[0]["distance"] <= r[1]["distance"]' "$W/.out" || fail "not nearest first"
  ok vector search '[0, 1, 0]' -k 1 --format csv
  out_has "id,distance,label,properties"
  out_has "c,0.0,Img"
  ok vector search '[0, 1, 0]' -k 3 --label Doc
  out_lacks "Img"
  ok vector search '[1, 0, 0]' -k 3 --where "json_extract(properties, '\$.t') = 'a'"
  out_has "a "
  out_lacks "b "
  ok vector search '[0, 2, 0]' -k 1 --metric l2 --exact --format csv
  out_has "c,1.0,Img"
  ok vector get b
  out_eq "[0.899999976,0.100000001,0]"
  ok node get a
  out_eq '{"id":"a","label":"Doc","properties":{"t":"a"}}'
  ok sql "SELECT vector FROM node_vectors WHERE id = 'c'"
  out_has "[0.0,1.0,0.0]"
  ok vector clear c
  ok --format json vector search '[0, 1, 0]' -k 10
  ids_are "b a"
  ok node del b
  ok --format json vector search '[1, 0, 0]' -k 10
  ids_are "a"
  ok vector info
  out_has '"dim":3'
  out_has '"vectors":1'
}

test_vector_bad_input() {
  vector_seed
  remember
  fails -p "3" vector set a '[1, 2]'
  fails vector set a '[1, "x", 3]'
  fails vector set a '{"x": 1}'
  fails vector set a '[1e39, 0, 0]'
  fails vector set a 'NaN'
  fails vector set a '[]'
  fails vector set nobody '[1, 2, 3]'
  fails vector search '[1, 0]'
  fails vector search '[1, 0, 0]' -k 0
  fails vector search '[1, 0, 0]' -k 100000
  fails vector search '[1, 0, 0]' --where 'no_such_column = 1'
  usage_error vector search '[1, 0, 0]' -k ten
  usage_error vector search '[1, 0, 0]' --metric manhattan
  fails vector index -m 1
  unchanged
}

test_vector_import() {
  ok init
  cat >v.jsonl <<'EOF'
{"type":"node","id":"p","label":"P","vector":[0.0, 1.0]}
{"type":"node","id":"q","label":"P","properties":{"k":1},"vector":[1, 0]}
{"type":"node","id":"r","label":"P"}
EOF
  ok import v.jsonl
  ok --format json vector search '[1, 0.1]' -k 5
  ids_are "q p"
  ok export out.jsonl
  ok --db c.db init
  ok --db c.db import out.jsonl
  ok --db c.db vector get q
  out_eq "[1,0]"
  remember
  printf '%s\n' '{"type":"node","id":"s","label":"P","vector":[1, "a"]}' >bad.jsonl
  fails import bad.jsonl
  printf '%s\n' '{"type":"edge","id":"e","source_node_id":"p","target_node_id":"q","label":"L","vector":[1, 0]}' >bad.jsonl
  fails -p "line 1" import bad.jsonl
  unchanged
}

# A vector set on one replica is searchable on another after sync, through a change-set file.
test_vector_sync() {
  local id
  id=$(hexid)
  vector_seed --db-id "$id"
  ok --db b.db init --db-id "$id"
  exchange arena.db b.db
  ok --db b.db vector search '[0, 1, 0]' -k 1 --format csv
  out_has "c,0.0"
  ok vector set c '[0, 0, 1]'
  exchange arena.db b.db
  ok --db b.db vector search '[0, 0, 1]' -k 1 --format csv
  out_has "c,0.0"
  ok --db b.db vector get c
  out_eq "[0,0,1]"
}

test_cypher_formats() {
  ok init
  ok cypher "CREATE (a:Person {name: 'Ada', born: 1815})-[:KNOWS {since: 1833}]->(b:Person {name: 'Charles'}) RETURN a.name AS name"
  out_has "name"
  out_has "Ada"
  ok cypher "MATCH (a:Person)-[k:KNOWS]->(b) RETURN a.name, k.since, b.name" --format json
  out_eq "$(printf '[\n{"a.name":"Ada","k.since":1833,"b.name":"Charles"}\n]')"
  ok cypher "MATCH (p:Person) RETURN p.name AS n ORDER BY n" --format jsonl
  out_eq "$(printf '{"n":"Ada"}\n{"n":"Charles"}')"
  ok cypher "MATCH (p:Nobody) RETURN p" --format json
  out_eq "[]"
  # json is one array and jsonl one object per line, for sql as for cypher
  ok sql "SELECT 1 AS a UNION ALL SELECT 2" --format jsonl
  out_eq "$(printf '{"a":1}\n{"a":2}')"
  ok sql "SELECT 1 AS a" --format json
  out_eq "$(printf '[\n{"a":1}\n]')"
  ok cypher "MATCH (p:Person) RETURN p.name AS n ORDER BY n" --format csv
  out_eq "$(printf 'n\nAda\nCharles')"
  ok cypher "MATCH (p:Person {name: 'Ada'}) RETURN p, 1.5 AS f, [1, 'x'] AS l" --format tck
  json_ok "$W/.out"
  out_has '"columns":["p","f","l"]'
  out_has "\"(:Person {born: 1815, name: 'Ada'})\",\"1.5\",\"[1, 'x']\""
  ok cypher "MATCH (p:Person {name: 'Ada'}) SET p.born = 1816, p:Countess" --format tck
  out_has '"+properties":1,"-properties":1,"+labels":1'
  eq "$(count "label = 'Countess:Person'")" 1
}

test_cypher_params() {
  ok init
  ok cypher 'UNWIND $xs AS x CREATE (:N {v: x, s: $s})' --params '{"xs": [1, 2.5, 3], "s": "t"}'
  ok cypher 'MATCH (n:N) WHERE n.v > $min RETURN n.v AS v ORDER BY v' --params '{"min": 1}' --format csv
  out_eq "$(printf 'v\n2.5\n3')"
  fails cypher 'RETURN $missing' --params '{}'
  fails cypher 'RETURN 1' --params '[1]'
}

test_cypher_load_csv() {
  ok init
  mkdir -p imports
  printf 'id,name\n1,Ada\n2,"Lovelace, A."\n' >imports/people.csv
  printf 'secret\n' >outside.csv
  fails -p "no import directory" cypher "LOAD CSV FROM 'file:///people.csv' AS r RETURN r"
  ok cypher --import-dir imports --format csv \
    "LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS r CREATE (:P {id: toInteger(r.id), name: r.name}) RETURN r.name"
  out_has "Lovelace, A."
  ok cypher --format csv "MATCH (p:P) RETURN sum(p.id) AS s"
  out_has "3"
  remember
  fails -p "outside the import directory" cypher --import-dir imports "LOAD CSV FROM 'file:///../outside.csv' AS r CREATE (:X) RETURN r"
  unchanged
  A cypher --import-dir no-such-dir "RETURN 1"
  eq "$RC" 2
  err_has "not an existing directory"
  ok cypher --help
  out_has "--import-dir"
  printf "LOAD CSV FROM 'file:///people.csv' AS r RETURN count(*) AS n;\n" >in.txt
  A shell --import-dir imports --format csv <in.txt
  eq "$RC" 0
  out_has "3"
  A shell --import-dir no-such-dir <in.txt
  eq "$RC" 2
  err_has "not an existing directory"
}

test_cypher_timeout() {
  ok init
  # A ladder of 90 nodes: its paths of every length are far too many to list within the limit.
  ok cypher 'UNWIND range(1, 90) AS i CREATE (:N {i: i})'
  ok cypher 'MATCH (a:N), (b:N) WHERE b.i = a.i + 1 OR b.i = a.i + 7 CREATE (a)-[:R]->(b)'
  remember
  fails cypher 'MATCH (a)-[*]-(b) DETACH DELETE a, b RETURN count(*)' --timeout 0.5
  err_has "time limit of 500 ms"
  unchanged
  ok cypher 'MATCH (n:N) RETURN count(n) AS n' --timeout 5 --format csv
  out_eq "$(printf 'n\n90')"
  usage_error cypher 'RETURN 1' --timeout 0
  usage_error cypher 'RETURN 1' --timeout soon
}

test_cypher_explain() {
  ok init
  ok cypher "CREATE (:Person {name: 'Ada'})-[:KNOWS]->(:Person), (:City)"
  remember
  ok cypher "EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) WHERE b.name = 'x' DETACH DELETE a" --format csv
  out_eq "$(printf 'plan\nNodeByLabelScan(a:Person) ~2 nodes\nExpand(a:Person)-[:KNOWS]->(b)\nFilter(WHERE)\nDetachDelete')"
  unchanged
  fails -p "SyntaxError" cypher "EXPLAIN MATCH (n RETURN n"
  fails -p "SyntaxError" cypher "EXPLAIN"
  unchanged
}

test_cypher_errors() {
  ok init
  ok cypher "CREATE (:A {k: 1})-[:T]->(:B)"
  remember
  fails -p "SyntaxError" cypher "MATCH (n RETURN n"
  fails -p "UndefinedVariable" cypher "MATCH (n) RETURN m"
  fails -p "unknown function" cypher "RETURN nosuch(1)"
  A cypher "CREATE (:C) WITH 1 AS x RETURN x / 0" --format tck
  eq "$RC" 1
  json_ok "$W/.out"
  out_has '"type":"ArithmeticError","phase":"runtime"'
  A cypher "MATCH (a:A) DELETE a" --format tck
  eq "$RC" 1
  out_has '"type":"ConstraintVerificationFailed","phase":"runtime","detail":"DeleteConnectedNode"'
  A cypher "RETURN 1 +" --format tck
  eq "$RC" 1
  out_has '"phase":"compile time"'
  unchanged
  usage_error cypher "RETURN 1" --format xml
  usage_error cypher
}

# Named time zones: a datetime in a zone prints offset and zone; an unknown zone is an
# ArgumentError that names it, exits 1 and writes nothing.
test_cypher_time_zones() {
  ok init
  ok cypher "CREATE (:Meeting {at: datetime({year: 1984, month: 7, day: 11, hour: 12, timezone: 'Europe/Stockholm'})})"
  ok cypher "MATCH (m:Meeting) RETURN m.at AS at, datetime({datetime: m.at, timezone: 'America/New_York'}) AS ny" --format csv
  out_eq "$(printf 'at,ny\n1984-07-11T12:00+02:00[Europe/Stockholm],1984-07-11T06:00-04:00[America/New_York]')"
  remember
  fails -p "ArgumentError.*'Nowhere/Atlantis' is not a known time zone" \
    cypher "CREATE (:Meeting {at: datetime({year: 2020, timezone: 'Nowhere/Atlantis'})})"
  fails -p "'Mars/Olympus' is not a known time zone" cypher "RETURN datetime('2020-01-01T10:00[Mars/Olympus]')"
  unchanged
}

test_cypher_temporal() {
  ok init
  ok cypher "CREATE (:E {at: datetime('2015-07-21T21:40:32.142+01:00'), d: duration('P1DT2H'), s: '2015-07-21'})"
  ok sql "SELECT json_extract(properties, '\$.at.\"\$datetime\"') || ' ' || json_extract(properties, '\$.s') FROM nodes"
  out_has "2015-07-21T21:40:32.142+01:00 2015-07-21"
  ok cypher "MATCH (e:E) RETURN e.at + e.d AS t, e.at.hour AS h, e.d.hours AS dh, e.s AS s"
  out_has "2015-07-22T23:40:32.142+01:00 | 21 | 2 | 2015-07-21"
  ok cypher "MATCH (e:E) RETURN e.at - e.d AS t, e.s AS s" --format csv
  out_has "2015-07-20T19:40:32.142+01:00,2015-07-21"
  ok cypher "MATCH (e:E) RETURN e.d AS d" --format json
  out_eq "$(printf '[\n{"d":"P1DT2H"}\n]')"
  remember
  fails -p "TypeError" cypher "MATCH (e:E) SET e.x = e.at + e.at"
  fails -p "ArithmeticError" cypher "MATCH (e:E) SET e.d = e.d * 9223372036854775807"
  unchanged
}

test_cypher_vector_search() {
  vector_seed
  ok cypher "CALL db.vector.search([1, 0, 0], 2) YIELD node, distance RETURN coalesce(node.t, '-') AS t ORDER BY distance" --format csv
  out_eq "$(printf 't\na\n-')"
  ok cypher "CALL db.vector.search([0, 1, 0], 3, {label: 'Doc'}) YIELD node RETURN count(node) AS n" --format csv
  out_eq "$(printf 'n\n2')"
  ok cypher "CALL db.vector.search([0, 1, 0], 1)" --format json
  out_has '"node":{"id":"c","labels":["Img"]'
  out_has '"distance":0.0'
  remember
  fails -p "ProcedureNotFound" cypher "CALL db.vector.nearest([1, 0, 0], 1) YIELD node RETURN node"
  fails -p "the query has 2 components" cypher "CALL db.vector.search([1, 0], 1) YIELD node SET node.hit = true"
  fails -p "k must be 1 to 10000" cypher "CALL db.vector.search([1, 0, 0], 0) YIELD node SET node.hit = true"
  unchanged
}

test_cypher_shell() {
  ok init
  printf "CREATE (:Shell {k: 1});\nFOREACH (x IN [20, 300] | CREATE (:Shell {k: x}));\nMATCH (n:Shell) RETURN sum(n.k) AS k;\nSELECT count(*) AS c FROM nodes;\n" >in.txt
  A shell --format csv <in.txt
  eq "$RC" 0
  out_has "k"
  out_has "321"
  out_has "c"
  printf "PROFILE MATCH (n:Shell) RETURN sum(n.k) AS k;\nEXPLAIN MATCH (n:Shell) RETURN n;\nEXPLAIN QUERY PLAN SELECT * FROM nodes;\n" >in.txt
  A shell --format csv <in.txt
  eq "$RC" 0
  out_has "MATCH (n:Shell),3,"
  out_has "(result),1,"
  out_has "NodeByLabelScan(n:Shell)"
  out_has "SCAN"
  printf "MATCH (n RETURN n\n" >bad.txt
  A shell <bad.txt
  eq "$RC" 1
  err_has "SyntaxError"
}

test_cypher_help() {
  ok cypher --help
  out_has "cypher"
  ok --help
  out_has "cypher"
}

test_cypher_bad_input_is_clear() {
  ok init
  remember
  python3 -c "print('RETURN ' + '(' * 50000 + '1' + ')' * 50000)" >deep.txt
  fails -p "nests deeper" cypher "$(cat deep.txt)"
  python3 -c "print('RETURN ' + ' + '.join(['1'] * 20000))" >long.txt
  fails -p "nests deeper" cypher "$(cat long.txt)"
  python3 -c "print('RETURN size(\'' + 'x' * 100000 + '\') AS n')" >big.txt
  ok cypher "$(cat big.txt)" --format csv
  out_eq "$(printf 'n\n100000')"
  unchanged
}

test_cypher_procedure() {
  ok init
  local sig='test.city(name :: STRING?, id :: INTEGER?) :: (city :: STRING?, code :: INTEGER?)'
  local rows='[{"name": "Stefan", "id": 1, "city": "Berlin", "code": 49},
               {"name": "Stefan", "id": 2, "city": "München", "code": 49},
               {"name": "Petra", "id": 1, "city": "London", "code": 44}]'
  ok cypher "CALL test.city('Stefan', 1)" --procedure "$sig" "$rows" --format csv
  out_eq "$(printf 'city,code\nBerlin,49')"
  ok cypher "CALL test.city" --params '{"name": "Stefan", "id": 2}' --procedure "$sig" "$rows" --format json
  out_eq "$(printf '[\n{"city":"München","code":49}\n]')"
  # in a query, once per row; several procedures in one run; a FLOAT argument takes an integer
  ok cypher "UNWIND ['Petra', 'Stefan'] AS n CALL test.city(n, 1) YIELD city CALL test.half(2) YIELD out RETURN n, city, out" \
    --procedure "$sig" "$rows" --procedure 'test.half(x :: FLOAT) :: (out :: FLOAT)' '[{"x": 2.0, "out": 1.0}]' --format csv
  out_eq "$(printf 'n,city,out\nPetra,London,1.0\nStefan,Berlin,1.0')"
  # a procedure without outputs passes rows through
  ok cypher "UNWIND [1, 2] AS x CALL test.nothing() RETURN x" --procedure 'test.nothing() :: ()' '[]' --format csv
  out_eq "$(printf 'x\n1\n2')"
  A cypher "CALL test.city(true, 1)" --procedure "$sig" "$rows" --format tck
  eq "$RC" 1
  out_has '"type":"SyntaxError","phase":"compile time","detail":"InvalidArgumentType"'
  # the procedure lives for the run only
  fails -p "ProcedureNotFound" cypher "CALL test.city('Stefan', 1)"
  ok cypher --help
  out_has "--procedure SIGNATURE ROWS_JSON"
}

test_cypher_procedure_bad_input() {
  ok init
  ok cypher "CREATE (:Keep {k: 1})"
  remember
  local q="CREATE (:New) WITH 1 AS one CALL test.p(1) YIELD out RETURN out"
  fails -p "character 42: expected ',' or '\)' in the outputs" cypher "$q" --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?' '[]'
  fails -p "expected a type" cypher "$q" --procedure 'test.p(in :: INT) :: (out :: STRING?)' '[]'
  fails -p "row 2: column 'in' of a row of test.p must be INTEGER\?, not String" cypher "$q" \
    --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '[{"in": 1, "out": "a"}, {"in": "1", "out": "b"}]'
  fails -p "row 1: a row of test.p has no column 'out'" cypher "$q" --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '[{"in": 1}]'
  fails -p "row 1: a row of test.p has column 'other'" cypher "$q" \
    --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '[{"in": 1, "out": "a", "other": 2}]'
  fails -p "must be a JSON array" cypher "$q" --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '{"in": 1}'
  fails -p "not JSON" cypher "$q" --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '[{"in": 1'
  fails -p "exists already" cypher "$q" --procedure 'test.p(in :: INTEGER?) :: (out :: STRING?)' '[]' \
    --procedure 'test.p() :: ()' '[]'
  fails -p "exists already" cypher "$q" --procedure 'db.vector.search() :: ()' '[]'
  usage_error cypher "$q" --procedure 'test.p() :: ()'
  unchanged
}

# UPDATE ... SET properties = X makes X the whole properties object: the new row replaces the
# old, so keys X leaves out are gone and a key X sets to null keeps null (for nodes and edges).
test_sql_update_replaces_the_whole_properties_object() {
  seed
  ok sql "UPDATE nodes SET properties = '{\"x\":1,\"y\":2}' WHERE id = 'alice'"
  ok sql "UPDATE nodes SET properties = '{\"x\":3,\"z\":null}' WHERE id = 'alice'"
  ok sql "SELECT properties FROM nodes WHERE id = 'alice'" --format csv
  eq "$(sed -n 2p "$W/.out")" '"{""x"":3,""z"":null}"' "node properties"
  ok sql "UPDATE edges SET properties = '{\"w\":1}' WHERE id = 'e1'"
  ok sql "UPDATE edges SET properties = '{}' WHERE id = 'e1'"
  eq "$(cat "$W/.out")" "1 row changed" "what an UPDATE of one edge says"
  ok edge get e1
  out_has '"properties":{}'
  ok sql "UPDATE nodes SET label = label WHERE id = 'nobody'"
  eq "$(cat "$W/.out")" "0 rows changed" "what an UPDATE of nothing says"
  ok sql "UPDATE edges SET properties = '{}' WHERE id = 'e1'" --format json
  eq "$(cat "$W/.out")" "" "json output of a write: the rows only"
}

# A change set for a version vector carries only the registers the receiver lacks
# (docs/crdt.md): after the receiver has an element's last transaction, a later write of one key
# sends that key alone, not the registers of the transaction it already has.
test_changes_since_carry_only_missing_registers() {
  seed
  local id
  id=$(sed -E 's/.*"db":"([0-9a-f]{32})".*/\1/' <<<"$("$BIN" vv)")
  ok --db b.db init --db-id "$id"
  ok node add Late '{"a":1,"b":2}' --id late
  ok changes -o all.cs
  ok --db b.db apply all.cs
  ok node set late c 3
  ok --db b.db vv -o b.vv
  ok changes --since b.vv -o inc.cs
  ok --db b.db apply inc.cs
  out_has "merged 1 elements, 1 registers"
  same_graph arena.db b.db
}

TESTS=(
  clock_steps_back_between_commands merge_rules_between_processes token_commands
  help_global help_global_is_narrow_and_whole help_each_command help_command help_examples_work
  help_command_groups man_page_covers_every_command completion_scripts usage_unknown_command usage_unknown_option
  usage_missing_arguments usage_too_many_arguments
  init init_bad_db_id_creates_nothing init_db_id_mismatch db_path_resolution
  missing_database_is_not_created
  node_add_get node_add_with_id node_set_unset node_del node_list_filters
  edge_add_get edge_set_unset_del edge_list_filters edge_hidden_with_deleted_endpoint
  sql_node_writes sql_edge_writes sql_multi_row_write_is_atomic sql_write_replicates
  sql_format_table sql_format_json sql_format_csv sql_blob_output sql_user_tables_and_reads
  vv three_replicas_converge apply_twice_is_idempotent changes_since_is_incremental
  apply_adopts_database_id sync_local sync_adopts_database_id sync_refuses_other_database
  sync_refuses_same_replica
  export_import_roundtrip import_edges_before_nodes import_is_one_transaction import_progress
  check shell_piped shell_dot_commands shell_errors traverse_and_path traverse_bad_input
  bad_invalid_json bad_properties_not_object bad_unknown_id bad_edge_to_missing_node
  bad_empty_label_or_id bad_malformed_sql bad_sql_script_is_atomic bad_internal_tables_refused
  bad_internal_table_message bad_internal_table_trigger bad_changeset_truncated
  bad_changeset_flipped_byte bad_changeset_garbage bad_changeset_of_other_database
  bad_vv_of_other_database bad_text_file_database bad_empty_file_and_device bad_sqlite_not_arenadb
  read_only_file_is_read_and_writes_are_refused
  bad_newer_format_version
  text_round_trip text_bad_input
  vector_search_formats vector_bad_input vector_import vector_sync
  cypher_formats cypher_params cypher_load_csv cypher_timeout cypher_temporal cypher_explain cypher_errors cypher_vector_search cypher_shell cypher_help cypher_bad_input_is_clear
  cypher_time_zones cypher_procedure cypher_procedure_bad_input
  sql_update_replaces_the_whole_properties_object changes_since_carry_only_missing_registers
)

run_one() { # run_one NAME: runs test_NAME in a fresh directory; its output goes to NAME.log
  local name=$1 dir="$ROOT/$1" t0
  mkdir -p "$dir"
  t0=$(date +%s%N)
  (
    cd "$dir" || exit 1
    W=$dir
    HOME=$dir
    unset ARENADB_DB
    export HOME
    "test_$name"
  ) >"$dir.log" 2>&1 </dev/null
  echo $? >"$dir.rc"
  echo $((($(date +%s%N) - t0) / 1000000)) >"$dir.ms"
}

selected=()
for t in "${TESTS[@]}"; do
  declare -F "test_$t" >/dev/null || { echo "cli: test_$t is registered but not defined" >&2; exit 2; }
  [ -z "$FILTER" ] || [[ "$t" == *"$FILTER"* ]] || continue
  selected+=("$t")
done

jobs_max=${CLI_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); [ "$n" -gt 4 ] && n=4; echo "$n")}
for t in "${selected[@]}"; do
  if [ "$jobs_max" -gt 1 ]; then
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    run_one "$t" &
  else
    run_one "$t"
  fi
done
wait

passed=0
failed=0
for t in "${selected[@]}"; do
  if [ "$(cat "$ROOT/$t.rc")" = 0 ]; then
    passed=$((passed + 1))
    echo "ok   $t ($(cat "$ROOT/$t.ms") ms)"
  else
    failed=$((failed + 1))
    echo "FAIL $t ($(cat "$ROOT/$t.ms") ms)"
    sed 's/^/  /' "$ROOT/$t.log"
  fi
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
