#!/usr/bin/env python3
"""A stand-in for `arenadb --db FILE cypher QUERY [--params JSON] [--procedure SIG ROWS]...
--format tck` (and for `arenadb --db FILE init` and `arenadb cypher --help`) that answers from
canned replies, so the TCK runner's own tests can check it without a Cypher engine.

The replies are a JSON list in $FAKE_ARENADB_ANSWERS; each has "query" and may have "after"
(the queries this database must have run before, in order: proves each case starts fresh),
"params" (the exact --params text expected), "procedures" (the [signature, rows] pairs of the
--procedure options expected; none by default), "exit" (default 0), "stdout" (an object
printed as JSON, or a string printed as is) and "sleep" (seconds). The database file records
the queries run on it, one JSON string a line."""

import json
import os
import sys
import time


def norm(q):
    return ' '.join(q.split())


def fail(message, status=1):
    print(json.dumps({'error': {'type': 'FakeEngineError', 'phase': 'runtime', 'detail': '',
                                'message': message}}))
    sys.exit(status)


def main(argv):
    if argv == ['cypher', '--help']:
        print('usage: arenadb [--db PATH] cypher "QUERY" [--params JSON] --format tck')
        return
    if len(argv) == 3 and argv[0] == '--db' and argv[2] == 'init':
        open(argv[1], 'w').close()
        print('created %s' % argv[1])
        return
    usage = 'usage: --db FILE cypher QUERY [--params JSON] [--procedure SIG ROWS]... --format tck'
    if len(argv) < 6 or argv[0] != '--db' or argv[2] != 'cypher' or \
            argv[-2:] != ['--format', 'tck']:
        print('fake arenadb: ' + usage, file=sys.stderr)
        sys.exit(2)
    db, query = argv[1], norm(argv[3])
    params, procedures, rest = None, [], argv[4:-2]
    if rest[:1] == ['--params'] and len(rest) >= 2:
        params, rest = rest[1], rest[2:]
    while rest[:1] == ['--procedure'] and len(rest) >= 3:
        procedures.append(rest[1:3])
        rest = rest[3:]
    if rest:
        print('fake arenadb: ' + usage, file=sys.stderr)
        sys.exit(2)
    history = []
    if os.path.exists(db):
        with open(db) as fh:
            history = [json.loads(line) for line in fh if line.strip()]
    with open(os.environ['FAKE_ARENADB_ANSWERS']) as fh:
        answers = json.load(fh)
    for a in answers:
        if norm(a['query']) != query:
            continue
        if 'after' in a and [norm(q) for q in a['after']] != history:
            fail('ran after %r, expected after %r' % (history, a['after']))
        if a.get('params') != params:
            fail('params %r, expected %r' % (params, a.get('params')))
        if a.get('procedures', []) != procedures:
            fail('procedures %r, expected %r' % (procedures, a.get('procedures', [])))
        with open(db, 'a') as fh:
            fh.write(json.dumps(query) + '\n')
        time.sleep(a.get('sleep', 0))
        out = a.get('stdout', {'columns': [], 'rows': [], 'stats': {}})
        sys.stdout.write(out if isinstance(out, str) else json.dumps(out) + '\n')
        sys.exit(a.get('exit', 0))
    fail('no canned answer for %r' % query)


if __name__ == '__main__':
    main(sys.argv[1:])
