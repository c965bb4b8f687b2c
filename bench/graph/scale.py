"""scale.py — `make bench-graph`'s scale rows: one-off commands on a million nodes, each its own process.

Generates a database of 1,000,000 :Person nodes ({name: 'userN', age}) and 2,000,000 random
:KNOWS edges (two out of every node, fixed seed) as JSON Lines, imports it with `arenadb import`
(kept in OUT/scale.adb for the next run; the JSONL is removed), then runs each question as a CLI
user does, a new `arenadb` process per run, and prints the median of RUNS wall-clock times
beside the same question asked in SQL through `arenadb sql`, with the ratio. Every pair must
print the same answer.

usage: python3 scale.py ARENADB OUT_DIR
"""
import os
import random
import statistics
import subprocess
import sys
import time

NODES, EDGES, RUNS = 1_000_000, 2_000_000, 5
VERSION = '1'  # bump when the generated data changes, so a kept database is made again


def generate(path):
    rnd = random.Random(20261203)
    with open(path, 'w') as f:
        for i in range(1, NODES + 1):
            f.write('{"type":"node","id":"n%d","label":"Person","properties":'
                    '{"name":"user%d","age":%d}}\n' % (i, i, 18 + i % 70))
        for j in range(1, EDGES + 1):
            f.write('{"type":"edge","id":"e%d","source_node_id":"n%d","label":"KNOWS",'
                    '"target_node_id":"n%d"}\n' % (j, (j - 1) // 2 + 1, rnd.randint(1, NODES)))


def arenadb(exe, db, *args):
    """Runs one command; its standard output, and its wall-clock time in ms."""
    t = time.perf_counter()
    p = subprocess.run([exe, '--db', db, *args], capture_output=True, text=True)
    ms = (time.perf_counter() - t) * 1e3
    if p.returncode:
        sys.exit('scale: arenadb %s failed: %s' % (' '.join(args), p.stderr.strip()))
    return p.stdout, ms


def timed(exe, db, args):
    """The answer (first run's output) and the median time of RUNS processes."""
    outs, times = [], []
    for _ in range(RUNS):
        out, ms = arenadb(exe, db, *args)
        outs.append(out)
        times.append(ms)
    if len(set(outs)) != 1:
        sys.exit('scale: arenadb %s answered differently across runs' % ' '.join(args))
    return outs[0], statistics.median(times)


def prepare(exe, out):
    db = os.path.join(out, 'scale.adb')
    stamp = db + '.version'
    if os.path.exists(db) and os.path.exists(stamp) and open(stamp).read() == VERSION:
        return db
    for f in (db, db + '-wal', db + '-shm', stamp):
        if os.path.exists(f):
            os.remove(f)
    jsonl = os.path.join(out, 'scale.jsonl')
    t = time.perf_counter()
    generate(jsonl)
    gen_s = time.perf_counter() - t
    arenadb(exe, db, 'init')
    _, ms = arenadb(exe, db, 'import', jsonl)
    size = os.path.getsize(jsonl)
    os.remove(jsonl)
    print('scale: generated %d nodes and %d edges (%.0f MB of JSON Lines) in %.1f s; imported in'
          ' %.1f s, %.0f records/s' % (NODES, EDGES, size / 1e6, gen_s, ms / 1e3,
                                       (NODES + EDGES) / (ms / 1e3)))
    with open(stamp, 'w') as f:
        f.write(VERSION)
    return db


def cypher(query):
    return ['cypher', query, '--format', 'csv']


def sql(query):
    return ['sql', query, '--format', 'csv']


def answer(out):
    """The answer's rows without the header, as a sorted list (order is not part of it)."""
    return sorted(out.strip().splitlines()[1:])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    exe, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    db = prepare(exe, out)
    arenadb(exe, db, 'cypher', 'DROP INDEX scale_name IF EXISTS')
    three_hop = ("WITH RECURSIVE r(id, d) AS (SELECT 'n777', 0 UNION SELECT e.target_node_id,"
                 " r.d + 1 FROM r JOIN edges e ON e.source_node_id = r.id WHERE r.d < 3)"
                 " SELECT id, min(d) FROM r GROUP BY id")
    lookup = "SELECT properties->>'age' FROM nodes WHERE label = 'Person'" \
             " AND properties->>'name' = 'user12346'"
    reach = ("WITH RECURSIVE r(id, d) AS (SELECT 'n777', 0 UNION SELECT e.target_node_id,"
             " r.d + 1 FROM r JOIN edges e ON e.source_node_id = r.id WHERE r.d < 3)"
             " SELECT count(DISTINCT id) FROM r WHERE d > 0")
    # (what, arenadb arguments, the SQL peer, its arguments, how answers compare, needs the index)
    rows = [
        ('traverse n777 --depth 3', ['traverse', 'n777', '--depth', '3', '--format', 'csv'],
         'recursive query over edges', sql(three_hop),
         lambda o: sorted(','.join(r.split(',')[:2]) for r in answer(o)), False),
        ("MATCH (n:Person {name: 'user12346'}) RETURN n.age",
         cypher("MATCH (n:Person {name: 'user12346'}) RETURN n.age"),
         'scan of nodes', sql(lookup), answer, False),
        ('MATCH (n:Person) RETURN count(n)', cypher('MATCH (n:Person) RETURN count(n)'),
         'count over nodes', sql("SELECT count(*) FROM nodes WHERE label = 'Person'"), answer,
         False),
        ("the same lookup, with an index on :Person(name)",
         cypher("MATCH (n:Person {name: 'user12346'}) RETURN n.age"),
         'scan of nodes', sql(lookup), answer, True),
        ("MATCH (a:Person {name: 'user777'})-[:KNOWS*1..3]->(b) RETURN count(DISTINCT b)",
         cypher("MATCH (a:Person {name: 'user777'})-[:KNOWS*1..3]->(b) RETURN count(DISTINCT b)"),
         'recursive query over edges', sql(reach), answer, True),
    ]
    print('\nscale: %d nodes, %d edges, %.0f MB file; each command a new process, median of %d'
          % (NODES, EDGES, os.path.getsize(db) / 1e6, RUNS))
    print('%-78s %10s  %-28s %9s %7s' % ('command (arenadb)', 'ArenaDB ms', 'SQL peer (arenadb sql)',
                                          'SQL ms', 'ours/SQL'))
    indexed = False
    for what, args, peer, peer_args, norm, needs_index in rows:
        if needs_index and not indexed:
            arenadb(exe, db, 'cypher', 'CREATE INDEX scale_name FOR (n:Person) ON (n.name)')
            indexed = True
        mine, ms = timed(exe, db, args)
        theirs, pms = timed(exe, db, peer_args)
        agree = norm(mine) == norm(theirs)
        print('%-78s %10.1f  %-28s %9.1f %6.2fx  %s' % (what, ms, peer, pms, ms / pms,
                                                       'agree' if agree else 'DIFFER'))
        if not agree:
            sys.exit('scale: %r answered %r, SQL %r' % (what, norm(mine), norm(theirs)))
    arenadb(exe, db, 'cypher', 'DROP INDEX scale_name')


if __name__ == '__main__':
    main()
