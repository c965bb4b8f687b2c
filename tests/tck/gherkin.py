"""Gherkin feature files, as the openCypher TCK writes them, read into runnable cases."""

import re


class FeatureError(ValueError):
    """A feature file this reader cannot make sense of."""


class Step:
    """One Given/When/Then/And line with its doc string and table, if any."""

    def __init__(self, text, line):
        self.text = text
        self.line = line
        self.doc = None
        self.table = []


class Case:
    """One scenario, or one Examples row of a scenario outline, with the background's steps
    first."""

    def __init__(self, path, feature, name, line, tags, steps):
        self.path = path
        self.feature = feature
        self.name = name
        self.line = line
        self.tags = tags
        self.steps = steps

    def title(self):
        return '%s:%d %s' % (self.path, self.line, self.name)


_STEP = re.compile(r'^(Given|When|Then|And|But|\*)\s+(.*)$')
_SECTION = re.compile(r'^(Feature|Background|Scenario Outline|Scenario Template|Scenario|Example|'
                      r'Examples|Scenarios)\s*:\s*(.*)$')


def split_row(line):
    """Returns the cells of a table row `| a | b |`, unescaping \\|, \\\\ and \\n as Gherkin
    does."""
    body = line.strip()
    if body == '|':
        return []  # a table of no columns, as a procedure without outputs is written
    if not body.startswith('|') or not body.endswith('|') or len(body) < 2:
        raise FeatureError('malformed table row: %r' % line)
    cells, cur, i = [], [], 1
    while i < len(body) - 1:
        ch = body[i]
        if ch == '\\' and i + 1 < len(body) - 1 and body[i + 1] in '|\\n':
            nxt = body[i + 1]
            cur.append('\n' if nxt == 'n' else nxt)
            i += 2
            continue
        if ch == '|':
            cells.append(''.join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append(''.join(cur).strip())
    return cells


class _Outline:
    def __init__(self, name, line, tags, steps):
        self.name, self.line, self.tags, self.steps = name, line, tags, steps
        self.examples = []  # (tags, header, [(line, row)])


def _substitute(text, values):
    if text is None:
        return None
    return re.sub(r'<([^<>\s]+)>', lambda m: values.get(m.group(1), m.group(0)), text)


def _expand(outline, path, feature, background):
    cases = []
    for ex_tags, header, rows in outline.examples:
        for n, (line, row) in enumerate(rows, 1):
            if len(row) != len(header):
                raise FeatureError('%s:%d: Examples row has %d cells, header %d'
                                   % (path, line, len(row), len(header)))
            values = dict(zip(header, row))
            steps = []
            for s in outline.steps:
                t = Step(_substitute(s.text, values), s.line)
                t.doc = _substitute(s.doc, values)
                t.table = [[_substitute(c, values) for c in r] for r in s.table]
                steps.append(t)
            cases.append(Case(path, feature, '%s (example %d)' % (outline.name, n), line,
                              outline.tags | ex_tags, background + steps))
    return cases


def parse_feature(text, path):
    """Returns the cases of one feature file's text; raises FeatureError on what it cannot
    read. path only names the file in cases and messages."""
    lines = text.split('\n')
    feature = ''
    background = []
    cases = []
    tags = set()
    current = None  # the list steps go into
    scenario = None  # (name, line, tags, steps) of a plain scenario, or an _Outline
    examples = None  # the examples block being read: [tags, header, rows]
    last_step = None

    def finish():
        if scenario is None:
            return
        if isinstance(scenario, _Outline):
            if not scenario.examples:
                raise FeatureError('%s:%d: scenario outline without Examples' % (path, scenario.line))
            cases.extend(_expand(scenario, path, feature, background))
        else:
            name, line, stags, steps = scenario
            cases.append(Case(path, feature, name, line, stags, background + steps))

    i = 0
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        i += 1
        if not s or s.startswith('#'):
            continue
        if s.startswith('"""') or s.startswith('```'):
            fence = s[:3]
            if last_step is None:
                raise FeatureError('%s:%d: doc string outside a step' % (path, i))
            indent = len(raw) - len(raw.lstrip())
            body = []
            while i < len(lines) and lines[i].strip() != fence:
                ln = lines[i]
                lead = len(ln) - len(ln.lstrip())
                body.append(ln[min(lead, indent):])
                i += 1
            if i >= len(lines):
                raise FeatureError('%s: unterminated doc string' % path)
            i += 1
            last_step.doc = '\n'.join(body)
            continue
        if s.startswith('@'):
            tags |= set(s.split())
            continue
        if s.startswith('|'):
            row = split_row(s)
            if examples is not None:
                if examples[1] is None:
                    examples[1] = row
                else:
                    examples[2].append((i, row))
            elif last_step is not None:
                last_step.table.append(row)
            else:
                raise FeatureError('%s:%d: table outside a step' % (path, i))
            continue
        m = _SECTION.match(s)
        if m:
            kind, name = m.group(1), m.group(2).strip()
            if kind == 'Feature':
                feature = name
            elif kind == 'Background':
                current = background
            elif kind in ('Examples', 'Scenarios'):
                if not isinstance(scenario, _Outline):
                    raise FeatureError('%s:%d: Examples outside a scenario outline' % (path, i))
                examples = [tags, None, []]
                scenario.examples.append(examples)
            else:
                finish()
                examples = None
                current = []
                if kind in ('Scenario Outline', 'Scenario Template'):
                    scenario = _Outline(name, i, tags, current)
                else:
                    scenario = (name, i, tags, current)
            tags = set()
            last_step = None
            continue
        m = _STEP.match(s)
        if m:
            if current is None or examples is not None:
                raise FeatureError('%s:%d: step outside a scenario' % (path, i))
            last_step = Step(m.group(2), i)
            current.append(last_step)
            continue
        if scenario is None and current is None:
            continue  # free text describing the feature
        raise FeatureError('%s:%d: cannot read %r' % (path, i, s))
    finish()
    return cases
