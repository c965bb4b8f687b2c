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

/* A scalar function: it takes n values (at least min, at most max) in a and returns one; arg
 * lets one function serve several names (toInteger and toIntegerOrNull). */
typedef struct fdef fdef;
struct fdef {
  const char *name;
  int min, max, arg;
  cy_val (*call)(cy_ctx *c, const fdef *f, cy_val *a, int n);
  double (*math)(double); /* for fn_math */
};

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

static cy_val fn_to_integer(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  return to_integer(c, a[0], f->name, f->arg);
}

static cy_val fn_to_float(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  return to_float(c, a[0], f->name, f->arg);
}

static cy_val fn_to_string(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  return to_string(c, a[0], f->name, f->arg);
}

static cy_val fn_to_boolean(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  return to_boolean(c, a[0], f->name, f->arg);
}

static cy_val fn_size(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_LIST) return cy_int(x.l->n);
  if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
  if (x.k == CV_MAP) return cy_int(x.m->n);
  bad_arg(c, fn, x);
}

static cy_val fn_char_length(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
  bad_arg(c, fn, x);
}

static cy_val fn_length(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_PATH) return cy_int(x.l->n / 2);
  if (x.k == CV_STR) return cy_int((int64_t)utf8_len(x.s));
  if (x.k == CV_LIST) return cy_int(x.l->n);
  bad_arg(c, fn, x);
}

static cy_val fn_isempty(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_LIST) return cy_bool(x.l->n == 0);
  if (x.k == CV_STR) return cy_bool(!*x.s);
  if (x.k == CV_MAP) return cy_bool(x.m->n == 0);
  bad_arg(c, fn, x);
}

static cy_val fn_head(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_LIST) bad_arg(c, fn, x);
  return x.l->n ? x.l->v[0] : cy_null;
}

static cy_val fn_last(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_LIST) bad_arg(c, fn, x);
  return x.l->n ? x.l->v[x.l->n - 1] : cy_null;
}

static cy_val fn_tail(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_LIST) bad_arg(c, fn, x);
  int k = x.l->n ? x.l->n - 1 : 0;
  cy_list *l = cy_list_new(c, k);
  if (k) memcpy(l->v, x.l->v + 1, (size_t)k * sizeof(cy_val));
  return list_val(l);
}

static cy_val fn_range(cy_ctx *c, const fdef *f, cy_val *a, int n) { return range(c, a, n); }

static cy_val fn_keys(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_MAP) return keys_of(c, x.m);
  if (x.k == CV_NODE) return keys_of(c, cy_node_get(c, x.id)->props);
  if (x.k == CV_REL) return keys_of(c, cy_rel_get(c, x.id)->props);
  bad_arg(c, fn, x);
}

static cy_val fn_properties(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_MAP) return x;
  if (x.k == CV_NODE) return (cy_val){.k = CV_MAP, .m = cy_node_get(c, x.id)->props};
  if (x.k == CV_REL) return (cy_val){.k = CV_MAP, .m = cy_rel_get(c, x.id)->props};
  bad_arg(c, fn, x);
}

static cy_val fn_labels(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_NODE) bad_arg(c, fn, x);
  const cy_node *nd = cy_node_get(c, x.id);
  if (nd->deleted)
    cy_fail(c, CY_NOTFOUND, "runtime", "DeletedEntityAccess", "the node was deleted");
  cy_list *l = cy_list_new(c, nd->nlabels);
  for (int i = 0; i < l->n; i++) l->v[i] = cy_str(nd->labels[i]);
  return list_val(l);
}

static cy_val fn_type(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_REL) bad_arg(c, fn, x);
  return cy_str(c->g.rels[x.id].type);
}

static cy_val fn_id(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  /* the row id in this replica's file: stable across queries, not across replicas */
  if (x.k == CV_NODE) return cy_int(c->g.nodes[x.id].rid);
  if (x.k == CV_REL) return cy_int(c->g.rels[x.id].rid);
  bad_arg(c, fn, x);
}

static cy_val fn_elementid(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_NODE) return cy_str(cy_node_get(c, x.id)->id);
  if (x.k == CV_REL) return cy_str(cy_rel_get(c, x.id)->id);
  bad_arg(c, fn, x);
}

static cy_val fn_nodes(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_PATH) bad_arg(c, fn, x);
  return path_part(c, x, 0);
}

static cy_val fn_relationships(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_PATH) bad_arg(c, fn, x);
  return path_part(c, x, 1);
}

static cy_val fn_startnode(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_REL) bad_arg(c, fn, x);
  return (cy_val){.k = CV_NODE, .id = c->g.rels[x.id].src};
}

static cy_val fn_endnode(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_REL) bad_arg(c, fn, x);
  return (cy_val){.k = CV_NODE, .id = c->g.rels[x.id].dst};
}

static cy_val fn_coalesce(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  for (int i = 0; i < n; i++)
    if (a[i].k != CV_NULL) return a[i];
  return cy_null;
}

static cy_val fn_abs(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_INT) {
    if (x.i == INT64_MIN)
      cy_fail(c, "ArithmeticError", "runtime", "IntegerOverflow", "abs() overflows");
    return cy_int(x.i < 0 ? -x.i : x.i);
  }
  return cy_float(fabs(num_arg(c, fn, x)));
}

static cy_val fn_sign(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k == CV_INT) return cy_int((x.i > 0) - (x.i < 0));
  double d = num_arg(c, fn, x);
  return cy_int((d > 0) - (d < 0));
}

static cy_val fn_atan2(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (a[1].k == CV_NULL) return cy_null;
  return cy_float(atan2(num_arg(c, fn, x), num_arg(c, fn, a[1])));
}

static cy_val fn_pi(cy_ctx *c, const fdef *f, cy_val *a, int n) { return cy_float(M_PI); }

static cy_val fn_e(cy_ctx *c, const fdef *f, cy_val *a, int n) { return cy_float(M_E); }

static cy_val fn_rand(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
  return cy_float((double)(c->rng >> 11) / 9007199254740992.0);
}

static cy_val fn_substring(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_STR) bad_arg(c, fn, x);
  for (int i = 1; i < n; i++) {
    if (a[i].k == CV_NULL) return cy_null;
    if (int_arg(c, fn, a[i]) < 0)
      cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "substring() takes no negative numbers");
  }
  return substr(c, x.s, a[1].i, n > 2 ? a[2].i : INT64_MAX);
}

static cy_val fn_replace(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (a[1].k == CV_NULL || a[2].k == CV_NULL) return cy_null;
  if (x.k != CV_STR) bad_arg(c, fn, x);
  if (a[1].k != CV_STR) bad_arg(c, fn, a[1]);
  if (a[2].k != CV_STR) bad_arg(c, fn, a[2]);
  return replace(c, x.s, a[1].s, a[2].s);
}

static cy_val fn_split(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (a[1].k == CV_NULL) return cy_null;
  if (x.k != CV_STR) bad_arg(c, fn, x);
  if (a[1].k != CV_STR) bad_arg(c, fn, a[1]);
  return split(c, x.s, a[1].s);
}

static cy_val fn_reverse(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_STR && x.k != CV_LIST) bad_arg(c, fn, x);
  return reverse(c, x);
}

static cy_val fn_exists(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  cy_val x = a[0];
  return cy_bool(x.k != CV_NULL);
}

static cy_val fn_temporal(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  return cy_temporal(c, fn, a, n);
}

static cy_val fn_duration(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  return cy_duration(c, fn, a, n);
}

static double degrees(double radians) { return radians * 180.0 / M_PI; }
static double radians(double degrees) { return degrees * M_PI / 180.0; }

/* The numeric functions of one double: f->math. */
static cy_val fn_math(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  return cy_float(f->math(num_arg(c, f->name, a[0])));
}

/* left() (arg 1) and right() (arg 0). */
static cy_val fn_left_right(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  const char *fn = f->name;
  cy_val x = a[0];
  if (x.k != CV_STR) bad_arg(c, fn, x);
  if (a[1].k == CV_NULL)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentType", "%s() needs a length", fn);
  int64_t k = int_arg(c, fn, a[1]);
  if (k < 0) cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "%s() takes no negative length", fn);
  int64_t len = (int64_t)utf8_len(x.s);
  if (f->arg) return substr(c, x.s, 0, k);
  return substr(c, x.s, k >= len ? 0 : len - k, k);
}

/* trim() (arg 3), lTrim() (1) and rTrim() (2): bit 1 trims the front, bit 2 the back. */
static cy_val fn_trim(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  cy_val x = a[0];
  if (x.k != CV_STR) bad_arg(c, f->name, x);
  return trim(c, x.s, f->arg & 1, f->arg & 2);
}

/* toUpper() (arg 1) and toLower() (arg 0), of ASCII letters. */
static cy_val fn_case(cy_ctx *c, const fdef *f, cy_val *a, int n) {
  cy_val x = a[0];
  if (x.k != CV_STR) bad_arg(c, f->name, x);
  char *s = cy_strdup(c, x.s);
  for (char *p = s; *p; p++)
    *p = (char)(f->arg ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
  return cy_str(s);
}

/* Every scalar function: name, least and most arguments, the value passed on as arg, the
 * function, and for fn_math the C function (SQLite's aBuiltinFunc[] is the model). */
static const fdef funcs[] = {{"toInteger", 1, 1, 0, fn_to_integer, NULL},
                             {"toFloat", 1, 1, 0, fn_to_float, NULL},
                             {"toString", 1, 1, 0, fn_to_string, NULL},
                             {"toBoolean", 1, 1, 0, fn_to_boolean, NULL},
                             {"toStringOrNull", 1, 1, 1, fn_to_string, NULL},
                             {"toIntegerOrNull", 1, 1, 1, fn_to_integer, NULL},
                             {"toFloatOrNull", 1, 1, 1, fn_to_float, NULL},
                             {"toBooleanOrNull", 1, 1, 1, fn_to_boolean, NULL},
                             {"size", 1, 1, 0, fn_size, NULL},
                             {"length", 1, 1, 0, fn_length, NULL},
                             {"head", 1, 1, 0, fn_head, NULL},
                             {"last", 1, 1, 0, fn_last, NULL},
                             {"tail", 1, 1, 0, fn_tail, NULL},
                             {"range", 2, 3, 0, fn_range, NULL},
                             {"keys", 1, 1, 0, fn_keys, NULL},
                             {"labels", 1, 1, 0, fn_labels, NULL},
                             {"type", 1, 1, 0, fn_type, NULL},
                             {"id", 1, 1, 0, fn_id, NULL},
                             {"elementId", 1, 1, 0, fn_elementid, NULL},
                             {"properties", 1, 1, 0, fn_properties, NULL},
                             {"nodes", 1, 1, 0, fn_nodes, NULL},
                             {"relationships", 1, 1, 0, fn_relationships, NULL},
                             {"startNode", 1, 1, 0, fn_startnode, NULL},
                             {"endNode", 1, 1, 0, fn_endnode, NULL},
                             {"coalesce", 1, 1000, 0, fn_coalesce, NULL},
                             {"abs", 1, 1, 0, fn_abs, NULL},
                             {"sign", 1, 1, 0, fn_sign, NULL},
                             {"ceil", 1, 1, 0, fn_math, ceil},
                             {"floor", 1, 1, 0, fn_math, floor},
                             {"round", 1, 1, 0, fn_math, round_half_up},
                             {"sqrt", 1, 1, 0, fn_math, sqrt},
                             {"exp", 1, 1, 0, fn_math, exp},
                             {"log", 1, 1, 0, fn_math, log},
                             {"log10", 1, 1, 0, fn_math, log10},
                             {"rand", 0, 0, 0, fn_rand, NULL},
                             {"substring", 2, 3, 0, fn_substring, NULL},
                             {"left", 2, 2, 1, fn_left_right, NULL},
                             {"right", 2, 2, 0, fn_left_right, NULL},
                             {"trim", 1, 1, 3, fn_trim, NULL},
                             {"ltrim", 1, 1, 1, fn_trim, NULL},
                             {"rtrim", 1, 1, 2, fn_trim, NULL},
                             {"toUpper", 1, 1, 1, fn_case, NULL},
                             {"toLower", 1, 1, 0, fn_case, NULL},
                             {"replace", 3, 3, 0, fn_replace, NULL},
                             {"split", 2, 2, 0, fn_split, NULL},
                             {"reverse", 1, 1, 0, fn_reverse, NULL},
                             {"exists", 1, 1, 0, fn_exists, NULL},
                             {"sin", 1, 1, 0, fn_math, sin},
                             {"cos", 1, 1, 0, fn_math, cos},
                             {"tan", 1, 1, 0, fn_math, tan},
                             {"asin", 1, 1, 0, fn_math, asin},
                             {"acos", 1, 1, 0, fn_math, acos},
                             {"atan", 1, 1, 0, fn_math, atan},
                             {"atan2", 2, 2, 0, fn_atan2, NULL},
                             {"pi", 0, 0, 0, fn_pi, NULL},
                             {"e", 0, 0, 0, fn_e, NULL},
                             {"degrees", 1, 1, 0, fn_math, degrees},
                             {"radians", 1, 1, 0, fn_math, radians},
                             {"isEmpty", 1, 1, 0, fn_isempty, NULL},
                             {"char_length", 1, 1, 0, fn_char_length, NULL},
                             {"character_length", 1, 1, 0, fn_char_length, NULL},
                             {"date", 0, 1, 0, fn_temporal, NULL},
                             {"localtime", 0, 1, 0, fn_temporal, NULL},
                             {"time", 0, 1, 0, fn_temporal, NULL},
                             {"localdatetime", 0, 1, 0, fn_temporal, NULL},
                             {"datetime", 0, 1, 0, fn_temporal, NULL},
                             {"date.truncate", 2, 3, 0, fn_temporal, NULL},
                             {"localtime.truncate", 2, 3, 0, fn_temporal, NULL},
                             {"time.truncate", 2, 3, 0, fn_temporal, NULL},
                             {"localdatetime.truncate", 2, 3, 0, fn_temporal, NULL},
                             {"datetime.truncate", 2, 3, 0, fn_temporal, NULL},
                             {"date.transaction", 0, 1, 0, fn_temporal, NULL},
                             {"date.statement", 0, 1, 0, fn_temporal, NULL},
                             {"date.realtime", 0, 1, 0, fn_temporal, NULL},
                             {"localtime.transaction", 0, 1, 0, fn_temporal, NULL},
                             {"localtime.statement", 0, 1, 0, fn_temporal, NULL},
                             {"localtime.realtime", 0, 1, 0, fn_temporal, NULL},
                             {"time.transaction", 0, 1, 0, fn_temporal, NULL},
                             {"time.statement", 0, 1, 0, fn_temporal, NULL},
                             {"time.realtime", 0, 1, 0, fn_temporal, NULL},
                             {"localdatetime.transaction", 0, 1, 0, fn_temporal, NULL},
                             {"localdatetime.statement", 0, 1, 0, fn_temporal, NULL},
                             {"localdatetime.realtime", 0, 1, 0, fn_temporal, NULL},
                             {"datetime.transaction", 0, 1, 0, fn_temporal, NULL},
                             {"datetime.statement", 0, 1, 0, fn_temporal, NULL},
                             {"datetime.realtime", 0, 1, 0, fn_temporal, NULL},
                             {"datetime.fromepoch", 2, 2, 0, fn_temporal, NULL},
                             {"datetime.fromepochmillis", 1, 1, 0, fn_temporal, NULL},
                             {"duration", 1, 1, 0, fn_duration, NULL},
                             {"duration.between", 2, 2, 0, fn_duration, NULL},
                             {"duration.inMonths", 2, 2, 0, fn_duration, NULL},
                             {"duration.inDays", 2, 2, 0, fn_duration, NULL},
                             {"duration.inSeconds", 2, 2, 0, fn_duration, NULL},
                             {NULL, 0, 0, 0, NULL, NULL}};

/* In the order of cy_aggfn. */
static const char *const aggregates[] = {
    "count",          "sum", "avg", "min", "max", "collect", "stDev", "stDevP", "percentileCont",
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
    cy_compile_err(c, "InvalidNumberOfArguments", "%s() takes %d%s argument%s, not %d", name, min,
                   max > min ? " or more" : "", max == 1 ? "" : "s", n);
}

cy_val cy_call(cy_ctx *c, const cy_expr *e, cy_val *a, int n) {
  const fdef *f = e->fn ? &funcs[e->fn - 1] : find(e->name);
  if (!f) cy_compile_err(c, "UnknownFunction", "unknown function '%s'", e->name);
  /* Most functions return null for a null argument. */
  if (n && a[0].k == CV_NULL && f->call != fn_coalesce) return cy_null;
  return f->call(c, f, a, n);
}
