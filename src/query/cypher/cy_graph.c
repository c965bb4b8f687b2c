/* cy_graph.c — the graph as a query sees it: entered from the store as matching reaches it,
 * written through to it. */
#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "query/cypher/cy.h"
#include "query/cypher/cy_plan.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"

/* ---- Row id -> snapshot index ---- */

/* Row ids are dense (the adjacency cache indexes arrays by them too), so the map is an array of
 * pages allocated as ids in them are entered: one read per lookup, no probing. */
#define RID_PAGE_BITS 12
#define RID_PAGE ((size_t)1 << RID_PAGE_BITS)

typedef struct ridmap {
  int **pages; /* entries hold index + 1; 0 is absent */
  size_t npages;
} ridmap;

/* Per-query state of the snapshot: the maps, the cache, and what planning counted. */
typedef struct gstate {
  ridmap nodes, rels;
  graph_cache *gc;
  uint64_t gc_builds;       /* the cache's build count when gc was taken: label ids are per build */
  const char **types;       /* relationship types interned by the cache's label id */
  uint32_t ntypes;
  int64_t node_count;       /* -1 until counted */
  const char **cnt_label;   /* label counts for planning */
  int64_t *cnt;
  int ncnt, capcnt;
  const char *scan_label;   /* the last label scan, valid while writes stays scan_writes */
  int *scan;
  int nscan;
  uint64_t writes, scan_writes; /* writes made by this query */
  int lists_checked;            /* whether lists_cache took the budget below */
  uint64_t budget;              /* edge rows lists may still read through the indexes */
} gstate;

static gstate *gst(cy_ctx *c) {
  if (!c->ids) {
    gstate *s = c->ids = cy_alloc(c, sizeof *s);
    s->node_count = -1;
  }
  return c->ids;
}

static void ridmap_put(cy_ctx *c, ridmap *m, int64_t key, int val) {
  size_t p = (size_t)key >> RID_PAGE_BITS;
  if (p >= m->npages) {
    size_t n = m->npages * 2 > p + 1 ? m->npages * 2 : p + 1;
    int **pages = cy_alloc(c, n * sizeof *pages);
    if (m->npages) memcpy(pages, m->pages, m->npages * sizeof *pages);
    m->pages = pages;
    m->npages = n;
  }
  if (!m->pages[p]) m->pages[p] = cy_alloc(c, RID_PAGE * sizeof **m->pages);
  m->pages[p][(size_t)key & (RID_PAGE - 1)] = val + 1;
}

static int ridmap_get(const ridmap *m, int64_t key) {
  size_t p = (size_t)key >> RID_PAGE_BITS;
  if (p >= m->npages || !m->pages[p]) return -1;
  return m->pages[p][(size_t)key & (RID_PAGE - 1)] - 1;
}

/* ---- Values from stored JSON ---- */

cy_val cy_from_json(cy_ctx *c, json_t *j) {
  switch (json_typeof(j)) {
  case JSON_INTEGER: return cy_int(json_integer_value(j));
  case JSON_REAL: return cy_float(json_real_value(j));
  case JSON_STRING: return cy_str(cy_strndup(c, json_string_value(j), json_string_length(j)));
  case JSON_TRUE: return cy_bool(1);
  case JSON_FALSE: return cy_bool(0);
  case JSON_ARRAY: {
    cy_list *l = cy_list_new(c, (int)json_array_size(j));
    for (int i = 0; i < l->n; i++) l->v[i] = cy_from_json(c, json_array_get(j, (size_t)i));
    return (cy_val){.k = CV_LIST, .l = l};
  }
  case JSON_OBJECT: {
    cy_map *m = cy_map_new(c, (int)json_object_size(j));
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) cy_map_put(c, m, cy_strdup(c, k), cy_from_json(c, v));
    cy_val t;
    if (cy_temporal_from_stored(c, m, &t)) return t;
    return (cy_val){.k = CV_MAP, .m = m};
  }
  default: return cy_null;
  }
}

static cy_map *props_from_text(cy_ctx *c, const char *text) {
  json_t *j;
  char why[200];
  if (!text || ut_json_parse(text, strlen(text), &j, why, sizeof why)) return cy_map_new(c, 0);
  cy_val v = cy_from_json(c, j);
  json_decref(j);
  return v.k == CV_MAP ? v.m : cy_map_new(c, 0);
}

/* Splits a stored label text into sorted labels. */
static void labels_from_text(cy_ctx *c, const char *text, cy_node *n) {
  n->nlabels = 0;
  if (!text || !*text) return;
  int cnt = 1;
  for (const char *s = text; *s; s++) cnt += *s == ':';
  n->labels = cy_alloc(c, (size_t)cnt * sizeof *n->labels);
  const char *s = text;
  while (*s) {
    const char *e = strchr(s, ':');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len) n->labels[n->nlabels++] = cy_strndup(c, s, len);
    s += len + (e ? 1 : 0);
  }
}

int cy_node_has_label(const cy_node *n, const char *label) {
  for (int i = 0; i < n->nlabels; i++)
    if (!strcmp(n->labels[i], label)) return 1;
  return 0;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *cy_labels_text(cy_ctx *c, const char **labels, int n) {
  if (!n) return NULL;
  const char **sorted = cy_alloc(c, (size_t)n * sizeof *sorted);
  memcpy(sorted, labels, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, str_cmp);
  ut_buf *b = cy_buf_hold(c);
  for (int i = 0; i < n; i++) {
    if (i && !strcmp(sorted[i], sorted[i - 1])) continue;
    if (b->len) ut_buf_put_u8(b, ':');
    ut_buf_puts(b, sorted[i]);
  }
  return cy_buf_take(c, b);
}

/* ---- Growing the snapshot ---- */

static void __attribute__((noreturn)) store_fail(cy_ctx *c, int rc) {
  c->store_rc = rc;
  cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
}

/* A new node entry: a stub knowing only its row id, or (id given) a loaded one. */
static int add_node(cy_ctx *c, int64_t rid, const char *id, const char *label, cy_map *props) {
  cy_graph *g = &c->g;
  if (g->nnodes == g->capnodes) {
    int cap = g->capnodes ? g->capnodes * 2 : 64;
    cy_node *n = cy_alloc(c, (size_t)cap * sizeof *n);
    if (g->nnodes) memcpy(n, g->nodes, (size_t)g->nnodes * sizeof *n);
    g->nodes = n;
    g->capnodes = cap;
  }
  cy_node *n = &g->nodes[g->nnodes];
  memset(n, 0, sizeof *n);
  n->rid = rid;
  n->stub = !id;
  if (id) {
    n->id = cy_strdup(c, id);
    labels_from_text(c, label, n);
    n->props = props;
  }
  ridmap_put(c, &gst(c)->nodes, rid, g->nnodes);
  return g->nnodes++;
}

static void adj_push(cy_ctx *c, int **arr, int *n, int *cap, int v) {
  if (*n == *cap) {
    int nc = *cap ? *cap * 2 : 4;
    int *a = cy_alloc(c, (size_t)nc * sizeof *a);
    if (*n) memcpy(a, *arr, (size_t)*n * sizeof *a);
    *arr = a;
    *cap = nc;
  }
  (*arr)[(*n)++] = v;
}

/* A new relationship entry: a stub without id and properties, or (id given) a loaded one. */
static int add_rel(cy_ctx *c, int64_t rid, const char *id, int src, int dst, const char *type,
                   cy_map *props) {
  cy_graph *g = &c->g;
  if (g->nrels == g->caprels) {
    int cap = g->caprels ? g->caprels * 2 : 64;
    cy_rel *r = cy_alloc(c, (size_t)cap * sizeof *r);
    if (g->nrels) memcpy(r, g->rels, (size_t)g->nrels * sizeof *r);
    g->rels = r;
    g->caprels = cap;
  }
  cy_rel *r = &g->rels[g->nrels];
  memset(r, 0, sizeof *r);
  r->rid = rid;
  r->stub = !id;
  r->id = id ? cy_strdup(c, id) : NULL;
  r->src = src;
  r->dst = dst;
  r->type = type;
  r->props = props;
  ridmap_put(c, &gst(c)->rels, rid, g->nrels);
  return g->nrels++;
}

const graph_cache *cy_cache(cy_ctx *c) {
  gstate *s = gst(c);
  /* Inside the query's transaction only this query's writes change the file, and they keep the
   * cache current in place or drop it (out of memory): then it is built again. */
  uint64_t builds;
  const graph_cache *now = graph_cache_current(c->db, &builds);
  if (!s->gc || s->gc != now || s->gc_builds != builds) {
    int rc = graph_cache_get(c->db, &s->gc);
    if (rc) store_fail(c, rc);
    graph_cache_current(c->db, &builds);
    if (s->gc_builds != builds) s->ntypes = 0;
    s->gc_builds = builds;
  }
  return s->gc;
}

/* The type text of a cache label id, interned for the query. */
static const char *type_of(cy_ctx *c, const graph_cache *gc, uint32_t label) {
  gstate *s = gst(c);
  if (!label) return "";
  if (label > s->ntypes) {
    const char **t = cy_alloc(c, (size_t)(gc->nlabels + 1) * sizeof *t);
    if (s->ntypes) memcpy(t, s->types, (size_t)(s->ntypes + 1) * sizeof *t);
    s->types = t;
    s->ntypes = gc->nlabels;
  }
  if (!s->types[label]) s->types[label] = cy_strdup(c, gc->labels[label - 1]);
  return s->types[label];
}

int cy_node_of_rid(cy_ctx *c, int64_t rid) {
  int i = ridmap_get(&gst(c)->nodes, rid);
  return i >= 0 ? i : add_node(c, rid, NULL, NULL, NULL);
}

int cy_rel_of_rid(cy_ctx *c, int64_t rid) {
  int i = ridmap_get(&gst(c)->rels, rid);
  if (i >= 0) return i;
  const graph_cache *gc = cy_cache(c);
  const graph_erec *e = &gc->edges[rid];
  int s = cy_node_of_rid(c, e->src), d = cy_node_of_rid(c, e->dst);
  return add_rel(c, rid, NULL, s, d, type_of(c, gc, e->label), NULL);
}

/* Reads the row of a stub (node or edge by row id); returns the statement positioned on it. */
static sqlite3_stmt *row_of(cy_ctx *c, int kind, int64_t rid) {
  sqlite3_stmt *st = store_stmt(c->db, kind == ADB_NODE ? STMT_ELEM_BY_RID : STMT_ELEM_BY_RID_E);
  if (!st) store_fail(c, c->db->errcode);
  sqlite3_bind_int64(st, 1, rid);
  int src = store_step(c->db, st);
  if (src == SQLITE_ROW) return st;
  sqlite3_reset(st);
  store_fail(c, src == SQLITE_DONE ? adb__err(c->db, ADB_CORRUPT, "%s row %lld is missing",
                                              graph_kind_name(kind), (long long)rid)
                                   : adb__sqlerr(c->db, src));
}

/* Columns of STMT_ELEM_BY_RID[_E]: rid, id, cl, label, props, meta. */
cy_node *cy_node_get(cy_ctx *c, int i) {
  cy_node *n = &c->g.nodes[i];
  if (n->props_text) { /* most nodes a scan reads are never asked for their properties */
    n->props = n->orig = props_from_text(c, n->props_text);
    n->props_text = NULL;
  }
  if (!n->stub) return n;
  sqlite3_stmt *st = row_of(c, ADB_NODE, n->rid);
  n->id = cy_strdup(c, (const char *)sqlite3_column_text(st, 1));
  const char *label = (const char *)sqlite3_column_text(st, 3);
  labels_from_text(c, label, n);
  n->props = props_from_text(c, (const char *)sqlite3_column_text(st, 4));
  sqlite3_reset(st);
  n->stub = 0;
  n->loaded = 1;
  n->orig = n->props;
  n->orig_labels = n->labels;
  n->orig_nlabels = n->nlabels;
  return n;
}

cy_rel *cy_rel_get(cy_ctx *c, int i) {
  cy_rel *r = &c->g.rels[i];
  if (!r->stub) return r;
  sqlite3_stmt *st = row_of(c, ADB_EDGE, r->rid);
  r->id = cy_strdup(c, (const char *)sqlite3_column_text(st, 1));
  r->props = props_from_text(c, (const char *)sqlite3_column_text(st, 4));
  sqlite3_reset(st);
  r->stub = 0;
  r->loaded = 1;
  r->orig = r->props;
  return r;
}

/* The cache a relationship list is read from, or NULL to read it from the indexes: the first
 * list of the query takes the handle's budget (graph_cache_for_walk), and once it is spent, or
 * whenever the handle has a cache, lists come from the cache. */
static const graph_cache *lists_cache(cy_ctx *c) {
  gstate *s = gst(c);
  if (!s->lists_checked) {
    graph_cache *gc;
    int rc = graph_cache_for_walk(c->db, &gc, &s->budget);
    if (rc) store_fail(c, rc);
    s->lists_checked = 1;
  }
  uint64_t builds;
  return s->budget && !graph_cache_current(c->db, &builds) ? NULL : cy_cache(c);
}

/* Where adj_read collects a node's relationships: the cursor, its types, and the type of each
 * row so far. */
typedef struct adj_into {
  cy_ctx *c;
  cy_adj *a;
  const char *const *types;
  int ntypes;
  const char **type;
  uint32_t cap;
} adj_into;

static int on_adj_row(void *ctx, int64_t edge, int64_t other, int side, const char *label) {
  adj_into *in = ctx;
  cy_adj *a = in->a;
  const char *type = label ? label : "";
  int ok = in->ntypes <= 1; /* one type is the statement's filter */
  for (int i = 0; i < in->ntypes && !ok; i++) ok = !strcmp(type, in->types[i]);
  if (!ok) return ADB_OK;
  if (a->nrows == in->cap) {
    in->cap = in->cap ? in->cap * 2 : 8;
    cy_adj_row *rows = cy_alloc(in->c, in->cap * sizeof *rows);
    const char **ty = cy_alloc(in->c, in->cap * sizeof *ty);
    if (a->nrows) {
      memcpy(rows, a->rows, a->nrows * sizeof *rows);
      memcpy(ty, in->type, a->nrows * sizeof *ty);
    }
    a->rows = rows;
    in->type = ty;
  }
  in->type[a->nrows] = cy_strdup(in->c, type);
  a->rows[a->nrows++] = (cy_adj_row){edge, other, side};
  return ADB_OK;
}

/* Cypher's directions are the graph's, so a cursor's are passed as they are. */
_Static_assert(CY_OUT == ADB_OUT && CY_IN == ADB_IN && CY_BOTH == ADB_BOTH, "directions differ");

/* Reads the relationships of node into a->rows from the indexes (graph_index_adjacent), then
 * enters them and their ends in the snapshot. */
static void adj_read(cy_ctx *c, cy_adj *a, int64_t node, const char *const *types, int ntypes) {
  gstate *s = gst(c);
  adj_into in = {c, a, types, ntypes, NULL, 0};
  uint64_t read = 0;
  int rc = graph_index_adjacent(c->db, node, a->dir, ntypes == 1 ? types[0] : NULL, on_adj_row, &in,
                                &read);
  graph_cache_charge(c->db, read);
  s->budget = read < s->budget ? s->budget - read : 0;
  if (rc) store_fail(c, rc);
  int self = a->nrows ? cy_node_of_rid(c, node) : 0;
  for (uint32_t i = 0; i < a->nrows; i++) {
    const cy_adj_row *r = &a->rows[i];
    if (ridmap_get(&s->rels, r->edge) >= 0) continue;
    int other = cy_node_of_rid(c, r->other);
    add_rel(c, r->edge, NULL, r->side == CY_OUT ? self : other, r->side == CY_OUT ? other : self,
            in.type[i], NULL);
  }
}

void cy_adj_open_rid(cy_ctx *c, cy_adj *a, int64_t node, int dir, const char *const *types,
                     int ntypes) {
  memset(a, 0, sizeof *a);
  a->dir = dir;
  a->side = dir & CY_OUT ? CY_OUT : CY_IN;
  if (node <= 0) return; /* none: no relationships */
  if (!(a->gc = lists_cache(c))) {
    adj_read(c, a, node, types, ntypes);
    return;
  }
  /* A node outside the cache's range or not live (deleted) has no relationships to follow. */
  a->node = node < a->gc->ncap && a->gc->live[node] ? (uint32_t)node : 0;
  a->ntypes = ntypes;
  if (ntypes) {
    a->types = cy_alloc(c, (size_t)ntypes * sizeof *a->types);
    for (int i = 0; i < ntypes; i++) a->types[i] = graph_cache_label(a->gc, types[i]);
  }
}

void cy_adj_open(cy_ctx *c, cy_adj *a, int node, int dir, const char *const *types, int ntypes) {
  const cy_node *n = &c->g.nodes[node];
  cy_adj_open_rid(c, a, n->deleted ? 0 : n->rid, dir, types, ntypes);
}

int cy_adj_next_rid(cy_adj *a, int64_t *edge, int64_t *other, int *side) {
  if (!a->gc) {
    if (a->i >= a->nrows) return 0;
    const cy_adj_row *r = &a->rows[a->i++];
    *edge = r->edge;
    *other = r->other;
    *side = r->side;
    return 1;
  }
  const graph_cache *gc = a->gc;
  while (a->node) {
    const graph_list *l = a->side == CY_OUT ? &gc->out[a->node] : &gc->in[a->node];
    if (a->i >= l->n) {
      if (a->side == CY_IN || !(a->dir & CY_IN)) return 0;
      a->side = CY_IN;
      a->i = 0;
      continue;
    }
    graph_adj e = l->v[a->i++];
    if (!gc->live[e.other]) continue;
    /* A self-loop is in both lists: give it once, from the out-list. */
    if (a->side == CY_IN && a->dir == CY_BOTH && e.other == a->node) continue;
    if (a->ntypes) {
      uint32_t lab = gc->edges[e.edge].label;
      int ok = 0;
      for (int i = 0; i < a->ntypes && !ok; i++) ok = lab && a->types[i] == lab;
      if (!ok) continue;
    }
    *edge = e.edge;
    *other = e.other;
    *side = a->side;
    return 1;
  }
  return 0;
}

int cy_adj_next(cy_ctx *c, cy_adj *a, int *rel, int *other, int *side) {
  int64_t edge, node;
  if (!cy_adj_next_rid(a, &edge, &node, side)) return 0;
  *rel = cy_rel_of_rid(c, edge);
  *other = cy_node_of_rid(c, node);
  return 1;
}

int cy_rel_gone(cy_ctx *c, int64_t edge) {
  if (!c->g.rels_gone) return 0;
  int i = ridmap_get(&gst(c)->rels, edge);
  return i >= 0 && c->g.rels[i].deleted;
}

/* ---- Scans and counts for planning ---- */

/* The SQL test that a node row has label ?1: its stored labels are sorted and joined by ':'. */
#define HAS_LABEL "cl&1 AND (label=?1 OR instr(':'||label||':', ':'||?1||':')>0)"

int cy_scan_rows(cy_ctx *c, sqlite3_stmt *st, int **out) {
  gstate *s = gst(c);
  int n = 0, cap = 16, src;
  int *v = cy_alloc(c, (size_t)cap * sizeof *v);
  while ((src = store_step(c->db, st)) == SQLITE_ROW) {
    int64_t rid = sqlite3_column_int64(st, 0);
    int i = ridmap_get(&s->nodes, rid);
    if (i < 0) {
      const char *text = (const char *)sqlite3_column_text(st, 2);
      i = add_node(c, rid, (const char *)sqlite3_column_text(st, 1), text, NULL);
      cy_node *nd = &c->g.nodes[i];
      nd->props_text = cy_strdup(c, (const char *)sqlite3_column_text(st, 3));
      nd->loaded = 1;
      nd->orig_labels = nd->labels;
      nd->orig_nlabels = nd->nlabels;
    }
    if (n == cap) {
      int *w = cy_alloc(c, (size_t)cap * 2 * sizeof *w);
      memcpy(w, v, (size_t)n * sizeof *v);
      v = w;
      cap *= 2;
    }
    v[n++] = i;
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) store_fail(c, adb__sqlerr(c->db, src));
  *out = v;
  return n;
}

int cy_label_scan(cy_ctx *c, const char *label, int **out) {
  gstate *s = gst(c);
  if (s->scan_label && s->scan_writes == s->writes && !strcmp(s->scan_label, label)) {
    *out = s->scan;
    return s->nscan;
  }
  sqlite3_stmt *st;
  int src = store_prepare(c->db, "SELECT rid, id, label, props FROM main.adb_node WHERE " HAS_LABEL
                                 " ORDER BY rid", &st);
  if (src != SQLITE_OK) store_fail(c, adb__sqlerr(c->db, src));
  sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
  s->nscan = cy_scan_rows(c, st, &s->scan);
  s->scan_label = cy_strdup(c, label);
  s->scan_writes = s->writes;
  *out = s->scan;
  return s->nscan;
}

int64_t cy_label_count_now(cy_ctx *c, const char *label) {
  sqlite3_stmt *st;
  int src = store_prepare(c->db, "SELECT count(*) FROM main.adb_node WHERE " HAS_LABEL, &st);
  if (src != SQLITE_OK) store_fail(c, adb__sqlerr(c->db, src));
  sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
  src = store_step(c->db, st);
  int64_t n = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (src != SQLITE_ROW) store_fail(c, adb__sqlerr(c->db, src));
  return n;
}

int64_t cy_label_count(cy_ctx *c, const char *label) {
  gstate *s = gst(c);
  for (int i = 0; i < s->ncnt; i++)
    if (!strcmp(s->cnt_label[i], label)) return s->cnt[i];
  if (s->ncnt == s->capcnt) {
    int cap = s->capcnt ? s->capcnt * 2 : 8;
    const char **l = cy_alloc(c, (size_t)cap * sizeof *l);
    int64_t *n = cy_alloc(c, (size_t)cap * sizeof *n);
    if (s->ncnt) {
      memcpy(l, s->cnt_label, (size_t)s->ncnt * sizeof *l);
      memcpy(n, s->cnt, (size_t)s->ncnt * sizeof *n);
    }
    s->cnt_label = l;
    s->cnt = n;
    s->capcnt = cap;
  }
  s->cnt_label[s->ncnt] = cy_strdup(c, label);
  s->cnt[s->ncnt] = cy_label_count_now(c, label);
  return s->cnt[s->ncnt++];
}

int64_t cy_node_count(cy_ctx *c) {
  gstate *s = gst(c);
  if (s->node_count < 0) { /* the cache's live bytes: faster than counting rows in SQL */
    const graph_cache *gc = cy_cache(c);
    s->node_count = 0;
    for (uint32_t i = 0; i < gc->ncap; i++) s->node_count += gc->live[i];
  }
  return s->node_count;
}

/* Per row id below the cache's ncap, 1 for the live nodes with every label of p (all live
 * nodes when p has none). */
static uint8_t *node_filter(cy_ctx *c, const graph_cache *gc, const cy_pnode *p) {
  uint8_t *ok = cy_alloc(c, gc->ncap ? gc->ncap : 1);
  memcpy(ok, gc->live, gc->ncap);
  for (int l = 0; l < p->nlabels; l++) {
    uint8_t *has = cy_alloc(c, gc->ncap ? gc->ncap : 1);
    sqlite3_stmt *st;
    int src = store_prepare(c->db, "SELECT rid FROM main.adb_node WHERE " HAS_LABEL, &st);
    if (src != SQLITE_OK) store_fail(c, adb__sqlerr(c->db, src));
    sqlite3_bind_text(st, 1, p->labels[l], -1, SQLITE_STATIC);
    while ((src = store_step(c->db, st)) == SQLITE_ROW) {
      int64_t rid = sqlite3_column_int64(st, 0);
      if (rid > 0 && rid < gc->ncap) has[rid] = 1;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE) store_fail(c, adb__sqlerr(c->db, src));
    for (uint32_t i = 0; i < gc->ncap; i++) ok[i] &= has[i];
  }
  return ok;
}

/* A fixed relationship of a chain, its types resolved to the cache's label ids. */
typedef struct chain_rel {
  int dir, ntypes;
  uint32_t *types;
} chain_rel;

static chain_rel chain_rel_of(cy_ctx *c, const graph_cache *gc, const cy_prel *r) {
  chain_rel k = {r->dir, r->ntypes, cy_alloc(c, (size_t)(r->ntypes + 1) * sizeof *k.types)};
  for (int i = 0; i < r->ntypes; i++) k.types[i] = graph_cache_label(gc, r->types[i]);
  return k;
}

/* How edge e can stand for k, as (from, to) pairs of the pattern's direction: none when its type
 * is not one of k's, else one, or two for an undirected k and an edge that is not a loop (a
 * loop is walked once, as the adjacency walks give it). Returns the number of pairs. */
static inline int chain_ends(const chain_rel *k, const graph_erec *e, uint32_t from[2],
                             uint32_t to[2]) {
  int ok = !k->ntypes;
  for (int i = 0; i < k->ntypes && !ok; i++) ok = e->label && k->types[i] == e->label;
  if (!ok) return 0;
  int n = 0;
  if (k->dir & CY_OUT) from[n] = e->src, to[n++] = e->dst;
  if ((k->dir & CY_IN) && !(n && e->src == e->dst)) from[n] = e->dst, to[n++] = e->src;
  return n;
}

int64_t cy_chain_count(cy_ctx *c, const cy_pattern *p) {
  assert(!c->writes && (p->nrels == 1 || p->nrels == 2));
  const graph_cache *gc = cy_cache(c);
  uint8_t *ok[3];
  for (int i = 0; i <= p->nrels; i++) ok[i] = node_filter(c, gc, &p->nodes[i]);
  chain_rel k0 = chain_rel_of(c, gc, &p->rels[0]), k1 = k0;
  if (p->nrels == 2) k1 = chain_rel_of(c, gc, &p->rels[1]);
  /* One pass over the edge records, which is much cheaper than walking each node's lists. Two
   * relationships: per middle node b, the allowed relationships in times the allowed ones out,
   * less the pairs that use one relationship twice (a loop, or an edge walked back), which a
   * match may not. */
  int64_t *in = NULL, *out = NULL, n = 0;
  if (p->nrels == 2) {
    in = cy_alloc(c, (gc->ncap ? gc->ncap : 1) * sizeof *in);
    out = cy_alloc(c, (gc->ncap ? gc->ncap : 1) * sizeof *out);
  }
  for (uint32_t r = 0; r < gc->ecap; r++) {
    const graph_erec *e = &gc->edges[r];
    if (!e->src || !gc->live[e->src] || !gc->live[e->dst]) continue;
    if ((r & 0xfff) == 0) cy_tick(c);
    uint32_t f0[2], t0[2], f1[2], t1[2];
    int n0 = chain_ends(&k0, e, f0, t0);
    if (p->nrels == 1) {
      for (int i = 0; i < n0; i++) n += ok[0][f0[i]] & ok[1][t0[i]];
      continue;
    }
    int n1 = chain_ends(&k1, e, f1, t1);
    for (int i = 0; i < n0; i++) in[t0[i]] += ok[0][f0[i]];
    for (int j = 0; j < n1; j++) out[f1[j]] += ok[2][t1[j]];
    for (int i = 0; i < n0; i++)
      for (int j = 0; j < n1; j++)
        n -= t0[i] == f1[j] && ok[0][f0[i]] && ok[1][t0[i]] && ok[2][t1[j]];
  }
  for (uint32_t b = 0; in && b < gc->ncap; b++)
    if (ok[1][b]) n += in[b] * out[b];
  return n;
}

/* ---- Writes ---- */

/* The JSON text of a property value; only primitives and lists of them may be stored. */
static char *prop_json(cy_ctx *c, cy_val v) {
  int ok = v.k != CV_MAP && v.k != CV_NODE && v.k != CV_REL && v.k != CV_PATH;
  if (v.k == CV_LIST)
    for (int i = 0; i < v.l->n; i++) {
      cy_kind k = v.l->v[i].k;
      if (k == CV_LIST || k == CV_MAP || k == CV_NODE || k == CV_REL || k == CV_PATH) ok = 0;
    }
  if (!ok)
    cy_fail(c, CY_TYPE, "runtime", "InvalidPropertyType",
            "a property value cannot be a %s", cy_kind_name(v.k == CV_LIST ? CV_LIST : v.k));
  ut_buf *b = cy_buf_hold(c);
  cy_format_stored(c, b, v);
  return cy_buf_take(c, b);
}

/* A copy of s (malloc'd) in the arena; s is freed even when the copy fails the query. */
static const char *arena_copy(cy_ctx *c, char *s) {
  ut_buf *b = cy_buf_hold(c);
  b->p = (unsigned char *)s;
  b->len = strlen(s);
  b->cap = b->len + 1;
  return cy_buf_take(c, b);
}

static char *props_json(cy_ctx *c, const cy_map *m) {
  ut_buf *b = cy_buf_hold(c);
  ut_buf_put_u8(b, '{');
  for (int i = 0; m && i < m->n; i++) {
    if (i) ut_buf_put_u8(b, ',');
    ut_json_put_string(b, m->k[i], strlen(m->k[i]));
    ut_buf_put_u8(b, ':');
    ut_buf_puts(b, prop_json(c, m->v[i]));
  }
  ut_buf_put_u8(b, '}');
  return cy_buf_take(c, b);
}

/* Drops null values, which Cypher never stores. */
static cy_map *without_nulls(cy_ctx *c, cy_map *m) {
  cy_map *r = cy_map_new(c, m ? m->n : 0);
  for (int i = 0; m && i < m->n; i++)
    if (m->v[i].k != CV_NULL) cy_map_put(c, r, m->k[i], m->v[i]);
  return r;
}

/* The row id of the element with text id (a live node, or any edge). */
static int64_t rid_of(cy_ctx *c, int kind, const char *id) {
  sqlite3_stmt *st = store_stmt(c->db, kind == ADB_NODE ? STMT_NODE_LIVE : STMT_ELEM_BY_ID_E);
  if (!st) store_fail(c, c->db->errcode);
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int src = store_step(c->db, st);
  int64_t rid = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE) store_fail(c, adb__sqlerr(c->db, src));
  return rid;
}

int cy_node_index(cy_ctx *c, const char *id) {
  int64_t rid = rid_of(c, ADB_NODE, id);
  if (!rid) return -1;
  int i = cy_node_of_rid(c, rid);
  cy_node_get(c, i);
  return c->g.nodes[i].deleted ? -1 : i;
}

/* Notes a write: scans made before it are stale. */
static void wrote(cy_ctx *c) {
  c->writes = 1;
  gst(c)->writes++;
}

int cy_node_create(cy_ctx *c, const char **labels, int nlabels, cy_map *props) {
  wrote(c);
  props = without_nulls(c, props);
  const char *label = cy_labels_text(c, labels, nlabels);
  char *id = NULL;
  /* A label register cannot be empty: a node without labels stores ":" (docs/cypher.md). */
  int rc = graph_create(c->db, ADB_NODE, NULL, label ? label : ":", props_json(c, props), NULL,
                        NULL, &id);
  if (rc) store_fail(c, rc);
  const char *idc = arena_copy(c, id);
  return add_node(c, rid_of(c, ADB_NODE, idc), idc, label, props);
}

int cy_rel_create(cy_ctx *c, int src, int dst, const char *type, cy_map *props) {
  wrote(c);
  props = without_nulls(c, props);
  const cy_node *s = cy_node_get(c, src), *d = cy_node_get(c, dst);
  if (s->deleted || d->deleted)
    cy_fail(c, CY_NOTFOUND, "runtime", "DeletedEntityAccess",
            "cannot create a relationship to a deleted node");
  char *id = NULL;
  int rc = graph_create(c->db, ADB_EDGE, NULL, type, props_json(c, props), s->id, d->id, &id);
  if (rc) store_fail(c, rc);
  const char *idc = arena_copy(c, id);
  return add_rel(c, rid_of(c, ADB_EDGE, idc), idc, src, dst, cy_strdup(c, type), props);
}

void cy_elem_set(cy_ctx *c, cy_val elem, const char *key, cy_val v) {
  wrote(c);
  int node = elem.k == CV_NODE;
  cy_map **props = node ? &cy_node_get(c, elem.id)->props : &cy_rel_get(c, elem.id)->props;
  int deleted = node ? c->g.nodes[elem.id].deleted : c->g.rels[elem.id].deleted;
  const char *id = node ? c->g.nodes[elem.id].id : c->g.rels[elem.id].id;
  if (deleted) return;
  const cy_val *cur = cy_map_get(*props, key);
  if (v.k == CV_NULL && !cur) return;
  char *text = v.k == CV_NULL ? NULL : prop_json(c, v);
  int rc = graph_set(c->db, node ? ADB_NODE : ADB_EDGE, id, key, text);
  if (rc) store_fail(c, rc);
  *props = cy_map_with(c, *props, key, v.k == CV_NULL ? NULL : &v);
}

void cy_node_label(cy_ctx *c, int node, const char *label, int add) {
  wrote(c);
  cy_node *n = cy_node_get(c, node);
  if (n->deleted || cy_node_has_label(n, label) == add) return;
  const char **ls = cy_alloc(c, (size_t)(n->nlabels + 1) * sizeof *ls);
  int k = 0;
  for (int i = 0; i < n->nlabels; i++)
    if (add || strcmp(n->labels[i], label)) ls[k++] = n->labels[i];
  if (add) ls[k++] = cy_strdup(c, label);
  const char *text = cy_labels_text(c, ls, k);
  int rc = graph_update(c->db, ADB_NODE, n->id, text ? text : ":", NULL, 0);
  if (rc) store_fail(c, rc);
  labels_from_text(c, text, n);
}

void cy_rel_delete(cy_ctx *c, int rel) {
  wrote(c);
  cy_rel *r = cy_rel_get(c, rel);
  if (r->deleted) return;
  int rc = graph_delete(c->db, ADB_EDGE, r->id);
  if (rc) store_fail(c, rc);
  r->deleted = 1;
  c->g.rels_gone++;
}

/* Lists every visible relationship of node in its out and in lists, so that DETACH DELETE
 * deletes them and the end of the query can check a plain DELETE left none. */
static void list_rels(cy_ctx *c, int node) {
  cy_adj a;
  cy_adj_open(c, &a, node, CY_BOTH, NULL, 0);
  int rel, other, side;
  while (cy_adj_next(c, &a, &rel, &other, &side)) {
    cy_node *n = &c->g.nodes[node]; /* entering the other end may have moved the array */
    int dup = 0;
    int *v = side == CY_OUT ? n->out : n->in, nv = side == CY_OUT ? n->nout : n->nin;
    for (int i = 0; i < nv && !dup; i++) dup = v[i] == rel;
    if (dup) continue;
    if (side == CY_OUT) adj_push(c, &n->out, &n->nout, &n->capout, rel);
    else adj_push(c, &n->in, &n->nin, &n->capin, rel);
  }
}

void cy_node_delete(cy_ctx *c, int node, int detach) {
  wrote(c);
  if (cy_node_get(c, node)->deleted) return;
  list_rels(c, node);
  cy_node *n = &c->g.nodes[node];
  /* A plain DELETE that leaves relationships of the node is refused when the query ends
   * (cy_exec), since the same query may still delete them. */
  for (int i = 0; detach && i < n->nout; i++) cy_rel_delete(c, n->out[i]);
  for (int i = 0; detach && i < n->nin; i++) cy_rel_delete(c, n->in[i]);
  int rc = graph_delete(c->db, ADB_NODE, n->id);
  if (rc) store_fail(c, rc);
  n->deleted = 1;
}

/* How many entries of a are not in b with an equal value. */
static int64_t props_missing(cy_ctx *c, const cy_map *a, const cy_map *b) {
  int64_t n = 0;
  for (int i = 0; a && i < a->n; i++) {
    const cy_val *v = cy_map_get(b, a->k[i]);
    if (!v || cy_order(c, *v, a->v[i]) != 0) n++;
  }
  return n;
}

/* The distinct label names of the nodes before the query (after = 0) or now, sorted. */
static const char **label_set(cy_ctx *c, int after, int *n) {
  const cy_graph *g = &c->g;
  int total = 0;
  for (int i = 0; i < g->nnodes; i++)
    total += after ? g->nodes[i].nlabels : g->nodes[i].orig_nlabels;
  const char **v = cy_alloc(c, (size_t)(total + 1) * sizeof *v);
  int k = 0;
  for (int i = 0; i < g->nnodes; i++) {
    const cy_node *x = &g->nodes[i];
    if (after ? x->deleted : !x->loaded) continue;
    int nl = after ? x->nlabels : x->orig_nlabels;
    for (int l = 0; l < nl; l++) v[k++] = after ? x->labels[l] : x->orig_labels[l];
  }
  qsort(v, (size_t)k, sizeof *v, str_cmp);
  int u = 0;
  for (int i = 0; i < k; i++)
    if (!u || strcmp(v[u - 1], v[i])) v[u++] = v[i];
  *n = u;
  return v;
}

/* 1 when a live node the query did not load (so left as it was) has label. */
static int outside_has(cy_ctx *c, const char *label) {
  int64_t inside = 0;
  for (int i = 0; i < c->g.nnodes; i++) {
    const cy_node *n = &c->g.nodes[i];
    inside += !n->stub && !n->deleted && cy_node_has_label(n, label);
  }
  return cy_label_count_now(c, label) > inside;
}

/* How many names of sorted set a are neither in sorted set b nor on a node outside the
 * snapshot: the label names the query added to (or, swapped, removed from) the graph. */
static int64_t names_missing(cy_ctx *c, const char **a, int na, const char **b, int nb) {
  int64_t n = 0;
  int j = 0;
  for (int i = 0; i < na; i++) {
    while (j < nb && strcmp(b[j], a[i]) < 0) j++;
    if ((j >= nb || strcmp(b[j], a[i])) && !outside_has(c, a[i])) n++;
  }
  return n;
}

void cy_stats_compute(cy_ctx *c) {
  cy_stats *s = &c->stats;
  memset(s, 0, sizeof *s);
  if (!c->writes) return;
  const cy_graph *g = &c->g;
  /* Elements the query never loaded were never written: only loaded and created ones count. */
  for (int i = 0; i < g->nnodes; i++) {
    const cy_node *n = &g->nodes[i];
    if (n->stub) continue;
    const cy_map *before = n->loaded ? n->orig : NULL, *after = n->deleted ? NULL : n->props;
    if (!n->loaded && !n->deleted) s->nodes_created++;
    if (n->loaded && n->deleted) s->nodes_deleted++;
    s->props_set += props_missing(c, after, before);
    s->props_removed += props_missing(c, before, after);
  }
  for (int i = 0; i < g->nrels; i++) {
    const cy_rel *r = &g->rels[i];
    if (r->stub) continue;
    const cy_map *before = r->loaded ? r->orig : NULL, *after = r->deleted ? NULL : r->props;
    if (!r->loaded && !r->deleted) s->rels_created++;
    if (r->loaded && r->deleted) s->rels_deleted++;
    s->props_set += props_missing(c, after, before);
    s->props_removed += props_missing(c, before, after);
  }
  int nb, na;
  const char **before = label_set(c, 0, &nb), **after = label_set(c, 1, &na);
  s->labels_added = names_missing(c, after, na, before, nb);
  s->labels_removed = names_missing(c, before, nb, after, na);
}
