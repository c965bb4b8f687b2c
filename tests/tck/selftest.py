#!/usr/bin/env python3
"""The TCK runner's own tests: its value parser and comparison, its Gherkin reader, and whole
runs against a fake arenadb that answers the fixture features from canned replies."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, HERE)
import gherkin  # noqa: E402
import tck  # noqa: E402
import values  # noqa: E402
from values import parse  # noqa: E402

FIXTURES = os.path.join(HERE, 'fixtures', 'features')
ANSWERS = os.path.join(HERE, 'fixtures', 'answers.json')
# Long enough for the fake (a Python process) to start on a loaded machine; its slow reply sleeps
# far longer (fixtures/answers.json).
TIMEOUT = 8
TCK_FEATURES = os.path.join(HERE, '..', '..', '..', 'shared', 'data', 'opencypher-tck',
                            'features')


class ValueTests(unittest.TestCase):
    def test_scalars(self):
        self.assertEqual(parse('null'), ('null',))
        self.assertEqual(parse('true'), ('bool', True))
        self.assertEqual(parse('-12'), ('int', -12))
        self.assertEqual(parse('0x1F'), ('int', 31))
        self.assertEqual(parse('-1.5e3'), ('float', -1500.0))
        self.assertEqual(parse('.5'), ('float', 0.5))
        self.assertEqual(parse('-Infinity'), ('float', float('-inf')))
        self.assertEqual(parse(r"'a\'b\\c\n'"), ('str', "a'b\\c\n"))
        self.assertEqual(parse("'\\u00e9'"), ('str', '\u00e9'))

    def test_graph_values(self):
        self.assertEqual(parse("(:A:B {name: 'x'})"),
                         ('node', frozenset({'A', 'B'}), {'name': ('str', 'x')}))
        self.assertEqual(parse('()'), ('node', frozenset(), {}))
        self.assertEqual(parse('[:T {k: 1}]'), ('rel', 'T', {'k': ('int', 1)}))
        self.assertEqual(parse('[[:T]]'), ('list', [('rel', 'T', {})]))
        p = parse('<(:A)-[:T]->(:B)<-[:U]-()>')
        self.assertEqual([s[0] for s in p[1][1:]], ['->', '<-'])
        self.assertEqual(parse('{`a b`: 1}'), ('map', {'a b': ('int', 1)}))

    def test_bad_literals(self):
        for bad in ["'open", '[1, 2', '1 2', 'nope', '{a: 1, a: 2}', '(:A', '<(:A)-[:T]-(:B)>',
                    "'\\q'", '']:
            with self.assertRaises(values.LiteralError, msg=bad):
                parse(bad)

    def test_equal(self):
        eq = lambda a, b, u=False: values.equal(parse(a), parse(b), u)  # noqa: E731
        self.assertTrue(eq('{a: 1, b: 2}', '{b: 2, a: 1}'))
        self.assertTrue(eq('(:A:B {x: 1})', '(:B:A {x: 1})'))
        self.assertFalse(eq('(:A)', '(:A:B)'))
        self.assertFalse(eq('[:T]', '[:U]'))
        self.assertTrue(eq('0.3', '0.30000000000000004'))
        self.assertFalse(eq('0.3', '0.3001'))
        self.assertTrue(eq('NaN', 'NaN'))
        self.assertFalse(eq('1', '1.0'))
        self.assertFalse(eq("'1'", '1'))
        self.assertFalse(eq('[1, 2]', '[2, 1]'))
        self.assertTrue(eq('[1, [2, 3]]', '[[3, 2], 1]', True))
        self.assertFalse(eq('[1, 1, 2]', '[1, 2, 2]', True))
        self.assertFalse(eq('<(:A)-[:T]->(:B)>', '<(:A)<-[:T]-(:B)>'))
        self.assertTrue(eq('<(:A)-[:T]->(:B)>', '<(:A)-[:T]->(:B)>'))
        self.assertFalse(eq('null', 'false'))

    def test_params_json(self):
        self.assertEqual(values.params_json({'a': parse('[1, 2.0, 1e20, null]'),
                                             'm': parse("{k: 'v'}")}),
                         '{"a": [1, 2.0, 1e+20, null], "m": {"k": "v"}}')
        for bad in ['(:A)', 'NaN']:
            with self.assertRaises(values.LiteralError):
                values.params_json({'p': parse(bad)})


class ErrorMatchTests(unittest.TestCase):
    def answer(self, detail):
        return {'error': {'type': 'SyntaxError', 'phase': 'compile time', 'detail': detail}}

    def test_detail_strictness(self):
        tck.check_error(self.answer(''), 'SyntaxError', 'compile time', 'UndefinedVariable', False)
        with self.assertRaises(tck.Failure):
            tck.check_error(self.answer(''), 'SyntaxError', 'compile time', 'UndefinedVariable',
                            True)
        tck.check_error(self.answer(''), 'SyntaxError', 'compile time', '*', True)
        tck.check_error(self.answer('X'), 'SyntaxError', 'any time', '*', True)
        with self.assertRaises(tck.Failure):
            tck.check_error(self.answer('X'), 'SyntaxError', 'runtime', '*', False)

    def test_side_effects(self):
        ok = {'columns': [], 'rows': [], 'stats': {'+nodes': 1, '-labels': 0}}
        tck.check_side_effects(ok, [['+nodes', '1']])
        with self.assertRaises(tck.Failure):
            tck.check_side_effects(ok, [])
        with self.assertRaises(tck.Failure):
            tck.check_side_effects(ok, [['+node', '1']])
        tck.check_side_effects(self.answer('X'), [])


class GherkinTests(unittest.TestCase):
    FEATURE = '''
Feature: F
  Some description.

  Background:
    Given an empty graph

  @tagged
  Scenario Outline: O
    When executing query:
      """
      RETURN <x> AS v,
        <(:A)-[:T]->(:B)> AS kept
      """
    Then the result should be, in any order:
      | v   | a \\| b |
      | <y> | 'p\\\\' |

    Examples:
      | x | y |
      | 1 | 2 |
      | 3 | 4 |

  Scenario: S
    Given any graph
'''

    def test_outline_rows_become_cases(self):
        cases = gherkin.parse_feature(self.FEATURE, 'f.feature')
        self.assertEqual([c.name for c in cases], ['O (example 1)', 'O (example 2)', 'S'])
        first = cases[0]
        self.assertEqual(first.tags, {'@tagged'})
        self.assertEqual(first.steps[0].text, 'an empty graph')
        self.assertEqual(first.steps[1].doc, 'RETURN 1 AS v,\n  <(:A)-[:T]->(:B)> AS kept')
        self.assertEqual(first.steps[2].table, [['v', 'a | b'], ['2', "'p\\'"]])
        self.assertEqual(cases[1].steps[2].table[1], ['4', "'p\\'"])
        self.assertEqual([s.text for s in cases[2].steps], ['an empty graph', 'any graph'])
        self.assertEqual(cases[2].tags, set())

    def test_malformed_features(self):
        for bad in ['Feature: F\n  Examples:\n    | a |\n',
                    'Feature: F\n  Scenario Outline: O\n    Given any graph\n',
                    'Feature: F\n  Scenario: S\n    Given any graph\n    """\n    x\n',
                    'Feature: F\n  Scenario: S\n    Given any graph\n    | a\n',
                    'Feature: F\n  Scenario: S\n    something else\n']:
            with self.assertRaises(gherkin.FeatureError, msg=bad):
                gherkin.parse_feature(bad, 'bad.feature')

    @unittest.skipUnless(os.path.isdir(TCK_FEATURES), 'no TCK feature folder')
    def test_every_tck_feature_reads(self):
        cases = tck.load_cases(TCK_FEATURES, [])
        self.assertGreater(len(cases), 3000)
        for c in cases:
            for s in c.steps:
                if tck._RESULT_STEP.match(s.text):
                    for row in s.table[1:]:
                        for cell in row:
                            parse(cell)
                if s.text == 'parameters are:':
                    values.params_json({r[0]: parse(r[1]) for r in s.table})
        skipped = [c for c in cases if tck.skip_reason(c)]
        self.assertLess(len(skipped), 60)
        self.assertTrue(all('unknown step' not in tck.skip_reason(c) for c in skipped))


def _fake_binary(directory):
    """Returns an executable that runs the fake engine with this interpreter (no PATH lookup)."""
    path = os.path.join(directory, 'arenadb')
    with open(path, 'w') as fh:
        fh.write('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable,
                                                      os.path.join(HERE, 'fake_arenadb.py')))
    os.chmod(path, 0o755)
    return path


class FixtureTests(unittest.TestCase):
    """Each fixture scenario's name starts with the outcome the runner must reach."""

    @classmethod
    def setUpClass(cls):
        os.environ['FAKE_ARENADB_ANSWERS'] = ANSWERS
        cls.tmp = tempfile.TemporaryDirectory()
        cls.binary = _fake_binary(cls.tmp.name)
        cls.engine = tck.Engine(cls.binary, TIMEOUT)
        cls.template = cls.engine.init_template(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_tck(self, *args, env=None):
        environment = dict(os.environ, TCK_FEATURES=FIXTURES)
        environment.update(env or {})
        return subprocess.run([sys.executable, os.path.join(HERE, 'tck.py'), '--arenadb',
                               self.binary, '--timeout', str(TIMEOUT)] + list(args),
                              capture_output=True, text=True, env=environment)

    def test_summary_and_floor(self):
        with tempfile.NamedTemporaryFile('w', suffix='.txt') as floor:
            floor.write('18\n')
            floor.flush()
            p = self.run_tck('--floor', floor.name)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn('below the floor of 18', p.stdout)
        lines = p.stdout.strip().split('\n')
        self.assertEqual(lines[-1], '17 passed, 21 failed, 1 skipped')
        self.assertTrue(any(re.match(r'clauses/errors +4 passed +5 failed +0 skipped', ln)
                            for ln in lines), p.stdout)
        self.assertTrue(any(re.match(r'expressions/contract +1 passed +3 failed +1 skipped', ln)
                            for ln in lines), p.stdout)

    def test_floor_met_and_filter(self):
        with tempfile.NamedTemporaryFile('w', suffix='.txt') as floor:
            floor.write('3\n')
            floor.flush()
            p = self.run_tck('--floor', floor.name, '-j1', 'Errors1')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.strip().split('\n')[-1], '4 passed, 5 failed, 0 skipped')

    def test_verbose_shows_expected_and_actual(self):
        p = self.run_tck('-v', 'rows out of order')
        self.assertIn('FAIL clauses/results/Results1.feature', p.stdout)
        self.assertIn('expected: 3', p.stdout)
        self.assertIn('actual:   3', p.stdout)

    def test_databases_go_under_tmp_and_are_removed(self):
        work = os.path.join(self.tmp.name, 'work')
        os.mkdir(work)
        p = self.run_tck('--tmp', work, 'Effects1')
        self.assertEqual(p.stdout.strip().split('\n')[-1], '5 passed, 4 failed, 0 skipped')
        self.assertEqual(os.listdir(work), [])
        p = self.run_tck('--tmp', os.path.join(work, 'missing'), 'Effects1')
        self.assertEqual(p.returncode, 2)
        self.assertIn('cannot make a directory', p.stderr)

    def test_runner_errors(self):
        p = self.run_tck(env={'TCK_FEATURES': os.path.join(self.tmp.name, 'none')})
        self.assertEqual(p.returncode, 2)
        self.assertIn('no feature folder', p.stderr)
        p = subprocess.run([sys.executable, os.path.join(HERE, 'tck.py'), '--arenadb',
                            os.path.join(self.tmp.name, 'missing'), '--features', FIXTURES],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('not an executable', p.stderr)
        old = os.path.join(self.tmp.name, 'old-arenadb')
        with open(old, 'w') as fh:
            fh.write("#!/bin/sh\necho \"arenadb: unknown command '$1'\" >&2\nexit 2\n")
        os.chmod(old, 0o755)
        p = subprocess.run([sys.executable, os.path.join(HERE, 'tck.py'), '--arenadb', old,
                            '--features', FIXTURES], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('has no cypher command', p.stderr)


def _add_fixture_case(case):
    def test(self):
        status, message = tck.run_case(case, self.engine, self.template, False)
        self.assertEqual(status, case.name.split(':')[0], '%s: %s' % (case.title(), message))
    test.__doc__ = case.title()
    setattr(FixtureTests, 'test_case_%s_%d' % (re.sub(r'\W', '_', case.path), case.line), test)


for _case in tck.load_cases(FIXTURES, []):
    _add_fixture_case(_case)


if __name__ == '__main__':
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print('tck-self: %d passed, %d failed' % (result.testsRun - failed - len(result.skipped),
                                              failed))
    sys.exit(1 if failed else 0)
