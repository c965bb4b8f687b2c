/* cy_value.c — Cypher values: the query arena, construction, equality, ordering, hashing. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"

struct cy_chunk {
  cy_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

/* The most memory one query may take, so a runaway query fails instead of exhausting memory. */
#define CY_ARENA_MAX ((size_t)2 << 30)

void *cy_alloc(cy_ctx *c, size_t n) {
  cy_tick(c); /* loops that build values (range, lists, maps) allocate as they go */
  n = (n + 15) & ~(size_t)15;
  cy_chunk *h = c->arena.head;
  if (!h || h->cap - h->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    if (c->arena.total + cap > CY_ARENA_MAX)
      cy_fail(c, "MemoryError", "runtime", "", "the query needs too much memory");
    h = malloc(sizeof *h + cap);
    if (!h) cy_fail(c, "MemoryError", "runtime", "", "out of memory");
    h->next = c->arena.head;
    h->used = 0;
    h->cap = cap;
    c->arena.head = h;
    c->arena.total += cap;
  }
  void *p = h->data + h->used;
  h->used += n;
  memset(p, 0, n);
  return p;
}

char *cy_strndup(cy_ctx *c, const char *s, size_t n) {
  char *d = cy_alloc(c, n + 1);
  memcpy(d, s, n);
  return d;
}

char *cy_strdup(cy_ctx *c, const char *s) { return cy_strndup(c, s, strlen(s)); }

ut_buf *cy_buf_hold(cy_ctx *c) {
  assert(c->nheld < (int)(sizeof c->held / sizeof *c->held));
  ut_buf *b = &c->held[c->nheld++];
  ut_buf_init(b);
  return b;
}

char *cy_buf_take(cy_ctx *c, ut_buf *b) {
  assert(c->nheld > 0 && &c->held[c->nheld - 1] == b);
  if (b->oom) cy_fail(c, "MemoryError", "runtime", "", "out of memory");
  char *s = cy_strndup(c, b->len ? (const char *)b->p : "", b->len); /* b is still held */
  cy_buf_drop(c, b);
  return s;
}

void cy_buf_drop(cy_ctx *c, ut_buf *b) {
  assert(c->nheld > 0 && &c->held[c->nheld - 1] == b);
  c->nheld--;
  ut_buf_free(b);
}

void cy_buf_release(cy_ctx *c) {
  while (c->nheld) ut_buf_free(&c->held[--c->nheld]);
}

void cy_arena_free(cy_arena *a) {
  while (a->head) {
    cy_chunk *n = a->head->next;
    free(a->head);
    a->head = n;
  }
}

void cy_fail(cy_ctx *c, const char *type, const char *phase, const char *detail,
             const char *fmt, ...) {
  if (!c->failed) {
    c->failed = 1;
    c->err_type = type;
    c->err_phase = phase;
    c->err_detail = detail;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err_msg, sizeof c->err_msg, fmt, ap);
    va_end(ap);
  }
  longjmp(c->jb, 1);
}

void cy_tick(cy_ctx *c) {
  if ((++c->ticks & 1023) || !adb__past_deadline(c->db)) return;
  c->store_rc =
      adb__err(c->db, ADB_INTERRUPT, "stopped: the query ran past its time limit of %lld ms",
               (long long)c->db->time_limit_ms);
  cy_fail(c, "TimeoutError", "runtime", "", "%s", c->db->errmsg);
}

const cy_val cy_null = {.k = CV_NULL};
cy_val cy_bool(int b) { return (cy_val){.k = CV_BOOL, .b = !!b}; }
cy_val cy_int(int64_t i) { return (cy_val){.k = CV_INT, .i = i}; }
cy_val cy_float(double f) { return (cy_val){.k = CV_FLOAT, .f = f}; }
cy_val cy_str(const char *s) { return (cy_val){.k = CV_STR, .s = s}; }

cy_list *cy_list_new(cy_ctx *c, int n) {
  cy_list *l = cy_alloc(c, sizeof *l + (size_t)n * sizeof(cy_val));
  l->n = n;
  return l;
}

cy_map *cy_map_new(cy_ctx *c, int cap) {
  cy_map *m = cy_alloc(c, sizeof *m);
  m->k = cy_alloc(c, (size_t)(cap ? cap : 1) * sizeof *m->k);
  m->v = cy_alloc(c, (size_t)(cap ? cap : 1) * sizeof *m->v);
  return m;
}

/* Index of key, or -(insertion point) - 1. */
static int map_find(const cy_map *m, const char *key) {
  int lo = 0, hi = m->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2, r = strcmp(m->k[mid], key);
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

void cy_map_put(cy_ctx *c, cy_map *m, const char *key, cy_val v) {
  (void)c;
  int i = map_find(m, key);
  if (i >= 0) {
    m->v[i] = v;
    return;
  }
  i = -i - 1;
  memmove(m->k + i + 1, m->k + i, (size_t)(m->n - i) * sizeof *m->k);
  memmove(m->v + i + 1, m->v + i, (size_t)(m->n - i) * sizeof *m->v);
  m->k[i] = key;
  m->v[i] = v;
  m->n++;
}

const cy_val *cy_map_get(const cy_map *m, const char *key) {
  if (!m) return NULL;
  int i = map_find(m, key);
  return i >= 0 ? &m->v[i] : NULL;
}

cy_map *cy_map_with(cy_ctx *c, const cy_map *m, const char *key, const cy_val *v) {
  cy_map *r = cy_map_new(c, (m ? m->n : 0) + 1);
  for (int i = 0; m && i < m->n; i++)
    if (strcmp(m->k[i], key)) cy_map_put(c, r, m->k[i], m->v[i]);
  if (v && v->k != CV_NULL) cy_map_put(c, r, cy_strdup(c, key), *v);
  return r;
}

const char *cy_kind_name(cy_kind k) {
  static const char *const names[] = {"Null",         "Boolean", "Integer",  "Float",
                                      "String",       "List",    "Map",      "Node",
                                      "Relationship", "Path",    "Temporal", "Duration"};
  return names[k];
}

static int is_num(cy_val v) { return v.k == CV_INT || v.k == CV_FLOAT; }

/* Numeric comparison of an integer and a float without losing precision. */
static int num_cmp(cy_val a, cy_val b) {
  if (a.k == CV_INT && b.k == CV_INT) return (a.i > b.i) - (a.i < b.i);
  if (a.k == CV_FLOAT && b.k == CV_FLOAT) return (a.f > b.f) - (a.f < b.f);
  if (a.k == CV_FLOAT) return -num_cmp(b, a);
  double f = b.f;
  if (f != f) return 0;
  if (f >= 9223372036854775808.0) return -1;
  if (f < -9223372036854775808.0) return 1;
  int64_t fi = (int64_t)f;
  if (a.i != fi) return (a.i > fi) - (a.i < fi);
  double frac = f - (double)fi;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

int cy_equal(cy_ctx *c, cy_val a, cy_val b) {
  if (a.k == CV_NULL || b.k == CV_NULL) return -1;
  if (is_num(a) && is_num(b)) {
    if ((a.k == CV_FLOAT && a.f != a.f) || (b.k == CV_FLOAT && b.f != b.f)) return 0;
    return num_cmp(a, b) == 0;
  }
  if (a.k != b.k) return 0;
  switch (a.k) {
  case CV_BOOL: return a.b == b.b;
  case CV_STR: return strcmp(a.s, b.s) == 0;
  case CV_NODE:
  case CV_REL: return a.id == b.id;
  case CV_TEMPORAL:
  case CV_DURATION: return cy_temporal_equal(a, b);
  case CV_LIST:
  case CV_PATH: {
    if (a.l->n != b.l->n) return 0;
    int unknown = 0;
    for (int i = 0; i < a.l->n; i++) {
      int r = cy_equal(c, a.l->v[i], b.l->v[i]);
      if (r == 0) return 0;
      if (r < 0) unknown = 1;
    }
    return unknown ? -1 : 1;
  }
  case CV_MAP: {
    if (a.m->n != b.m->n) return 0;
    int unknown = 0;
    for (int i = 0; i < a.m->n; i++)
      if (strcmp(a.m->k[i], b.m->k[i])) return 0;
    for (int i = 0; i < a.m->n; i++) {
      int r = cy_equal(c, a.m->v[i], b.m->v[i]);
      if (r == 0) return 0;
      if (r < 0) unknown = 1;
    }
    return unknown ? -1 : 1;
  }
  default: return 0;
  }
}

int cy_compare(cy_ctx *c, cy_val a, cy_val b, int *out) {
  if (a.k == CV_NULL || b.k == CV_NULL) return 0;
  if (is_num(a) && is_num(b)) {
    if ((a.k == CV_FLOAT && a.f != a.f) || (b.k == CV_FLOAT && b.f != b.f)) return 0;
    *out = num_cmp(a, b);
    return 1;
  }
  if (a.k != b.k) return 0;
  switch (a.k) {
  case CV_BOOL: *out = a.b - b.b; return 1;
  case CV_TEMPORAL: return cy_temporal_compare(a, b, out);
  case CV_STR: {
    int r = strcmp(a.s, b.s);
    *out = (r > 0) - (r < 0);
    return 1;
  }
  case CV_LIST: {
    for (int i = 0; i < a.l->n && i < b.l->n; i++) {
      int r;
      if (!cy_compare(c, a.l->v[i], b.l->v[i], &r)) return 0;
      if (r) {
        *out = r;
        return 1;
      }
    }
    *out = (a.l->n > b.l->n) - (a.l->n < b.l->n);
    return 1;
  }
  default: return 0;
  }
}

/* Rank of a kind in the global sort order of ORDER BY. */
static int kind_rank(cy_val v) {
  switch (v.k) {
  case CV_MAP: return 0;
  case CV_NODE: return 1;
  case CV_REL: return 2;
  case CV_LIST: return 3;
  case CV_PATH: return 4;
  case CV_TEMPORAL:
  case CV_DURATION: return 5;
  case CV_STR: return 6;
  case CV_BOOL: return 7;
  case CV_INT:
  case CV_FLOAT: return 8;
  default: return 9;
  }
}

int cy_order(cy_ctx *c, cy_val a, cy_val b) {
  int ra = kind_rank(a), rb = kind_rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (a.k) {
  case CV_NULL: return 0;
  case CV_INT:
  case CV_FLOAT: {
    int an = a.k == CV_FLOAT && a.f != a.f, bn = b.k == CV_FLOAT && b.f != b.f;
    if (an || bn) return an - bn;
    int r = num_cmp(a, b);
    if (r == 0 && a.k != b.k) return a.k == CV_INT ? -1 : 1;
    return r;
  }
  case CV_BOOL: return a.b - b.b;
  case CV_STR: {
    int r = strcmp(a.s, b.s);
    return (r > 0) - (r < 0);
  }
  case CV_NODE:
  case CV_REL: return (a.id > b.id) - (a.id < b.id);
  case CV_TEMPORAL:
  case CV_DURATION: return cy_temporal_order(a, b);
  case CV_LIST:
  case CV_PATH:
    for (int i = 0; i < a.l->n && i < b.l->n; i++) {
      int r = cy_order(c, a.l->v[i], b.l->v[i]);
      if (r) return r;
    }
    return (a.l->n > b.l->n) - (a.l->n < b.l->n);
  case CV_MAP:
    for (int i = 0; i < a.m->n && i < b.m->n; i++) {
      int r = strcmp(a.m->k[i], b.m->k[i]);
      if (r) return (r > 0) - (r < 0);
      r = cy_order(c, a.m->v[i], b.m->v[i]);
      if (r) return r;
    }
    return (a.m->n > b.m->n) - (a.m->n < b.m->n);
  }
  return 0;
}

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

uint64_t cy_hash(cy_ctx *c, cy_val v) {
  uint64_t h = (uint64_t)v.k * 31;
  switch (v.k) {
  case CV_NULL: return 7;
  case CV_BOOL: return mix(h, (uint64_t)v.b);
  case CV_INT: return mix(3, (uint64_t)v.i);
  case CV_FLOAT:
    /* Integral floats hash like the integer, since grouping keeps 1 and 1.0 apart by kind. */
    return mix(v.f == (double)(int64_t)v.f ? 5 : 6, (uint64_t)(int64_t)v.f);
  case CV_STR:
    for (const char *s = v.s; *s; s++) h = mix(h, (unsigned char)*s);
    return h;
  case CV_NODE:
  case CV_REL: return mix(h, (uint64_t)v.id);
  case CV_TEMPORAL:
  case CV_DURATION: return mix(h, cy_temporal_hash(v));
  case CV_LIST:
  case CV_PATH:
    for (int i = 0; i < v.l->n; i++) h = mix(h, cy_hash(c, v.l->v[i]));
    return h;
  case CV_MAP:
    for (int i = 0; i < v.m->n; i++)
      h = mix(mix(h, cy_hash(c, cy_str(v.m->k[i]))), cy_hash(c, v.m->v[i]));
    return h;
  }
  return h;
}

/* Tables grow in the arena: the old array of rows stays there until the query ends. */
void cy_table_add(cy_ctx *c, cy_table *t, cy_val *row) {
  if (t->nrows == t->cap) {
    int cap = t->cap ? t->cap * 2 : 16;
    cy_val **r = cy_alloc(c, (size_t)cap * sizeof *r);
    if (t->nrows) memcpy(r, t->rows, (size_t)t->nrows * sizeof *r);
    t->rows = r;
    t->cap = cap;
  }
  t->rows[t->nrows++] = row;
}

int cy_table_col(const cy_table *t, const char *name) {
  for (int i = 0; i < t->ncols; i++)
    if (!strcmp(t->cols[i], name)) return i;
  return -1;
}
