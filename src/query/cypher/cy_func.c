/* cy_func.c — Cypher's built-in scalar functions, and the names of its aggregates. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"
#include "util/buf.h"

enum {
  F_TOINTEGER, F_TOFLOAT, F_TOSTRING, F_TOBOOLEAN, F_SIZE, F_LENGTH, F_HEAD, F_LAST, F_TAIL,
  F_RANGE, F_KEYS, F_LABELS, F_TYPE, F_ID, F_PROPERTIES, F_NODES, F_RELATIONSHIPS,
  F_STARTNODE, F_ENDNODE, F_COALESCE, F_ABS, F_SIGN, F_CEIL, F_FLOOR, F_ROUND, F_SQRT, F_EXP,
  F_LOG, F_LOG10, F_RAND, F_SUBSTRING, F_LEFT, F_RIGHT, F_TRIM, F_LTRIM, F_RTRIM, F_TOUPPER,
  F_TOLOWER, F_REPLACE, F_SPLIT, F_REVERSE, F_EXISTS, F_SIN, F_COS, F_TAN, F_ASIN, F_ACOS,
  F_ATAN, F_ATAN2, F_PI, F_E, F_DEGREES, F_RADIANS, F_TOSTRINGORNULL, F_TOINTEGERORNULL,
  F_TOFLOATORNULL, F_TOBOOLEANORNULL, F_ELEMENTID, F_ISEMPTY, F_CHAR_LENGTH, F_TEMPORAL,
  F_DURATION
};

typedef struct fdef {
  const char *name;
  int id, min, max;
} fdef;

static const fdef funcs[] = {{"toInteger", F_TOINTEGER, 1, 1},
                             {"toFloat", F_TOFLOAT, 1, 1},
                             {"toString", F_TOSTRING, 1, 1},
                             {"toBoolean", F_TOBOOLEAN, 1, 1},
                             {"toStringOrNull", F_TOSTRINGORNULL, 1, 1},
                             {"toIntegerOrNull", F_TOINTEGERORNULL, 1, 1},
                             {"toFloatOrNull", F_TOFLOATORNULL, 1, 1},
                             {"toBooleanOrNull", F_TOBOOLEANORNULL, 1, 1},
                             {"size", F_SIZE, 1, 1},
                             {"length", F_LENGTH, 1, 1},
                             {"head", F_HEAD, 1, 1},
                             {"last", F_LAST, 1, 1},
                             {"tail", F_TAIL, 1, 1},
                             {"range", F_RANGE, 2, 3},
                             {"keys", F_KEYS, 1, 1},
                             {"labels", F_LABELS, 1, 1},
                             {"type", F_TYPE, 1, 1},
                             {"id", F_ID, 1, 1},
                             {"elementId", F_ELEMENTID, 1, 1},
                             {"properties", F_PROPERTIES, 1, 1},
                             {"nodes", F_NODES, 1, 1},
                             {"relationships", F_RELATIONSHIPS, 1, 1},
                             {"startNode", F_STARTNODE, 1, 1},
                             {"endNode", F_ENDNODE, 1, 1},
                             {"coalesce", F_COALESCE, 1, 1000},
                             {"abs", F_ABS, 1, 1},
                             {"sign", F_SIGN, 1, 1},
                             {"ceil", F_CEIL, 1, 1},
                             {"floor", F_FLOOR, 1, 1},
                             {"round", F_ROUND, 1, 1},
                             {"sqrt", F_SQRT, 1, 1},
                             {"exp", F_EXP, 1, 1},
                             {"log", F_LOG, 1, 1},
                             {"log10", F_LOG10, 1, 1},
                             {"rand", F_RAND, 0, 0},
                             {"substring", F_SUBSTRING, 2, 3},
                             {"left", F_LEFT, 2, 2},
                             {"right", F_RIGHT, 2, 2},
                             {"trim", F_TRIM, 1, 1},
                             {"ltrim", F_LTRIM, 1, 1},
                             {"rtrim", F_RTRIM, 1, 1},
                             {"toUpper", F_TOUPPER, 1, 1},
                             {"toLower", F_TOLOWER, 1, 1},
                             {"replace", F_REPLACE, 3, 3},
                             {"split", F_SPLIT, 2, 2},
                             {"reverse", F_REVERSE, 1, 1},
                             {"exists", F_EXISTS, 1, 1},
                             {"sin", F_SIN, 1, 1},
                             {"cos", F_COS, 1, 1},
                             {"tan", F_TAN, 1, 1},
                             {"asin", F_ASIN, 1, 1},
                             {"acos", F_ACOS, 1, 1},
                             {"atan", F_ATAN, 1, 1},
                             {"atan2", F_ATAN2, 2, 2},
                             {"pi", F_PI, 0, 0},
                             {"e", F_E, 0, 0},
                             {"degrees", F_DEGREES, 1, 1},
                             {"radians", F_RADIANS, 1, 1},
                             {"isEmpty", F_ISEMPTY, 1, 1},
                             {"char_length", F_CHAR_LENGTH, 1, 1},
                             {"character_length", F_CHAR_LENGTH, 1, 1},
                             {"date", F_TEMPORAL, 0, 1},
                             {"localtime", F_TEMPORAL, 0, 1},
                             {"time", F_TEMPORAL, 0, 1},
                             {"localdatetime", F_TEMPORAL, 0, 1},
                             {"datetime", F_TEMPORAL, 0, 1},
                             {"date.truncate", F_TEMPORAL, 2, 3},
                             {"localtime.truncate", F_TEMPORAL, 2, 3},
                             {"time.truncate", F_TEMPORAL, 2, 3},
                             {"localdatetime.truncate", F_TEMPORAL, 2, 3},
                             {"datetime.truncate", F_TEMPORAL, 2, 3},
                             {"date.transaction", F_TEMPORAL, 0, 1},
                             {"date.statement", F_TEMPORAL, 0, 1},
                             {"date.realtime", F_TEMPORAL, 0, 1},
                             {"localtime.transaction", F_TEMPORAL, 0, 1},
                             {"localtime.statement", F_TEMPORAL, 0, 1},
                             {"localtime.realtime", F_TEMPORAL, 0, 1},
                             {"time.transaction", F_TEMPORAL, 0, 1},
                             {"time.statement", F_TEMPORAL, 0, 1},
                             {"time.realtime", F_TEMPORAL, 0, 1},
                             {"localdatetime.transaction", F_TEMPORAL, 0, 1},
                             {"localdatetime.statement", F_TEMPORAL, 0, 1},
                             {"localdatetime.realtime", F_TEMPORAL, 0, 1},
                             {"datetime.transaction", F_TEMPORAL, 0, 1},
                             {"datetime.statement", F_TEMPORAL, 0, 1},
                             {"datetime.realtime", F_TEMPORAL, 0, 1},
                             {"datetime.fromepoch", F_TEMPORAL, 2, 2},
                             {"datetime.fromepochmillis", F_TEMPORAL, 1, 1},
                             {"duration", F_DURATION, 1, 1},
                             {"duration.between", F_DURATION, 2, 2},
                             {"duration.inMonths", F_DURATION, 2, 2},
                             {"duration.inDays", F_DURATION, 2, 2},
                             {"duration.inSeconds", F_DURATION, 2, 2},
                             {NULL, 0, 0, 0}};

/* In the order of cy_aggfn. */
static const char *const aggregates[] = {"count", "sum", "avg", "min", "max", "collect",
                                         "stDev", "stDevP", "percentileCont",
                                         "percentileDisc", NULL};

cy_aggfn cy_func_agg(const char *name) {
  for (int i = 0; aggregates[i]; i++)
    if (!strcasecmp(aggregates[i], name)) return (cy_aggfn)(i + 1);
  return CY_AGG_NONE;
}

static const fdef *find(const char *name) {
  for (const fdef *f = funcs; f->name; f++)
    if (!strcasecmp(f->name, name)) return f;
  return NULL;
}

int cy_func_kind(const char *name) {
  if (cy_func_agg(name)) return 2;
  return find(name) ? 1 : 0;
}

void cy_func_check(cy_ctx *c, cy_expr *e) {
  const char *name = e->name;
  int n = e->n;
  const fdef *f = find(name);
  int min = 1, max = 1;
  if (f) {
    min = f->min;
    max = f->max;
    e->fn = (int)(f - funcs) + 1;
  } else if (cy_func_agg(name) >= CY_AGG_PERCENTILE_CONT) {
    min = max = 2;
  } else if (!cy_func_kind(name)) {
    cy_compile_err(c, "UnknownFunction", "unknown function '%s'", name);
  }
  if (n < min || n > max)
    cy_compile_err(c, "InvalidNumberOfArguments", "%s() takes %d%s argument%s, not %d", name,
                   min, max > min ? " or more" : "", max == 1 ? "" : "s", n);
}

static void __attribute__((noreturn)) bad_arg(cy_ctx *c, const char *fn, cy_val v) {
  cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentValue", "%s() cannot take a %s", fn,
          cy_kind_name(v.k));
}

static cy_val list_val(cy_list *l) { return (cy_val){.k = CV_LIST, .l = l}; }

static size_t utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

/* Byte offset of code point cp in s (or its end). */
static size_t utf8_off(const char *s, int64_t cp) {
  size_t i = 0;
  while (s[i] && cp > 0) {
    i++;
    while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80) i++;
    cp--;
  }
  return i;
}

static cy_val substr(cy_ctx *c, const char *s, int64_t start, int64_t len) {
  size_t a = utf8_off(s, start), b = a + utf8_off(s + a, len);
  return cy_str(cy_strndup(c, s + a, b - a));
}

static cy_val to_integer(cy_ctx *c, cy_val v, const char *fn, int lenient) {
  switch (v.k) {
  case CV_NULL: return v;
  case CV_INT: return v;
  case CV_FLOAT:
    if (v.f != v.f || v.f >= 9223372036854775808.0 || v.f < -9223372036854775808.0) return cy_null;
    return cy_int((int64_t)v.f);
  case CV_BOOL: return cy_int(v.b);
  case CV_STR: {
    char *end;
    errno = 0;
    long long i = strtoll(v.s, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (!*end && end != v.s && !errno) return cy_int(i);
    double f = strtod(v.s, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end || end == v.s || f != f || fabs(f) >= 9223372036854775808.0) return cy_null;
    return cy_int((int64_t)f);
  }
  default:
    if (lenient) return cy_null;
    bad_arg(c, fn, v);
  }
}

static cy_val to_float(cy_ctx *c, cy_val v, const char *fn, int lenient) {
  switch (v.k) {
  case CV_NULL: return v;
  case CV_INT: return cy_float((double)v.i);
  case CV_FLOAT: return v;
  case CV_STR: {
    char *end;
    double f = strtod(v.s, &end);
    while (isspace((unsigned char)*end)) end++;
    return *end || end == v.s ? cy_null : cy_float(f);
  }
  default:
    if (lenient) return cy_null;
    bad_arg(c, fn, v);
  }
}

static cy_val to_string(cy_ctx *c, cy_val v, const char *fn, int lenient) {
  char tmp[64];
  switch (v.k) {
  case CV_NULL: return v;
  case CV_STR: return v;
  case CV_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v.i); break;
  case CV_FLOAT: cy_format_float(tmp, sizeof tmp, v.f); break;
  case CV_BOOL: return cy_str(v.b ? "true" : "false");
  case CV_TEMPORAL:
  case CV_DURATION: return cy_str(cy_temporal_text(c, v));
  default:
    if (lenient) return cy_null;
    bad_arg(c, fn, v);
  }
  return cy_str(cy_strdup(c, tmp));
}

static cy_val to_boolean(cy_ctx *c, cy_val v, const char *fn, int lenient) {
  switch (v.k) {
  case CV_NULL: return v;
  case CV_BOOL: return v;
  case CV_STR:
    if (!strcasecmp(v.s, "true")) return cy_bool(1);
    if (!strcasecmp(v.s, "false")) return cy_bool(0);
    return cy_null;
  case CV_INT: return cy_bool(v.i != 0);
  default:
    if (lenient) return cy_null;
    bad_arg(c, fn, v);
  }
}

static double num_arg(cy_ctx *c, const char *fn, cy_val v) {
  if (v.k == CV_INT) return (double)v.i;
  if (v.k == CV_FLOAT) return v.f;
  bad_arg(c, fn, v);
}

static cy_val trim(cy_ctx *c, const char *s, int left, int right) {
  const char *a = s, *b = s + strlen(s);
  while (left && a < b && isspace((unsigned char)*a)) a++;
  while (right && b > a && isspace((unsigned char)b[-1])) b--;
  return cy_str(cy_strndup(c, a, (size_t)(b - a)));
}

static cy_val replace(cy_ctx *c, const char *s, const char *from, const char *to) {
  size_t nf = strlen(from);
  ut_buf *b = cy_buf_hold(c);
  if (!nf) {
    /* An empty search string matches between every character. */
    ut_buf_puts(b, to);
    for (const char *p = s; *p;) {
      size_t n = utf8_off(p, 1);
      ut_buf_put(b, p, n);
      ut_buf_puts(b, to);
      p += n;
    }
  } else {
    for (const char *p = s; *p;) {
      if (!strncmp(p, from, nf)) {
        ut_buf_puts(b, to);
        p += nf;
      } else {
        ut_buf_put_u8(b, (unsigned char)*p++);
      }
    }
  }
  return cy_str(cy_buf_take(c, b));
}

static cy_val split(cy_ctx *c, const char *s, const char *sep) {
  size_t ns = strlen(sep), n = 1;
  if (ns)
    for (const char *p = strstr(s, sep); p; p = strstr(p + ns, sep)) n++;
  else
    n = utf8_len(s);
  cy_list *l = cy_list_new(c, (int)n);
  if (!ns) {
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
      size_t k = utf8_off(p, 1);
      l->v[i] = cy_str(cy_strndup(c, p, k));
      p += k;
    }
    return list_val(l);
  }
  const char *p = s;
  for (size_t i = 0; i < n; i++) {
    const char *q = strstr(p, sep);
    size_t k = q ? (size_t)(q - p) : strlen(p);
    l->v[i] = cy_str(cy_strndup(c, p, k));
    p += k + ns;
  }
  return list_val(l);
}

static cy_val reverse(cy_ctx *c, cy_val v) {
  if (v.k == CV_LIST) {
    cy_list *l = cy_list_new(c, v.l->n);
    for (int i = 0; i < l->n; i++) l->v[i] = v.l->v[l->n - 1 - i];
    return list_val(l);
  }
  size_t n = strlen(v.s);
  char *r = cy_alloc(c, n + 1);
  size_t o = n;
  for (size_t i = 0; i < n;) {
    size_t k = utf8_off(v.s + i, 1);
    o -= k;
    memcpy(r + o, v.s + i, k);
    i += k;
  }
  return cy_str(r);
}

static int64_t int_arg(cy_ctx *c, const char *fn, cy_val v) {
  if (v.k != CV_INT) bad_arg(c, fn, v);
  return v.i;
}

static cy_val range(cy_ctx *c, cy_val *a, int n) {
  for (int i = 0; i < n; i++)
    if (a[i].k != CV_INT)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentType", "range() needs integers, not a %s",
              cy_kind_name(a[i].k));
  int64_t from = a[0].i, to = a[1].i, step = n > 2 ? a[2].i : 1;
  if (step == 0) cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "range() step must not be 0");
  /* In unsigned arithmetic: the span of range(-2^63, 2^63-1) does not fit an int64_t. */
  int empty = step > 0 ? to < from : to > from;
  uint64_t span = empty ? 0 : step > 0 ? (uint64_t)to - (uint64_t)from : (uint64_t)from - (uint64_t)to;
  uint64_t stride = step > 0 ? (uint64_t)step : -(uint64_t)step;
  uint64_t cnt = empty ? 0 : span / stride + 1;
  if (span / stride >= 100000000) cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "range() is too long");
  cy_list *l = cy_list_new(c, (int)cnt);
  /* from + i * step lies between from and to; it wraps only in the unsigned intermediate. */
  for (uint64_t i = 0; i < cnt; i++) l->v[i] = cy_int((int64_t)((uint64_t)from + i * (uint64_t)step));
  return list_val(l);
}

static cy_val path_part(cy_ctx *c, cy_val p, int rels) {
  int n = rels ? p.l->n / 2 : p.l->n / 2 + 1;
  cy_list *l = cy_list_new(c, n);
  for (int i = 0; i < n; i++) l->v[i] = p.l->v[rels ? 2 * i + 1 : 2 * i];
  return list_val(l);
}

static cy_val keys_of(cy_ctx *c, const cy_map *m) {
  cy_list *l = cy_list_new(c, m ? m->n : 0);
  for (int i = 0; i < l->n; i++) l->v[i] = cy_str(m->k[i]);
  return list_val(l);
}

static double round_half_up(double x) { return floor(x + 0.5); }

cy_val cy_call(cy_ctx *c, const cy_expr *e, cy_val *a, int n) {
  const fdef *f = e->fn ? &funcs[e->fn - 1] : find(e->name);
  if (!f) cy_compile_err(c, "UnknownFunction", "unknown function '%s'", e->name);
  const char *fn = f->name;
  cy_val x = n ? a[0] : cy_null;
  /* Most functions return null for a null argument. */
  if (n && x.k == CV_NULL && f->id != F_COALESCE) return cy_null;
  switch (f->id) {
  case F_TOINTEGER: return to_integer(c, x, fn, 0);
  case F_TOINTEGERORNULL: return to_integer(c, x, fn, 1);
  case F_TOFLOAT: return to_float(c, x, fn, 0);
  case F_TOFLOATORNULL: return to_float(c, x, fn, 1);
  case F_TOSTRING: return to_string(c, x, fn, 0);
  case F_TOSTRINGORNULL: return to_string(c, x, fn, 1);
  case F_TOBOOLEAN: return to_boolean(c, x, fn, 0);
  case F_TOBOOLEANORNULL: return to_boolean(c, x, fn, 1);
  case F_SIZE:
    if (x.k == CV_LIST) return cy_int(x.l->n);
    if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
    if (x.k == CV_MAP) return cy_int(x.m->n);
    bad_arg(c, fn, x);
  case F_CHAR_LENGTH:
    if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
    bad_arg(c, fn, x);
  case F_LENGTH:
    if (x.k == CV_PATH) return cy_int(x.l->n / 2);
    if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
    if (x.k == CV_LIST) return cy_int(x.l->n);
    bad_arg(c, fn, x);
  case F_ISEMPTY:
    if (x.k == CV_LIST) return cy_bool(x.l->n == 0);
    if (x.k == CV_STR) return cy_bool(!*x.s);
    if (x.k == CV_MAP) return cy_bool(x.m->n == 0);
    bad_arg(c, fn, x);
  case F_HEAD:
    if (x.k != CV_LIST) bad_arg(c, fn, x);
    return x.l->n ? x.l->v[0] : cy_null;
  case F_LAST:
    if (x.k != CV_LIST) bad_arg(c, fn, x);
    return x.l->n ? x.l->v[x.l->n - 1] : cy_null;
  case F_TAIL: {
    if (x.k != CV_LIST) bad_arg(c, fn, x);
    int k = x.l->n ? x.l->n - 1 : 0;
    cy_list *l = cy_list_new(c, k);
    if (k) memcpy(l->v, x.l->v + 1, (size_t)k * sizeof(cy_val));
    return list_val(l);
  }
  case F_RANGE: return range(c, a, n);
  case F_KEYS:
    if (x.k == CV_MAP) return keys_of(c, x.m);
    if (x.k == CV_NODE) return keys_of(c, cy_node_get(c, x.id)->props);
    if (x.k == CV_REL) return keys_of(c, cy_rel_get(c, x.id)->props);
    bad_arg(c, fn, x);
  case F_PROPERTIES:
    if (x.k == CV_MAP) return x;
    if (x.k == CV_NODE) return (cy_val){.k = CV_MAP, .m = cy_node_get(c, x.id)->props};
    if (x.k == CV_REL) return (cy_val){.k = CV_MAP, .m = cy_rel_get(c, x.id)->props};
    bad_arg(c, fn, x);
  case F_LABELS: {
    if (x.k != CV_NODE) bad_arg(c, fn, x);
    const cy_node *nd = cy_node_get(c, x.id);
    if (nd->deleted)
      cy_fail(c, CY_NOTFOUND, "runtime", "DeletedEntityAccess", "the node was deleted");
    cy_list *l = cy_list_new(c, nd->nlabels);
    for (int i = 0; i < l->n; i++) l->v[i] = cy_str(nd->labels[i]);
    return list_val(l);
  }
  case F_TYPE:
    if (x.k != CV_REL) bad_arg(c, fn, x);
    return cy_str(c->g.rels[x.id].type);
  case F_ID: /* the row id in this replica's file: stable across queries, not across replicas */
    if (x.k == CV_NODE) return cy_int(c->g.nodes[x.id].rid);
    if (x.k == CV_REL) return cy_int(c->g.rels[x.id].rid);
    bad_arg(c, fn, x);
  case F_ELEMENTID:
    if (x.k == CV_NODE) return cy_str(cy_node_get(c, x.id)->id);
    if (x.k == CV_REL) return cy_str(cy_rel_get(c, x.id)->id);
    bad_arg(c, fn, x);
  case F_NODES:
    if (x.k != CV_PATH) bad_arg(c, fn, x);
    return path_part(c, x, 0);
  case F_RELATIONSHIPS:
    if (x.k != CV_PATH) bad_arg(c, fn, x);
    return path_part(c, x, 1);
  case F_STARTNODE:
    if (x.k != CV_REL) bad_arg(c, fn, x);
    return (cy_val){.k = CV_NODE, .id = c->g.rels[x.id].src};
  case F_ENDNODE:
    if (x.k != CV_REL) bad_arg(c, fn, x);
    return (cy_val){.k = CV_NODE, .id = c->g.rels[x.id].dst};
  case F_COALESCE:
    for (int i = 0; i < n; i++)
      if (a[i].k != CV_NULL) return a[i];
    return cy_null;
  case F_ABS:
    if (x.k == CV_INT) {
      if (x.i == INT64_MIN)
        cy_fail(c, "ArithmeticError", "runtime", "IntegerOverflow", "abs() overflows");
      return cy_int(x.i < 0 ? -x.i : x.i);
    }
    return cy_float(fabs(num_arg(c, fn, x)));
  case F_SIGN:
    if (x.k == CV_INT) return cy_int((x.i > 0) - (x.i < 0));
    {
      double d = num_arg(c, fn, x);
      return cy_int((d > 0) - (d < 0));
    }
  case F_CEIL: return cy_float(ceil(num_arg(c, fn, x)));
  case F_FLOOR: return cy_float(floor(num_arg(c, fn, x)));
  case F_ROUND: return cy_float(round_half_up(num_arg(c, fn, x)));
  case F_SQRT: return cy_float(sqrt(num_arg(c, fn, x)));
  case F_EXP: return cy_float(exp(num_arg(c, fn, x)));
  case F_LOG: return cy_float(log(num_arg(c, fn, x)));
  case F_LOG10: return cy_float(log10(num_arg(c, fn, x)));
  case F_SIN: return cy_float(sin(num_arg(c, fn, x)));
  case F_COS: return cy_float(cos(num_arg(c, fn, x)));
  case F_TAN: return cy_float(tan(num_arg(c, fn, x)));
  case F_ASIN: return cy_float(asin(num_arg(c, fn, x)));
  case F_ACOS: return cy_float(acos(num_arg(c, fn, x)));
  case F_ATAN: return cy_float(atan(num_arg(c, fn, x)));
  case F_ATAN2:
    if (a[1].k == CV_NULL) return cy_null;
    return cy_float(atan2(num_arg(c, fn, x), num_arg(c, fn, a[1])));
  case F_DEGREES: return cy_float(num_arg(c, fn, x) * 180.0 / M_PI);
  case F_RADIANS: return cy_float(num_arg(c, fn, x) * M_PI / 180.0);
  case F_PI: return cy_float(M_PI);
  case F_E: return cy_float(M_E);
  case F_RAND:
    c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
    return cy_float((double)(c->rng >> 11) / 9007199254740992.0);
  case F_SUBSTRING: {
    if (x.k != CV_STR) bad_arg(c, fn, x);
    for (int i = 1; i < n; i++) {
      if (a[i].k == CV_NULL) return cy_null;
      if (int_arg(c, fn, a[i]) < 0)
        cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "substring() takes no negative numbers");
    }
    return substr(c, x.s, a[1].i, n > 2 ? a[2].i : INT64_MAX);
  }
  case F_LEFT:
  case F_RIGHT: {
    if (x.k != CV_STR) bad_arg(c, fn, x);
    if (a[1].k == CV_NULL)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentType", "%s() needs a length", fn);
    int64_t k = int_arg(c, fn, a[1]);
    if (k < 0)
      cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "%s() takes no negative length", fn);
    int64_t len = (int64_t)utf8_len(x.s);
    if (f->id == F_LEFT) return substr(c, x.s, 0, k);
    return substr(c, x.s, k >= len ? 0 : len - k, k);
  }
  case F_TRIM: case F_LTRIM: case F_RTRIM:
    if (x.k != CV_STR) bad_arg(c, fn, x);
    return trim(c, x.s, f->id != F_RTRIM, f->id != F_LTRIM);
  case F_TOUPPER: case F_TOLOWER: {
    if (x.k != CV_STR) bad_arg(c, fn, x);
    char *s = cy_strdup(c, x.s);
    for (char *p = s; *p; p++)
      *p = (char)(f->id == F_TOUPPER ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
    return cy_str(s);
  }
  case F_REPLACE:
    if (a[1].k == CV_NULL || a[2].k == CV_NULL) return cy_null;
    if (x.k != CV_STR) bad_arg(c, fn, x);
    if (a[1].k != CV_STR) bad_arg(c, fn, a[1]);
    if (a[2].k != CV_STR) bad_arg(c, fn, a[2]);
    return replace(c, x.s, a[1].s, a[2].s);
  case F_SPLIT:
    if (a[1].k == CV_NULL) return cy_null;
    if (x.k != CV_STR) bad_arg(c, fn, x);
    if (a[1].k != CV_STR) bad_arg(c, fn, a[1]);
    return split(c, x.s, a[1].s);
  case F_REVERSE:
    if (x.k != CV_STR && x.k != CV_LIST) bad_arg(c, fn, x);
    return reverse(c, x);
  case F_EXISTS: return cy_bool(x.k != CV_NULL);
  case F_TEMPORAL: return cy_temporal(c, fn, a, n);
  case F_DURATION: return cy_duration(c, fn, a, n);
  }
  return cy_null;
}
