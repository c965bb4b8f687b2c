/* adjcache.c — the in-memory adjacency cache: per node and direction, its edges and neighbours. */
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "graph/graph.h"
#include "store/store.h"

/* Row ids are kept in 32 bits: four billion rows of one kind is far past what one file holds. */
#define RID_LIMIT ((int64_t)UINT32_MAX)

/* ---- Labels ------------------------------------------------------------------------------ */

static uint32_t label_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

uint32_t graph_cache_label(const graph_cache *c, const char *label) {
  if (!c->slots) return 0;
  for (uint32_t i = label_hash(label) & c->smask;; i = (i + 1) & c->smask) {
    uint32_t id = c->slots[i];
    if (id == 0 || strcmp(c->labels[id - 1], label) == 0) return id;
  }
}

/* Puts id into the first free slot of its chain. */
static void slot_set(graph_cache *c, uint32_t id) {
  uint32_t i = label_hash(c->labels[id - 1]) & c->smask;
  while (c->slots[i]) i = (i + 1) & c->smask;
  c->slots[i] = id;
}

/* The id of label, adding it when new; 0 when memory runs out. */
static uint32_t label_intern(graph_cache *c, const char *label) {
  uint32_t id = graph_cache_label(c, label);
  if (id) return id;
  if (c->nlabels == c->caplabels) {
    uint32_t cap = c->caplabels ? c->caplabels * 2 : 8;
    char **l = realloc(c->labels, cap * sizeof *l);
    if (!l) return 0;
    c->labels = l;
    c->caplabels = cap;
  }
  if ((c->nlabels + 1) * 2 > c->smask) { /* keep the hash at most half full */
    uint32_t n = c->slots ? (c->smask + 1) * 2 : 16;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s) return 0;
    free(c->slots);
    c->slots = s;
    c->smask = n - 1;
    for (uint32_t i = 1; i <= c->nlabels; i++) slot_set(c, i);
  }
  if (!(c->labels[c->nlabels] = strdup(label))) return 0;
  id = ++c->nlabels;
  slot_set(c, id);
  return id;
}

/* ---- Growth ------------------------------------------------------------------------------ */

/* Grows *p, an array of n elements of size sz, to hold want, zeroing the new part. */
static int grow(void *p, uint32_t n, uint32_t want, size_t sz) {
  void *q = realloc(*(void **)p, (size_t)want * sz);
  if (!q) return ADB_NOMEM;
  memset((char *)q + (size_t)n * sz, 0, (size_t)(want - n) * sz);
  *(void **)p = q;
  return ADB_OK;
}

/* The next capacity covering row id rid. */
static uint32_t cap_for(uint32_t cap, int64_t rid) {
  int64_t want = cap ? (int64_t)cap * 2 : 1024;
  if (want <= rid) want = rid + 1;
  return want > RID_LIMIT ? (uint32_t)RID_LIMIT : (uint32_t)want;
}

/* Makes the node arrays cover row id rid. */
static int nodes_cover(graph_cache *c, int64_t rid) {
  if (rid < c->ncap) return ADB_OK;
  if (rid >= RID_LIMIT) return ADB_NOMEM;
  uint32_t n = c->ncap, want = cap_for(n, rid);
  if (grow(&c->live, n, want, sizeof *c->live) || grow(&c->out, n, want, sizeof *c->out) ||
      grow(&c->in, n, want, sizeof *c->in) || grow(&c->mark, n, want, sizeof *c->mark))
    return ADB_NOMEM; /* the arrays grown so far are larger than ncap says, which is harmless */
  c->ncap = want;
  return ADB_OK;
}

static int edges_cover(graph_cache *c, int64_t rid) {
  if (rid < c->ecap) return ADB_OK;
  if (rid >= RID_LIMIT) return ADB_NOMEM;
  uint32_t want = cap_for(c->ecap, rid);
  if (grow(&c->edges, c->ecap, want, sizeof *c->edges)) return ADB_NOMEM;
  c->ecap = want;
  return ADB_OK;
}

/* ---- Lists ------------------------------------------------------------------------------- */

static int adj_cmp(const graph_adj *a, const graph_adj *b) {
  if (a->other != b->other) return a->other < b->other ? -1 : 1;
  return a->edge < b->edge ? -1 : a->edge > b->edge;
}

static int adj_qcmp(const void *a, const void *b) { return adj_cmp(a, b); }

/* The index of the first entry not below e. */
static uint32_t list_find(const graph_list *l, const graph_adj *e) {
  uint32_t lo = 0, hi = l->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (adj_cmp(&l->v[mid], e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int list_insert(graph_list *l, graph_adj e) {
  if (l->n == l->cap || l->cap == 0) { /* full, or still in the shared block: own a copy */
    uint32_t cap = l->n < 2 ? 4 : l->n * 2;
    graph_adj *v = malloc(cap * sizeof *v);
    if (!v) return ADB_NOMEM;
    if (l->n) memcpy(v, l->v, l->n * sizeof *v);
    if (l->cap) free(l->v);
    l->v = v;
    l->cap = cap;
  }
  uint32_t at = list_find(l, &e);
  memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof *l->v);
  l->v[at] = e;
  l->n++;
  return ADB_OK;
}

/* Removing shifts entries down within the list's own space, shared block or not. */
static void list_remove(graph_list *l, graph_adj e) {
  uint32_t at = list_find(l, &e);
  if (at == l->n || adj_cmp(&l->v[at], &e) != 0) return;
  memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof *l->v);
  l->n--;
}

/* ---- Rows -------------------------------------------------------------------------------- */

static void cache_free(graph_cache *c) {
  if (!c) return;
  for (uint32_t i = 0; i < c->ncap; i++) {
    if (c->out[i].cap) free(c->out[i].v);
    if (c->in[i].cap) free(c->in[i].v);
  }
  for (uint32_t i = 0; i < c->nlabels; i++) free(c->labels[i]);
  free(c->labels);
  free(c->slots);
  free(c->live);
  free(c->out);
  free(c->in);
  free(c->mark);
  free(c->edges);
  free(c->block);
  free(c);
}

/* The handle's slot: the cache while there is one, how often one was built, and the edge rows
 * walks have read through the indexes since the last build or drop. */
typedef struct cache_slot {
  graph_cache *cache;
  uint64_t builds, index_reads;
} cache_slot;

static void slot_free(void *p) {
  cache_free(((cache_slot *)p)->cache);
  free(p);
}

void graph_cache_drop(adb *db) {
  cache_slot *s = adb__slot_peek(db, ADB_SLOT_GRAPH);
  if (!s) return;
  cache_free(s->cache);
  s->cache = NULL;
  s->index_reads = 0;
}

const graph_cache *graph_cache_current(adb *db, uint64_t *builds) {
  cache_slot *s = adb__slot_peek(db, ADB_SLOT_GRAPH);
  *builds = s ? s->builds : 0;
  return s ? s->cache : NULL;
}

/* Applies an edge row: takes the old entries out of their lists, puts the new ones in. */
static int edge_row(graph_cache *c, int64_t rid, uint64_t cl, const char *label, int64_t src,
                    int64_t dst) {
  int rc = edges_cover(c, rid);
  if (rc) return rc;
  graph_erec *old = &c->edges[rid];
  graph_erec now = {0, 0, label ? label_intern(c, label) : 0};
  if (label && !now.label) return ADB_NOMEM;
  if ((cl & 1) && src > 0 && dst > 0) {
    if ((rc = nodes_cover(c, src > dst ? src : dst))) return rc;
    now.src = (uint32_t)src;
    now.dst = (uint32_t)dst;
  }
  if (old->src == now.src && old->dst == now.dst) {
    old->label = now.label;
    return ADB_OK;
  }
  if (old->src) {
    list_remove(&c->out[old->src], (graph_adj){(uint32_t)rid, old->dst});
    list_remove(&c->in[old->dst], (graph_adj){(uint32_t)rid, old->src});
    c->listed--;
  }
  *old = (graph_erec){0, 0, now.label};
  if (!now.src) return ADB_OK;
  if ((rc = list_insert(&c->out[now.src], (graph_adj){(uint32_t)rid, now.dst}))) return rc;
  if ((rc = list_insert(&c->in[now.dst], (graph_adj){(uint32_t)rid, now.src}))) {
    list_remove(&c->out[now.src], (graph_adj){(uint32_t)rid, now.dst});
    return rc;
  }
  *old = now;
  c->listed++;
  return ADB_OK;
}

/* Brings the cache, when there is one, up to date with a row just written: kind ADB_NODE or
 * ADB_EDGE, its causal length, and for edges its label and endpoint row ids as stored (NULL and
 * 0 when the columns are NULL). */
static void cache_row(adb *db, int kind, int64_t rid, uint64_t cl, const char *label, int64_t src,
                      int64_t dst) {
  cache_slot *s = adb__slot_peek(db, ADB_SLOT_GRAPH);
  graph_cache *c = s ? s->cache : NULL;
  if (!c) return;
  int rc;
  if (kind == ADB_NODE) {
    rc = nodes_cover(c, rid);
    if (rc == ADB_OK) c->live[rid] = cl & 1;
  } else {
    rc = edge_row(c, rid, cl, label, src, dst);
  }
  if (rc) graph_cache_drop(db);
}

/* Traversals read the rows an element's save wrote from memory. */
static int cache_saved(adb *db, crdt_elem *e) {
  int ends = e->has_ends && crdt_reg_visible(e, &e->ends);
  cache_row(db, e->kind, e->rid, e->cl,
            e->has_label && crdt_reg_visible(e, &e->label) ? e->label.value : NULL,
            ends ? e->src : 0, ends ? e->dst : 0);
  return ADB_OK;
}

const adb_index graph_cache_index = {.saved = cache_saved, .forget = graph_cache_drop};

void graph_cache_unmark(graph_cache *c) {
  if (++c->gen == 0) { /* the stamps wrapped around: clear them once */
    memset(c->mark, 0, (size_t)c->ncap * sizeof *c->mark);
    c->gen = 1;
  }
}

size_t graph_cache_bytes(const graph_cache *c) {
  size_t n = sizeof *c + (size_t)c->ncap * (sizeof *c->live + 2 * sizeof *c->out +
                                            sizeof *c->mark) +
             (size_t)c->ecap * sizeof *c->edges + c->listed * 2 * sizeof(graph_adj);
  for (uint32_t i = 0; i < c->ncap; i++) /* spare room of lists changed since the build */
    n += (size_t)(c->out[i].cap ? c->out[i].cap - c->out[i].n : 0) * sizeof(graph_adj) +
         (size_t)(c->in[i].cap ? c->in[i].cap - c->in[i].n : 0) * sizeof(graph_adj);
  return n;
}

/* ---- Building ---------------------------------------------------------------------------- */

/* Reads the largest row id of table into *max. */
static int max_rid(adb *db, const char *sql, int64_t *max) {
  sqlite3_stmt *st;
  int src = store_prepare(db, sql, &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  src = store_step(db, st);
  *max = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, src);
}

/* Reads the live nodes and the listed edges (records only; lists are laid out after). */
static int read_rows(adb *db, graph_cache *c) {
  static const char *const sql[2] = {
      "SELECT rid FROM main.adb_node WHERE cl&1",
      "SELECT rid, src, dst, label FROM main.adb_edge WHERE cl&1 AND src IS NOT NULL"
      " AND dst IS NOT NULL"};
  int rc = ADB_OK;
  for (int k = 0; k < 2 && rc == ADB_OK; k++) {
    sqlite3_stmt *st;
    int src = store_prepare(db, sql[k], &st);
    if (src != SQLITE_OK) return adb__sqlerr(db, src);
    while (rc == ADB_OK && (src = store_step(db, st)) == SQLITE_ROW) {
      int64_t rid = sqlite3_column_int64(st, 0);
      if (k == 0) {
        if ((rc = nodes_cover(c, rid)) == ADB_OK) c->live[rid] = 1;
        continue;
      }
      int64_t s = sqlite3_column_int64(st, 1), d = sqlite3_column_int64(st, 2);
      const char *label = (const char *)sqlite3_column_text(st, 3);
      graph_erec e = {0, 0, label ? label_intern(c, label) : 0};
      if ((label && !e.label) || s <= 0 || d <= 0 || (rc = nodes_cover(c, s > d ? s : d)) ||
          (rc = edges_cover(c, rid))) {
        rc = rc ? rc : s <= 0 || d <= 0 ? ADB_CORRUPT : ADB_NOMEM;
        break;
      }
      e.src = (uint32_t)s;
      e.dst = (uint32_t)d;
      c->edges[rid] = e;
      c->out[s].n++;
      c->in[d].n++;
      c->listed++;
    }
    if (rc == ADB_OK && src != SQLITE_DONE) rc = adb__sqlerr(db, src);
    sqlite3_finalize(st);
  }
  if (rc == ADB_NOMEM) return adb__err(db, rc, "out of memory building the adjacency cache");
  if (rc == ADB_CORRUPT) return adb__err(db, rc, "an edge row names node row 0 or less");
  return rc;
}

/* Lays the lists out in one block: counted sizes first, then filled in row order and sorted. */
static int lay_out(graph_cache *c) {
  if (!c->listed) return ADB_OK;
  c->block = malloc(c->listed * 2 * sizeof *c->block);
  if (!c->block) return ADB_NOMEM;
  graph_adj *at = c->block;
  for (uint32_t i = 0; i < c->ncap; i++) {
    c->out[i].v = at;
    at += c->out[i].n;
    c->in[i].v = at;
    at += c->in[i].n;
    c->out[i].n = c->in[i].n = 0;
  }
  for (uint32_t r = 0; r < c->ecap; r++) {
    graph_erec *e = &c->edges[r];
    if (!e->src) continue;
    c->out[e->src].v[c->out[e->src].n++] = (graph_adj){r, e->dst};
    c->in[e->dst].v[c->in[e->dst].n++] = (graph_adj){r, e->src};
  }
  for (uint32_t i = 0; i < c->ncap; i++) {
    if (c->out[i].n > 1) qsort(c->out[i].v, c->out[i].n, sizeof(graph_adj), adj_qcmp);
    if (c->in[i].n > 1) qsort(c->in[i].v, c->in[i].n, sizeof(graph_adj), adj_qcmp);
  }
  return ADB_OK;
}

/* Builds the cache from the rows, sizing the arrays for the largest row ids up front. */
static int build(adb *db, graph_cache **out) {
  graph_cache *c = calloc(1, sizeof *c);
  if (!c) return adb__err(db, ADB_NOMEM, "out of memory building the adjacency cache");
  int64_t nmax, emax;
  int rc = max_rid(db, "SELECT coalesce(max(rid), 0) FROM main.adb_node", &nmax);
  if (rc == ADB_OK) rc = max_rid(db, "SELECT coalesce(max(rid), 0) FROM main.adb_edge", &emax);
  if (rc == ADB_OK && (nodes_cover(c, nmax) || edges_cover(c, emax)))
    rc = adb__err(db, ADB_NOMEM, "out of memory building the adjacency cache");
  if (rc == ADB_OK) rc = read_rows(db, c);
  if (rc == ADB_OK && lay_out(c))
    rc = adb__err(db, ADB_NOMEM, "out of memory building the adjacency cache");
  if (rc) {
    cache_free(c);
    return rc;
  }
  *out = c;
  return ADB_OK;
}

int graph_cache_get(adb *db, graph_cache **out) {
  *out = NULL;
  int rc = store_sync(db); /* drops the cache when another connection committed */
  cache_slot *s = rc == ADB_OK ? adb__slot(db, ADB_SLOT_GRAPH, sizeof *s, slot_free) : NULL;
  if (!s) return rc ? rc : db->errcode;
  if (!s->cache && (rc = build(db, &s->cache)) == ADB_OK) {
    s->builds++;
    s->index_reads = 0;
  }
  *out = s->cache;
  return rc;
}

/* Walks without the cache may read a 32nd of the edge rows (at least WALK_SHARE_MIN) through
 * the indexes, counted over the handle's walks since the last build or drop. Reading an edge
 * through the indexes costs about seven times what the build spends on it (the node rows it
 * checks are random reads), so a handle that walks far pays about a fifth more than building at
 * once, and one that walks a little never builds. */
#define WALK_SHARE_MIN 1024

int graph_cache_for_walk(adb *db, graph_cache **out, uint64_t *budget) {
  *out = NULL;
  *budget = 0;
  int rc = store_sync(db);
  cache_slot *s = rc == ADB_OK ? adb__slot(db, ADB_SLOT_GRAPH, sizeof *s, slot_free) : NULL;
  if (!s) return rc ? rc : db->errcode;
  if (s->cache) {
    *out = s->cache;
    return ADB_OK;
  }
  int64_t emax;
  if ((rc = max_rid(db, "SELECT coalesce(max(rid), 0) FROM main.adb_edge", &emax))) return rc;
  uint64_t share = (uint64_t)emax / 32 > WALK_SHARE_MIN ? (uint64_t)emax / 32 : WALK_SHARE_MIN;
  if (s->index_reads < share) {
    *budget = share - s->index_reads;
    return ADB_OK;
  }
  return graph_cache_get(db, out);
}

void graph_cache_charge(adb *db, uint64_t rows) {
  cache_slot *s = adb__slot_peek(db, ADB_SLOT_GRAPH);
  if (s) s->index_reads += rows;
}
