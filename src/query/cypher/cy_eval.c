/* cy_eval.c — evaluating expressions: operators, null logic, lists, maps, CASE, comprehensions. */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"

const cy_val *cy_env_get(const cy_env *env, const char *name) {
  for (const cy_env *e = env; e; e = e->up) {
    if (e->local) {
      if (!strcmp(e->local, name)) return &e->localval;
      continue;
    }
    if (e->t)
      for (int i = e->t->ncols - 1; i >= 0; i--)
        if (!strcmp(e->t->cols[i], name)) return &e->row[i];
  }
  return NULL;
}

int cy_truth(cy_ctx *c, cy_val v) {
  if (v.k == CV_NULL) return -1;
  if (v.k != CV_BOOL) cy_type_err(c, "expected a Boolean but got a %s", cy_kind_name(v.k));
  return v.b;
}

static cy_val tri(int t) { return t < 0 ? cy_null : cy_bool(t); }

static void __attribute__((noreturn)) overflow(cy_ctx *c) {
  cy_fail(c, "ArithmeticError", "runtime", "IntegerOverflow", "integer arithmetic overflow");
}

static int is_num(cy_val v) { return v.k == CV_INT || v.k == CV_FLOAT; }
static double as_f(cy_val v) { return v.k == CV_INT ? (double)v.i : v.f; }

static cy_val arith(cy_ctx *c, cy_eop op, cy_val a, cy_val b) {
  if (a.k == CV_NULL || b.k == CV_NULL) return cy_null;
  if (op == E_ADD) {
    if (a.k == CV_LIST || b.k == CV_LIST) {
      int na = a.k == CV_LIST ? a.l->n : 1, nb = b.k == CV_LIST ? b.l->n : 1;
      cy_list *l = cy_list_new(c, na + nb);
      if (a.k == CV_LIST) memcpy(l->v, a.l->v, (size_t)na * sizeof(cy_val));
      else l->v[0] = a;
      if (b.k == CV_LIST) memcpy(l->v + na, b.l->v, (size_t)nb * sizeof(cy_val));
      else l->v[na] = b;
      return (cy_val){.k = CV_LIST, .l = l};
    }
    if ((a.k == CV_STR && (b.k == CV_STR || is_num(b) || b.k == CV_BOOL)) ||
        (b.k == CV_STR && (is_num(a) || a.k == CV_BOOL))) {
      ut_buf *x = cy_buf_hold(c);
      cy_val parts[2] = {a, b};
      for (int i = 0; i < 2; i++) {
        if (parts[i].k == CV_STR) ut_buf_puts(x, parts[i].s);
        else cy_format(c, x, parts[i]);
      }
      return cy_str(cy_buf_take(c, x));
    }
  }
  if (a.k == CV_TEMPORAL || a.k == CV_DURATION || b.k == CV_TEMPORAL || b.k == CV_DURATION)
    return cy_temporal_arith(c, op, a, b);
  if (!is_num(a) || !is_num(b))
    cy_type_err(c, "cannot apply an arithmetic operator to %s and %s", cy_kind_name(a.k),
                cy_kind_name(b.k));
  if (a.k == CV_INT && b.k == CV_INT && op != E_POW) {
    int64_t r;
    switch (op) {
    case E_ADD: if (__builtin_add_overflow(a.i, b.i, &r)) overflow(c); return cy_int(r);
    case E_SUB: if (__builtin_sub_overflow(a.i, b.i, &r)) overflow(c); return cy_int(r);
    case E_MUL: if (__builtin_mul_overflow(a.i, b.i, &r)) overflow(c); return cy_int(r);
    case E_DIV:
      if (b.i == 0) cy_fail(c, "ArithmeticError", "runtime", "DivisionByZero", "/ by zero");
      if (a.i == INT64_MIN && b.i == -1) overflow(c);
      return cy_int(a.i / b.i);
    case E_MOD:
      if (b.i == 0) cy_fail(c, "ArithmeticError", "runtime", "DivisionByZero", "%% by zero");
      if (b.i == -1) return cy_int(0);
      return cy_int(a.i % b.i);
    default: break;
    }
  }
  double x = as_f(a), y = as_f(b);
  switch (op) {
  case E_ADD: return cy_float(x + y);
  case E_SUB: return cy_float(x - y);
  case E_MUL: return cy_float(x * y);
  case E_DIV: return cy_float(x / y);
  case E_MOD: return cy_float(fmod(x, y));
  default: return cy_float(pow(x, y));
  }
}

/* Cypher's regular expressions match the whole string; POSIX extended syntax is used. */
static cy_val regex_match(cy_ctx *c, cy_val a, cy_val b) {
  if (a.k != CV_STR || b.k != CV_STR) return cy_null;
  size_t n = strlen(b.s);
  char *pat = cy_alloc(c, n + 5);
  const char *src = b.s;
  int icase = 0;
  if (!strncmp(src, "(?i)", 4)) {
    icase = 1;
    src += 4;
  }
  strcpy(pat, "^(");
  strcat(pat, src);
  strcat(pat, ")$");
  regex_t re;
  if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)))
    cy_fail(c, "ArgumentError", "runtime", "InvalidArgumentValue",
            "invalid regular expression '%s'", b.s);
  int r = regexec(&re, a.s, 0, NULL, 0) == 0;
  regfree(&re);
  return cy_bool(r);
}

static cy_val in_list(cy_ctx *c, cy_val x, cy_val l) {
  if (l.k == CV_NULL) return cy_null;
  if (l.k != CV_LIST) cy_type_err(c, "IN expects a list but got a %s", cy_kind_name(l.k));
  int unknown = 0;
  for (int i = 0; i < l.l->n; i++) {
    int r = cy_equal(c, x, l.l->v[i]);
    if (r == 1) return cy_bool(1);
    if (r < 0) unknown = 1;
  }
  return unknown ? cy_null : cy_bool(0);
}

static int64_t index_of(cy_ctx *c, cy_val v) {
  if (v.k != CV_INT) cy_type_err(c, "a list index must be an Integer, not a %s", cy_kind_name(v.k));
  return v.i;
}

static cy_val property(cy_ctx *c, cy_val base, const char *key) {
  switch (base.k) {
  case CV_NULL: return cy_null;
  case CV_NODE:
  case CV_REL: {
    int deleted =
        base.k == CV_NODE ? cy_node_get(c, base.id)->deleted : cy_rel_get(c, base.id)->deleted;
    if (deleted)
      cy_fail(c, CY_NOTFOUND, "runtime", "DeletedEntityAccess", "the %s was deleted",
              base.k == CV_NODE ? "node" : "relationship");
    const cy_val *v = cy_map_get(base.k == CV_NODE ? cy_node_get(c, base.id)->props
                                                   : cy_rel_get(c, base.id)->props, key);
    return v ? *v : cy_null;
  }
  case CV_MAP: {
    const cy_val *v = cy_map_get(base.m, key);
    return v ? *v : cy_null;
  }
  case CV_TEMPORAL:
  case CV_DURATION: return cy_temporal_prop(c, base, key);
  default: cy_type_err(c, "cannot read property '%s' of a %s", key, cy_kind_name(base.k));
  }
}

static cy_val subscript(cy_ctx *c, cy_val a, cy_val i) {
  if (a.k == CV_NULL || i.k == CV_NULL) return cy_null;
  if (a.k == CV_LIST) {
    int64_t k = index_of(c, i);
    if (k < 0) k += a.l->n;
    return k < 0 || k >= a.l->n ? cy_null : a.l->v[k];
  }
  if (a.k == CV_MAP || a.k == CV_NODE || a.k == CV_REL) {
    if (i.k != CV_STR)
      cy_fail(c, CY_TYPE, "runtime", "MapElementAccessByNonString",
              "a map key must be a String, not a %s", cy_kind_name(i.k));
    return property(c, a, i.s);
  }
  cy_type_err(c, "cannot index a %s", cy_kind_name(a.k));
}

static cy_val slice(cy_ctx *c, cy_val a, const cy_env *env, const cy_expr *e) {
  cy_val from = e->b ? cy_eval(c, env, e->b) : cy_int(0);
  cy_val to = e->c ? cy_eval(c, env, e->c) : cy_null;
  if (a.k == CV_NULL || from.k == CV_NULL || (e->c && to.k == CV_NULL)) return cy_null;
  if (a.k != CV_LIST) cy_type_err(c, "cannot slice a %s", cy_kind_name(a.k));
  int64_t n = a.l->n, f = index_of(c, from), t = e->c ? index_of(c, to) : n;
  if (f < 0) f += n;
  if (t < 0) t += n;
  if (f < 0) f = 0;
  if (t > n) t = n;
  if (t < f) t = f;
  cy_list *l = cy_list_new(c, (int)(t - f));
  if (t > f) memcpy(l->v, a.l->v + f, (size_t)(t - f) * sizeof(cy_val));
  return (cy_val){.k = CV_LIST, .l = l};
}

/* any/all/none/single and list comprehensions bind one variable per element. */
static cy_val quantifier(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  cy_val l = cy_eval(c, env, e->a);
  if (l.k == CV_NULL) return cy_null;
  if (l.k != CV_LIST) cy_type_err(c, "expected a list but got a %s", cy_kind_name(l.k));
  cy_env local = {.local = e->name, .up = env, .aggs = env->aggs};
  int trues = 0, nulls = 0;
  for (int i = 0; i < l.l->n; i++) {
    local.localval = l.l->v[i];
    int t = e->b ? cy_truth(c, cy_eval(c, &local, e->b)) : 1;
    if (t > 0) trues++;
    else if (t < 0) nulls++;
  }
  int n = l.l->n, falses = n - trues - nulls;
  switch (e->op) {
  case E_ANY: return trues ? cy_bool(1) : nulls ? cy_null : cy_bool(0);
  case E_ALL: return falses ? cy_bool(0) : nulls ? cy_null : cy_bool(1);
  case E_NONE: return trues ? cy_bool(0) : nulls ? cy_null : cy_bool(1);
  default: return trues > 1 ? cy_bool(0) : nulls ? cy_null : cy_bool(trues == 1);
  }
}

static cy_val list_comp(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  cy_val l = cy_eval(c, env, e->a);
  if (l.k == CV_NULL) return cy_null;
  if (l.k != CV_LIST) cy_type_err(c, "expected a list but got a %s", cy_kind_name(l.k));
  cy_list *out = cy_list_new(c, l.l->n);
  out->n = 0;
  cy_env local = {.local = e->name, .up = env, .aggs = env->aggs};
  for (int i = 0; i < l.l->n; i++) {
    local.localval = l.l->v[i];
    if (e->b && cy_truth(c, cy_eval(c, &local, e->b)) != 1) continue;
    out->v[out->n++] = e->c ? cy_eval(c, &local, e->c) : l.l->v[i];
  }
  return (cy_val){.k = CV_LIST, .l = out};
}

static cy_val reduce(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  cy_val acc = cy_eval(c, env, e->a);
  cy_val l = cy_eval(c, env, e->b);
  if (l.k == CV_NULL) return cy_null;
  if (l.k != CV_LIST) cy_type_err(c, "reduce expects a list but got a %s", cy_kind_name(l.k));
  for (int i = 0; i < l.l->n; i++) {
    cy_env a = {.local = e->keys[0], .localval = acc, .up = env, .aggs = env->aggs};
    cy_env x = {.local = e->name, .localval = l.l->v[i], .up = &a, .aggs = env->aggs};
    acc = cy_eval(c, &x, e->c);
  }
  return acc;
}

static const cy_map *elem_props(cy_ctx *c, cy_val v) {
  return v.k == CV_NODE ? cy_node_get(c, v.id)->props
         : v.k == CV_REL ? cy_rel_get(c, v.id)->props
         : v.k == CV_MAP ? v.m : NULL;
}

static cy_val map_projection(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  cy_val base = cy_eval(c, env, e->a);
  if (base.k == CV_NULL) return cy_null;
  const cy_map *all = elem_props(c, base);
  if (!all) cy_type_err(c, "cannot project a %s", cy_kind_name(base.k));
  cy_map *m = cy_map_new(c, e->n + all->n);
  for (int i = 0; i < e->n; i++) {
    if (!e->args[i]) {
      for (int j = 0; j < all->n; j++) cy_map_put(c, m, all->k[j], all->v[j]);
      continue;
    }
    cy_map_put(c, m, e->keys[i], cy_eval(c, env, e->args[i]));
  }
  return (cy_val){.k = CV_MAP, .m = m};
}

static cy_val has_labels(cy_ctx *c, cy_val v, const cy_expr *e) {
  if (v.k == CV_NULL) return cy_null;
  if (v.k != CV_NODE)
    cy_type_err(c, "labels can only be tested on a node, not a %s", cy_kind_name(v.k));
  for (int i = 0; i < e->n; i++)
    if (!cy_node_has_label(cy_node_get(c, v.id), e->keys[i])) return cy_bool(0);
  return cy_bool(1);
}

/* EXISTS { }: whether the query gives a row; COUNT { }: how many; COLLECT { }: the list of
 * the values of its one column. */
static cy_val subquery(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  cy_table *t = cy_subquery(c, env, e->sub);
  if (!strcmp(e->name, "EXISTS")) return cy_bool(t->nrows > 0);
  if (!strcmp(e->name, "COUNT")) return cy_int(t->nrows);
  cy_list *l = cy_list_new(c, t->nrows);
  for (int r = 0; r < t->nrows; r++) l->v[r] = t->rows[r][0];
  return (cy_val){.k = CV_LIST, .l = l};
}

cy_val cy_eval(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  if (e->agg && env->aggs) return env->aggs[e->agg - 1];
  switch (e->op) {
  case E_LIT: return e->lit;
  case E_PARAM: {
    const cy_val *v = cy_map_get(c->params, e->name);
    if (!v)
      cy_fail(c, "ParameterMissing", "runtime", "MissingParameter", "parameter $%s was not given",
              e->name);
    return *v;
  }
  case E_VAR: {
    const cy_val *v = cy_env_get(env, e->name);
    if (!v) cy_compile_err(c, "UndefinedVariable", "variable '%s' is not defined", e->name);
    return *v;
  }
  case E_PROP: return property(c, cy_eval(c, env, e->a), e->name);
  case E_INDEX: return subscript(c, cy_eval(c, env, e->a), cy_eval(c, env, e->b));
  case E_SLICE: return slice(c, cy_eval(c, env, e->a), env, e);
  case E_LIST: {
    cy_list *l = cy_list_new(c, e->n);
    for (int i = 0; i < e->n; i++) l->v[i] = cy_eval(c, env, e->args[i]);
    return (cy_val){.k = CV_LIST, .l = l};
  }
  case E_MAP: {
    cy_map *m = cy_map_new(c, e->n);
    for (int i = 0; i < e->n; i++) cy_map_put(c, m, e->keys[i], cy_eval(c, env, e->args[i]));
    return (cy_val){.k = CV_MAP, .m = m};
  }
  case E_FUNC: {
    cy_val *args = cy_alloc(c, (size_t)(e->n ? e->n : 1) * sizeof *args);
    for (int i = 0; i < e->n; i++) args[i] = cy_eval(c, env, e->args[i]);
    return cy_call(c, e, args, e->n);
  }
  case E_COUNT_STAR:
    cy_compile_err(c, "InvalidAggregation", "count(*) cannot be used here");
  case E_OR: {
    int a = cy_truth(c, cy_eval(c, env, e->a));
    if (a == 1) return cy_bool(1);
    int b = cy_truth(c, cy_eval(c, env, e->b));
    return b == 1 ? cy_bool(1) : a < 0 || b < 0 ? cy_null : cy_bool(0);
  }
  case E_AND: {
    int a = cy_truth(c, cy_eval(c, env, e->a));
    if (a == 0) return cy_bool(0);
    int b = cy_truth(c, cy_eval(c, env, e->b));
    return b == 0 ? cy_bool(0) : a < 0 || b < 0 ? cy_null : cy_bool(1);
  }
  case E_XOR: {
    int a = cy_truth(c, cy_eval(c, env, e->a)), b = cy_truth(c, cy_eval(c, env, e->b));
    return a < 0 || b < 0 ? cy_null : cy_bool(a != b);
  }
  case E_NOT: {
    int a = cy_truth(c, cy_eval(c, env, e->a));
    return a < 0 ? cy_null : cy_bool(!a);
  }
  case E_EQ: return tri(cy_equal(c, cy_eval(c, env, e->a), cy_eval(c, env, e->b)));
  case E_NE: {
    int r = cy_equal(c, cy_eval(c, env, e->a), cy_eval(c, env, e->b));
    return r < 0 ? cy_null : cy_bool(!r);
  }
  case E_LT: case E_GT: case E_LE: case E_GE: {
    int r;
    cy_val a = cy_eval(c, env, e->a), b = cy_eval(c, env, e->b);
    /* NaN is a number that compares false with every number. */
    if (is_num(a) && is_num(b) &&
        ((a.k == CV_FLOAT && a.f != a.f) || (b.k == CV_FLOAT && b.f != b.f)))
      return cy_bool(0);
    if (!cy_compare(c, a, b, &r)) return cy_null;
    return cy_bool(e->op == E_LT ? r < 0 : e->op == E_GT ? r > 0 : e->op == E_LE ? r <= 0 : r >= 0);
  }
  case E_ADD: case E_SUB: case E_MUL: case E_DIV: case E_MOD: case E_POW:
    return arith(c, e->op, cy_eval(c, env, e->a), cy_eval(c, env, e->b));
  case E_NEG: {
    cy_val a = cy_eval(c, env, e->a);
    if (a.k == CV_NULL) return a;
    if (a.k == CV_INT) {
      if (a.i == INT64_MIN) overflow(c);
      return cy_int(-a.i);
    }
    if (a.k == CV_FLOAT) return cy_float(-a.f);
    if (a.k == CV_DURATION) return cy_duration_neg(c, a);
    cy_type_err(c, "cannot negate a %s", cy_kind_name(a.k));
  }
  case E_IN: return in_list(c, cy_eval(c, env, e->a), cy_eval(c, env, e->b));
  case E_STARTS: case E_ENDS: case E_CONTAINS: {
    cy_val a = cy_eval(c, env, e->a), b = cy_eval(c, env, e->b);
    if (a.k != CV_STR || b.k != CV_STR) return cy_null;
    size_t na = strlen(a.s), nb = strlen(b.s);
    if (e->op == E_STARTS) return cy_bool(!strncmp(a.s, b.s, nb));
    if (e->op == E_ENDS) return cy_bool(na >= nb && !strcmp(a.s + na - nb, b.s));
    return cy_bool(strstr(a.s, b.s) != NULL);
  }
  case E_REGEX: return regex_match(c, cy_eval(c, env, e->a), cy_eval(c, env, e->b));
  case E_ISNULL: return cy_bool(cy_eval(c, env, e->a).k == CV_NULL);
  case E_NOTNULL: return cy_bool(cy_eval(c, env, e->a).k != CV_NULL);
  case E_CASE: {
    cy_val subject = e->a ? cy_eval(c, env, e->a) : cy_null;
    for (int i = 0; i + 1 < e->n; i += 2) {
      cy_val w = cy_eval(c, env, e->args[i]);
      int hit = e->a ? cy_equal(c, subject, w) == 1 : cy_truth(c, w) == 1;
      if (hit) return cy_eval(c, env, e->args[i + 1]);
    }
    return e->b ? cy_eval(c, env, e->b) : cy_null;
  }
  case E_LISTCOMP: return list_comp(c, env, e);
  case E_ANY: case E_ALL: case E_NONE: case E_SINGLE: return quantifier(c, env, e);
  case E_REDUCE: return reduce(c, env, e);
  case E_HASLABELS: return has_labels(c, cy_eval(c, env, e->a), e);
  case E_PATTERN: return cy_bool(cy_pattern_count(c, env, e->pat, 1) > 0);
  case E_SUBQUERY: return subquery(c, env, e);
  case E_PATCOMP: {
    cy_list *l = cy_pattern_collect(c, env, e->pat, e->b, e->c);
    return (cy_val){.k = CV_LIST, .l = l};
  }
  case E_MAPPROJ: return map_projection(c, env, e);
  default: cy_fail(c, CY_SYNTAX, "compile time", "UnexpectedSyntax", "unsupported expression");
  }
}
