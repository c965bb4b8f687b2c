"""TCK value literals: parses the openCypher TCK's cell syntax into a normal form and compares it."""

import json
import math

# Normal form, as tuples so that values nest and print plainly:
#   ('null',) ('bool', b) ('int', n) ('float', f) ('str', s) ('list', [v...]) ('map', {k: v})
#   ('node', frozenset(labels), {k: v}) ('rel', type, {k: v})
#   ('path', [node, (dir, rel, node), ...]) where dir is '->' or '<-'

# Floats match when relatively this close, so that an engine's last-digit rounding differences
# (0.30000000000000004 against 0.3) do not fail a scenario, while any real difference does.
FLOAT_REL_TOL = 1e-9
FLOAT_ABS_TOL = 1e-15


class LiteralError(ValueError):
    """A cell that is not a TCK value literal."""


_ESCAPES = {'\\': '\\', "'": "'", '"': '"', 'n': '\n', 't': '\t', 'r': '\r', 'b': '\b',
            'f': '\f', '0': '\0', '/': '/'}


class _Parser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def fail(self, what):
        raise LiteralError('%s at offset %d in %r' % (what, self.i, self.s))

    def ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self, k=1):
        self.ws()
        return self.s[self.i:self.i + k]

    def eat(self, tok):
        self.ws()
        if not self.s.startswith(tok, self.i):
            self.fail('expected %r' % tok)
        self.i += len(tok)

    def try_eat(self, tok):
        self.ws()
        if self.s.startswith(tok, self.i):
            self.i += len(tok)
            return True
        return False

    def value(self):
        c = self.peek()
        if c == '':
            self.fail('expected a value')
        if c == "'" or c == '"':
            return ('str', self.string())
        if c == '[':
            if self.peek(2) == '[:':
                return self.rel()
            return self.list()
        if c == '{':
            return ('map', self.props())
        if c == '(':
            return self.node()
        if c == '<':
            return self.path()
        if c == '-' or c == '+' or c == '.' or c.isdigit():
            return self.number()
        word = self.ident()
        low = word.lower()
        if low == 'null':
            return ('null',)
        if low == 'true':
            return ('bool', True)
        if low == 'false':
            return ('bool', False)
        if word == 'NaN':
            return ('float', math.nan)
        if word == 'Infinity':
            return ('float', math.inf)
        self.fail('unknown word %r' % word)

    def string(self):
        q = self.s[self.i]
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                self.fail('unterminated string')
            ch = self.s[self.i]
            if ch == q:
                self.i += 1
                return ''.join(out)
            if ch == '\\':
                self.i += 1
                if self.i >= len(self.s):
                    self.fail('unterminated escape')
                e = self.s[self.i]
                if e == 'u':
                    hexd = self.s[self.i + 1:self.i + 5]
                    try:
                        out.append(chr(int(hexd, 16)))
                    except ValueError:
                        self.fail('bad \\u escape')
                    self.i += 5
                    continue
                if e not in _ESCAPES:
                    self.fail('bad escape \\%s' % e)
                out.append(_ESCAPES[e])
                self.i += 1
                continue
            out.append(ch)
            self.i += 1

    def number(self):
        self.ws()
        start = self.i
        if self.s[self.i] in '+-':
            self.i += 1
        if self.s.startswith('Infinity', self.i):
            self.i += len('Infinity')
            return ('float', -math.inf if self.s[start] == '-' else math.inf)
        if self.s.startswith('NaN', self.i):
            self.i += 3
            return ('float', math.nan)
        if self.s.startswith(('0x', '0X'), self.i):
            self.i += 2
            digits = self.i
            while self.i < len(self.s) and self.s[self.i] in '0123456789abcdefABCDEF':
                self.i += 1
            if digits == self.i:
                self.fail('bad hexadecimal number')
            sign = -1 if self.s[start] == '-' else 1
            return ('int', sign * int(self.s[digits:self.i], 16))
        while self.i < len(self.s) and (self.s[self.i].isdigit() or self.s[self.i] in '.eE' or
                                        (self.s[self.i] in '+-' and self.s[self.i - 1] in 'eE')):
            self.i += 1
        text = self.s[start:self.i]
        try:
            if any(ch in text for ch in '.eE'):
                return ('float', float(text))
            return ('int', int(text))
        except ValueError:
            self.fail('bad number %r' % text)

    def ident(self):
        self.ws()
        if self.i < len(self.s) and self.s[self.i] == '`':
            end = self.s.find('`', self.i + 1)
            if end < 0:
                self.fail('unterminated `name`')
            word = self.s[self.i + 1:end]
            self.i = end + 1
            return word
        start = self.i
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in '_$'):
            self.i += 1
        if start == self.i:
            self.fail('expected a name')
        return self.s[start:self.i]

    def list(self):
        self.eat('[')
        items = []
        if self.try_eat(']'):
            return ('list', items)
        while True:
            items.append(self.value())
            if self.try_eat(']'):
                return ('list', items)
            self.eat(',')

    def props(self):
        self.eat('{')
        out = {}
        if self.try_eat('}'):
            return out
        while True:
            key = self.string() if self.peek() in ("'", '"') else self.ident()
            self.eat(':')
            if key in out:
                self.fail('duplicate key %r' % key)
            out[key] = self.value()
            if self.try_eat('}'):
                return out
            self.eat(',')

    def node(self):
        self.eat('(')
        labels = set()
        if self.peek() not in (':', '{', ')'):
            self.ident()  # a variable name carries no value
        while self.try_eat(':'):
            labels.add(self.ident())
        props = self.props() if self.peek() == '{' else {}
        self.eat(')')
        return ('node', frozenset(labels), props)

    def rel(self):
        self.eat('[')
        if self.peek() not in (':', '{', ']'):
            self.ident()
        self.eat(':')
        rtype = self.ident()
        props = self.props() if self.peek() == '{' else {}
        self.eat(']')
        return ('rel', rtype, props)

    def path(self):
        self.eat('<')
        steps = [self.node()]
        while not self.try_eat('>'):
            if self.try_eat('<-'):
                rel = self.rel()
                self.eat('-')
                direction = '<-'
            else:
                self.eat('-')
                rel = self.rel()
                self.eat('->')
                direction = '->'
            steps.append((direction, rel, self.node()))
        return ('path', steps)


def parse(text):
    """Returns the normal form of one TCK literal; raises LiteralError if the text is not one."""
    p = _Parser(text)
    v = p.value()
    p.ws()
    if p.i != len(p.s):
        p.fail('unexpected text after the value')
    return v


def _floats_equal(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=FLOAT_REL_TOL, abs_tol=FLOAT_ABS_TOL)


def _maps_equal(a, b, unordered):
    return a.keys() == b.keys() and all(equal(a[k], b[k], unordered) for k in a)


def bags_equal(a, b, eq):
    """Returns whether sequences a and b hold the same items, in any order, under eq."""
    if len(a) != len(b):
        return False
    left = list(b)
    for x in a:
        for j, y in enumerate(left):
            if eq(x, y):
                del left[j]
                break
        else:
            return False
    return True


def equal(a, b, unordered=False):
    """Returns whether two normal-form values match; unordered compares lists as bags."""
    if a[0] != b[0]:
        return False
    kind = a[0]
    if kind == 'float':
        return _floats_equal(a[1], b[1])
    if kind in ('null', 'bool', 'int', 'str'):
        return a == b
    if kind == 'list':
        if unordered:
            return bags_equal(a[1], b[1], lambda x, y: equal(x, y, True))
        return len(a[1]) == len(b[1]) and all(equal(x, y, False) for x, y in zip(a[1], b[1]))
    if kind == 'map':
        return _maps_equal(a[1], b[1], unordered)
    if kind == 'node':
        return a[1] == b[1] and _maps_equal(a[2], b[2], unordered)
    if kind == 'rel':
        return a[1] == b[1] and _maps_equal(a[2], b[2], unordered)
    if kind == 'path':
        sa, sb = a[1], b[1]
        if len(sa) != len(sb) or not equal(sa[0], sb[0], unordered):
            return False
        return all(x[0] == y[0] and equal(x[1], y[1], unordered) and equal(x[2], y[2], unordered)
                   for x, y in zip(sa[1:], sb[1:]))
    raise AssertionError('unknown kind %r' % (kind,))


def to_json(v):
    """Returns the JSON text of a normal-form value, floats always with a '.' or an exponent so
    that they stay floats; raises LiteralError for graph elements and non-finite floats, which
    JSON parameters cannot carry."""
    kind = v[0]
    if kind == 'null':
        return 'null'
    if kind == 'bool':
        return 'true' if v[1] else 'false'
    if kind == 'int':
        return str(v[1])
    if kind == 'float':
        if math.isnan(v[1]) or math.isinf(v[1]):
            raise LiteralError('JSON cannot carry the float %r' % v[1])
        text = repr(v[1])
        return text if any(c in text for c in '.e') else text + '.0'
    if kind == 'str':
        return json.dumps(v[1])
    if kind == 'list':
        return '[' + ', '.join(to_json(x) for x in v[1]) + ']'
    if kind == 'map':
        return '{' + ', '.join(json.dumps(k) + ': ' + to_json(x) for k, x in v[1].items()) + '}'
    raise LiteralError('a %s cannot be a parameter' % kind)


def params_json(params):
    """Returns the JSON object text for a {name: normal-form value} dict of parameters."""
    return to_json(('map', params))
