/* traverse.c — breadth-first walks over the adjacency indexes: neighbours, k-hop, shortest path. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "store/store.h"

/* ---- The node map ------------------------------------------------------------------------ */

static size_t map_slot(const graph_map *m, int64_t key) {
  return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 17) & m->mask;
}

int32_t graph_map_get(const graph_map *m, int64_t key, int32_t def) {
  if (!m->keys) return def;
  for (size_t i = map_slot(m, key);; i = (i + 1) & m->mask) {
    if (m->keys[i] == key) return m->vals[i];
    if (m->keys[i] == 0) return def;
  }
}

/* Stores without growing; the table has a free slot. */
static void map_set(graph_map *m, int64_t key, int32_t val) {
  size_t i = map_slot(m, key);
  while (m->keys[i] != 0 && m->keys[i] != key) i = (i + 1) & m->mask;
  if (m->keys[i] == 0) m->used++;
  m->keys[i] = key;
  m->vals[i] = val;
}

/* Doubles the table (or makes the first one), keeping it at most half full. */
static int map_grow(graph_map *m) {
  size_t n = m->keys ? (m->mask + 1) * 2 : 64;
  graph_map g = {calloc(n, sizeof *g.keys), malloc(n * sizeof *g.vals), n - 1, 0};
  if (!g.keys || !g.vals) {
    graph_map_free(&g);
    return ADB_NOMEM;
  }
  for (size_t i = 0; m->keys && i <= m->mask; i++)
    if (m->keys[i]) map_set(&g, m->keys[i], m->vals[i]);
  graph_map_free(m);
  *m = g;
  return ADB_OK;
}

int graph_map_put(graph_map *m, int64_t key, int32_t val) {
  if ((!m->keys || (m->used + 1) * 2 > m->mask + 1) && map_grow(m)) return ADB_NOMEM;
  map_set(m, key, val);
  return ADB_OK;
}

void graph_map_free(graph_map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

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

/* Whether node rid exists, asking the database once per node and remembering in seen. */
static int node_exists(adb *db, graph_map *seen, int64_t rid, int *live) {
  int32_t v = graph_map_get(seen, rid, INT32_MIN);
  if (v != INT32_MIN) {
    *live = v != GRAPH_DEAD;
    return ADB_OK;
  }
  sqlite3_stmt *st = store_stmt(db, STMT_NODE_CL);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, rid);
  int src = store_step(db, st);
  *live = src == SQLITE_ROW && (sqlite3_column_int64(st, 0) & 1);
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE) return adb__sqlerr(db, src);
  if (graph_map_put(seen, rid, *live ? GRAPH_LIVE : GRAPH_DEAD))
    return adb__err(db, ADB_NOMEM, "out of memory");
  return ADB_OK;
}

/* ---- Adjacency --------------------------------------------------------------------------- */

/* Runs one adjacency statement (one direction) over the edges of node. */
static int scan_side(adb *db, graph_map *seen, int64_t node, int side, int both,
                     const char *label, graph_edge_fn fn, void *ctx) {
  int id = (side == ADB_OUT ? STMT_ADJ_OUT : STMT_ADJ_IN) + (label ? 1 : 0);
  sqlite3_stmt *st = store_stmt(db, id);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, node);
  if (label) sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
  int src, rc = ADB_OK;
  while (rc == ADB_OK && (src = store_step(db, st)) == SQLITE_ROW) {
    int64_t edge = sqlite3_column_int64(st, 0), other = sqlite3_column_int64(st, 1);
    if (both && side == ADB_IN && other == node) continue; /* the out side gave the self-loop */
    int live = 0;
    rc = node_exists(db, seen, other, &live);
    if (rc == ADB_OK && live) rc = fn(ctx, edge, other, side);
  }
  if (rc == ADB_OK && src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  sqlite3_reset(st);
  return rc;
}

int graph_adjacent(adb *db, graph_map *seen, int64_t node, int dir, const char *label,
                   graph_edge_fn fn, void *ctx) {
  int rc = ADB_OK;
  if (dir & ADB_OUT) rc = scan_side(db, seen, node, ADB_OUT, dir == ADB_BOTH, label, fn, ctx);
  if (rc == ADB_OK && (dir & ADB_IN))
    rc = scan_side(db, seen, node, ADB_IN, dir == ADB_BOTH, label, fn, ctx);
  return rc;
}

/* ---- Walks ------------------------------------------------------------------------------- */

int graph_walk_check(adb *db, int dir, const char *label, int64_t depth) {
  if (dir != ADB_OUT && dir != ADB_IN && dir != ADB_BOTH)
    return adb__err(db, ADB_INVALID, "direction %d is not ADB_OUT, ADB_IN or ADB_BOTH", dir);
  if (label) {
    int rc = graph_name_check(db, "label", label);
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

int graph_walk_init(graph_walk *w, adb *db, const char *start, int dir, const char *label) {
  memset(w, 0, sizeof *w);
  w->db = db;
  w->dir = dir;
  w->label = label;
  int64_t rid;
  int rc = graph_node_rid(db, start, &rid);
  if (rc == ADB_OK) rc = hop_add(w, (graph_hop){.node = rid, .from = -1});
  if (rc == ADB_OK && graph_map_put(&w->seen, rid, 0))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  if (rc) graph_walk_free(w);
  return rc;
}

void graph_walk_free(graph_walk *w) {
  free(w->hops);
  graph_map_free(&w->seen);
  memset(w, 0, sizeof *w);
}

/* Callback state of a breadth-first step: the hop being expanded, and an optional target. */
typedef struct expand {
  graph_walk *w;
  int32_t from;
  int64_t target;
} expand;

static int on_neighbor(void *ctx, int64_t edge, int64_t other, int dir) {
  expand *x = ctx;
  return hop_add(x->w, (graph_hop){other, edge, 0, 1, dir});
}

int graph_neighbors(graph_walk *w) {
  expand x = {w, 0, 0};
  return graph_adjacent(w->db, &w->seen, w->hops[0].node, w->dir, w->label, on_neighbor, &x);
}

/* Adds other as a new hop unless a walk reached it already; stops at the target. */
static int on_reach(void *ctx, int64_t edge, int64_t other, int dir) {
  expand *x = ctx;
  graph_walk *w = x->w;
  if (graph_map_get(&w->seen, other, GRAPH_DEAD) >= 0) return ADB_OK;
  int32_t at = (int32_t)w->nhops;
  int rc = hop_add(w, (graph_hop){other, edge, x->from, w->hops[x->from].depth + 1, dir});
  if (rc == ADB_OK && graph_map_put(&w->seen, other, at))
    rc = adb__err(w->db, ADB_NOMEM, "out of memory");
  return rc == ADB_OK && other == x->target ? ADB_DONE : rc;
}

/* The breadth-first loop: the hop list is the queue. ADB_DONE when target was reached. */
static int bfs(graph_walk *w, int max_depth, int64_t target) {
  expand x = {w, 0, target};
  for (size_t i = 0; i < w->nhops && w->hops[i].depth < max_depth; i++) {
    x.from = (int32_t)i;
    int rc = graph_adjacent(w->db, &w->seen, w->hops[i].node, w->dir, w->label, on_reach, &x);
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
