/* paths.c — variable-length paths: depth-first enumeration of trails between hop bounds. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

/* A visible edge out of a node on the current path, waiting to be followed. */
typedef struct step {
  int64_t edge, other;
} step;

/* The node at one depth of the current path and its untried edges, adj[pos..end). */
typedef struct frame {
  size_t begin, pos, end;
} frame;

struct graph_paths {
  adb *db;
  int dir, min, max;
  char *label;
  int64_t end;      /* row id of the required end node, or 0 */
  int start_pending; /* the zero-hop path is still to be given */
  graph_cache *cache; /* the handle's, fetched again by every graph_paths_next */
  uint32_t label_id;  /* the label's id in that cache */
  int64_t *nodes, *edges; /* the current path: nodes[0..depth], edges[0..depth-1] */
  frame *frames;
  size_t depth, cap; /* frames[0..depth] are live; cap sizes nodes, edges and frames */
  int live;          /* 0 once the enumeration is over */
  step *adj;
  size_t nadj, capadj;
};

static int on_step(void *ctx, int64_t edge, int64_t other, int dir, const char *label) {
  (void)label;
  (void)dir;
  graph_paths *p = ctx;
  if (p->nadj == p->capadj) {
    size_t cap = p->capadj ? p->capadj * 2 : 64;
    step *a = realloc(p->adj, cap * sizeof *a);
    if (!a) return adb__err(p->db, ADB_NOMEM, "out of memory");
    p->adj = a;
    p->capadj = cap;
  }
  p->adj[p->nadj++] = (step){edge, other};
  return ADB_OK;
}

/* Makes room for a path of depth d. */
static int reserve(graph_paths *p, size_t d) {
  if (d < p->cap) return ADB_OK;
  size_t cap = p->cap ? p->cap * 2 : 16;
  int64_t *n = realloc(p->nodes, cap * sizeof *n);
  if (n) p->nodes = n;
  int64_t *e = n ? realloc(p->edges, cap * sizeof *e) : NULL;
  if (e) p->edges = e;
  frame *f = e ? realloc(p->frames, cap * sizeof *f) : NULL;
  if (!f) return adb__err(p->db, ADB_NOMEM, "out of memory");
  p->frames = f;
  p->cap = cap;
  return ADB_OK;
}

/* Makes the handle's cache current; the walk may have paused while the database changed. */
static int refresh(graph_paths *p) {
  int rc = graph_cache_get(p->db, &p->cache);
  if (rc == ADB_OK && p->label) p->label_id = graph_cache_label(p->cache, p->label);
  return rc;
}

/* Makes node the path's node at depth d, with its edges to try when the path may grow. */
static int push(graph_paths *p, size_t d, int64_t node) {
  int rc = reserve(p, d);
  if (rc) return rc;
  p->depth = d;
  p->nodes[d] = node;
  frame *f = &p->frames[d];
  f->begin = f->pos = p->nadj;
  if (d < (size_t)p->max)
    rc = graph_adjacent(p->cache, node, p->dir, !p->label, p->label_id, on_step, p);
  f->end = p->nadj;
  return rc;
}

static int on_path(const graph_paths *p, int64_t edge) {
  for (size_t i = 0; i < p->depth; i++)
    if (p->edges[i] == edge) return 1;
  return 0;
}

int graph_paths_open(adb *db, const char *start, const char *end, int min, int max, int dir,
                     const char *label, graph_paths **out) {
  *out = NULL;
  int rc = graph_walk_check(db, dir, label, max);
  if (rc == ADB_OK && (min < 0 || min > max))
    rc = adb__err(db, ADB_INVALID, "minimum hops %d is out of range: use 0 to the maximum %d", min,
                  max);
  int64_t from = 0, to = 0;
  if (rc == ADB_OK) rc = graph_node_rid(db, start, &from);
  if (rc == ADB_OK && end) rc = graph_node_rid(db, end, &to);
  if (rc) return rc;
  graph_paths *p = calloc(1, sizeof *p);
  if (!p || (label && !(p->label = strdup(label)))) {
    free(p);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  *p = (graph_paths){.db = db, .dir = dir, .min = min, .max = max, .label = p->label, .end = to,
                     .live = 1};
  p->start_pending = min == 0 && (!to || to == from);
  rc = refresh(p);
  if (rc == ADB_OK) rc = push(p, 0, from);
  if (rc) graph_paths_free(p);
  else *out = p;
  return rc;
}

/* Tries the next untried edge of the deepest frame, or backs up; 1 when a path is ready. */
static int advance(graph_paths *p, int *ready) {
  frame *f = &p->frames[p->depth];
  if (f->pos == f->end) {
    p->nadj = f->begin;
    if (p->depth == 0) p->live = 0;
    else p->depth--;
    return ADB_OK;
  }
  step s = p->adj[f->pos++];
  if (on_path(p, s.edge)) return ADB_OK;
  size_t d = p->depth;
  p->edges[d] = s.edge;
  int rc = push(p, d + 1, s.other);
  *ready = rc == ADB_OK && d + 1 >= (size_t)p->min && (!p->end || s.other == p->end);
  return rc;
}

int graph_paths_next(graph_paths *p, const int64_t **nodes, const int64_t **edges, size_t *len) {
  int ready = p->start_pending;
  p->start_pending = 0;
  int rc = p->live ? refresh(p) : ADB_OK;
  if (rc) return rc;
  size_t depth = 0;
  while (!ready && p->live) {
    rc = advance(p, &ready);
    if (rc) return rc;
    depth = p->depth;
  }
  if (!ready) return ADB_DONE;
  *nodes = p->nodes;
  *edges = p->edges;
  *len = depth;
  return ADB_ROW;
}

void graph_paths_free(graph_paths *p) {
  if (!p) return;
  free(p->label);
  free(p->nodes);
  free(p->edges);
  free(p->frames);
  free(p->adj);
  free(p);
}
