/* cy_parse.c — Cypher text to syntax tree: a recursive-descent parser over cy_lex.c's tokens. */
#include <stdio.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "query/cypher/cy_lex.h"
#include "util/buf.h"

/* Deepest nesting of expressions and patterns accepted, so the parser's recursion stays well
 * inside the C stack. */
#define CY_MAX_DEPTH 200
/* Tallest expression tree accepted (the evaluator recurses once per level). */
#define CY_MAX_HEIGHT 2000

typedef struct parser {
  cy_ctx *c;
  cy_tok *toks;
  int n, cap, at;
} parser;

static void __attribute__((noreturn)) syntax(parser *p, const char *detail, const char *msg) {
  const cy_tok *t = &p->toks[p->at < p->n ? p->at : p->n - 1];
  cy_compile_err(p->c, detail, "%s at offset %d%s%.*s%s", msg, t->pos,
                 t->t == T_EOF ? " (end of input)" : " near '",
                 t->t == T_EOF ? 0 : (t->end - t->pos > 30 ? 30 : t->end - t->pos),
                 p->c->src + t->pos, t->t == T_EOF ? "" : "'");
}

/* A feature this engine does not have, named (not a syntax error: the query may well be valid). */
static void __attribute__((noreturn)) unsupported(parser *p, const char *feature) {
  cy_fail(p->c, CY_UNSUPPORTED, "compile time", "UnsupportedFeature",
          "%s: not supported here (docs/cypher.md, \"Not supported\"), at offset %d", feature,
          p->toks[p->at < p->n ? p->at : p->n - 1].pos);
}

/* ---- Token helpers ---- */

static cy_tok *peek(parser *p) { return &p->toks[p->at]; }
static cy_tok *peekn(parser *p, int k) {
  int i = p->at + k;
  return &p->toks[i < p->n ? i : p->n - 1];
}
static int is_op(const cy_tok *t, const char *op) { return t->t == T_OP && !strcmp(t->s, op); }
static int is_kw(const cy_tok *t, const char *kw) { return t->t == T_IDENT && !strcasecmp(t->s, kw); }
static int accept_op(parser *p, const char *op) {
  if (!is_op(peek(p), op)) return 0;
  p->at++;
  return 1;
}
static int accept_kw(parser *p, const char *kw) {
  if (!is_kw(peek(p), kw)) return 0;
  p->at++;
  return 1;
}
static void expect_op(parser *p, const char *op) {
  if (!accept_op(p, op)) {
    char m[64];
    snprintf(m, sizeof m, "expected '%s'", op);
    syntax(p, "UnexpectedSyntax", m);
  }
}
static void expect_kw(parser *p, const char *kw) {
  if (!accept_kw(p, kw)) {
    char m[64];
    snprintf(m, sizeof m, "expected %s", kw);
    syntax(p, "UnexpectedSyntax", m);
  }
}

static const char *name(parser *p) {
  cy_tok *t = peek(p);
  if (t->t != T_IDENT && t->t != T_QIDENT) syntax(p, "UnexpectedSyntax", "expected a name");
  p->at++;
  return t->s;
}

/* A symbolic name used as a variable: keywords that start clauses are not variables. */
static const char *var_name(parser *p) {
  static const char *const reserved[] = {"MATCH", "RETURN", "WITH", "WHERE", "CREATE", "MERGE",
                                         "DELETE", "SET", "REMOVE", "UNWIND", "OPTIONAL", "ORDER",
                                         "SKIP", "LIMIT", "UNION", "AS", "DETACH", NULL};
  cy_tok *t = peek(p);
  if (t->t == T_IDENT)
    for (int i = 0; reserved[i]; i++)
      if (!strcasecmp(t->s, reserved[i])) syntax(p, "UnexpectedSyntax", "expected a variable");
  return name(p);
}

static void enter(parser *p) {
  if (++p->c->depth > CY_MAX_DEPTH)
    cy_compile_err(p->c, "UnexpectedSyntax", "the query nests deeper than %d levels", CY_MAX_DEPTH);
}
static void leave(parser *p) { p->c->depth--; }

static cy_expr *mk(parser *p, cy_eop op, int pos) {
  cy_expr *e = cy_alloc(p->c, sizeof *e);
  e->op = op;
  e->pos = pos;
  e->height = 1;
  return e;
}

/* Sets e's height from its operands. Chains like 1 + 1 + ... are built by loops, not by
 * recursion, so the evaluator's recursion is bounded here rather than by enter(). */
static cy_expr *grown(parser *p, cy_expr *e) {
  int h = 0;
  const cy_expr *kids[4] = {e->a, e->b, e->c, e->d};
  for (int i = 0; i < 4; i++)
    if (kids[i] && kids[i]->height > h) h = kids[i]->height;
  e->height = h + 1;
  if (e->height > CY_MAX_HEIGHT)
    cy_compile_err(p->c, "UnexpectedSyntax", "the query nests deeper than %d levels",
                   CY_MAX_HEIGHT);
  return e;
}

typedef struct vec {
  void **v;
  int n, cap;
} vec;

static void vpush(cy_ctx *c, vec *v, void *x) {
  if (v->n == v->cap) {
    int cap = v->cap ? v->cap * 2 : 4;
    void **n = cy_alloc(c, (size_t)cap * sizeof *n);
    if (v->n) memcpy(n, v->v, (size_t)v->n * sizeof *n);
    v->v = n;
    v->cap = cap;
  }
  v->v[v->n++] = x;
}

/* ---- Expressions ---- */

static cy_expr *subquery(parser *p, int pos);
static cy_expr *expr(parser *p);
static cy_pattern *pattern_path(parser *p);

static cy_expr *map_literal(parser *p) {
  int pos = peek(p)->pos;
  expect_op(p, "{");
  vec keys = {0}, vals = {0};
  if (!is_op(peek(p), "}")) do {
      cy_tok *t = peek(p);
      if (t->t != T_IDENT && t->t != T_QIDENT) syntax(p, "UnexpectedSyntax", "expected a map key");
      p->at++;
      vpush(p->c, &keys, (void *)t->s);
      expect_op(p, ":");
      vpush(p->c, &vals, expr(p));
    } while (accept_op(p, ","));
  expect_op(p, "}");
  cy_expr *e = mk(p, E_MAP, pos);
  e->keys = (const char **)keys.v;
  e->args = (cy_expr **)vals.v;
  e->n = keys.n;
  return e;
}

/* Is the '(' at the cursor the start of a relationship pattern rather than an expression? */
static int looks_like_pattern(parser *p) {
  int depth = 0, i = p->at;
  for (; i < p->n; i++) {
    cy_tok *t = &p->toks[i];
    if (t->t == T_EOF) return 0;
    if (is_op(t, "(") || is_op(t, "[") || is_op(t, "{")) depth++;
    else if (is_op(t, ")") || is_op(t, "]") || is_op(t, "}")) {
      if (--depth == 0) break;
    }
  }
  if (i >= p->n - 1) return 0;
  /* The inside must look like a node: (), (n), (n:L ...), (:L ...), (n {..}). */
  cy_tok *a = &p->toks[p->at + 1], *b = &p->toks[p->at + 2];
  int nodeish =
      is_op(a, ")") || is_op(a, ":") ||
      ((a->t == T_IDENT || a->t == T_QIDENT) && (is_op(b, ")") || is_op(b, ":") || is_op(b, "{")));
  if (!nodeish) return 0;
  cy_tok *n1 = &p->toks[i + 1], *n2 = &p->toks[i + 2 < p->n ? i + 2 : p->n - 1];
  if (is_op(n1, "-") && (is_op(n2, "[") || is_op(n2, "-") || is_op(n2, ">") )) return 1;
  if (is_op(n1, "<") && is_op(n2, "-")) return 1;
  return 0;
}

static cy_expr *list_or_comprehension(parser *p) {
  int pos = peek(p)->pos;
  expect_op(p, "[");
  /* [x IN list WHERE pred | expr] */
  cy_tok *a = peek(p), *b = peekn(p, 1);
  if ((a->t == T_IDENT || a->t == T_QIDENT) && is_kw(b, "IN")) {
    cy_expr *e = mk(p, E_LISTCOMP, pos);
    e->name = name(p);
    p->at++;
    e->a = expr(p);
    if (accept_kw(p, "WHERE")) e->b = expr(p);
    if (accept_op(p, "|")) e->c = expr(p);
    expect_op(p, "]");
    return e;
  }
  /* [(a)-->(b) WHERE pred | expr], or with a path variable [p = (a)-->(b) | p] */
  int patcomp = (is_op(a, "(") && looks_like_pattern(p)) ||
                ((a->t == T_IDENT || a->t == T_QIDENT) && is_op(b, "=") && is_op(peekn(p, 2), "("));
  if (patcomp) {
    cy_expr *e = mk(p, E_PATCOMP, pos);
    e->pat = pattern_path(p);
    if (accept_kw(p, "WHERE")) e->b = expr(p);
    expect_op(p, "|");
    e->c = expr(p);
    expect_op(p, "]");
    return e;
  }
  vec items = {0};
  if (!is_op(peek(p), "]")) do vpush(p->c, &items, expr(p));
    while (accept_op(p, ","));
  expect_op(p, "]");
  cy_expr *e = mk(p, E_LIST, pos);
  e->args = (cy_expr **)items.v;
  e->n = items.n;
  return e;
}

static cy_expr *case_expr(parser *p, int pos) {
  cy_expr *e = mk(p, E_CASE, pos);
  if (!is_kw(peek(p), "WHEN")) e->a = expr(p);
  vec wt = {0};
  while (accept_kw(p, "WHEN")) {
    vpush(p->c, &wt, expr(p));
    expect_kw(p, "THEN");
    vpush(p->c, &wt, expr(p));
  }
  if (!wt.n) syntax(p, "UnexpectedSyntax", "CASE needs at least one WHEN");
  if (accept_kw(p, "ELSE")) e->b = expr(p);
  expect_kw(p, "END");
  e->args = (cy_expr **)wt.v;
  e->n = wt.n;
  return e;
}

static cy_expr *function_call(parser *p, const char *fname, int pos) {
  expect_op(p, "(");
  cy_expr *e;
  if (!strcasecmp(fname, "count") && is_op(peek(p), "*")) {
    p->at++;
    expect_op(p, ")");
    return mk(p, E_COUNT_STAR, pos);
  }
  static const char *const quants[] = {"any", "all", "none", "single"};
  static const cy_eop qops[] = {E_ANY, E_ALL, E_NONE, E_SINGLE};
  for (int k = 0; k < 4; k++)
    if (!strcasecmp(fname, quants[k]) && (peek(p)->t == T_IDENT || peek(p)->t == T_QIDENT) &&
        is_kw(peekn(p, 1), "IN")) {
      e = mk(p, qops[k], pos);
      e->name = name(p);
      p->at++;
      e->a = expr(p);
      if (accept_kw(p, "WHERE")) e->b = expr(p);
      else syntax(p, "UnexpectedSyntax", "expected WHERE");
      expect_op(p, ")");
      return e;
    }
  if (!strcasecmp(fname, "reduce")) {
    e = mk(p, E_REDUCE, pos);
    e->keys = cy_alloc(p->c, sizeof *e->keys);
    e->keys[0] = var_name(p);
    expect_op(p, "=");
    e->a = expr(p);
    expect_op(p, ",");
    e->name = var_name(p);
    expect_kw(p, "IN");
    e->b = expr(p);
    expect_op(p, "|");
    e->c = expr(p);
    expect_op(p, ")");
    return e;
  }
  if (!strcasecmp(fname, "exists") && is_op(peek(p), "(") && looks_like_pattern(p)) {
    e = mk(p, E_PATTERN, pos);
    e->distinct = 1; /* an explicit exists(): allowed anywhere, not only as a predicate */
    e->pat = pattern_path(p);
    expect_op(p, ")");
    return e;
  }
  e = mk(p, E_FUNC, pos);
  e->name = fname;
  if (accept_kw(p, "DISTINCT")) e->distinct = 1;
  vec args = {0};
  if (!is_op(peek(p), ")")) do vpush(p->c, &args, expr(p));
    while (accept_op(p, ","));
  expect_op(p, ")");
  e->args = (cy_expr **)args.v;
  e->n = args.n;
  return e;
}

static cy_expr *atom(parser *p) {
  cy_tok *t = peek(p);
  int pos = t->pos;
  cy_expr *e;
  switch (t->t) {
  case T_INT:
    if (t->f) cy_compile_err(p->c, "IntegerOverflow", "integer literal is too large");
    p->at++;
    e = mk(p, E_LIT, pos);
    e->lit = cy_int(t->i);
    return e;
  case T_FLOAT:
    p->at++;
    e = mk(p, E_LIT, pos);
    e->lit = cy_float(t->f);
    return e;
  case T_STR:
    p->at++;
    e = mk(p, E_LIT, pos);
    e->lit = cy_str(t->s);
    return e;
  case T_BADNUM:
    cy_compile_err(p->c, "InvalidNumberLiteral", "invalid number '%s' at offset %d", t->s, pos);
  case T_PARAM:
    p->at++;
    e = mk(p, E_PARAM, pos);
    e->name = t->s;
    return e;
  case T_OP:
    if (is_op(t, "[")) return list_or_comprehension(p);
    if (is_op(t, "{")) return map_literal(p);
    if (is_op(t, "(")) {
      if (looks_like_pattern(p)) {
        e = mk(p, E_PATTERN, pos);
        e->pat = pattern_path(p);
        return e;
      }
      p->at++;
      e = expr(p);
      expect_op(p, ")");
      return e;
    }
    syntax(p, "UnexpectedSyntax", "expected an expression");
  case T_QIDENT:
    p->at++;
    e = mk(p, E_VAR, pos);
    e->name = t->s;
    return e;
  case T_IDENT:
    break;
  default: syntax(p, "UnexpectedSyntax", "expected an expression");
  }
  if (is_kw(t, "true") || is_kw(t, "false")) {
    p->at++;
    e = mk(p, E_LIT, pos);
    e->lit = cy_bool(is_kw(t, "true"));
    return e;
  }
  if (is_kw(t, "null")) {
    p->at++;
    return mk(p, E_LIT, pos);
  }
  if (is_kw(t, "CASE")) {
    p->at++;
    return case_expr(p, pos);
  }
  if ((is_kw(t, "EXISTS") || is_kw(t, "COUNT") || is_kw(t, "COLLECT")) &&
      is_op(peekn(p, 1), "{"))
    return subquery(p, pos);
  /* A function name may have a namespace: a.b.c(...) */
  int k = 0;
  while (is_op(peekn(p, 2 * k + 1), ".") &&
         (peekn(p, 2 * k + 2)->t == T_IDENT || peekn(p, 2 * k + 2)->t == T_QIDENT))
    k++;
  for (int j = k; j >= 0; j--) {
    if (!is_op(peekn(p, 2 * j + 1), "(")) continue;
    ut_buf *b = cy_buf_hold(p->c);
    for (int q = 0; q <= j; q++) {
      if (q) ut_buf_put_u8(b, '.');
      ut_buf_puts(b, peekn(p, 2 * q)->s);
    }
    const char *fname = cy_buf_take(p->c, b);
    p->at += 2 * j + 1;
    return function_call(p, fname, pos);
  }
  p->at++;
  e = mk(p, E_VAR, pos);
  e->name = t->s;
  return e;
}

/* Map projection: var{.key, key: expr, var2, .*} */
static cy_expr *map_projection(parser *p, cy_expr *base) {
  cy_expr *e = mk(p, E_MAPPROJ, base->pos);
  e->a = base;
  expect_op(p, "{");
  vec keys = {0}, vals = {0};
  if (!is_op(peek(p), "}")) do {
      if (accept_op(p, ".")) {
        if (accept_op(p, "*")) {
          vpush(p->c, &keys, "*");
          vpush(p->c, &vals, NULL);
        } else {
          const char *k = name(p);
          cy_expr *v = mk(p, E_PROP, base->pos);
          v->a = base;
          v->name = k;
          vpush(p->c, &keys, (void *)k);
          vpush(p->c, &vals, v);
        }
      } else if (is_op(peekn(p, 1), ":")) {
        vpush(p->c, &keys, (void *)name(p));
        p->at++;
        vpush(p->c, &vals, expr(p));
      } else {
        int vpos = peek(p)->pos;
        const char *k = var_name(p);
        cy_expr *v = mk(p, E_VAR, vpos);
        v->name = k;
        vpush(p->c, &keys, (void *)k);
        vpush(p->c, &vals, v);
      }
    } while (accept_op(p, ","));
  expect_op(p, "}");
  e->keys = (const char **)keys.v;
  e->args = (cy_expr **)vals.v;
  e->n = keys.n;
  return e;
}

static cy_expr *postfix(parser *p) {
  cy_expr *e = atom(p);
  for (;;) {
    cy_tok *t = peek(p);
    if (is_op(t, ".")) {
      p->at++;
      cy_expr *x = mk(p, E_PROP, e->pos);
      x->a = e;
      x->name = name(p);
      e = grown(p, x);
    } else if (is_op(t, "[")) {
      p->at++;
      cy_expr *from = NULL, *to = NULL;
      if (!is_op(peek(p), "..")) from = expr(p);
      if (accept_op(p, "..")) {
        if (!is_op(peek(p), "]")) to = expr(p);
        cy_expr *x = mk(p, E_SLICE, e->pos);
        x->a = e;
        x->b = from;
        x->c = to;
        e = grown(p, x);
      } else {
        if (!from) syntax(p, "UnexpectedSyntax", "expected an index");
        cy_expr *x = mk(p, E_INDEX, e->pos);
        x->a = e;
        x->b = from;
        e = grown(p, x);
      }
      expect_op(p, "]");
    } else if (is_op(t, ":") && (e->op == E_VAR || e->op == E_PROP || e->op == E_INDEX)) {
      vec labels = {0};
      while (accept_op(p, ":")) vpush(p->c, &labels, (void *)name(p));
      cy_expr *x = mk(p, E_HASLABELS, e->pos);
      x->a = e;
      x->keys = (const char **)labels.v;
      x->n = labels.n;
      e = x;
    } else if (is_op(t, "{") && e->op == E_VAR) {
      e = map_projection(p, e);
    } else {
      return e;
    }
  }
}

static cy_expr *unary(parser *p) {
  cy_tok *t = peek(p);
  if (is_op(t, "-") || is_op(t, "+")) {
    p->at++;
    enter(p);
    /* -9223372036854775808 is the one literal that exists only negated. */
    cy_tok *n = peek(p);
    if (is_op(t, "-") && n->t == T_INT && n->f) {
      p->at++;
      cy_expr *e = mk(p, E_LIT, t->pos);
      e->lit = cy_int(INT64_MIN);
      leave(p);
      return e;
    }
    cy_expr *a = unary(p);
    leave(p);
    if (is_op(t, "+")) return a;
    if (a->op == E_LIT && a->lit.k == CV_INT && a->lit.i != INT64_MIN) {
      a->lit.i = -a->lit.i;
      a->pos = t->pos;
      return a;
    }
    if (a->op == E_LIT && a->lit.k == CV_FLOAT) {
      a->lit.f = -a->lit.f;
      a->pos = t->pos;
      return a;
    }
    cy_expr *e = mk(p, E_NEG, t->pos);
    e->a = a;
    return e;
  }
  return postfix(p);
}

static cy_expr *binary(parser *p, cy_eop op, cy_expr *a, cy_expr *b) {
  cy_expr *e = mk(p, op, a->pos);
  e->a = a;
  e->b = b;
  return grown(p, e);
}

static cy_expr *power(parser *p) {
  cy_expr *e = unary(p);
  while (accept_op(p, "^")) e = binary(p, E_POW, e, unary(p));
  return e;
}

static cy_expr *mult(parser *p) {
  cy_expr *e = power(p);
  for (;;) {
    if (accept_op(p, "*")) e = binary(p, E_MUL, e, power(p));
    else if (accept_op(p, "/")) e = binary(p, E_DIV, e, power(p));
    else if (accept_op(p, "%")) e = binary(p, E_MOD, e, power(p));
    else return e;
  }
}

static cy_expr *add(parser *p) {
  cy_expr *e = mult(p);
  for (;;) {
    if (accept_op(p, "+")) e = binary(p, E_ADD, e, mult(p));
    else if (accept_op(p, "-")) e = binary(p, E_SUB, e, mult(p));
    else return e;
  }
}

/* STARTS WITH, ENDS WITH, CONTAINS, IN, =~, IS [NOT] NULL */
static cy_expr *strlist(parser *p) {
  cy_expr *e = add(p);
  for (;;) {
    if (is_kw(peek(p), "STARTS") && is_kw(peekn(p, 1), "WITH")) {
      p->at += 2;
      e = binary(p, E_STARTS, e, add(p));
    } else if (is_kw(peek(p), "ENDS") && is_kw(peekn(p, 1), "WITH")) {
      p->at += 2;
      e = binary(p, E_ENDS, e, add(p));
    } else if (accept_kw(p, "CONTAINS")) {
      e = binary(p, E_CONTAINS, e, add(p));
    } else if (accept_kw(p, "IN")) {
      e = binary(p, E_IN, e, add(p));
    } else if (accept_op(p, "=~")) {
      e = binary(p, E_REGEX, e, add(p));
    } else if (is_kw(peek(p), "IS")) {
      p->at++;
      int neg = accept_kw(p, "NOT");
      expect_kw(p, "NULL");
      cy_expr *x = mk(p, neg ? E_NOTNULL : E_ISNULL, e->pos);
      x->a = e;
      e = x;
    } else {
      return e;
    }
  }
}

static cy_expr *comparison(parser *p) {
  cy_expr *e = strlist(p);
  cy_expr *chain = NULL, *prev = e;
  for (;;) {
    cy_tok *t = peek(p);
    cy_eop op;
    if (is_op(t, "=")) op = E_EQ;
    else if (is_op(t, "<>") || is_op(t, "!=")) op = E_NE;
    else if (is_op(t, "<")) op = E_LT;
    else if (is_op(t, ">")) op = E_GT;
    else if (is_op(t, "<=")) op = E_LE;
    else if (is_op(t, ">=")) op = E_GE;
    else break;
    p->at++;
    cy_expr *rhs = strlist(p);
    cy_expr *cmp = binary(p, op, prev, rhs);
    /* a < b < c means a < b AND b < c */
    chain = chain ? binary(p, E_AND, chain, cmp) : cmp;
    prev = rhs;
  }
  return chain ? chain : e;
}

static cy_expr *not_expr(parser *p) {
  if (is_kw(peek(p), "NOT")) {
    int pos = peek(p)->pos;
    p->at++;
    enter(p);
    cy_expr *e = mk(p, E_NOT, pos);
    e->a = not_expr(p);
    leave(p);
    return e;
  }
  return comparison(p);
}

static cy_expr *and_expr(parser *p) {
  cy_expr *e = not_expr(p);
  while (accept_kw(p, "AND")) e = binary(p, E_AND, e, not_expr(p));
  return e;
}

static cy_expr *xor_expr(parser *p) {
  cy_expr *e = and_expr(p);
  while (accept_kw(p, "XOR")) e = binary(p, E_XOR, e, and_expr(p));
  return e;
}

static cy_expr *expr(parser *p) {
  enter(p);
  cy_expr *e = xor_expr(p);
  while (accept_kw(p, "OR")) e = binary(p, E_OR, e, xor_expr(p));
  leave(p);
  return e;
}

/* ---- Patterns ---- */

static cy_expr *props_opt(parser *p) {
  if (is_op(peek(p), "{")) return map_literal(p);
  if (peek(p)->t == T_PARAM) return atom(p);
  return NULL;
}

static void node_pattern(parser *p, cy_pnode *n) {
  expect_op(p, "(");
  cy_tok *t = peek(p);
  if (t->t == T_IDENT || t->t == T_QIDENT) n->var = var_name(p);
  vec labels = {0};
  while (accept_op(p, ":")) vpush(p->c, &labels, (void *)name(p));
  n->labels = (const char **)labels.v;
  n->nlabels = labels.n;
  n->props = props_opt(p);
  expect_op(p, ")");
}

static int64_t range_int(parser *p) {
  cy_tok *t = peek(p);
  if (t->t != T_INT) syntax(p, "UnexpectedSyntax", "expected a whole number");
  p->at++;
  return t->i;
}

static void rel_pattern(parser *p, cy_prel *r) {
  int left = 0, right = 0;
  if (accept_op(p, "<")) left = 1;
  expect_op(p, "-");
  if (accept_op(p, "[")) {
    cy_tok *t = peek(p);
    if (t->t == T_IDENT || t->t == T_QIDENT) r->var = var_name(p);
    vec types = {0};
    if (accept_op(p, ":")) {
      vpush(p->c, &types, (void *)name(p));
      while (accept_op(p, "|")) {
        accept_op(p, ":");
        vpush(p->c, &types, (void *)name(p));
      }
    }
    r->types = (const char **)types.v;
    r->ntypes = types.n;
    if (is_op(peek(p), ".."))
      syntax(p, "InvalidRelationshipPattern", "a length range needs '*' before it");
    if (accept_op(p, "*")) {
      if (is_op(peek(p), "-"))
        syntax(p, "InvalidRelationshipPattern", "a length cannot be negative");
      r->varlen = 1;
      r->min = 1;
      r->max = -1;
      if (peek(p)->t == T_INT) {
        r->min = (int)range_int(p);
        r->max = r->min;
      }
      if (accept_op(p, "..")) {
        r->max = -1;
        if (peek(p)->t == T_INT) r->max = (int)range_int(p);
      }
    }
    r->props = props_opt(p);
    expect_op(p, "]");
  }
  expect_op(p, "-");
  if (accept_op(p, ">")) right = 1;
  r->dir = left && right ? CY_BOTH : left ? CY_IN : right ? CY_OUT : CY_BOTH;
}

static cy_pattern *chain(parser *p, const char *pathvar) {
  enter(p);
  cy_pattern *pt = cy_alloc(p->c, sizeof *pt);
  pt->pathvar = pathvar;
  int cap = 4;
  pt->nodes = cy_alloc(p->c, (size_t)cap * sizeof *pt->nodes);
  pt->rels = cy_alloc(p->c, (size_t)cap * sizeof *pt->rels);
  node_pattern(p, &pt->nodes[0]);
  while (is_op(peek(p), "-") || (is_op(peek(p), "<") && is_op(peekn(p, 1), "-"))) {
    if (pt->nrels + 2 > cap) {
      cap *= 2;
      cy_pnode *nn = cy_alloc(p->c, (size_t)cap * sizeof *nn);
      cy_prel *nr = cy_alloc(p->c, (size_t)cap * sizeof *nr);
      memcpy(nn, pt->nodes, (size_t)(pt->nrels + 1) * sizeof *nn);
      memcpy(nr, pt->rels, (size_t)pt->nrels * sizeof *nr);
      pt->nodes = nn;
      pt->rels = nr;
    }
    rel_pattern(p, &pt->rels[pt->nrels]);
    node_pattern(p, &pt->nodes[pt->nrels + 1]);
    pt->nrels++;
  }
  leave(p);
  return pt;
}

static cy_pattern *pattern_path(parser *p) {
  const char *pathvar = NULL;
  cy_tok *t = peek(p);
  if ((t->t == T_IDENT || t->t == T_QIDENT) && is_op(peekn(p, 1), "=")) {
    pathvar = var_name(p);
    p->at++;
  }
  t = peek(p);
  if (t->t == T_IDENT &&
      (!strcasecmp(t->s, "shortestPath") || !strcasecmp(t->s, "allShortestPaths"))) {
    int kind = !strcasecmp(t->s, "shortestPath") ? 1 : 2;
    p->at++;
    expect_op(p, "(");
    cy_pattern *pt = chain(p, pathvar);
    expect_op(p, ")");
    pt->shortest = kind;
    return pt;
  }
  if (!is_op(t, "(")) syntax(p, "UnexpectedSyntax", "expected a pattern");
  return chain(p, pathvar);
}

static cy_pattern **pattern_list(parser *p, int *n) {
  vec v = {0};
  do vpush(p->c, &v, pattern_path(p));
  while (accept_op(p, ","));
  *n = v.n;
  return (cy_pattern **)v.v;
}

/* ---- Clauses ---- */

/* The text of an expression as written, for a column name: tokens from..to-1. */
static const char *source_text(parser *p, int from, int to) {
  int a = p->toks[from].pos, b = p->toks[to - 1].end;
  return cy_strndup(p->c, p->c->src + a, (size_t)(b - a));
}

static void projection(parser *p, cy_proj *pr, int is_with) {
  if (accept_kw(p, "DISTINCT")) pr->distinct = 1;
  vec items = {0};
  if (accept_op(p, "*")) {
    pr->star = 1;
    if (!accept_op(p, ",")) goto tail;
  }
  do {
    cy_item *it = cy_alloc(p->c, sizeof *it);
    int from = p->at;
    it->e = expr(p);
    if (accept_kw(p, "AS")) {
      it->alias = var_name(p);
      it->aliased = 1;
    } else {
      it->alias = source_text(p, from, p->at);
    }
    vpush(p->c, &items, it);
  } while (accept_op(p, ","));
tail:
  pr->nitems = items.n;
  pr->items = cy_alloc(p->c, (size_t)(items.n ? items.n : 1) * sizeof *pr->items);
  for (int i = 0; i < items.n; i++) pr->items[i] = *(cy_item *)items.v[i];
  if (is_kw(peek(p), "ORDER")) {
    p->at++;
    expect_kw(p, "BY");
    vec sorts = {0};
    do {
      cy_sort *s = cy_alloc(p->c, sizeof *s);
      s->e = expr(p);
      if (accept_kw(p, "DESC") || accept_kw(p, "DESCENDING")) s->desc = 1;
      else if (!accept_kw(p, "ASC")) accept_kw(p, "ASCENDING");
      vpush(p->c, &sorts, s);
    } while (accept_op(p, ","));
    pr->norder = sorts.n;
    pr->order = cy_alloc(p->c, (size_t)sorts.n * sizeof *pr->order);
    for (int i = 0; i < sorts.n; i++) pr->order[i] = *(cy_sort *)sorts.v[i];
  }
  if (accept_kw(p, "SKIP")) pr->skip = expr(p);
  if (accept_kw(p, "LIMIT")) pr->limit = expr(p);
  if (is_with && accept_kw(p, "WHERE")) pr->where = expr(p);
}

static void set_items(parser *p, cy_clause *cl, vec *out, int remove) {
  do {
    cy_setitem *s = cy_alloc(p->c, sizeof *s);
    int pos = peek(p)->pos;
    if ((peek(p)->t == T_IDENT || peek(p)->t == T_QIDENT) && is_op(peekn(p, 1), ":")) {
      s->kind = SI_LABELS;
      s->var = var_name(p);
      vec labels = {0};
      while (accept_op(p, ":")) vpush(p->c, &labels, (void *)name(p));
      s->labels = (const char **)labels.v;
      s->nlabels = labels.n;
    } else if (!remove && (peek(p)->t == T_IDENT || peek(p)->t == T_QIDENT) &&
               (is_op(peekn(p, 1), "=") || is_op(peekn(p, 1), "+="))) {
      s->var = var_name(p);
      s->kind = accept_op(p, "=") ? SI_ASSIGN : (p->at++, SI_MERGE);
      s->value = expr(p);
    } else {
      cy_expr *t = postfix(p);
      if (t->op != E_PROP)
        cy_compile_err(p->c, "UnexpectedSyntax", "expected a property at offset %d", pos);
      s->kind = SI_PROP;
      s->target = t;
      if (!remove) {
        expect_op(p, "=");
        s->value = expr(p);
      }
    }
    vpush(p->c, out, s);
  } while (accept_op(p, ","));
  (void)cl;
}

static cy_setitem *flatten_sets(parser *p, vec *v) {
  cy_setitem *s = cy_alloc(p->c, (size_t)(v->n ? v->n : 1) * sizeof *s);
  for (int i = 0; i < v->n; i++) s[i] = *(cy_setitem *)v->v[i];
  return s;
}

/* ---- Indexes and constraints ---- */

/* FOR (var:Label) ON (var.prop), or the older ON :Label(prop), into s; REQUIRE var.prop IS UNIQUE
 * for a constraint (or the older ASSERT). */
static void schema_target(parser *p, cy_schema *s) {
  if (!s->constraint && accept_kw(p, "ON")) {
    expect_op(p, ":");
    s->label = name(p);
    expect_op(p, "(");
    s->prop = name(p);
    if (accept_op(p, ",")) unsupported(p, "indexes on more than one property");
    expect_op(p, ")");
    return;
  }
  expect_kw(p, "FOR");
  expect_op(p, "(");
  if (is_op(peek(p), ")")) unsupported(p, "relationship indexes and constraints");
  const char *var = var_name(p);
  expect_op(p, ":");
  s->label = name(p);
  expect_op(p, ")");
  if (is_op(peek(p), "-") || is_op(peek(p), "<"))
    unsupported(p, "relationship indexes and constraints");
  int paren = 0;
  if (s->constraint) {
    if (!accept_kw(p, "REQUIRE")) expect_kw(p, "ASSERT");
    paren = accept_op(p, "(");
  } else {
    expect_kw(p, "ON");
    expect_op(p, "(");
    paren = 1;
  }
  if (strcmp(name(p), var)) syntax(p, "UnexpectedSyntax", "expected the pattern's variable");
  expect_op(p, ".");
  s->prop = name(p);
  if (accept_op(p, ",")) unsupported(p, "indexes and constraints on more than one property");
  if (paren) expect_op(p, ")");
  if (s->constraint) {
    expect_kw(p, "IS");
    if (!accept_kw(p, "UNIQUE"))
      unsupported(p, "constraints other than IS UNIQUE (NODE KEY, NOT NULL, property types)");
  }
  if (is_kw(peek(p), "OPTIONS")) unsupported(p, "OPTIONS of an index or constraint");
}

/* CREATE [RANGE] INDEX, CREATE CONSTRAINT, DROP INDEX|CONSTRAINT, SHOW INDEXES|CONSTRAINTS:
 * the next tokens are one of them (schema_next). */
static cy_schema *schema_command(parser *p) {
  cy_schema *s = cy_alloc(p->c, sizeof *s);
  if (accept_kw(p, "SHOW")) {
    s->op = CS_SHOW;
    static const char *const kinds[] = {"ALL", "RANGE", "UNIQUE", "UNIQUENESS", NULL};
    for (int i = 0; kinds[i]; i++)
      if (accept_kw(p, kinds[i])) break;
    cy_tok *t = peek(p);
    s->constraint = is_kw(t, "CONSTRAINT") || is_kw(t, "CONSTRAINTS");
    if (!s->constraint && !is_kw(t, "INDEX") && !is_kw(t, "INDEXES"))
      unsupported(p, "SHOW commands other than SHOW INDEXES and SHOW CONSTRAINTS");
    p->at++;
    if (is_kw(peek(p), "YIELD") || is_kw(peek(p), "WHERE"))
      unsupported(p, "SHOW ... YIELD or WHERE");
    return s;
  }
  s->op = accept_kw(p, "DROP") ? CS_DROP : CS_CREATE;
  if (s->op == CS_CREATE) {
    expect_kw(p, "CREATE");
    if (is_kw(peek(p), "OR")) unsupported(p, "CREATE OR REPLACE");
    accept_kw(p, "RANGE");
    cy_tok *t = peek(p);
    if (!is_kw(t, "INDEX") && !is_kw(t, "CONSTRAINT"))
      unsupported(p, "indexes other than range indexes (TEXT, POINT, FULLTEXT, LOOKUP, VECTOR)");
  }
  s->constraint = accept_kw(p, "CONSTRAINT");
  if (!s->constraint) expect_kw(p, "INDEX");
  cy_tok *t = peek(p);
  if ((t->t == T_IDENT || t->t == T_QIDENT) && !is_kw(t, "IF") && !is_kw(t, "FOR") &&
      !is_kw(t, "ON"))
    s->name = name(p);
  else if (s->op == CS_DROP)
    syntax(p, "UnexpectedSyntax", "expected the name of the index or constraint");
  if (accept_kw(p, "IF")) {
    if (s->op == CS_CREATE) expect_kw(p, "NOT");
    expect_kw(p, "EXISTS");
    s->if_exists = 1;
  }
  if (s->op == CS_CREATE) schema_target(p, s);
  return s;
}

/* 1 when the next tokens start a command of schema_command. */
static int schema_next(parser *p) {
  cy_tok *t = peek(p), *t1 = peekn(p, 1);
  if (is_kw(t, "SHOW")) return 1;
  if (is_kw(t, "DROP")) return is_kw(t1, "INDEX") || is_kw(t1, "CONSTRAINT");
  return is_kw(t, "CREATE") && (is_kw(t1, "INDEX") || is_kw(t1, "CONSTRAINT") ||
                                is_kw(peekn(p, 2), "INDEX") || is_kw(t1, "OR"));
}

static cy_query *clause_list(parser *p);
static cy_query *union_query(parser *p);

/* 1 for the clauses that only write: what FOREACH may hold. */
static int is_update(cy_ckind k) {
  return k == C_CREATE || k == C_MERGE || k == C_SET || k == C_REMOVE || k == C_DELETE ||
         k == C_FOREACH;
}

static int clause(parser *p, cy_clause *cl) {
  cy_tok *t = peek(p);
  cl->pos = t->pos;
  if (is_kw(t, "OPTIONAL") || is_kw(t, "MATCH")) {
    if (accept_kw(p, "OPTIONAL")) cl->optional = 1;
    expect_kw(p, "MATCH");
    cl->k = C_MATCH;
    cl->pats = pattern_list(p, &cl->npats);
    if (accept_kw(p, "WHERE")) cl->where = expr(p);
  } else if (accept_kw(p, "UNWIND")) {
    cl->k = C_UNWIND;
    cl->expr = expr(p);
    expect_kw(p, "AS");
    cl->var = var_name(p);
  } else if (accept_kw(p, "WITH")) {
    cl->k = C_WITH;
    projection(p, &cl->proj, 1);
  } else if (accept_kw(p, "RETURN")) {
    cl->k = C_RETURN;
    projection(p, &cl->proj, 0);
  } else if (schema_next(p)) {
    cl->k = C_SCHEMA;
    cl->schema = schema_command(p);
  } else if (accept_kw(p, "CREATE")) {
    cl->k = C_CREATE;
    cl->pats = pattern_list(p, &cl->npats);
  } else if (accept_kw(p, "MERGE")) {
    cl->k = C_MERGE;
    cl->npats = 1;
    cl->pats = cy_alloc(p->c, sizeof *cl->pats);
    cl->pats[0] = pattern_path(p);
    vec on_create = {0}, on_match = {0};
    while (is_kw(peek(p), "ON")) {
      p->at++;
      int create = accept_kw(p, "CREATE");
      if (!create) expect_kw(p, "MATCH");
      expect_kw(p, "SET");
      set_items(p, cl, create ? &on_create : &on_match, 0);
    }
    for (int i = 0; i < on_match.n; i++) vpush(p->c, &on_create, on_match.v[i]);
    cl->ncreate_sets = on_create.n - on_match.n;
    cl->nsets = on_create.n;
    cl->sets = flatten_sets(p, &on_create);
  } else if (accept_kw(p, "SET")) {
    cl->k = C_SET;
    vec v = {0};
    set_items(p, cl, &v, 0);
    cl->nsets = v.n;
    cl->sets = flatten_sets(p, &v);
  } else if (accept_kw(p, "REMOVE")) {
    cl->k = C_REMOVE;
    vec v = {0};
    set_items(p, cl, &v, 1);
    cl->nsets = v.n;
    cl->sets = flatten_sets(p, &v);
  } else if (is_kw(t, "DETACH") || is_kw(t, "DELETE")) {
    if (accept_kw(p, "DETACH")) cl->detach = 1;
    expect_kw(p, "DELETE");
    cl->k = C_DELETE;
    vec v = {0};
    do vpush(p->c, &v, expr(p));
    while (accept_op(p, ","));
    cl->exprs = (cy_expr **)v.v;
    cl->nexprs = v.n;
  } else if (accept_kw(p, "FOREACH")) {
    cl->k = C_FOREACH;
    expect_op(p, "(");
    cl->var = var_name(p);
    expect_kw(p, "IN");
    cl->expr = expr(p);
    expect_op(p, "|");
    int at = peek(p)->pos;
    cl->body = clause_list(p);
    int bad = !cl->body->ncl;
    for (int i = 0; i < cl->body->ncl && !bad; i++)
      if (!is_update(cl->body->cl[i].k)) {
        bad = 1;
        at = cl->body->cl[i].pos;
      }
    if (bad)
      cy_compile_err(p->c, "InvalidClauseComposition",
                     "FOREACH holds only CREATE, MERGE, SET, REMOVE, DELETE and FOREACH "
                     "clauses, at offset %d", at);
    expect_op(p, ")");
  } else if (is_kw(t, "CALL") && is_op(peekn(p, 1), "{")) {
    p->at += 2;
    cl->k = C_SUBQUERY;
    cl->body = union_query(p);
    expect_op(p, "}");
    if (is_kw(peek(p), "IN") && is_kw(peekn(p, 1), "TRANSACTIONS"))
      unsupported(p, "CALL { } IN TRANSACTIONS");
  } else if (accept_kw(p, "CALL")) {
    cl->k = C_CALL;
    int from = p->at;
    name(p);
    while (accept_op(p, ".")) name(p);
    cl->proc = source_text(p, from, p->at);
    if (accept_op(p, "(")) {
      vec v = {0};
      if (!is_op(peek(p), ")")) do vpush(p->c, &v, expr(p));
        while (accept_op(p, ","));
      expect_op(p, ")");
      cl->exprs = (cy_expr **)v.v;
      cl->nexprs = v.n;
    } else {
      cl->implicit_args = 1;
    }
    if (accept_kw(p, "YIELD") && !(cl->yield_all = accept_op(p, "*"))) {
      vec v = {0}, as = {0};
      do {
        const char *out = var_name(p);
        vpush(p->c, &v, (void *)out);
        vpush(p->c, &as, (void *)(accept_kw(p, "AS") ? var_name(p) : out));
      } while (accept_op(p, ","));
      cl->yields = (const char **)v.v;
      cl->yield_vars = (const char **)as.v;
      cl->nyields = v.n;
      if (accept_kw(p, "WHERE")) cl->where = expr(p);
    }
  } else if (is_kw(t, "LOAD") && is_kw(peekn(p, 1), "CSV")) {
    p->at += 2;
    cl->k = C_LOADCSV;
    if (accept_kw(p, "WITH")) {
      expect_kw(p, "HEADERS");
      cl->headers = 1;
    }
    expect_kw(p, "FROM");
    cl->expr = expr(p);
    expect_kw(p, "AS");
    cl->var = var_name(p);
    cl->fieldterm = ',';
    if (accept_kw(p, "FIELDTERMINATOR")) {
      cy_tok *ft = peek(p);
      if (ft->t != T_STR || strlen(ft->s) != 1)
        syntax(p, "UnexpectedSyntax", "FIELDTERMINATOR takes a string of one character");
      cl->fieldterm = ft->s[0];
      p->at++;
    }
  } else if (is_kw(t, "USE")) {
    unsupported(p, "USE (other databases)");
  } else {
    return 0;
  }
  return 1;
}

/* The clauses from here to the first token that starts none (possibly none at all). */
static cy_query *clause_list(parser *p) {
  cy_query *q = cy_alloc(p->c, sizeof *q);
  vec v = {0};
  for (;;) {
    cy_clause *cl = cy_alloc(p->c, sizeof *cl);
    if (!clause(p, cl)) break;
    vpush(p->c, &v, cl);
  }
  q->ncl = v.n;
  q->cl = cy_alloc(p->c, (size_t)(v.n ? v.n : 1) * sizeof *q->cl);
  for (int i = 0; i < v.n; i++) q->cl[i] = *(cy_clause *)v.v[i];
  return q;
}

static cy_query *single_query(parser *p) {
  cy_query *q = clause_list(p);
  if (!q->ncl) syntax(p, "UnexpectedSyntax", "expected a clause (MATCH, RETURN, CREATE, ...)");
  return q;
}

/* EXISTS, COUNT or COLLECT { ... } (the keyword is next): a query inside, or a pattern list with
 * an optional WHERE, which is a MATCH of them. */
static cy_expr *subquery(parser *p, int pos) {
  cy_expr *e = mk(p, E_SUBQUERY, pos);
  e->name = is_kw(peek(p), "EXISTS") ? "EXISTS" : is_kw(peek(p), "COUNT") ? "COUNT" : "COLLECT";
  p->at += 2;
  cy_tok *t = peek(p);
  if (is_kw(t, "MATCH") || is_kw(t, "OPTIONAL") || is_kw(t, "UNWIND") || is_kw(t, "WITH") ||
      is_kw(t, "RETURN") || is_kw(t, "CALL")) {
    e->sub = union_query(p);
  } else {
    cy_query *q = cy_alloc(p->c, sizeof *q);
    q->ncl = 1;
    q->cl = cy_alloc(p->c, sizeof *q->cl);
    q->cl->k = C_MATCH;
    q->cl->pos = t->pos;
    q->cl->pats = pattern_list(p, &q->cl->npats);
    if (accept_kw(p, "WHERE")) q->cl->where = expr(p);
    e->sub = q;
  }
  expect_op(p, "}");
  return e;
}

/* A query with its UNION parts. */
static cy_query *union_query(parser *p) {
  cy_query *q = single_query(p), *last = q;
  while (accept_kw(p, "UNION")) {
    last->union_all = accept_kw(p, "ALL");
    last->next = single_query(p);
    last = last->next;
  }
  return q;
}

cy_query *cy_parse(cy_ctx *c, const char *src, size_t len) {
  parser p = {.c = c};
  c->src = src;
  c->srclen = len;
  p.n = p.cap = cy_tokenize(c, src, len, &p.toks);
  cy_query *q = union_query(&p);
  accept_op(&p, ";");
  if (peek(&p)->t != T_EOF) syntax(&p, "UnexpectedSyntax", "unexpected text");
  return q;
}
