#!/usr/bin/env python3
"""run.py — mutation testing: does each suite catch the bugs it claims to guard against?

Every entry of tests/mutate/mutations.py is one small, plausible change to the code (a file, an
exact piece of text that must occur there exactly once, and its replacement) with the suites
that must catch it. Each mutant is applied alone to a scratch copy of the tree (build/mutate/),
built, and run against its suites; it is killed when a suite fails or times out, and survives
when they all pass. A mutant that does not build is a mistake in the list and fails the run.

    tests/mutate/run.py                 every mutation (make mutate)
    tests/mutate/run.py clock sync-     the mutations whose names contain "clock" or "sync-"
    tests/mutate/run.py --list          the mutations, without running anything

Ends with "mutate: K killed, S survived" and the score; exits non-zero when any non-equivalent
mutant survived, a mutation is stale or does not build, or the unchanged tree fails a suite.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutations import EQUIVALENT, MUTATIONS  # noqa: E402

JOBS = os.environ.get('JOBS', '2')

# How each suite runs inside the scratch tree. Each ends non-zero when any of its tests fails.
SUITES = {
    'unit': ['build/test_unit', '-j' + JOBS],
    'cli': ['tests/cli/run.sh', 'build/arenadb'],
    'crash': ['tests/crash/run.sh', 'build/arenadb'],
    'net': ['tests/net/run.sh', 'build/arenadb'],
    'tck': ['tests/tck/suite.sh', 'build/arenadb'],
}


def sh(cmd, cwd, timeout=None, log=None):
    """Runs cmd; returns its exit status, or None when it ran past timeout seconds."""
    try:
        with open(log or os.devnull, 'w') as out:
            return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout,
                                  start_new_session=True).returncode
    except subprocess.TimeoutExpired:
        return None


def copy_tree(dst):
    """Copies the working tree's tracked and untracked, not ignored, files into dst."""
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split('\0')
    for f in filter(None, files):
        src = os.path.join(REPO, f)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(src, os.path.join(dst, f))


def build(tree, log):
    return sh(['make', '-s', '-j' + JOBS, 'all', 'build/test_unit'], tree, log=log) == 0


def check_entry(m):
    """Returns why an entry of the list is malformed, or None."""
    for key in ('name', 'file', 'find', 'replace', 'suites', 'why'):
        if key not in m:
            return 'lacks "%s"' % key
    unknown = [s for s in m['suites'] if s not in SUITES]
    if unknown:
        return 'names unknown suites %s' % unknown
    text = open(os.path.join(REPO, m['file'])).read()
    n = text.count(m['find'])
    return None if n == 1 else 'its text occurs %d times in %s, not once' % (n, m['file'])


def main():
    ap = argparse.ArgumentParser(description='Mutation testing of the ArenaDB test suites.')
    ap.add_argument('names', nargs='*', help='run only mutations whose names contain one of these')
    ap.add_argument('--list', action='store_true', help='list the mutations and exit')
    ap.add_argument('--keep', action='store_true', help='keep build/mutate afterwards')
    args = ap.parse_args()

    chosen = [m for m in MUTATIONS if not args.names or any(n in m['name'] for n in args.names)]
    names = [m['name'] for m in MUTATIONS]
    dups = sorted({n for n in names if names.count(n) > 1})
    bad = [(m.get('name', '?'), check_entry(m)) for m in chosen]
    bad = [(n, why) for n, why in bad if why] + [(n, 'is listed twice') for n in dups]
    if args.list or bad:
        for m in chosen:
            print('%-44s %-28s %s' % (m['name'], m['file'], ','.join(m['suites'])))
        for n, why in bad:
            print('mutate: mutation %s %s' % (n, why), file=sys.stderr)
        return 1 if bad else 0

    scratch = os.path.join(REPO, 'build', 'mutate')
    tree, logs = os.path.join(scratch, 'tree'), os.path.join(scratch, 'logs')
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(logs)
    copy_tree(tree)
    # The suites read their data from ../shared beside the tree, as in the repository.
    os.symlink(os.path.join(os.path.dirname(REPO), 'shared'), os.path.join(scratch, 'shared'))
    if not build(tree, os.path.join(logs, 'build.log')):
        print('mutate: the unchanged tree does not build (%s/build.log)' % logs)
        return 1

    # The unchanged tree must pass every suite the chosen mutations use; its times set the limits.
    limit = {}
    for s in [s for s in SUITES if any(s in m['suites'] for m in chosen)]:
        t0 = time.time()
        rc = sh(SUITES[s], tree, log=os.path.join(logs, 'baseline-%s.log' % s))
        if rc != 0:
            print('mutate: the unchanged tree fails suite %s (%s/baseline-%s.log)' % (s, logs, s))
            return 1
        limit[s] = 3 * (time.time() - t0) + 60
        print('baseline %-6s passed in %.0f s' % (s, time.time() - t0), flush=True)

    killed, survived, broken = [], [], []
    for m in chosen:
        path = os.path.join(tree, m['file'])
        original = open(path).read()
        open(path, 'w').write(original.replace(m['find'], m['replace'], 1))
        t0 = time.time()
        verdict = None
        if not build(tree, os.path.join(logs, m['name'] + '.build.log')):
            broken.append(m['name'])
            verdict = 'DOES NOT BUILD'
        for s in [s for s in SUITES if s in m['suites'] and verdict is None]:
            rc = sh(SUITES[s], tree, timeout=limit[s], log=os.path.join(logs, '%s.%s.log' % (m['name'], s)))
            if rc != 0:
                verdict = 'killed by %s%s' % (s, ' (timed out)' if rc is None else '')
                killed.append(m['name'])
                break
        if verdict is None:
            verdict = 'SURVIVED'
            survived.append(m['name'])
        open(path, 'w').write(original)
        print('%-44s %-20s %4.0f s' % (m['name'], verdict, time.time() - t0), flush=True)

    build(tree, os.path.join(logs, 'build.log'))  # leave the scratch build unmutated
    if not args.keep:
        shutil.rmtree(tree, ignore_errors=True)
    total = len(killed) + len(survived)
    for n in survived:
        print('survived: %s — %s' % (n, next(m['why'] for m in chosen if m['name'] == n)))
    for m in EQUIVALENT:
        print('equivalent, not run: %s — %s' % (m['name'], m['why']))
    for n in broken:
        print('does not build: %s (%s/%s.build.log)' % (n, logs, n))
    print('score: %d of %d mutants killed (%.1f%%)' % (len(killed), total,
                                                       100.0 * len(killed) / total if total else 0))
    print('mutate: %d passed, %d failed' % (len(killed), len(survived) + len(broken)))
    return 0 if not survived and not broken else 1


if __name__ == '__main__':
    sys.exit(main())
