#!/usr/bin/env bash
# run.sh — the library as a program outside the tree uses it: libarenadb.so exports exactly the
# functions arenadb.h declares, and `make install DESTDIR=…` gives a layout a program builds
# against through pkg-config and runs with.
# Usage: tests/install/run.sh [BUILD]; the last line is "install: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() { # check NAME: runs check_NAME, counting it
  if ( "check_$1" ) >"$tmp/$1.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1"
    sed 's/^/    /' "$tmp/$1.log"
  fi
}

# The shared library's dynamic symbols are the header's ADB_API functions, no more, no fewer.
check_exports_are_the_header() {
  set -e
  grep -oE '^ADB_API [^(]*\badb_[a-z0-9_]+\(' include/arenadb.h | grep -oE 'adb_[a-z0-9_]+' |
    sort >"$tmp/declared"
  nm -D --defined-only "$build/libarenadb.so" | awk '{print $3}' | sort >"$tmp/exported"
  [ "$(wc -l <"$tmp/declared")" -gt 100 ] || { echo "too few declarations found"; exit 1; }
  diff "$tmp/declared" "$tmp/exported" || { echo "< declared only, > exported only"; exit 1; }
  readelf -d "$build/libarenadb.so" | grep -q 'SONAME.*libarenadb\.so\.0' || {
    echo "no SONAME libarenadb.so.0"
    exit 1
  }
}

# make install into a staging folder, then a program built with pkg-config's flags (the staging
# folder as its sysroot) links the shared library by its SONAME and works.
check_installed_library_builds_and_runs_a_program() {
  set -e
  make -s install BUILD="$build" DESTDIR="$tmp/stage" PREFIX=/usr/local >/dev/null
  local lib=$tmp/stage/usr/local/lib
  for f in bin/arenadb include/arenadb.h lib/libarenadb.a lib/libarenadb.so lib/libarenadb.so.0 \
    lib/pkgconfig/arenadb.pc share/man/man1/arenadb.1 share/bash-completion/completions/arenadb \
    share/zsh/site-functions/_arenadb; do
    [ -s "$tmp/stage/usr/local/$f" ] || { echo "missing or empty: $f"; exit 1; }
  done
  grep -q '^\.SS "node add' "$tmp/stage/usr/local/share/man/man1/arenadb.1" ||
    { echo "the installed manual page lacks the commands"; exit 1; }
  cat >"$tmp/prog.c" <<'PROG'
#include <arenadb.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  adb *db;
  adb_element e = {0};
  if (argc < 2 || adb_open(argv[1], NULL, &db)) return 2;
  if (adb_node_create(db, "n", "Person", "{\"name\":\"Ada\"}", NULL) ||
      adb_node_get(db, "n", &e) || strcmp(e.properties, "{\"name\":\"Ada\"}")) return 3;
  printf("%s %s %s\n", ADB_VERSION, e.label, adb_strerror(ADB_NOTFOUND));
  adb_element_clear(&e);
  return adb_close(db) ? 4 : 0;
}
PROG
  local flags
  flags=$(PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/stage" \
    pkg-config --cflags --libs arenadb)
  echo "pkg-config: $flags"
  cc -o "$tmp/prog" "$tmp/prog.c" $flags
  readelf -d "$tmp/prog" | grep -q 'NEEDED.*libarenadb\.so\.0' || { echo "not linked by SONAME"; exit 1; }
  local out
  out=$(LD_LIBRARY_PATH="$lib" "$tmp/prog" "$tmp/p.db")
  echo "program: $out"
  [ "$out" = "$(sed -n 's/^#define ADB_VERSION "\(.*\)"/\1/p' include/arenadb.h) Person not found" ]
  "$tmp/stage/usr/local/bin/arenadb" --db "$tmp/p.db" node get n | grep -q Ada
}

check exports_are_the_header
check installed_library_builds_and_runs_a_program
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
