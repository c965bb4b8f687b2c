/* test_traverse.c — graph traversal: neighbours, k-hop, shortest and variable-length paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adb_int.h"
#include "graph/graph.h"
#include "helpers.h"
#include "util/buf.h"

/* ---- Helpers ----------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins lines, sorted first when sort is set (so results compare as sets). */
static char *joined_lines(char **lines, size_t n, int sort) {
  if (sort) qsort(lines, n, sizeof *lines, cmp_str);
  ut_buf b;
  ut_buf_init(&b);
  for (size_t i = 0; i < n; i++) {
    ut_buf_puts(&b, lines[i]);
    ut_buf_put_u8(&b, '\n');
    free(lines[i]);
  }
  ut_buf_put_u8(&b, 0);
  free(lines);
  return (char *)ut_buf_take(&b, NULL);
}

static char *sorted_lines(char **lines, size_t n) { return joined_lines(lines, n, 1); }

/* A traversal's hops as "id:depth" lines (with ">edge:direction" when edges is set), sorted, or
 * in the order the walk reached them when ordered is set. */
static char *walk_text(adb *db, adb_traversal *t, int edges, int ordered) {
  size_t n = 0, cap = adb_traversal_count(t) + 1;
  char **lines = malloc(cap * sizeof *lines);
  adb_hop h;
  int rc;
  while ((rc = adb_traversal_next(t, &h)) == ADB_ROW) {
    cr_assert_lt(n, cap);
    char line[256];
    if (edges)
      snprintf(line, sizeof line, "%s:%d>%s:%s", h.id, h.depth, h.edge_id ? h.edge_id : "-",
               h.direction == ADB_OUT ? "out" : h.direction == ADB_IN ? "in" : "-");
    else
      snprintf(line, sizeof line, "%s:%d", h.id, h.depth);
    lines[n++] = strdup(line);
    adb_hop_clear(&h);
  }
  cr_assert_eq(rc, ADB_DONE, "%s", adb_errmsg(db));
  cr_assert_eq(n, adb_traversal_count(t));
  adb_traversal_free(t);
  return joined_lines(lines, n, !ordered);
}

static char *hops_text(adb *db, adb_traversal *t, int edges) { return walk_text(db, t, edges, 0); }

static char *khop(adb *db, const char *id, int depth, int dir, const char *label) {
  adb_traversal *t;
  OK(db, adb_khop(db, id, depth, dir, label, &t));
  return hops_text(db, t, 0);
}

static char *neighbors(adb *db, const char *id, int dir, const char *label) {
  adb_traversal *t;
  OK(db, adb_neighbors(db, id, dir, label, &t));
  return hops_text(db, t, 1);
}

#define EXPECT_TEXT(call, want)                                                                  \
  do {                                                                                          \
    char *got_ = (call);                                                                        \
    cr_assert_str_eq(got_, want, "%s", #call);                                                  \
    free(got_);                                                                                 \
  } while (0)

/* A path as "n0 -e1-> n1 ...". */
static char *path_text(const adb_path *p) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_puts(&b, p->nodes[0]);
  for (size_t i = 0; i < p->length; i++) {
    ut_buf_puts(&b, " -");
    ut_buf_puts(&b, p->edges[i]);
    ut_buf_puts(&b, "-> ");
    ut_buf_puts(&b, p->nodes[i + 1]);
  }
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

static char *shortest(adb *db, const char *a, const char *z, int dir, const char *label) {
  adb_path p;
  OK(db, adb_shortest_path(db, a, z, ADB_DEPTH_MAX, dir, label, &p));
  char *s = path_text(&p);
  adb_path_clear(&p);
  return s;
}

static void nodes(adb *db, const char *const *ids) {
  for (; *ids; ids++) OK(db, adb_node_create(db, *ids, "P", NULL, NULL));
}

static void edge(adb *db, const char *id, const char *src, const char *label, const char *dst) {
  OK(db, adb_edge_create(db, id, src, label, dst, NULL, NULL));
}

/* a -K-> b -K-> c -L-> d -K-> a, a -L-> c, and a self-loop e -K-> e. */
static adb *small_graph(int slot) {
  adb *db = open_tmp(slot, NULL);
  nodes(db, (const char *[]){"a", "b", "c", "d", "e", NULL});
  edge(db, "ab", "a", "K", "b");
  edge(db, "bc", "b", "K", "c");
  edge(db, "cd", "c", "L", "d");
  edge(db, "da", "d", "K", "a");
  edge(db, "ac", "a", "L", "c");
  edge(db, "ee", "e", "K", "e");
  return db;
}

/* ---- Hand-made graphs -------------------------------------------------------------------- */

Test(traverse, neighbors_by_direction_and_label) {
  adb *db = small_graph(0);
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, NULL), "b:1>ab:out\nc:1>ac:out\n");
  EXPECT_TEXT(neighbors(db, "a", ADB_IN, NULL), "d:1>da:in\n");
  EXPECT_TEXT(neighbors(db, "a", ADB_BOTH, NULL), "b:1>ab:out\nc:1>ac:out\nd:1>da:in\n");
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, "K"), "b:1>ab:out\n");
  EXPECT_TEXT(neighbors(db, "a", ADB_BOTH, "L"), "c:1>ac:out\n");
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, "NOPE"), "");
  EXPECT_TEXT(neighbors(db, "e", ADB_BOTH, NULL), "e:1>ee:out\n"); /* a self-loop, once */
  EXPECT_TEXT(neighbors(db, "e", ADB_IN, NULL), "e:1>ee:in\n");
  /* Two edges to one node give two neighbours. */
  edge(db, "ab2", "a", "K", "b");
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, "K"), "b:1>ab2:out\nb:1>ab:out\n");
  adb_close(db);
}

Test(traverse, khop_walks_cycles_once_with_least_depth) {
  adb *db = small_graph(0);
  EXPECT_TEXT(khop(db, "a", 0, ADB_OUT, NULL), "a:0\n");
  EXPECT_TEXT(khop(db, "a", 1, ADB_OUT, NULL), "a:0\nb:1\nc:1\n");
  EXPECT_TEXT(khop(db, "a", 2, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\n");
  EXPECT_TEXT(khop(db, "a", ADB_DEPTH_MAX, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\n");
  EXPECT_TEXT(khop(db, "a", ADB_DEPTH_MAX, ADB_OUT, "K"), "a:0\nb:1\nc:2\n");
  EXPECT_TEXT(khop(db, "c", 2, ADB_IN, NULL), "a:1\nb:1\nc:0\nd:2\n");
  EXPECT_TEXT(khop(db, "e", 5, ADB_BOTH, NULL), "e:0\n");
  /* The start comes first, then nearest first; from_id and edge_id form a tree. */
  adb_traversal *t;
  OK(db, adb_khop(db, "b", 3, ADB_OUT, NULL, &t));
  adb_hop h;
  int depth = 0;
  cr_assert_eq(adb_traversal_next(t, &h), ADB_ROW);
  cr_assert_str_eq(h.id, "b");
  cr_assert_null(h.edge_id);
  cr_assert_null(h.from_id);
  adb_hop_clear(&h);
  while (adb_traversal_next(t, &h) == ADB_ROW) {
    cr_assert_geq(h.depth, depth);
    depth = h.depth;
    adb_element e;
    OK(db, adb_edge_get(db, h.edge_id, &e));
    cr_assert_str_eq(e.source_id, h.from_id);
    cr_assert_str_eq(e.target_id, h.id);
    adb_element_clear(&e);
    adb_hop_clear(&h);
  }
  cr_assert_eq(depth, 3);
  adb_traversal_free(t);
  adb_close(db);
}

Test(traverse, shortest_paths) {
  adb *db = small_graph(0);
  EXPECT_TEXT(shortest(db, "a", "d", ADB_OUT, NULL), "a -ac-> c -cd-> d");
  EXPECT_TEXT(shortest(db, "a", "a", ADB_OUT, NULL), "a");
  EXPECT_TEXT(shortest(db, "a", "d", ADB_BOTH, NULL), "a -da-> d");
  EXPECT_TEXT(shortest(db, "d", "a", ADB_IN, NULL), "d -cd-> c -ac-> a");
  EXPECT_TEXT(shortest(db, "a", "c", ADB_OUT, "K"), "a -ab-> b -bc-> c");
  adb_path p;
  cr_assert_eq(adb_shortest_path(db, "a", "d", ADB_DEPTH_MAX, ADB_OUT, "K", &p), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "no path from 'a' to 'd'"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_shortest_path(db, "a", "d", 1, ADB_OUT, NULL, &p), ADB_NOTFOUND);
  cr_assert_eq(adb_shortest_path(db, "a", "e", ADB_DEPTH_MAX, ADB_BOTH, NULL, &p), ADB_NOTFOUND);
  OK(db, adb_shortest_path(db, "a", "d", 2, ADB_OUT, NULL, &p));
  cr_assert_eq(p.length, 2);
  adb_path_clear(&p);
  adb_close(db);
}

/* All paths of a path enumeration, as sorted lines. */
static char *all_paths(adb *db, const char *a, const char *z, int min, int max, int dir) {
  adb_paths *it;
  OK(db, adb_paths_open(db, a, z, min, max, dir, NULL, &it));
  size_t n = 0, cap = 64;
  char **lines = malloc(cap * sizeof *lines);
  adb_path p;
  int rc;
  while ((rc = adb_paths_next(it, &p)) == ADB_ROW) {
    cr_assert_lt(n, cap);
    lines[n++] = path_text(&p);
    adb_path_clear(&p);
  }
  cr_assert_eq(rc, ADB_DONE, "%s", adb_errmsg(db));
  adb_paths_free(it);
  return sorted_lines(lines, n);
}

Test(traverse, variable_length_paths_use_no_edge_twice) {
  adb *db = small_graph(0);
  EXPECT_TEXT(all_paths(db, "a", NULL, 0, 0, ADB_OUT), "a\n");
  EXPECT_TEXT(all_paths(db, "a", NULL, 1, 1, ADB_OUT), "a -ab-> b\na -ac-> c\n");
  EXPECT_TEXT(all_paths(db, "a", "d", 1, 10, ADB_OUT),
              "a -ab-> b -bc-> c -cd-> d\na -ac-> c -cd-> d\n");
  EXPECT_TEXT(all_paths(db, "a", "a", 1, 10, ADB_OUT),
              "a -ab-> b -bc-> c -cd-> d -da-> a\na -ac-> c -cd-> d -da-> a\n");
  EXPECT_TEXT(all_paths(db, "a", "d", 3, 3, ADB_OUT), "a -ab-> b -bc-> c -cd-> d\n");
  /* A self-loop is followed once per path, in either direction. */
  EXPECT_TEXT(all_paths(db, "e", NULL, 0, 5, ADB_BOTH), "e\ne -ee-> e\n");
  adb_close(db);
}

Test(traverse, deleted_nodes_hide_edges_until_recreated) {
  adb *db = small_graph(0);
  OK(db, adb_node_delete(db, "b"));
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, NULL), "c:1>ac:out\n");
  EXPECT_TEXT(khop(db, "a", 5, ADB_OUT, "K"), "a:0\n");
  EXPECT_TEXT(all_paths(db, "a", "d", 1, 10, ADB_OUT), "a -ac-> c -cd-> d\n");
  adb_traversal *t;
  cr_assert_eq(adb_khop(db, "b", 1, ADB_OUT, NULL, &t), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "'b'"), "%s", adb_errmsg(db));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_traverse('a', 9, 'K')"), 1);
  /* Re-creating the node brings its edges back. */
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  EXPECT_TEXT(khop(db, "a", 5, ADB_OUT, "K"), "a:0\nb:1\nc:2\n");
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_traverse('a', 9, 'K')"), 3);
  /* A deleted edge is not followed. */
  OK(db, adb_edge_delete(db, "bc"));
  EXPECT_TEXT(khop(db, "a", 5, ADB_OUT, "K"), "a:0\nb:1\n");
  EXPECT_TEXT(shortest(db, "b", "c", ADB_BOTH, NULL), "b -ab-> a -ac-> c");
  adb_close(db);
}

Test(traverse, merged_edges_are_traversed_and_merged_deletes_hide_them) {
  adb *a = small_graph(0), *b = open_tmp(1, NULL);
  send_changes(a, b);
  EXPECT_TEXT(khop(b, "a", 2, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\n");
  /* An edge made on a, with a node made there, reaches b by merge. */
  OK(a, adb_node_create(a, "f", "P", NULL, NULL));
  edge(a, "df", "d", "M", "f");
  send_changes(a, b);
  EXPECT_TEXT(khop(b, "a", 3, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\nf:3\n");
  EXPECT_TEXT(shortest(b, "f", "a", ADB_IN, NULL), "f -df-> d -cd-> c -ac-> a");
  /* A delete on a hides the edges on b too, and a re-creation on b brings them back to a. */
  OK(a, adb_node_delete(a, "d"));
  send_changes(a, b);
  EXPECT_TEXT(khop(b, "a", 3, ADB_OUT, NULL), "a:0\nb:1\nc:1\n");
  OK(b, adb_node_create(b, "d", "P", NULL, NULL));
  send_changes(b, a);
  EXPECT_TEXT(khop(a, "a", 3, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\nf:3\n");
  adb_close(a);
  adb_close(b);
}

Test(traverse, sql_functions_join_with_nodes) {
  adb *db = small_graph(0);
  OK(db, adb_node_update(db, "c", "Q", NULL));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_traverse('a', 2) t"
                           " JOIN nodes n ON n.id = t.id WHERE n.label = 'Q' AND t.depth = 1"),
               1);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_traverse('a', 1, 'K', 'both')"), 3);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_traverse('a') WHERE depth > 0"), 3);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_neighbors('a', NULL, 'both')"), 3);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_neighbors('a') g JOIN edges e"
                           " ON e.id = g.edge_id AND e.source_node_id = 'a'"
                           " AND e.target_node_id = g.id"),
               2);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_neighbors('a', NULL, 'in')"
                           " WHERE edge_dir = 'in'"),
               1);
  cr_assert_eq(sql_int(db, "SELECT group_concat(node_id || '/' || ifnull(edge_id, '-'), ' ')"
                           " = 'a/- c/ac d/cd' FROM graph_shortest_path('a', 'd')"),
               1);
  cr_assert_eq(sql_int(db, "SELECT max(step) FROM graph_shortest_path('a','c','K','out')"), 2);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_shortest_path('a', 'e')"), 0);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM graph_shortest_path('a', 'd', NULL, 'out', 1)"),
               0);
  /* A correlated call: every node's 1-hop count. */
  cr_assert_eq(sql_int(db, "SELECT sum(c) FROM (SELECT (SELECT count(*) FROM"
                           " graph_traverse(n.id, 1)) AS c FROM nodes n)"),
               10);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes n, graph_traverse(n.id, 1) t"), 10);
  adb_close(db);
}

/* ---- Bad input --------------------------------------------------------------------------- */

/* Runs SQL expecting failure rc with a message containing want. */
static void sql_fails(adb *db, const char *sql, int rc, const char *want) {
  adb_stmt *st;
  int got = adb_prepare(db, sql, &st, NULL);
  if (got == ADB_OK) {
    got = adb_step(st);
    adb_finalize(st);
  }
  cr_assert_eq(got, rc, "%s -> %d: %s", sql, got, adb_errmsg(db));
  cr_assert(strstr(adb_errmsg(db), want), "%s: '%s' lacks '%s'", sql, adb_errmsg(db), want);
}

Test(traverse, bad_input_gives_clear_errors) {
  adb *db = small_graph(0);
  adb_traversal *t = NULL;
  adb_path p;
  adb_paths *it = NULL;
  cr_assert_eq(adb_khop(db, "nobody", 2, ADB_OUT, NULL, &t), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "no node with id 'nobody'"), "%s", adb_errmsg(db));
  cr_assert_null(t);
  cr_assert_eq(adb_neighbors(db, "nobody", ADB_OUT, NULL, &t), ADB_NOTFOUND);
  cr_assert_eq(adb_khop(db, "a", -1, ADB_OUT, NULL, &t), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "depth -1 is out of range"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_khop(db, "a", ADB_DEPTH_MAX + 1, ADB_OUT, NULL, &t), ADB_INVALID);
  cr_assert_eq(adb_khop(db, "a", 2, 0, NULL, &t), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "direction"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_khop(db, "a", 2, 7, NULL, &t), ADB_INVALID);
  cr_assert_eq(adb_khop(db, "a", 2, ADB_OUT, "", &t), ADB_INVALID);
  cr_assert_eq(adb_khop(db, NULL, 2, ADB_OUT, NULL, &t), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "start node"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_khop(db, "a", 2, ADB_OUT, NULL, NULL), ADB_MISUSE);
  cr_assert_eq(adb_khop(NULL, "a", 2, ADB_OUT, NULL, &t), ADB_MISUSE);
  cr_assert_null(t);
  cr_assert_eq(adb_traversal_next(NULL, NULL), ADB_MISUSE);
  adb_traversal_free(NULL);

  cr_assert_eq(adb_shortest_path(db, "a", "nobody", 5, ADB_OUT, NULL, &p), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "'nobody'"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_shortest_path(db, "nobody", "a", 5, ADB_OUT, NULL, &p), ADB_NOTFOUND);
  cr_assert_eq(adb_shortest_path(db, "a", NULL, 5, ADB_OUT, NULL, &p), ADB_INVALID);
  cr_assert_eq(adb_shortest_path(db, "a", "b", -3, ADB_OUT, NULL, &p), ADB_INVALID);
  cr_assert_eq(adb_shortest_path(db, "a", "b", 5, ADB_OUT, NULL, NULL), ADB_MISUSE);
  adb_path_clear(&p);
  adb_path_clear(NULL);

  cr_assert_eq(adb_paths_open(db, "a", NULL, 3, 2, ADB_OUT, NULL, &it), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "minimum hops 3"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_paths_open(db, "a", NULL, 0, ADB_DEPTH_MAX + 1, ADB_OUT, NULL, &it),
               ADB_INVALID);
  cr_assert_eq(adb_paths_open(db, "a", "nobody", 0, 2, ADB_OUT, NULL, &it), ADB_NOTFOUND);
  cr_assert_eq(adb_paths_open(db, NULL, NULL, 0, 2, ADB_OUT, NULL, &it), ADB_INVALID);
  cr_assert_null(it);
  adb_paths_free(NULL);

  sql_fails(db, "SELECT * FROM graph_traverse('nobody', 2)", ADB_NOTFOUND,
            "graph_traverse: there is no node with id 'nobody'");
  sql_fails(db, "SELECT * FROM graph_traverse('a', -2)", ADB_INVALID, "depth -2 is out of range");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 100000000000)", ADB_INVALID, "out of range");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 'deep')", ADB_INVALID,
            "the depth must be an integer");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 1.5)", ADB_INVALID, "must be an integer");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 2, 'K', 'sideways')", ADB_INVALID,
            "direction 'sideways' is not 'out', 'in' or 'both'");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 2, '')", ADB_INVALID, "label");
  sql_fails(db, "SELECT * FROM graph_traverse", ADB_INVALID, "needs a start node id");
  sql_fails(db, "SELECT * FROM graph_traverse(NULL)", ADB_INVALID, "needs a start node id");
  sql_fails(db, "SELECT * FROM graph_neighbors('nobody')", ADB_NOTFOUND, "graph_neighbors:");
  sql_fails(db, "SELECT * FROM graph_shortest_path('a')", ADB_INVALID, "needs a target node id");
  sql_fails(db, "SELECT * FROM graph_shortest_path('a', 'nobody')", ADB_NOTFOUND, "'nobody'");
  sql_fails(db, "SELECT * FROM graph_traverse('a', 1, 'K', 'out', 'extra')", ADB_INVALID,
            "too many arguments");
  adb_close(db);
}

/* ---- Random graphs against recursive SQL ------------------------------------------------- */

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

/* A random multigraph with labels A and B, self-loops, deleted edges and deleted nodes. */
static void random_graph(adb *db, uint64_t *seed, int n, int m) {
  char id[32], src[32], dst[32];
  OK(db, adb_begin(db));
  for (int i = 0; i < n; i++) {
    snprintf(id, sizeof id, "n%d", i);
    OK(db, adb_node_create(db, id, "P", NULL, NULL));
  }
  for (int i = 0; i < m; i++) {
    snprintf(id, sizeof id, "e%d", i);
    snprintf(src, sizeof src, "n%d", (int)(rnd(seed) % (uint64_t)n));
    snprintf(dst, sizeof dst, "n%d", (int)(rnd(seed) % (uint64_t)n));
    OK(db, adb_edge_create(db, id, src, rnd(seed) % 3 ? "A" : "B", dst, NULL, NULL));
    if (rnd(seed) % 10 == 0) OK(db, adb_edge_delete(db, id));
  }
  for (int i = 0; i < n / 8; i++) {
    snprintf(id, sizeof id, "n%d", (int)(rnd(seed) % (uint64_t)n));
    adb_node_delete(db, id); /* may be deleted already */
  }
  OK(db, adb_commit(db));
}

/* The k-hop set by a recursive query over the edges view, as sorted "id:depth" lines. */
static char *khop_sql(adb *db, const char *start, int depth, int dir, const char *label) {
  static const char *const next[] = {
      [ADB_OUT] = "SELECT e.target_node_id, r.d + 1 FROM r JOIN edges e"
                  " ON e.source_node_id = r.id",
      [ADB_IN] = "SELECT e.source_node_id, r.d + 1 FROM r JOIN edges e"
                 " ON e.target_node_id = r.id",
      [ADB_BOTH] = "SELECT CASE WHEN e.source_node_id = r.id THEN e.target_node_id"
                   " ELSE e.source_node_id END, r.d + 1 FROM r JOIN edges e"
                   " ON e.source_node_id = r.id OR e.target_node_id = r.id"};
  char sql[1024];
  snprintf(sql, sizeof sql,
           "WITH RECURSIVE r(id, d) AS (SELECT ?1, 0 UNION %s WHERE r.d < ?2"
           " AND (?3 IS NULL OR e.label = ?3))"
           " SELECT id || ':' || min(d) FROM r GROUP BY id",
           next[dir]);
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  adb_bind_text(st, 1, start);
  adb_bind_int(st, 2, depth);
  if (label) adb_bind_text(st, 3, label);
  size_t n = 0, cap = 16;
  char **lines = malloc(cap * sizeof *lines);
  int rc;
  while ((rc = adb_step(st)) == ADB_ROW) {
    if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
    lines[n++] = strdup(adb_column_text(st, 0));
  }
  cr_assert_eq(rc, ADB_DONE, "%s", adb_errmsg(db));
  adb_finalize(st);
  return sorted_lines(lines, n);
}

/* Checks that a path's edges are visible and join its nodes in the walk's direction. */
static void check_path(adb *db, const adb_path *p, int dir, const char *label) {
  for (size_t i = 0; i < p->length; i++) {
    adb_element e;
    OK(db, adb_edge_get(db, p->edges[i], &e));
    int fwd = !strcmp(e.source_id, p->nodes[i]) && !strcmp(e.target_id, p->nodes[i + 1]);
    int back = !strcmp(e.target_id, p->nodes[i]) && !strcmp(e.source_id, p->nodes[i + 1]);
    cr_assert(dir == ADB_OUT ? fwd : dir == ADB_IN ? back : fwd || back, "edge %s", e.id);
    if (label) cr_assert_str_eq(e.label, label);
    adb_element_clear(&e);
  }
}

/* The depth of node id in sorted "id:depth" lines, or -1. */
static int depth_in(const char *lines, const char *id) {
  char key[40];
  int n = snprintf(key, sizeof key, "%s:", id);
  for (const char *s = lines; *s; s = strchr(s, '\n') + 1)
    if (!strncmp(s, key, (size_t)n)) return atoi(s + n);
  return -1;
}

Test(traverse, random_graphs_agree_with_recursive_sql) {
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  const char *labels[] = {NULL, "A"};
  for (int g = 0; g < 6; g++) {
    adb *db = open_tmp(g, NULL);
    int n = 12 + (int)(rnd(&seed) % 30), m = n + (int)(rnd(&seed) % (uint64_t)(3 * n));
    random_graph(db, &seed, n, m);
    for (int s = 0; s < n; s += 3) {
      char start[32];
      snprintf(start, sizeof start, "n%d", s);
      adb_traversal *t;
      if (adb_khop(db, start, 1, ADB_OUT, NULL, &t) == ADB_NOTFOUND) continue; /* deleted */
      adb_traversal_free(t);
      for (int dir = ADB_OUT; dir <= ADB_BOTH; dir++)
        for (int l = 0; l < 2; l++) {
          for (int k = 0; k <= 4; k++) {
            char *want = khop_sql(db, start, k, dir, labels[l]);
            EXPECT_TEXT(khop(db, start, k, dir, labels[l]), want);
            free(want);
          }
          /* Shortest paths: their length is the least depth the recursive query finds. */
          char *all = khop_sql(db, start, n, dir, labels[l]);
          for (int z = 0; z < n; z++) {
            char end[32];
            snprintf(end, sizeof end, "n%d", z);
            adb_path p;
            int rc = adb_shortest_path(db, start, end, ADB_DEPTH_MAX, dir, labels[l], &p);
            int want = depth_in(all, end);
            if (want < 0) {
              cr_assert_eq(rc, ADB_NOTFOUND, "%s -> %s: %s", start, end, adb_errmsg(db));
              continue;
            }
            OK(db, rc);
            cr_assert_eq((int)p.length, want, "%s -> %s", start, end);
            check_path(db, &p, dir, labels[l]);
            adb_path_clear(&p);
          }
          free(all);
        }
    }
    /* The SQL function, joined with nodes, counts what the recursive query counts. */
    long long want = 0;
    adb_iter *it;
    OK(db, adb_node_list(db, NULL, &it));
    adb_element e;
    while (adb_iter_next(it, &e) == ADB_ROW) {
      char *lines = khop_sql(db, e.id, 3, ADB_BOTH, "A");
      for (char *c = lines; *c; c++) want += *c == '\n';
      free(lines);
      adb_element_clear(&e);
    }
    adb_iter_free(it);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes n, graph_traverse(n.id, 3, 'A', 'both')"),
                 want);
    adb_close(db);
  }
}

Test(traverse, random_graphs_paths_agree_with_neighbors_and_shortest) {
  uint64_t seed = 12345;
  adb *db = open_tmp(0, NULL);
  random_graph(db, &seed, 15, 30);
  for (int s = 0; s < 15; s++) {
    char start[32];
    snprintf(start, sizeof start, "n%d", s);
    adb_traversal *t;
    if (adb_neighbors(db, start, ADB_BOTH, NULL, &t) == ADB_NOTFOUND) continue;
    size_t deg = adb_traversal_count(t);
    adb_traversal_free(t);
    adb_paths *it;
    OK(db, adb_paths_open(db, start, NULL, 1, 1, ADB_BOTH, NULL, &it));
    adb_path p;
    size_t count = 0;
    while (adb_paths_next(it, &p) == ADB_ROW) {
      count++;
      adb_path_clear(&p);
    }
    adb_paths_free(it);
    cr_assert_eq(count, deg, "%s", start);
    /* Every path to an end is at least as long as the shortest, and one is that long. */
    for (int z = 0; z < 15; z++) {
      char end[32];
      snprintf(end, sizeof end, "n%d", z);
      adb_path sp;
      if (adb_shortest_path(db, start, end, 4, ADB_OUT, NULL, &sp) != ADB_OK) continue;
      OK(db, adb_paths_open(db, start, end, 0, 4, ADB_OUT, NULL, &it));
      size_t least = 99;
      while (adb_paths_next(it, &p) == ADB_ROW) {
        check_path(db, &p, ADB_OUT, NULL);
        cr_assert_str_eq(p.nodes[p.length], end);
        if (p.length < least) least = p.length;
        adb_path_clear(&p);
      }
      adb_paths_free(it);
      cr_assert_eq(least, sp.length, "%s -> %s", start, end);
      adb_path_clear(&sp);
    }
  }
  adb_close(db);
}

/* ---- The adjacency cache ----------------------------------------------------------------- */

/* How often the handle built its adjacency cache from the tables. */
static uint64_t builds(adb *db) {
  uint64_t n;
  graph_cache_current(db, &n);
  return n;
}

/* Builds the handle's cache when it has none, so the walks after it run on the cache; returns
 * the build count. */
static uint64_t build_cache(adb *db) {
  graph_cache *c;
  OK(db, graph_cache_get(db, &c));
  return builds(db);
}

/* The two-hop pattern count by a self-join over the edges view. */
static long long two_hop_sql(adb *db, const char *first, const char *second) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM edges e1 JOIN edges e2 ON e1.target_node_id = e2.source_node_id"
           " AND e1.id <> e2.id WHERE (%d OR e1.label = '%s') AND (%d OR e2.label = '%s')",
           !first, first ? first : "", !second, second ? second : "");
  return sql_int(db, sql);
}

static long long two_hop(adb *db, const char *first, const char *second) {
  int64_t n;
  OK(db, adb_count_two_hop(db, first, second, &n));
  return n;
}

/* Compares traversals from a few random live starts, neighbour counts, the SQL function and the
 * pattern count with what SQL over the edges view says. */
static void check_against_sql(adb *db, uint64_t *seed, int n) {
  static const char *const labels[] = {NULL, "A"};
  build_cache(db); /* the walks below run on the cache, kept current by the writes before */
  for (int i = 0; i < 4; i++) {
    char start[32], sql[256];
    snprintf(start, sizeof start, "n%d", (int)(rnd(seed) % (uint64_t)n));
    adb_traversal *t;
    int rc = adb_neighbors(db, start, ADB_BOTH, NULL, &t);
    if (rc == ADB_NOTFOUND) continue;
    OK(db, rc);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM edges WHERE source_node_id = '%s' OR target_node_id = '%s'",
             start, start);
    cr_assert_eq((long long)adb_traversal_count(t), sql_int(db, sql), "neighbours of %s", start);
    adb_traversal_free(t);
    int dir = ADB_OUT + (int)(rnd(seed) % 3), k = 1 + (int)(rnd(seed) % 4);
    const char *label = labels[rnd(seed) % 2];
    char *want = khop_sql(db, start, k, dir, label);
    EXPECT_TEXT(khop(db, start, k, dir, label), want);
    long long lines = 0;
    for (char *c = want; *c; c++) lines += *c == '\n';
    free(want);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM graph_traverse('%s', %d, NULL, '%s')", start,
             k, dir == ADB_OUT ? "out" : dir == ADB_IN ? "in" : "both");
    if (!label) cr_assert_eq(sql_int(db, sql), lines);
  }
  cr_assert_eq(two_hop(db, NULL, NULL), two_hop_sql(db, NULL, NULL));
  cr_assert_eq(two_hop(db, "A", "B"), two_hop_sql(db, "A", "B"));
}

/* One random write: edges made, deleted, re-made with new ends and relabelled; nodes deleted
 * and re-made. Failures (a dead endpoint, a live id) are part of the mix. */
static void random_write(adb *db, uint64_t *seed, int n, int m) {
  char id[32], a[32], b[32];
  snprintf(id, sizeof id, "e%d", (int)(rnd(seed) % (uint64_t)(m + 20)));
  snprintf(a, sizeof a, "n%d", (int)(rnd(seed) % (uint64_t)n));
  snprintf(b, sizeof b, "n%d", (int)(rnd(seed) % (uint64_t)n));
  const char *label = rnd(seed) % 2 ? "A" : "B";
  switch (rnd(seed) % 6) {
  case 0: adb_edge_create(db, id, a, label, b, NULL, NULL); break;
  case 1: adb_edge_delete(db, id); break;
  case 2: adb_edge_update(db, id, label, NULL); break;
  case 3: adb_node_delete(db, a); break;
  case 4: adb_node_create(db, a, "P", NULL, NULL); break;
  default: adb_edge_create(db, id, b, label, a, NULL, NULL); break;
  }
}

Test(traverse, cache_follows_writes_merges_rollbacks_and_other_connections) {
  uint64_t seed = 77;
  const int n = 16, m = 40;
  adb *db = open_tmp(0, NULL), *peer = open_tmp(1, NULL), *other;
  random_graph(db, &seed, n, m);
  send_changes(db, peer);
  OK(db, adb_open(tmp_db_path(0), NULL, &other));
  check_against_sql(db, &seed, n);
  for (int step = 0; step < 160; step++) {
    switch (rnd(&seed) % 8) {
    case 0: /* a transaction rolled back */
      OK(db, adb_begin(db));
      for (int i = 0; i < 4; i++) random_write(db, &seed, n, m);
      check_against_sql(db, &seed, n); /* its own writes are seen inside it */
      OK(db, adb_rollback(db));
      break;
    case 1: /* concurrent writes on a peer, merged both ways */
      for (int i = 0; i < 3; i++) random_write(peer, &seed, n, m);
      send_changes(peer, db);
      send_changes(db, peer);
      break;
    case 2: /* another connection to the same file */
      random_write(other, &seed, n, m);
      break;
    case 3: /* SQL on the views; the second statement fails part-way and changes nothing */
      adb_exec(db, "DELETE FROM edges WHERE label = 'B' AND source_node_id = 'n1'");
      cr_assert_neq(adb_exec(db, "INSERT INTO edges(id, label, source_node_id, target_node_id)"
                                 " VALUES('x1', 'A', 'n2', 'n3'), ('x2', 'A', 'n2', 'none')"),
                    ADB_OK);
      break;
    default:
      random_write(db, &seed, n, m);
      break;
    }
    check_against_sql(db, &seed, n);
  }
  adb_close(other);
  adb_close(peer);
  adb_close(db);
}

Test(traverse, cache_is_updated_in_place_not_rebuilt) {
  uint64_t seed = 5, n;
  adb *db = small_graph(0), *peer = open_tmp(1, NULL), *other;
  send_changes(db, peer);
  uint64_t first = build_cache(db);
  cr_assert_eq(first, 1);
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, NULL), "a:0\nb:1\nc:1\nd:2\n");
  /* Local writes of every kind, and a merge, keep the same cache current. */
  OK(db, adb_node_delete(db, "b"));
  EXPECT_TEXT(neighbors(db, "a", ADB_OUT, NULL), "c:1>ac:out\n"); /* ab is hidden */
  OK(db, adb_edge_delete(db, "ac"));
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, NULL), "a:0\n");
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  OK(db, adb_edge_create(db, "ac", "c", "K", "a", NULL, NULL)); /* re-made, other way round */
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\nc:2\n");
  EXPECT_TEXT(khop(db, "a", 1, ADB_IN, NULL), "a:0\nc:1\nd:1\n");
  OK(db, adb_edge_update(db, "bc", "L", NULL));
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\n");
  cr_assert_eq(two_hop(db, NULL, NULL), two_hop_sql(db, NULL, NULL));
  OK(peer, adb_node_create(peer, "f", "P", NULL, NULL));
  OK(peer, adb_edge_create(peer, "bf", "b", "K", "f", NULL, NULL));
  send_changes(peer, db);
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\nf:2\n");
  cr_assert_eq(builds(db), first);
  cr_assert_not_null(graph_cache_current(db, &n));
  /* Another connection's commit, and a rollback, drop it: the walks after read the indexes,
   * and see the commit, until the cache is built again. */
  OK(db, adb_open(tmp_db_path(0), NULL, &other));
  OK(other, adb_node_delete(other, "f"));
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\n");
  cr_assert_null(graph_cache_current(db, &n));
  cr_assert_eq(build_cache(db), first + 1);
  OK(db, adb_begin(db));
  OK(db, adb_edge_create(db, "bd", "b", "K", "d", NULL, NULL));
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\nd:2\n");
  cr_assert_not_null(graph_cache_current(db, &n));
  OK(db, adb_rollback(db));
  EXPECT_TEXT(khop(db, "a", 3, ADB_OUT, "K"), "a:0\nb:1\n");
  cr_assert_null(graph_cache_current(db, &n));
  cr_assert_eq(builds(db), first + 1);
  check_against_sql(db, &seed, 5);
  adb_close(other);
  adb_close(peer);
  adb_close(db);
}

/* Every walk from start, in the order its hops were reached, with their edges: neighbours,
 * k-hop at each depth to 4 and without bound, and the shortest path to each node. */
static char *every_walk(adb *db, const char *start, int n, int dir, const char *label) {
  ut_buf b;
  ut_buf_init(&b);
  adb_traversal *t;
  OK(db, adb_neighbors(db, start, dir, label, &t));
  char *s = walk_text(db, t, 1, 1);
  ut_buf_puts(&b, s);
  free(s);
  for (int k = 0; k <= 5; k++) {
    OK(db, adb_khop(db, start, k == 5 ? ADB_DEPTH_MAX : k, dir, label, &t));
    ut_buf_puts(&b, "--\n");
    ut_buf_puts(&b, s = walk_text(db, t, 1, 1));
    free(s);
  }
  for (int z = 0; z < n; z++) {
    char end[32];
    snprintf(end, sizeof end, "n%d", z);
    adb_path p;
    int rc = adb_shortest_path(db, start, end, ADB_DEPTH_MAX, dir, label, &p);
    if (rc == ADB_NOTFOUND) continue;
    OK(db, rc);
    ut_buf_puts(&b, s = path_text(&p));
    ut_buf_put_u8(&b, '\n');
    free(s);
    adb_path_clear(&p);
  }
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

Test(traverse, walks_on_the_indexes_equal_walks_on_the_cache) {
  uint64_t seed = 31337, n_builds;
  const char *labels[] = {NULL, "A", "Z"};
  for (int g = 0; g < 4; g++) {
    adb *db = open_tmp(g, NULL);
    int n = 10 + (int)(rnd(&seed) % 20), m = n + (int)(rnd(&seed) % (uint64_t)(3 * n));
    random_graph(db, &seed, n, m); /* loops, parallel edges, deleted edges and nodes */
    for (int s = 0; s < n; s++) {
      char start[32];
      snprintf(start, sizeof start, "n%d", s);
      adb_traversal *t;
      if (adb_khop(db, start, 0, ADB_OUT, NULL, &t) == ADB_NOTFOUND) continue;
      adb_traversal_free(t);
      for (int dir = ADB_OUT; dir <= ADB_BOTH; dir++)
        for (int l = 0; l < 3; l++) {
          graph_cache_drop(db);
          char *indexed = every_walk(db, start, n, dir, labels[l]);
          cr_assert_null(graph_cache_current(db, &n_builds), "a small walk built the cache");
          build_cache(db);
          char *cached = every_walk(db, start, n, dir, labels[l]);
          cr_assert_str_eq(indexed, cached, "from %s, direction %d, label %s", start, dir,
                           labels[l] ? labels[l] : "any");
          free(indexed);
          free(cached);
        }
    }
    adb_close(db);
  }
}

Test(traverse, walks_that_read_far_build_the_cache_and_small_ones_never) {
  uint64_t seed = 99, n_builds;
  adb *db = open_tmp(0, NULL);
  random_graph(db, &seed, 1500, 3000); /* its share: 1024 edge rows */
  /* Small walks read through the indexes; their reads add up, and past the share the next
   * walk builds the cache. */
  adb_traversal *t;
  int small = 0;
  for (; small < 2000 && !graph_cache_current(db, &n_builds); small++) {
    char start[32];
    snprintf(start, sizeof start, "n%d", small % 1500);
    int rc = adb_neighbors(db, start, ADB_BOTH, NULL, &t);
    if (rc == ADB_NOTFOUND) continue;
    OK(db, rc);
    adb_traversal_free(t);
  }
  cr_assert_gt(small, 200, "the cache was built after %d neighbour lists", small);
  cr_assert_lt(small, 2000, "small walks never built the cache");
  /* A walk that reads past its share goes on with the cache and finds what the cache's walk
   * finds, in the same order. */
  graph_cache_drop(db);
  uint64_t before = builds(db);
  OK(db, adb_khop(db, "n7", ADB_DEPTH_MAX, ADB_BOTH, NULL, &t));
  char *indexed = walk_text(db, t, 1, 1);
  cr_assert_eq(builds(db), before + 1);
  cr_assert_gt(strlen(indexed), 1000 * 8, "the walk reached few nodes: %zu", strlen(indexed));
  OK(db, adb_khop(db, "n7", ADB_DEPTH_MAX, ADB_BOTH, NULL, &t));
  char *cached = walk_text(db, t, 1, 1);
  cr_assert_str_eq(indexed, cached);
  cr_assert_eq(builds(db), before + 1);
  free(indexed);
  free(cached);
  adb_close(db);
}

Test(traverse, two_hop_counts_follow_cypher_semantics) {
  adb *db = small_graph(0);
  /* a->b->c, b->c->d, c->d->a, d->a->b, d->a->c, a->c->d; the self-loop ee pairs with nothing
   * but itself, which does not count. */
  cr_assert_eq(two_hop(db, NULL, NULL), 6);
  cr_assert_eq(two_hop(db, "K", "K"), 2); /* a->b->c, d->a->b */
  cr_assert_eq(two_hop(db, "K", "L"), 2); /* b->c->d, d->a->c */
  cr_assert_eq(two_hop(db, "NOPE", NULL), 0);
  edge(db, "ee2", "e", "K", "e"); /* two loops: each follows the other */
  cr_assert_eq(two_hop(db, "K", "K"), 4);
  OK(db, adb_node_delete(db, "a"));
  cr_assert_eq(two_hop(db, NULL, NULL), 1 + 2); /* b->c->d and the loops */
  int64_t n = 5;
  cr_assert_eq(adb_count_two_hop(db, "", NULL, &n), ADB_INVALID);
  cr_assert_eq(n, 0);
  cr_assert(strstr(adb_errmsg(db), "label"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_count_two_hop(db, NULL, NULL, NULL), ADB_MISUSE);
  cr_assert_eq(adb_count_two_hop(NULL, NULL, NULL, &n), ADB_MISUSE);
  adb_close(db);
}
