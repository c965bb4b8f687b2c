#!/usr/bin/env python3
"""check.py — the layers of src/ (docs/architecture.md), as two checks.

includes: no file includes a header of a folder above its own. Data flows down: cli → net →
  sync and query → graph and vector → crdt → store → util.
cycles: no two files call each other, directly or around a circle, read off the built objects
  (a file uses the functions and data the other defines). The circles left are listed in
  KNOWN_CYCLES, each with why it stays.

Each KNOWN list may only shrink: an entry that no longer holds fails too, until it is taken out.
Usage: tests/layers/check.py [BUILD]; the last line is "layers: N passed, M failed"."""
import glob
import os
import re
import subprocess
import sys

RANK = {"util": 0, "store": 1, "crdt": 2, "graph": 3, "vector": 3, "sync": 4, "query/sql": 4,
        "query/cypher": 4, "net": 5, "cli": 6, "tools": 6}

# (file, the folder it includes from): none remain.
KNOWN = set()

# Circles of calls between files that stay: each is one idea spread over files that recurse
# into each other by nature.
KNOWN_CYCLES = {
    # A text property is a kind of register: merging a register dispatches to the text CRDT,
    # which saves through the element it belongs to.
    frozenset({"src/crdt/elem.c", "src/crdt/textreg.c"}),
    # Cypher's values: formatting, temporal arithmetic, time zones and durations call each
    # other (a datetime prints with its zone; a duration between datetimes makes values).
    frozenset({"src/query/cypher/cy_duration.c", "src/query/cypher/cy_format.c",
               "src/query/cypher/cy_graph.c", "src/query/cypher/cy_temporal.c",
               "src/query/cypher/cy_temporal_ops.c", "src/query/cypher/cy_tz.c",
               "src/query/cypher/cy_value.c"}),
    # Cypher's executor: expressions hold subqueries (EXISTS, pattern comprehensions), which
    # are plans, which evaluate expressions.
    frozenset({"src/query/cypher/cy_eval.c", "src/query/cypher/cy_exec.c",
               "src/query/cypher/cy_match.c", "src/query/cypher/cy_plan.c"}),
    # The command table lists the commands; help, the shell and cypher's shell mode consult it.
    frozenset({"src/cli/cmd_cypher.c", "src/cli/cmd_misc.c", "src/cli/commands.c",
               "src/cli/help.c", "src/cli/shell.c"}),
}


def folder(path):
    rel = os.path.relpath(path, "src")
    for f in sorted(RANK, key=len, reverse=True):
        if rel.startswith(f + "/"):
            return f
    return None


def check_includes():
    """Returns the number of failures of the includes check."""
    found = set()
    files = sorted(glob.glob("src/**/*.[ch]", recursive=True))
    assert len(files) > 50, "no sources found"
    for path in files:
        mine = folder(path)
        if mine is None:
            continue
        for inc in re.findall(r'#include "([a-z_/]+)/[a-z_]+\.h"', open(path).read()):
            if inc in RANK and RANK[inc] > RANK[mine]:
                found.add((path, inc))
    failed = 0
    for path, inc in sorted(found - KNOWN):
        print(f"FAIL {path} ({folder(path)}) includes a header of {inc}, a layer above it")
        failed += 1
    for path, inc in sorted(KNOWN - found):
        print(f"FAIL {path} no longer includes {inc}: take it out of KNOWN in {sys.argv[0]}")
        failed += 1
    print(f"includes: {len(files)} files read; {len(found & KNOWN)} known upward includes left")
    return failed


def call_graph(build):
    """Edges file -> files whose functions or data it uses, from `nm` of each object."""
    defined, used = {}, {}
    objs = sorted(glob.glob(os.path.join(build, "obj", "src", "**", "*.o"), recursive=True))
    assert len(objs) > 50, f"no objects under {build}/obj: build first"
    for obj in objs:
        src = os.path.relpath(obj, os.path.join(build, "obj"))[:-2] + ".c"
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        used[src] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defined[parts[2]] = src
            elif len(parts) == 2 and parts[0] == "U":
                used[src].add(parts[1])
    return {f: {defined[s] for s in syms if s in defined and defined[s] != f}
            for f, syms in used.items()}


def circles(edges):
    """The strongly connected components of more than one file (Tarjan's algorithm)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return set(out)


def check_cycles(build):
    """Returns the number of failures of the cycles check."""
    found = circles(call_graph(build))
    failed = 0
    for c in sorted(found - KNOWN_CYCLES, key=sorted):
        print(f"FAIL these files call each other in a circle: {', '.join(sorted(c))}")
        failed += 1
    for c in sorted(KNOWN_CYCLES - found, key=sorted):
        print(f"FAIL no longer a circle, take it out of KNOWN_CYCLES: {', '.join(sorted(c))}")
        failed += 1
    print(f"cycles: {len(found & KNOWN_CYCLES)} known circles left")
    return failed


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    results = [check_includes(), check_cycles(build)]
    failed = sum(1 for r in results if r)
    print(f"layers: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
