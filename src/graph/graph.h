/* graph.h — nodes and edges as the application sees them, written as CRDT registers. */
#ifndef ADB_GRAPH_H
#define ADB_GRAPH_H

#include "adb_int.h"
#include "util/name.h"

/* Writes a new 26-character time-ordered id (48-bit milliseconds, 80 random bits, Crockford
 * base 32) into out. Ids made by one handle increase strictly. */
void graph_id_new(adb *db, char out[27]);

/* The operations behind the public node and edge calls, for either kind. src and dst are used
 * for edges only. They run inside a write scope of their caller's (store_write_begin). */
int graph_create(adb *db, int kind, const char *id, const char *label, const char *props,
                 const char *src, const char *dst, char **id_out);
/* Sets the label (when not NULL) and the keys of patch. With replace, patch is the whole new
 * property object (missing keys are removed, null is a value); otherwise null removes a key. */
int graph_update(adb *db, int kind, const char *id, const char *label, const char *patch,
                 int replace);
/* Sets one key to a JSON value, or removes it when value is NULL. */
int graph_set(adb *db, int kind, const char *id, const char *key, const char *value);
int graph_delete(adb *db, int kind, const char *id);

/* For writers of registers beyond these (crdt/textreg.c): loads a live (and, for an edge,
 * visible) element, or fails with ADB_NOTFOUND naming it; and the tag of a local write, which
 * takes the open transaction's sequence number. */
struct crdt_elem;
struct crdt_tag;
int graph_load_live(adb *db, int kind, const char *id, struct crdt_elem *e);
int graph_write_tag(adb *db, struct crdt_tag *tag);

/* Fills out from a row whose columns are id, label, properties[, source id, target id]. */
int graph_element_from_row(sqlite3_stmt *st, int kind, adb_element *out);

/* "node" or "edge". */
const char *graph_kind_name(int kind);

/* ---- The adjacency cache (adjcache.c) -------------------------------------------------------
 * Traversals read an in-memory copy of the adjacency columns of adb_node and adb_edge, indexed
 * densely by row id. It is built on the first traversal, then kept current by every row that
 * crdt_elem_save writes (local writes and merges alike), and dropped when the file may hold
 * something else than the rows seen: after a rollback of any kind and after another connection
 * commits (crdt_replicas_forget). An edge is listed under its endpoints while its cl is odd and
 * its endpoint columns are set; whether both endpoints live is checked during the walk. */

/* One entry of a node's list: an edge and the node at its other end. Lists are sorted by
 * (other, edge), so a rebuilt cache and an updated one give the same order. */
typedef struct graph_adj {
  uint32_t edge, other;
} graph_adj;

/* A node's list in one direction; cap 0 means v points into the cache's first-built block. */
typedef struct graph_list {
  graph_adj *v;
  uint32_t n, cap;
} graph_list;

/* What the cache knows of an edge row: endpoints (0 while unlisted) and label id (0: none). */
typedef struct graph_erec {
  uint32_t src, dst, label;
} graph_erec;

typedef struct graph_cache {
  uint32_t ncap;      /* node arrays cover row ids below ncap */
  uint8_t *live;      /* 1 when the node's cl is odd */
  graph_list *out, *in;
  uint32_t *mark, gen; /* visited stamps of breadth-first walks: mark[node] == gen */
  uint32_t ecap;      /* edges covers row ids below ecap */
  graph_erec *edges;
  graph_adj *block;   /* the lists as first built */
  char **labels;      /* label ids 1..nlabels, labels[id - 1] */
  uint32_t nlabels, caplabels, *slots, smask; /* hash of labels to ids */
  size_t listed;      /* edges in lists */
} graph_cache;

/* The handle's cache, current for the file as this connection sees it now: checks whether
 * another connection committed, and builds the cache when there is none. An error (NOMEM, or
 * the database's) has its message recorded. */
int graph_cache_get(adb *db, graph_cache **out);

/* Frees the handle's cache; a later traversal builds a new one (graph_cache_for_walk). */
void graph_cache_drop(adb *db);

/* For a walk: sets *out to the handle's cache, made current, when there is one or when the
 * handle's walks have already read their share of edge rows through the indexes (it is then
 * built); else *out is NULL and *budget the edge rows a walk may still read through the
 * indexes before it should go on with the cache. An error as graph_cache_get. */
int graph_cache_for_walk(adb *db, graph_cache **out, uint64_t *budget);

/* Adds rows to the edge rows the handle's walks have read through the indexes. */
void graph_cache_charge(adb *db, uint64_t rows);

/* Returns the handle's cache as it is, or NULL when there is none, without building one; sets
 * *builds to how many times a cache was built on this handle (label ids are per build). */
const graph_cache *graph_cache_current(adb *db, uint64_t *builds);

/* The cache as an index of the elements (adb_index): every element saved updates it, when
 * there is one (never failing: out of memory, it drops the cache), and it is dropped when
 * stale. */
extern const adb_index graph_cache_index;

/* The id of label in the cache, 0 when no edge row ever had it. */
uint32_t graph_cache_label(const graph_cache *c, const char *label);

/* Starts a new visited set over the nodes (all unmarked). */
void graph_cache_unmark(graph_cache *c);

/* Bytes the cache holds, for the documentation's figures and tests. */
size_t graph_cache_bytes(const graph_cache *c);

/* ---- Traversal (traverse.c, paths.c) --------------------------------------------------------
 * Traversals work on row ids (adb_node.rid, adb_edge.rid) over the adjacency cache and follow
 * only visible edges: existing, with both endpoints existing. Directions are ADB_OUT, ADB_IN and
 * ADB_BOTH; a label of NULL matches every edge. */

/* One node reached by a walk: hop 0 is the start. */
typedef struct graph_hop {
  int64_t node;  /* row id */
  int64_t edge;  /* row id of the edge followed to reach it; 0 for the start */
  int32_t from;  /* index of the hop it was reached from; -1 for the start */
  int32_t depth; /* hops from the start */
  int dir;       /* ADB_OUT or ADB_IN: how the edge was followed; 0 for the start */
} graph_hop;

/* A walk from one node: the hops it reached, in the order reached. Without the cache it reads
 * the edges through the covering indexes, keeps its visited row ids in its own set, and counts
 * the edge rows read, up to budget (then it builds the cache and goes on with it). */
typedef struct graph_walk {
  adb *db;
  int dir;
  const char *label;  /* borrowed from the caller for the life of the walk */
  graph_cache *cache; /* the handle's, valid until the caller next reads or writes; or NULL */
  int any;            /* no label given */
  uint32_t label_id;  /* the label's cache id; 0 when no edge has it */
  graph_hop *hops;
  size_t nhops, cap;
  int64_t *seen;      /* without the cache: visited row ids, open-addressed (0: a free slot) */
  size_t seen_mask, nseen;
  uint64_t budget, reads;
} graph_walk;

/* Checks the arguments every traversal shares: a direction, an optional label, and a depth
 * bound between 0 and ADB_DEPTH_MAX. ADB_INVALID with a message naming what is wrong. */
int graph_walk_check(adb *db, int dir, const char *label, int64_t depth);

/* Starts a walk at the live node with text id start (ADB_NOTFOUND when there is none), on the
 * adjacency cache made current, or on the indexes (graph_cache_for_walk). */
int graph_walk_init(graph_walk *w, adb *db, const char *start, int dir, const char *label);
void graph_walk_free(graph_walk *w);

/* Appends a hop for every visible edge of the start node (a node reached by several edges
 * appears once per edge; a self-loop once even in ADB_BOTH). */
int graph_neighbors(graph_walk *w);

/* Breadth-first: appends every node within max_depth hops of the start, once, nearest first. */
int graph_khop(graph_walk *w, int max_depth);

/* Breadth-first until the node with row id target is reached within max_depth hops: *at is
 * then its hop index (follow graph_hop.from back to 0 for the path). ADB_DONE when there is no
 * such path (no message recorded). */
int graph_shortest(graph_walk *w, int64_t target, int max_depth, size_t *at);

/* Row id of the live node with text id (ADB_NOTFOUND with a message when there is none). */
int graph_node_rid(adb *db, const char *id, int64_t *rid);

/* Text id of a node or edge by row id (malloc'd into *out). */
int graph_rid_text(adb *db, int kind, int64_t rid, char **out);

/* Calls fn for every visible edge of node in direction dir with label id (see
 * graph_cache_label; ignored when any is set): the edge's row id, the other endpoint's row id,
 * ADB_OUT or ADB_IN, and the edge's label (NULL when it has none; valid during the call). fn
 * returns ADB_OK to go on, ADB_DONE to stop early (then graph_adjacent returns ADB_DONE), or an
 * error. A self-loop is given once, as ADB_OUT, even in ADB_BOTH. */
typedef int (*graph_edge_fn)(void *ctx, int64_t edge, int64_t other, int dir, const char *label);
int graph_adjacent(const graph_cache *c, int64_t node, int dir, int any, uint32_t label,
                   graph_edge_fn fn, void *ctx);

/* graph_adjacent without the cache, for a live node: the same edges in the same order, read
 * from the covering indexes adb_edge_src and adb_edge_dst, of the edge label label (NULL: any).
 * Adds the edge rows it read to *reads (the handle's walks are charged for them:
 * graph_cache_charge). fn's result as in graph_adjacent; an SQLite failure as its code. */
int graph_index_adjacent(adb *db, int64_t node, int dir, const char *label, graph_edge_fn fn,
                         void *ctx, uint64_t *reads);

/* Sets *count to the number of matches of (a)-[:first]->(b)-[:second]->(c) with two different
 * visible edges (labels NULL for any), as adb_count_two_hop documents. ADB_NOMEM on failure. */
int graph_count_two_hop(adb *db, const graph_cache *c, const char *first, const char *second,
                        int64_t *count);

/* Variable-length paths (paths.c): every trail (no edge twice) from a start node, of min to
 * max hops, ending anywhere or at one node, enumerated depth first without storing them. */
typedef struct graph_paths graph_paths;

/* end may be NULL for any end node; bounds as graph_walk_check, and min <= max. */
int graph_paths_open(adb *db, const char *start, const char *end, int min, int max, int dir,
                     const char *label, graph_paths **out);
/* ADB_ROW with the next path as row ids: nodes[0..len] and edges[0..len-1], valid until the
 * next call; ADB_DONE after the last. */
int graph_paths_next(graph_paths *p, const int64_t **nodes, const int64_t **edges, size_t *len);
void graph_paths_free(graph_paths *p);

#endif
