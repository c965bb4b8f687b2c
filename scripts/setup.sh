#!/usr/bin/env bash
# setup.sh — install every Debian package ArenaDB needs to build, test and benchmark.
# Idempotent: packages already present are skipped, so a second run does nothing.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates
  libsqlite3-dev sqlite3          # storage engine (and the reference CLI for tests)
  libsodium-dev                   # ids, hashing, authentication
  libjansson-dev                  # JSON
  libicu-dev                      # the tz database for named time zones in Cypher
  libcsv-dev                      # Cypher's LOAD CSV
  zlib1g-dev                      # reading .json.gz editing traces (build/arenadb-trace)
  libwebsockets-dev libuv1-dev    # HTTP / WebSocket server and client
  libedit-dev                     # line editing in the shell
  libcriterion-dev                # unit tests
  faketime                        # CLI tests of a wall clock that steps back
  man-db zsh                      # CLI tests: the manual page renders, zsh loads the completion
  e2fsprogs                       # chattr: a file even root may not write, for a CLI test
  openssl                         # the network tests make their own CA and certificates
  clang libclang-rt-14-dev        # make fuzz (libFuzzer)
  emscripten dpkg-dev tcl         # WebAssembly build (`apt-get source`; tclsh makes sqlite3.c)
  chromium                        # the browser UI's tests (headless)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Node.js and npm may come from another source; ask Debian only when the commands are missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3) # the network tests' harness

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
