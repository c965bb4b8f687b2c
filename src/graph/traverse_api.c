/* traverse_api.c — the public traversal calls: row ids in, text ids out, one read per walk. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "store/store.h"

struct adb_traversal {
  adb *db;
  graph_walk w;
  size_t first, pos; /* the first hop that is a result (1 for neighbours), the next one */
};

struct adb_paths {
  adb *db;
  graph_paths *p;
};

/* Opens a read transaction when the caller has none, so that a walk sees one state of the
 * file and SQLite takes its read lock once rather than once per statement; 1 when it did. */
static int read_begin(adb *db) {
  return sqlite3_get_autocommit(db->sql) && store_exec(db, "BEGIN") == ADB_OK;
}

static int read_end(adb *db, int own, int rc) {
  if (own && store_exec(db, "COMMIT") != ADB_OK) {
    int crc = db->errcode;
    store_exec(db, "ROLLBACK");
    if (rc == ADB_OK) rc = adb__err(db, crc, "ending the traversal's read failed");
  }
  return rc;
}

void adb_hop_clear(adb_hop *h) {
  if (!h) return;
  free(h->id);
  free(h->edge_id);
  free(h->from_id);
  memset(h, 0, sizeof *h);
}

/* Runs a walk from id: the neighbours (max_depth < 0) or the k-hop expansion. */
static int traversal_open(adb *db, const char *id, int max_depth, int direction,
                          const char *label, adb_traversal **out) {
  if (!db || !out) return ADB_MISUSE;
  *out = NULL;
  int rc = graph_walk_check(db, direction, label, max_depth < 0 ? 1 : max_depth);
  if (rc) return rc;
  adb_traversal *t = calloc(1, sizeof *t);
  if (!t) return adb__err(db, ADB_NOMEM, "out of memory");
  t->db = db;
  int own = read_begin(db);
  rc = graph_walk_init(&t->w, db, id, direction, label);
  if (rc == ADB_OK) rc = max_depth < 0 ? graph_neighbors(&t->w) : graph_khop(&t->w, max_depth);
  rc = read_end(db, own, rc);
  t->w.label = NULL; /* the caller's; the walk is over */
  t->first = t->pos = max_depth < 0 ? 1 : 0;
  if (rc) adb_traversal_free(t);
  else *out = t;
  return rc;
}

int adb_neighbors(adb *db, const char *id, int direction, const char *label,
                  adb_traversal **out) {
  return traversal_open(db, id, -1, direction, label, out);
}

int adb_khop(adb *db, const char *id, int max_depth, int direction, const char *label,
             adb_traversal **out) {
  if (db && max_depth < 0)
    return adb__err(db, ADB_INVALID, "depth %d is out of range: use 0 to %d", max_depth,
                    ADB_DEPTH_MAX);
  return traversal_open(db, id, max_depth, direction, label, out);
}

int adb_traversal_next(adb_traversal *t, adb_hop *out) {
  if (!t || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  if (t->pos >= t->w.nhops) return ADB_DONE;
  const graph_hop *h = &t->w.hops[t->pos];
  int rc = graph_rid_text(t->db, ADB_NODE, h->node, &out->id);
  if (rc == ADB_OK && h->edge) rc = graph_rid_text(t->db, ADB_EDGE, h->edge, &out->edge_id);
  if (rc == ADB_OK && h->from >= 0)
    rc = graph_rid_text(t->db, ADB_NODE, t->w.hops[h->from].node, &out->from_id);
  if (rc) {
    adb_hop_clear(out);
    return rc;
  }
  out->depth = h->depth;
  out->direction = h->dir;
  t->pos++;
  return ADB_ROW;
}

size_t adb_traversal_count(const adb_traversal *t) { return t ? t->w.nhops - t->first : 0; }

void adb_traversal_free(adb_traversal *t) {
  if (!t) return;
  graph_walk_free(&t->w);
  free(t);
}

void adb_path_clear(adb_path *p) {
  if (!p) return;
  for (size_t i = 0; p->nodes && i <= p->length; i++) free(p->nodes[i]);
  for (size_t i = 0; p->edges && i < p->length; i++) free(p->edges[i]);
  free(p->nodes);
  free(p->edges);
  memset(p, 0, sizeof *p);
}

/* Fills out with the text ids of a path given as row ids. */
static int path_texts(adb *db, const int64_t *nodes, const int64_t *edges, size_t len,
                      adb_path *out) {
  out->length = len;
  out->nodes = calloc(len + 1, sizeof *out->nodes);
  out->edges = calloc(len ? len : 1, sizeof *out->edges);
  int rc = out->nodes && out->edges ? ADB_OK : adb__err(db, ADB_NOMEM, "out of memory");
  for (size_t i = 0; rc == ADB_OK && i <= len; i++)
    rc = graph_rid_text(db, ADB_NODE, nodes[i], &out->nodes[i]);
  for (size_t i = 0; rc == ADB_OK && i < len; i++)
    rc = graph_rid_text(db, ADB_EDGE, edges[i], &out->edges[i]);
  if (rc) adb_path_clear(out);
  return rc;
}

/* Reads the path to hop at of a finished walk back to the start, as row ids. */
static int walk_path(adb *db, const graph_walk *w, size_t at, adb_path *out) {
  size_t len = (size_t)w->hops[at].depth;
  int64_t *ids = malloc((2 * len + 1) * sizeof *ids);
  if (!ids) return adb__err(db, ADB_NOMEM, "out of memory");
  int64_t *nodes = ids, *edges = ids + len + 1;
  for (size_t i = len + 1, h = at; i-- > 0; h = (size_t)w->hops[h].from) {
    nodes[i] = w->hops[h].node;
    if (i) edges[i - 1] = w->hops[h].edge;
  }
  int rc = path_texts(db, nodes, edges, len, out);
  free(ids);
  return rc;
}

/* The search behind adb_shortest_path, inside its read. */
static int shortest(adb *db, const char *from, const char *to, int max_depth, int direction,
                    const char *label, adb_path *out) {
  int64_t target;
  int rc = graph_node_rid(db, to, &target);
  graph_walk w;
  if (rc == ADB_OK) rc = graph_walk_init(&w, db, from, direction, label);
  if (rc) return rc;
  size_t at;
  rc = graph_shortest(&w, target, max_depth, &at);
  if (rc == ADB_DONE)
    rc = adb__err(db, ADB_NOTFOUND, "there is no path from '%s' to '%s'%s", from, to,
                  max_depth < ADB_DEPTH_MAX ? " within the depth limit" : "");
  else if (rc == ADB_OK)
    rc = walk_path(db, &w, at, out);
  graph_walk_free(&w);
  return rc;
}

int adb_shortest_path(adb *db, const char *from, const char *to, int max_depth, int direction,
                      const char *label, adb_path *out) {
  if (!db || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  int rc = graph_walk_check(db, direction, label, max_depth);
  if (rc == ADB_OK && !to) rc = adb__err(db, ADB_INVALID, "a shortest path needs an end node id");
  if (rc) return rc;
  int own = read_begin(db);
  rc = shortest(db, from, to, max_depth, direction, label, out);
  return read_end(db, own, rc);
}

int adb_paths_open(adb *db, const char *from, const char *to, int min_hops, int max_hops,
                   int direction, const char *label, adb_paths **out) {
  if (!db || !out) return ADB_MISUSE;
  *out = NULL;
  adb_paths *it = calloc(1, sizeof *it);
  if (!it) return adb__err(db, ADB_NOMEM, "out of memory");
  it->db = db;
  int rc = graph_paths_open(db, from, to, min_hops, max_hops, direction, label, &it->p);
  if (rc) free(it);
  else *out = it;
  return rc;
}

int adb_paths_next(adb_paths *it, adb_path *out) {
  if (!it || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  const int64_t *nodes, *edges;
  size_t len;
  int rc = graph_paths_next(it->p, &nodes, &edges, &len);
  if (rc != ADB_ROW) return rc;
  rc = path_texts(it->db, nodes, edges, len, out);
  return rc ? rc : ADB_ROW;
}

void adb_paths_free(adb_paths *it) {
  if (!it) return;
  graph_paths_free(it->p);
  free(it);
}

int adb_count_two_hop(adb *db, const char *first, const char *second, int64_t *count) {
  if (!db || !count) return ADB_MISUSE;
  *count = 0;
  int rc = first ? ut_name_check(db, "label", first) : ADB_OK;
  if (rc == ADB_OK && second) rc = ut_name_check(db, "label", second);
  if (rc) return rc;
  int own = read_begin(db);
  graph_cache *c;
  rc = graph_cache_get(db, &c);
  if (rc == ADB_OK) rc = graph_count_two_hop(db, c, first, second, count);
  return read_end(db, own, rc);
}
