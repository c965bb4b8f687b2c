#!/usr/bin/env python3
"""The openCypher TCK runner: runs every feature scenario through `arenadb cypher --format tck`
and prints passed/failed/skipped counts per folder (docs/tck.md describes it)."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gherkin  # noqa: E402
import values  # noqa: E402

STAT_KEYS = ('+nodes', '-nodes', '+relationships', '-relationships', '+properties',
             '-properties', '+labels', '-labels')

_ERROR_STEP = re.compile(r'^an? (\w+) should be raised at (compile time|runtime|any time)'
                         r'(?::\s*(\S*))?\s*$')
_PROCEDURE_STEP = re.compile(r'^there exists a procedure (.+?)\s*:$')
_RESULT_STEP = re.compile(r'^the result should be(, in any order|, in order)?'
                          r'( \(ignoring element order for lists\))?:$')


class Failure(Exception):
    """A scenario whose engine answer does not match what the feature expects."""


def skip_reason(case):
    """Returns why a case cannot be expressed through the command-line contract, or None."""
    if '@ignore' in case.tags:
        return 'tagged @ignore by the TCK itself'
    for s in case.steps:
        if not _known_step(s.text):
            return 'unknown step: %s' % s.text
    return None


def _known_step(text):
    return (text in ('an empty graph', 'any graph', 'having executed:', 'parameters are:',
                     'executing query:', 'executing control query:', 'the result should be empty',
                     'the side effects should be:', 'no side effects')
            or _RESULT_STEP.match(text) is not None or _ERROR_STEP.match(text) is not None
            or _PROCEDURE_STEP.match(text) is not None)


def procedure_option(step):
    """Returns the (signature, rows JSON) of `there exists a procedure SIG:` and its table (a
    header of argument and output names, then rows of TCK literals), for --procedure."""
    header, rows = (step.table[0], step.table[1:]) if step.table else ([], [])
    for r in rows:
        if len(r) != len(header):
            raise Failure('procedure table row %r does not match its header %r' % (r, header))
    text = '[' + ', '.join('{' + ', '.join(json.dumps(h) + ': ' + values.to_json(values.parse(c))
                                           for h, c in zip(header, r)) + '}'
                           for r in rows) + ']'
    return _PROCEDURE_STEP.match(step.text).group(1).strip(), text


class Engine:
    """Runs queries through the arenadb command, one process per query."""

    def __init__(self, binary, timeout):
        self.binary = binary
        self.timeout = timeout

    def has_cypher(self):
        """Returns whether the command has a cypher command (`arenadb cypher --help` exits 0)."""
        try:
            p = subprocess.run([self.binary, 'cypher', '--help'], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return p.returncode == 0

    def init_template(self, directory):
        """Creates an empty database in directory with `arenadb init`; returns its path, or
        raises Failure. Each case starts from a copy of it, which is cheaper than an init per
        case."""
        path = os.path.join(directory, 'template.db')
        try:
            p = subprocess.run([self.binary, '--db', path, 'init'], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Failure('cannot run %s init: %s' % (self.binary, e))
        if p.returncode != 0 or not os.path.exists(path):
            raise Failure('%s init failed: %s' % (self.binary, p.stderr.decode('utf-8', 'replace')))
        return path

    def run(self, db, query, params=None, procedures=()):
        """Returns the parsed answer: {'columns','rows','stats'} or {'error': {...}}; raises
        Failure when the command times out, crashes or breaks the output contract. procedures
        are (signature, rows JSON) pairs passed as --procedure."""
        argv = [self.binary, '--db', db, 'cypher', query]
        if params is not None:
            argv += ['--params', params]
        for sig, rows in procedures:
            argv += ['--procedure', sig, rows]
        argv += ['--format', 'tck']
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise Failure('timed out after %gs: %s' % (self.timeout, _one_line(query)))
        except OSError as e:
            raise Failure('cannot run %s: %s' % (self.binary, e))
        out = p.stdout.decode('utf-8', 'replace')
        err = p.stderr.decode('utf-8', 'replace').strip()
        if p.returncode not in (0, 1):
            raise Failure('exit status %d%s for: %s' % (p.returncode, ' (%s)' % err[-300:] if err
                                                        else '', _one_line(query)))
        try:
            answer = json.loads(out)
        except ValueError:
            raise Failure('exit status %d with output that is not one JSON object: %r%s'
                          % (p.returncode, out[:300], ' stderr: %s' % err[-300:] if err else ''))
        if p.returncode == 1:
            e = answer.get('error') if isinstance(answer, dict) else None
            if not isinstance(e, dict) or not isinstance(e.get('type'), str):
                raise Failure('exit status 1 without an {"error": {"type": ...}} object: %r'
                              % out[:300])
            return answer
        if not isinstance(answer, dict) or not isinstance(answer.get('columns'), list) or \
                not isinstance(answer.get('rows'), list):
            raise Failure('exit status 0 without columns and rows: %r' % out[:300])
        return answer


def _one_line(text):
    return ' '.join(text.split())


def _parse_cells(cells, where):
    out = []
    for c in cells:
        if not isinstance(c, str):
            raise Failure('%s cell %r is not a string' % (where, c))
        try:
            out.append(values.parse(c))
        except values.LiteralError as e:
            raise Failure('%s cell is not a TCK value: %s' % (where, e))
    return out


def check_result(answer, table, ordered, unordered_lists):
    """Raises Failure unless the answer's rows match the expected table (header row first);
    columns are matched by name, so only the set of column names must agree."""
    if 'error' in answer:
        raise Failure('expected a result, got %s' % _error_text(answer['error']))
    header = table[0]
    columns = answer['columns']
    if sorted(columns) != sorted(header):
        raise Failure('columns %s, expected %s' % (columns, header))
    order = [columns.index(h) for h in header] if len(set(header)) == len(header) else \
        list(range(len(header)))
    actual = []
    for r in answer['rows']:
        if not isinstance(r, list) or len(r) != len(columns):
            raise Failure('row %r does not have %d cells' % (r, len(columns)))
        actual.append([r[k] for k in order])
    got = [_parse_cells(r, 'engine') for r in actual]
    want = [_parse_cells(r, 'expected') for r in table[1:]]

    def rows_equal(a, b):
        return all(values.equal(x, y, unordered_lists) for x, y in zip(a, b))

    ok = (len(got) == len(want) and all(rows_equal(a, b) for a, b in zip(got, want))) if ordered \
        else values.bags_equal(got, want, rows_equal)
    if not ok:
        raise Failure('rows differ%s\n      expected: %s\n      actual:   %s'
                      % (' (in order)' if ordered else '', _rows_text(table[1:]),
                         _rows_text(actual)))


def _rows_text(rows):
    if not rows:
        return '(no rows)'
    return '\n                '.join(' | '.join(r) for r in rows)


def _error_text(e):
    return '%s at %s%s: %s' % (e.get('type'), e.get('phase'),
                               ' (%s)' % e['detail'] if e.get('detail') else '',
                               e.get('message', ''))


def check_error(answer, kind, phase, detail, strict_detail):
    """Raises Failure unless the answer is the expected error. Type must equal; phase must equal
    unless the feature says "any time"; detail must equal when the engine names one (or always,
    with strict_detail) unless the feature's detail is the wildcard *."""
    e = answer.get('error')
    if e is None:
        raise Failure('expected %s at %s: %s, got %d row(s)' % (kind, phase, detail,
                                                                 len(answer.get('rows', []))))
    if e.get('type') != kind:
        raise Failure('expected %s, got %s' % (kind, _error_text(e)))
    if phase != 'any time' and e.get('phase') != phase:
        raise Failure('expected %s at %s, got %s' % (kind, phase, _error_text(e)))
    got = e.get('detail') or ''
    if detail and detail != '*' and got != detail and (got or strict_detail):
        raise Failure('expected detail %s, got %s' % (detail, _error_text(e)))


def check_side_effects(answer, table):
    """Raises Failure unless the last query's statistics equal the table (absent keys are 0)."""
    want = dict.fromkeys(STAT_KEYS, 0)
    for row in table:
        if len(row) != 2 or row[0] not in want:
            raise Failure('bad side-effect row %r' % (row,))
        want[row[0]] = int(row[1])
    stats = {} if 'error' in answer else (answer.get('stats') or {})
    got = {k: stats.get(k, 0) for k in STAT_KEYS}
    if got != want:
        diff = ', '.join('%s %s (expected %s)' % (k, got[k], want[k]) for k in STAT_KEYS
                         if got[k] != want[k])
        raise Failure('side effects differ: %s' % diff)


def copy_database(template, db):
    """Copies a database file with its write-ahead log, if there is one."""
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(template + suffix):
            shutil.copyfile(template + suffix, db + suffix)


def run_case(case, engine, template, strict_detail):
    """Runs one case in a fresh copy of the template database, next to it; returns
    ('pass'|'fail'|'skip', message)."""
    reason = skip_reason(case)
    if reason:
        return 'skip', reason
    tmp = tempfile.mkdtemp(prefix='case-', dir=os.path.dirname(template))
    db = os.path.join(tmp, 'tck.db')
    copy_database(template, db)
    params = {}
    procedures = []
    answer = None
    query = None
    try:
        for s in case.steps:
            t = s.text
            if t == 'having executed:':
                a = engine.run(db, s.doc, procedures=procedures)
                if 'error' in a:
                    raise Failure('setup query failed with %s:\n      %s'
                                  % (_error_text(a['error']), _one_line(s.doc)))
            elif _PROCEDURE_STEP.match(t):
                procedures.append(procedure_option(s))
            elif t == 'parameters are:':
                for row in s.table:
                    if len(row) != 2:
                        raise Failure('bad parameter row %r' % (row,))
                    params[row[0]] = values.parse(row[1])
            elif t in ('executing query:', 'executing control query:'):
                query = s.doc
                answer = engine.run(db, s.doc, values.params_json(params) if params else None,
                                    procedures)
            elif t in ('an empty graph', 'any graph'):
                continue  # every case starts from a fresh, empty database
            elif answer is None:
                raise Failure('step %r before any query' % t)
            elif t == 'the result should be empty':
                check_result(answer, [answer.get('columns', [])], False, False)
            elif _RESULT_STEP.match(t):
                m = _RESULT_STEP.match(t)
                check_result(answer, s.table, m.group(1) == ', in order', bool(m.group(2)))
            elif _ERROR_STEP.match(t):
                m = _ERROR_STEP.match(t)
                check_error(answer, m.group(1), m.group(2), m.group(3) or '', strict_detail)
            else:
                check_side_effects(answer, [] if t == 'no side effects' else s.table)
        return 'pass', ''
    except (Failure, values.LiteralError) as f:
        return 'fail', '%s\n      query: %s' % (f, _one_line(query) if query else '(setup)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_cases(root, filters):
    """Returns the cases of every feature under root whose path or name contains one of the
    filters (all cases when there are none)."""
    cases = []
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not f.endswith('.feature'):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root)
            with open(full, encoding='utf-8') as fh:
                for c in gherkin.parse_feature(fh.read(), rel):
                    hay = (c.title() + ' ' + c.feature).lower()
                    if not filters or any(x.lower() in hay for x in filters):
                        cases.append(c)
    return cases


def group_of(path):
    """Returns the folder a case is counted under: its first two path components."""
    parts = path.split(os.sep)[:-1]
    return '/'.join(parts[:2]) if parts else '.'


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description='Run the openCypher TCK against arenadb.')
    ap.add_argument('filters', nargs='*', help='run only cases whose path or name contains one')
    ap.add_argument('--arenadb', default=os.path.join(repo, 'build', 'arenadb'))
    ap.add_argument('--features', default=os.environ.get('TCK_FEATURES') or
                    os.path.join(repo, '..', 'shared', 'data', 'opencypher-tck', 'features'))
    ap.add_argument('-j', '--jobs', type=int, default=2)
    ap.add_argument('-v', '--verbose', action='store_true', help='print each failing case')
    ap.add_argument('--timeout', type=float, default=10.0, help='seconds per query')
    ap.add_argument('--floor', help='file holding the least number of cases that must pass')
    ap.add_argument('--strict-detail', action='store_true',
                    help='an error with no detail fails where the feature names one')
    ap.add_argument('--list-skipped', action='store_true', help='print each skipped case')
    ap.add_argument('--slowest', type=int, default=0, metavar='N',
                    help='print the N cases that took longest (to see how near the timeout they are)')
    ap.add_argument('--tmp', default='/dev/shm' if os.access('/dev/shm', os.W_OK) else None,
                    help='where the throwaway databases go (default: /dev/shm when writable, '
                         'as commits there need no disk flush)')
    args = ap.parse_args(argv)

    if not os.path.isdir(args.features):
        print('tck: no feature folder at %s (set TCK_FEATURES)' % args.features, file=sys.stderr)
        return 2
    try:
        cases = load_cases(args.features, args.filters)
    except (gherkin.FeatureError, values.LiteralError) as e:
        print('tck: %s' % e, file=sys.stderr)
        return 2
    if not os.access(args.arenadb, os.X_OK):
        print('tck: %s is not an executable (run make first)' % args.arenadb, file=sys.stderr)
        return 2
    start = time.monotonic()
    try:
        workdir = tempfile.TemporaryDirectory(prefix='arenadb-tck-', dir=args.tmp)
    except OSError as e:
        print('tck: cannot make a directory under %s: %s' % (args.tmp, e), file=sys.stderr)
        return 2
    # The cases run a private copy of the command (in the default temporary folder, which allows
    # running programs where /dev/shm may not), so that a rebuild during the run cannot break it.
    with workdir as tmp, tempfile.TemporaryDirectory(prefix='arenadb-tck-bin-') as bindir:
        binary = os.path.join(bindir, 'arenadb')
        shutil.copy2(args.arenadb, binary)
        engine = Engine(binary, args.timeout)
        if not engine.has_cypher():
            print('tck: %s has no cypher command' % args.arenadb, file=sys.stderr)
            return 2
        try:
            template = engine.init_template(tmp)
        except Failure as e:
            print('tck: %s' % e, file=sys.stderr)
            return 2
        def timed(case):
            t0 = time.monotonic()
            result = run_case(case, engine, template, args.strict_detail)
            return result, time.monotonic() - t0

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            timings = list(pool.map(timed, cases))
    elapsed = time.monotonic() - start
    results = [r for r, _ in timings]
    for secs, case in sorted(((t, c) for c, (_, t) in zip(cases, timings)),
                             key=lambda x: -x[0])[:args.slowest]:
        print('%6.2fs %s' % (secs, case.title()))

    groups = {}
    totals = {'pass': 0, 'fail': 0, 'skip': 0}
    reasons = {}
    for case, (status, msg) in zip(cases, results):
        g = groups.setdefault(group_of(case.path), {'pass': 0, 'fail': 0, 'skip': 0})
        g[status] += 1
        totals[status] += 1
        if status == 'fail' and args.verbose:
            print('FAIL %s\n      %s' % (case.title(), msg))
        if status == 'skip':
            reasons[msg] = reasons.get(msg, 0) + 1
            if args.list_skipped:
                print('SKIP %s: %s' % (case.title(), msg))
    width = max([len(g) for g in groups] + [6])
    for name in sorted(groups):
        g = groups[name]
        print('%-*s %5d passed %5d failed %4d skipped' % (width, name, g['pass'], g['fail'],
                                                          g['skip']))
    for reason, n in sorted(reasons.items()):
        print('skipped %d: %s' % (n, reason))
    print('%d cases in %.1fs with %d jobs' % (len(cases), elapsed, args.jobs))
    rc = 0
    if args.floor:
        with open(args.floor) as fh:
            floor = int(fh.read().split()[0])
        if totals['pass'] < floor:
            print('tck: %d passed, below the floor of %d in %s' % (totals['pass'], floor,
                                                                   args.floor))
            rc = 1
        elif totals['pass'] > floor:
            print('tck: %d passed, above the floor of %d: raise %s' % (totals['pass'], floor,
                                                                      args.floor))
    print('%d passed, %d failed, %d skipped' % (totals['pass'], totals['fail'], totals['skip']))
    return rc


if __name__ == '__main__':
    sys.exit(main())
