/* traverse.c — walks over the adjacency cache: neighbours, k-hop, shortest path, pattern count. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "store/store.h"

/* ---- Ids and rows ------------------------------------------------------------------------ */

int graph_node_rid(adb *db, const char *id, int64_t *rid) {
  if (!id) return adb__err(db, ADB_INVALID, "a traversal needs a start node id, not NULL");
  sqlite3_stmt *st = store_stmt(db, STMT_NODE_LIVE);
  if (!st) return db->errcode;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int src = store_step(db, st);
  *rid = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (src == SQLITE_DONE) return adb__err(db, ADB_NOTFOUND, "there is no node with id '%s'", id);
  return src == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, src);
}

int graph_rid_text(adb *db, int kind, int64_t rid, char **out) {
  *out = NULL;
  sqlite3_stmt *st = store_stmt(db, kind == ADB_EDGE ? STMT_EDGE_ID : STMT_NODE_ID);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, rid);
  int src = store_step(db, st);
  int rc = ADB_OK;
  if (src == SQLITE_ROW && !(*out = strdup((const char *)sqlite3_column_text(st, 0))))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  else if (src == SQLITE_DONE)
    rc = adb__err(db, ADB_CORRUPT, "%s row %lld is missing", graph_kind_name(kind), (long long)rid);
  else if (src != SQLITE_ROW)
    rc = adb__sqlerr(db, src);
  sqlite3_reset(st);
  return rc;
}

/* ---- Adjacency --------------------------------------------------------------------------- */

/* Calls fn for the visible edges of one list; skip_self drops self-loops (the out side gave
 * them). */
static int scan_list(const graph_cache *c, const graph_list *l, int side, int skip_self,
                     int64_t node, int any, uint32_t label, graph_edge_fn fn, void *ctx) {
  for (uint32_t i = 0; i < l->n; i++) {
    graph_adj a = l->v[i];
    if (!c->live[a.other] || (!any && c->edges[a.edge].label != label)) continue;
    if (skip_self && a.other == node) continue;
    uint32_t lab = c->edges[a.edge].label;
    int rc = fn(ctx, a.edge, a.other, side, lab ? c->labels[lab - 1] : NULL);
    if (rc) return rc;
  }
  return ADB_OK;
}

int graph_adjacent(const graph_cache *c, int64_t node, int dir, int any, uint32_t label,
                   graph_edge_fn fn, void *ctx) {
  if (node >= c->ncap || !c->live[node] || (!any && !label)) return ADB_OK; /* label 0: none */
  int rc = ADB_OK;
  if (dir & ADB_OUT) rc = scan_list(c, &c->out[node], ADB_OUT, 0, node, any, label, fn, ctx);
  if (rc == ADB_OK && (dir & ADB_IN))
    rc = scan_list(c, &c->in[node], ADB_IN, dir == ADB_BOTH, node, any, label, fn, ctx);
  return rc;
}

int graph_index_adjacent(adb *db, int64_t node, int dir, const char *label, graph_edge_fn fn,
                         void *ctx, uint64_t *reads) {
  for (int side = ADB_OUT; side <= ADB_IN; side++) {
    if (!(dir & side)) continue;
    sqlite3_stmt *st = store_stmt(db, side == ADB_OUT ? STMT_ADJ_OUT : STMT_ADJ_IN);
    if (!st) return db->errcode;
    sqlite3_bind_int64(st, 1, node);
    if (label) sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
    int src = SQLITE_DONE, rc = ADB_OK;
    while (rc == ADB_OK && (src = store_step(db, st)) == SQLITE_ROW) {
      int64_t edge = sqlite3_column_int64(st, 0), other = sqlite3_column_int64(st, 1);
      ++*reads;
      if (side == ADB_IN && dir == ADB_BOTH && other == node) continue;
      rc = fn(ctx, edge, other, side, (const char *)sqlite3_column_text(st, 2));
    }
    if (rc == ADB_OK && src != SQLITE_DONE) rc = adb__sqlerr(db, src);
    sqlite3_reset(st);
    if (rc) return rc;
  }
  return ADB_OK;
}

/* ---- Walks ------------------------------------------------------------------------------- */

int graph_walk_check(adb *db, int dir, const char *label, int64_t depth) {
  if (dir != ADB_OUT && dir != ADB_IN && dir != ADB_BOTH)
    return adb__err(db, ADB_INVALID, "direction %d is not ADB_OUT, ADB_IN or ADB_BOTH", dir);
  if (label) {
    int rc = ut_name_check(db, "label", label);
    if (rc) return rc;
  }
  if (depth < 0 || depth > ADB_DEPTH_MAX)
    return adb__err(db, ADB_INVALID, "depth %lld is out of range: use 0 to %d", (long long)depth,
                    ADB_DEPTH_MAX);
  return ADB_OK;
}

static int hop_add(graph_walk *w, graph_hop h) {
  if (w->nhops == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    graph_hop *p = cap <= INT32_MAX ? realloc(w->hops, cap * sizeof *p) : NULL;
    if (!p) return adb__err(w->db, ADB_NOMEM, "out of memory: the walk reached too many nodes");
    w->hops = p;
    w->cap = cap;
  }
  w->hops[w->nhops++] = h;
  return ADB_OK;
}

/* Goes on with the cache: checks the start is in it (a live node the cache lacks means it
 * missed a change, so it is built anew once) and takes the label's id. */
static int on_cache(graph_walk *w) {
  int64_t rid = w->hops[0].node;
  if (rid >= w->cache->ncap || !w->cache->live[rid]) {
    graph_cache_drop(w->db);
    int rc = graph_cache_get(w->db, &w->cache);
    if (rc) return rc;
    if (rid >= w->cache->ncap || !w->cache->live[rid])
      return adb__err(w->db, ADB_CORRUPT, "node row %lld is missing from the adjacency cache",
                      (long long)rid);
  }
  if (w->label) w->label_id = graph_cache_label(w->cache, w->label);
  return ADB_OK;
}

/* ---- Walks on the indexes ---------------------------------------------------------------- */

/* Returned inside an index walk that read past its budget. */
#define WALK_OVER (ADB_DONE + 1)

/* The slot of rid in an open-addressed set of row ids: where it is, or the free slot it would
 * take. */
static size_t seen_slot(const int64_t *set, size_t mask, int64_t rid) {
  uint64_t h = (uint64_t)rid * 0x9E3779B97F4A7C15ull;
  size_t j = (h ^ h >> 29) & mask;
  while (set[j] && set[j] != rid) j = (j + 1) & mask;
  return j;
}

/* Adds row id rid to the visited set: 1 when it was new, 0 when it was there, or ADB_NOMEM. */
static int seen_add(graph_walk *w, int64_t rid) {
  if (!w->seen || (w->nseen + 1) * 2 > w->seen_mask + 1) { /* keep it at most half full */
    size_t cap = w->seen ? (w->seen_mask + 1) * 2 : 256;
    int64_t *s = calloc(cap, sizeof *s);
    if (!s) return adb__err(w->db, ADB_NOMEM, "out of memory: the walk reached too many nodes");
    for (size_t i = 0; w->seen && i <= w->seen_mask; i++)
      if (w->seen[i]) s[seen_slot(s, cap - 1, w->seen[i])] = w->seen[i];
    free(w->seen);
    w->seen = s;
    w->seen_mask = cap - 1;
  }
  size_t j = seen_slot(w->seen, w->seen_mask, rid);
  if (w->seen[j]) return 0;
  w->seen[j] = rid;
  w->nseen++;
  return 1;
}

/* Where an index walk's breadth-first step adds the hops it reaches. */
typedef struct reach_at {
  graph_walk *w;
  int32_t from, depth;
  int64_t target;
} reach_at;

static int on_reached(void *ctx, int64_t edge, int64_t other, int side, const char *label) {
  (void)label;
  reach_at *r = ctx;
  if (r->w->reads > r->w->budget) return WALK_OVER;
  int rc = seen_add(r->w, other);
  if (rc <= 0) return rc;
  if ((rc = hop_add(r->w, (graph_hop){other, edge, r->from, r->depth, side}))) return rc;
  return other == r->target ? ADB_DONE : ADB_OK;
}

/* The breadth-first loop on the indexes; WALK_OVER once it read past its budget. */
static int bfs_indexed(graph_walk *w, int max_depth, int64_t target) {
  int rc = ADB_OK;
  for (size_t i = 0; rc == ADB_OK && i < w->nhops && w->hops[i].depth < max_depth; i++) {
    reach_at r = {w, (int32_t)i, w->hops[i].depth + 1, target};
    rc = graph_index_adjacent(w->db, w->hops[i].node, w->dir, w->label, on_reached, &r, &w->reads);
  }
  graph_cache_charge(w->db, w->reads);
  w->reads = 0;
  return rc;
}

/* ---- Walks from a start ---------------------------------------------------------------- */

int graph_walk_init(graph_walk *w, adb *db, const char *start, int dir, const char *label) {
  memset(w, 0, sizeof *w);
  w->db = db;
  w->dir = dir;
  w->label = label;
  w->any = !label;
  int64_t rid;
  int rc = graph_cache_for_walk(db, &w->cache, &w->budget);
  if (rc == ADB_OK) rc = graph_node_rid(db, start, &rid);
  if (rc == ADB_OK) rc = hop_add(w, (graph_hop){.node = rid, .from = -1});
  if (rc == ADB_OK) rc = w->cache ? on_cache(w) : seen_add(w, rid) < 0 ? w->db->errcode : ADB_OK;
  if (rc) graph_walk_free(w);
  return rc;
}

void graph_walk_free(graph_walk *w) {
  free(w->hops);
  free(w->seen);
  memset(w, 0, sizeof *w);
}

static int on_neighbor(void *ctx, int64_t edge, int64_t other, int dir, const char *label) {
  (void)label;
  return hop_add(ctx, (graph_hop){other, edge, 0, 1, dir});
}

int graph_neighbors(graph_walk *w) {
  if (w->cache)
    return graph_adjacent(w->cache, w->hops[0].node, w->dir, w->any, w->label_id, on_neighbor, w);
  int rc =
      graph_index_adjacent(w->db, w->hops[0].node, w->dir, w->label, on_neighbor, w, &w->reads);
  graph_cache_charge(w->db, w->reads);
  w->reads = 0;
  return rc;
}

/* Adds the unvisited, live, matching ends of list l as hops from hop from; ADB_DONE once the
 * target is among them. */
static int reach(graph_walk *w, const graph_list *l, int side, int32_t from, int64_t target) {
  graph_cache *c = w->cache;
  int64_t node = w->hops[from].node;
  int32_t depth = w->hops[from].depth + 1;
  for (uint32_t i = 0; i < l->n; i++) {
    graph_adj a = l->v[i];
    if (c->mark[a.other] == c->gen || !c->live[a.other]) continue;
    if (!w->any && c->edges[a.edge].label != w->label_id) continue;
    if (side == ADB_IN && w->dir == ADB_BOTH && a.other == node) continue;
    c->mark[a.other] = c->gen;
    int rc = hop_add(w, (graph_hop){a.other, a.edge, from, depth, side});
    if (rc) return rc;
    if (a.other == target) return ADB_DONE;
  }
  return ADB_OK;
}

/* The breadth-first loop: the hop list is the queue. ADB_DONE when target was reached. A walk
 * on the indexes that reads past its budget starts again from its first hop on the cache. */
static int bfs(graph_walk *w, int max_depth, int64_t target) {
  if (!w->cache) {
    int rc = bfs_indexed(w, max_depth, target);
    if (rc != WALK_OVER) return rc;
    w->nhops = 1;
    if ((rc = graph_cache_get(w->db, &w->cache)) || (rc = on_cache(w))) return rc;
  }
  graph_cache *c = w->cache;
  if (!w->any && !w->label_id) return ADB_OK; /* no edge has the label */
  graph_cache_unmark(c);
  c->mark[w->hops[0].node] = c->gen;
  for (size_t i = 0; i < w->nhops && w->hops[i].depth < max_depth; i++) {
    int64_t node = w->hops[i].node;
    int rc = ADB_OK;
    if (w->dir & ADB_OUT) rc = reach(w, &c->out[node], ADB_OUT, (int32_t)i, target);
    if (rc == ADB_OK && (w->dir & ADB_IN)) rc = reach(w, &c->in[node], ADB_IN, (int32_t)i, target);
    if (rc) return rc;
  }
  return ADB_OK;
}
int graph_khop(graph_walk *w, int max_depth) { return bfs(w, max_depth, 0); }

int graph_shortest(graph_walk *w, int64_t target, int max_depth, size_t *at) {
  if (w->hops[0].node == target) {
    *at = 0;
    return ADB_OK;
  }
  int rc = bfs(w, max_depth, target);
  if (rc != ADB_DONE) return rc ? rc : ADB_DONE;
  *at = w->nhops - 1;
  return ADB_OK;
}

/* One pass over the edge records counts, per middle node b, the first-label edges into it and
 * the second-label edges out of it; the sum of their products, less the self-loops matching
 * both (a pair of one edge with itself is no match), is the answer. Sequential reads of the
 * records are much cheaper than walking each node's lists. */
int graph_count_two_hop(adb *db, const graph_cache *c, const char *first, const char *second,
                        int64_t *count) {
  *count = 0;
  uint32_t l1 = first ? graph_cache_label(c, first) : 0;
  uint32_t l2 = second ? graph_cache_label(c, second) : 0;
  if ((first && !l1) || (second && !l2)) return ADB_OK;
  uint32_t *in = calloc(c->ncap, sizeof *in), *out = calloc(c->ncap, sizeof *out);
  if (!in || !out) {
    free(in);
    free(out);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  int64_t total = 0;
  for (uint32_t r = 0; r < c->ecap; r++) {
    graph_erec e = c->edges[r];
    if (!e.src || !c->live[e.src] || !c->live[e.dst]) continue;
    int m1 = !first || e.label == l1, m2 = !second || e.label == l2;
    in[e.dst] += m1;
    out[e.src] += m2;
    total -= m1 && m2 && e.src == e.dst;
  }
  for (uint32_t b = 0; b < c->ncap; b++) total += (int64_t)in[b] * out[b];
  free(in);
  free(out);
  *count = total;
  return ADB_OK;
}
