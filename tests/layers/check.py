#!/usr/bin/env python3
"""check.py — the layers of src/ (docs/architecture.md): no file includes a header of a folder
above its own. Data flows down: cli → net → sync and query → graph and vector → crdt → store →
util. KNOWN lists the upward includes that remain, each to be removed; any other fails, and so
does a KNOWN entry that is gone (so the list only shrinks).
Usage: tests/layers/check.py; the last line is "layers: N passed, M failed"."""
import glob
import os
import re
import sys

RANK = {"util": 0, "store": 1, "crdt": 2, "graph": 3, "vector": 3, "sync": 4, "query/sql": 4,
        "query/cypher": 4, "net": 5, "cli": 6, "tools": 6}

# (file, the folder it includes from): none remain. An entry here would be an upward include
# being removed; the list only shrinks.
KNOWN = set()


def folder(path):
    rel = os.path.relpath(path, "src")
    for f in sorted(RANK, key=len, reverse=True):
        if rel.startswith(f + "/"):
            return f
    return None


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    found = set()
    files = sorted(glob.glob("src/**/*.[ch]", recursive=True))
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
    assert len(files) > 50, "no sources found"
    print(f"{len(files)} files read; {len(found & KNOWN)} known upward includes left")
    print(f"layers: {1 - min(failed, 1)} passed, {min(failed, 1)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
