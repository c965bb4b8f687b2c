/* test_cypher_plan.c — MATCH's planner and on-demand snapshot: the starts EXPLAIN shows, and
 * matches compared with the traversal API on random graphs, also after writes in the query; and
 * DISTINCT aggregates over many values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adb_int.h"
#include "graph/graph.h"
#include "helpers.h"

/* The single integer a query returns. */
static long long count(adb *db, const char *q, const char *params) {
  adb_cypher *r;
  int rc = adb_cypher_run(db, q, params, &r);
  cr_assert_eq(rc, ADB_OK, "%s: %s", q, adb_errmsg(db));
  cr_assert_eq(adb_cypher_next(r), ADB_ROW, "%s", q);
  long long n = adb_cypher_int(r, 0);
  adb_cypher_free(r);
  return n;
}

static void people(adb *db) {
  free(cypher_rows(
      db,
      "CREATE (a:Person {name: 'Ada'}), (b:Person {name: 'Bob'}), (c:City:Place {name: 'Paris'}),"
      " (d:Place {name: 'Alps'}), (a)-[:KNOWS]->(b), (a)-[:LIVES_IN]->(c), (b)-[:LIVES_IN]->(c)",
      NULL, 0));
}

Test(cypher_plan, explain_starts) {
  adb *db = open_tmp(0, NULL);
  people(db);
  /* No label: every node. */
  ROWS(db, "EXPLAIN MATCH (n) RETURN n", "'AllNodesScan(n) ~4 nodes'\n'Return(n)'\n");
  /* A label: its nodes; of two labels the one fewer nodes have. */
  ROWS(db, "EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) RETURN b",
       "'NodeByLabelScan(a:Person) ~2 nodes'\n'Expand(a:Person)-[:KNOWS]->(b)'\n'Return(b)'\n");
  ROWS(db, "EXPLAIN MATCH (c:Place:City) RETURN c",
       "'NodeByLabelScan(c:City) ~1 nodes'\n'Filter(c:Place:City)'\n'Return(c)'\n");
  /* The end of a pattern when it is more selective: matched backwards. */
  ROWS(db, "EXPLAIN MATCH (a)-[:LIVES_IN*1..2]->(c:City) RETURN a",
       "'NodeByLabelScan(c:City) ~1 nodes, matched from the end'\n"
       "'VarLengthExpand(c:City)<-[:LIVES_IN*1..2]-(a)'\n'Return(a)'\n");
  /* A variable bound before: no scan at all, at either end. */
  ROWS(db, "EXPLAIN MATCH (a:Person) MATCH (x)-[r]->(a) RETURN r",
       "'NodeByLabelScan(a:Person) ~2 nodes'\n'Argument(a), matched from the end'\n"
       "'Expand(a)<-[r]-(x)'\n'Return(r)'\n");
  ROWS(db, "EXPLAIN MATCH (a)-->(b) WITH b MATCH (b)-->(c) RETURN c",
       "'AllNodesScan(a) ~4 nodes'\n'Expand(a)-[]->(b)'\n'Projection(b)'\n'Argument(b)'\n"
       "'Expand(b)-[]->(c)'\n'Return(c)'\n");
  /* An element id fixed by WHERE: one node. */
  ROWS(db, "EXPLAIN MATCH (a)-[:KNOWS]-(b) WHERE elementId(a) = $id AND b.name = 'x' RETURN b",
       "'NodeByElementIdSeek(a)'\n'Expand(a)-[:KNOWS]-(b)'\n'Filter(WHERE)'\n'Return(b)'\n");
  /* A property map reading the pattern's own variable keeps the written order. */
  ROWS(db, "EXPLAIN MATCH (a)-->(b:City {name: a.name}) RETURN b",
       "'AllNodesScan(a) ~4 nodes'\n'Expand(a)-[]->(b:City {...})'\n'Return(b)'\n");
  adb_close(db);
}

Test(cypher_plan, explain_does_not_run) {
  adb *db = open_tmp(0, NULL);
  people(db);
  ROWS(db, "EXPLAIN MATCH (n:Person) DETACH DELETE n CREATE (:X)",
       "'NodeByLabelScan(n:Person) ~2 nodes'\n'DetachDelete'\n'Create'\n");
  cr_assert_eq(count(db, "MATCH (n) RETURN count(n)", NULL), 4);
  cr_assert_eq(count(db, "explain\nRETURN 1", NULL), 0, "a lower-case EXPLAIN works too");
  adb_cypher *r;
  cr_assert_lt(adb_cypher_run(db, "EXPLAIN MATCH (n RETURN n", NULL, &r), 0);
  const char *type;
  cr_assert_eq(adb_cypher_error(r, &type, NULL, NULL, NULL), ADB_OK);
  cr_assert_str_eq(type, "SyntaxError");
  adb_cypher_free(r);
  adb_close(db);
}

Test(cypher_plan, same_results_from_either_end) {
  adb *db = open_tmp(0, NULL);
  people(db);
  /* Reversed matching still binds paths and variable-length lists in the written order. */
  ROWS(db,
       "MATCH p = (a)-[rs:LIVES_IN*1..1]->(c:City) RETURN a.name, [r IN rs | type(r)], length(p),"
       " nodes(p)[0].name ORDER BY a.name",
       "'Ada'|['LIVES_IN']|1|'Ada'\n'Bob'|['LIVES_IN']|1|'Bob'\n");
  ROWS(db,
       "MATCH p = (a:Person)-[:KNOWS]->(b)-[:LIVES_IN]->(c:City) RETURN [n IN nodes(p) | n.name]",
       "['Ada', 'Bob', 'Paris']\n");
  ROWS(db, "MATCH (c:City) MATCH (a)-[:KNOWS]->(b)-->(c) RETURN a.name, b.name", "'Ada'|'Bob'\n");
  ROWS(db, "MATCH (a) WHERE elementId(a) = 'nope' RETURN a", "");
  adb_close(db);
}

Test(cypher_plan, stats_with_a_partial_snapshot) {
  adb *db = open_tmp(0, NULL);
  people(db);
  adb_cypher *r;
  adb_cypher_stats st;
  /* Place exists on nodes this query never loads: adding it to Ada adds no label name. */
  OK(db,
     adb_cypher_run(db, "MATCH (a:Person {name: 'Ada'}) SET a:Place, a:Fresh, a.x = 1", NULL, &r));
  adb_cypher_get_stats(r, &st);
  cr_assert_eq(st.labels_added, 1);
  cr_assert_eq(st.properties_set, 1);
  adb_cypher_free(r);
  /* Removing Fresh from its only node removes the name; Place stays on the others. */
  OK(db, adb_cypher_run(db, "MATCH (a:Person {name: 'Ada'}) REMOVE a:Place, a:Fresh", NULL, &r));
  adb_cypher_get_stats(r, &st);
  cr_assert_eq(st.labels_removed, 1);
  adb_cypher_free(r);
  OK(db, adb_cypher_run(db, "MATCH (a)-[r:KNOWS]->() DELETE r", NULL, &r));
  adb_cypher_get_stats(r, &st);
  cr_assert_eq(st.relationships_deleted, 1);
  cr_assert_eq(st.nodes_created + st.nodes_deleted + st.properties_set, 0);
  adb_cypher_free(r);
  /* A plain DELETE of a node whose relationships were never matched is still refused. */
  cr_assert_lt(adb_cypher_run(db, "MATCH (c:City) DELETE c", NULL, &r), 0);
  adb_cypher_free(r);
  cr_assert_eq(count(db, "MATCH (c:City)<-[:LIVES_IN]-() RETURN count(*)", NULL), 2);
  adb_close(db);
}

/* ---- Random graphs against the traversal API ---- */

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* A random graph on n nodes "n0".. with m edges of types A and B, self-loops included. */
static void random_graph(adb *db, uint64_t *seed, int n, int m) {
  char id[32], a[32], b[32];
  OK(db, adb_begin(db));
  for (int i = 0; i < n; i++) {
    snprintf(id, sizeof id, "n%d", i);
    OK(db, adb_node_create(db, id, i % 3 ? "N" : "M", NULL, NULL));
  }
  for (int i = 0; i < m; i++) {
    snprintf(a, sizeof a, "n%d", (int)(rnd(seed) % (uint64_t)n));
    snprintf(b, sizeof b, "n%d", (int)(rnd(seed) % (uint64_t)n));
    OK(db, adb_edge_create(db, NULL, a, rnd(seed) % 3 ? "A" : "B", b, NULL, NULL));
  }
  OK(db, adb_commit(db));
}

/* Trails of min..max hops from id as the traversal API counts them. */
static long long api_trails(adb *db, const char *id, int min, int max, int dir, const char *label) {
  adb_paths *it;
  OK(db, adb_paths_open(db, id, NULL, min, max, dir, label, &it));
  adb_path p = {0};
  long long n = 0;
  while (adb_paths_next(it, &p) == ADB_ROW) {
    n++;
    adb_path_clear(&p);
  }
  adb_paths_free(it);
  return n;
}

static const char *arrow(int dir, const char *body, char *out, size_t n) {
  snprintf(out, n, dir == ADB_OUT ? "-[%s]->" : dir == ADB_IN ? "<-[%s]-" : "-[%s]-", body);
  return out;
}

Test(cypher_plan, random_graphs_match_traversals) {
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (int round = 0; round < 4; round++) {
    adb *db = open_tmp(round, NULL);
    int n = 12 + round * 6;
    random_graph(db, &seed, n, n * 2);
    int64_t two;
    OK(db, adb_count_two_hop(db, "A", "A", &two));
    /* Counted without listing the matches, and listed then aggregated: the same. */
    cr_assert_eq(count(db, "MATCH (a)-[:A]->(b)-[:A]->(c) RETURN count(*)", NULL), two);
    cr_assert_eq(count(db, "MATCH (a)-[:A]->(b)-[:A]->(c) RETURN count(*) AS n, 1 AS one", NULL),
                 two);
    cr_assert_eq(
        count(db, "UNWIND [1, 2] AS x MATCH (a)-[:A]->(b) WHERE x = 2 RETURN count(*)", NULL),
        count(db, "MATCH (a)-[:A]->(b) RETURN count(a)", NULL));
    /* From the labelled end, backwards, the count is the same. */
    cr_assert_eq(count(db, "MATCH (a)-[:A]->(b)-[:A]->(c:M) RETURN count(*)", NULL),
                 count(db, "MATCH (c:M) MATCH (a)-[:A]->(b)-[:A]->(c) RETURN count(*)", NULL));
    static const int dirs[] = {ADB_OUT, ADB_IN, ADB_BOTH};
    for (int k = 0; k < 6; k++) {
      char id[32], params[64], q[256], rel[64];
      snprintf(id, sizeof id, "n%d", (int)(rnd(&seed) % (uint64_t)n));
      snprintf(params, sizeof params, "{\"id\": \"%s\"}", id);
      int dir = dirs[k % 3];
      const char *label = k % 2 ? "A" : NULL;
      snprintf(q, sizeof q, "MATCH (s)%s(b) WHERE elementId(s) = $id RETURN count(*)",
               arrow(dir, label ? ":A*1..3" : "*1..3", rel, sizeof rel));
      cr_assert_eq(count(db, q, params), api_trails(db, id, 1, 3, dir, label), "%s from %s", q, id);
      /* The same from the other end: the end node is found by its id. */
      snprintf(q, sizeof q, "MATCH (b)%s(s) WHERE elementId(s) = $id RETURN count(*)",
               arrow(dir == ADB_OUT ? ADB_IN : dir == ADB_IN ? ADB_OUT : dir, "*1..3", rel,
                     sizeof rel));
      cr_assert_eq(count(db, q, params), api_trails(db, id, 1, 3, dir, NULL), "%s from %s", q, id);
      /* After writes in the same query: one more edge out, one edge fewer (when there was one). */
      long long out = api_trails(db, id, 1, 1, ADB_OUT, NULL);
      cr_assert_eq(count(db,
                         "MATCH (s) WHERE elementId(s) = $id CREATE (s)-[:A]->(:New)"
                         " WITH DISTINCT s MATCH (s)-->(b) RETURN count(b)",
                         params),
                   out + 1);
      cr_assert_eq(count(db,
                         "MATCH (s)-[r]->() WHERE elementId(s) = $id WITH s, r LIMIT 1 DELETE r"
                         " WITH DISTINCT s MATCH (s)-->(b) RETURN count(b)",
                         params),
                   out);
      cr_assert_eq(api_trails(db, id, 1, 1, ADB_OUT, NULL), out);
    }
    adb_close(db);
  }
}

/* MATCH ... RETURN count(*) over a chain of one or two relationships is counted from adjacency
 * without listing the matches; WHERE true makes the same query list them. Every direction, type
 * set and label on random multigraphs with loops and parallel edges, and a deleted node. */
Test(cypher_plan, chain_counts_equal_the_listed_matches) {
  static const char *rels[] = {"-[%s]->", "<-[%s]-", "-[%s]-"};
  static const char *types[] = {"", ":A", ":A|B", ":Z"};
  static const char *labels[] = {"", ":M", ":N:M"};
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  for (int round = 0; round < 3; round++) {
    adb *db = open_tmp(round, NULL);
    int n = 6 + round * 5;
    random_graph(db, &seed, n, n * 3);
    if (round == 2) OK(db, adb_node_delete(db, "n1"));
    for (int k = 0; k < 160; k++) {
      char q[256], listed[300], r0[32], r1[32], t0[8], t1[8];
      const char *l[3];
      for (int i = 0; i < 3; i++) l[i] = labels[rnd(&seed) % 3];
      snprintf(t0, sizeof t0, "%s", types[rnd(&seed) % 4]);
      snprintf(t1, sizeof t1, "%s", types[rnd(&seed) % 4]);
      snprintf(r0, sizeof r0, rels[rnd(&seed) % 3], t0);
      snprintf(r1, sizeof r1, rels[rnd(&seed) % 3], t1);
      if (k % 2)
        snprintf(q, sizeof q, "MATCH (a%s)%s(b%s)", l[0], r0, l[1]);
      else
        snprintf(q, sizeof q, "MATCH (a%s)%s(b%s)%s(%s%s)", l[0], r0, l[1], r1,
                 k % 8 ? "c" : "", l[2]);
      snprintf(listed, sizeof listed, "%s WHERE true RETURN count(*)", q);
      strcat(q, " RETURN count(*)");
      cr_assert_eq(count(db, q, NULL), count(db, listed, NULL), "%s", q);
    }
    adb_close(db);
  }
  /* EXPLAIN names the count; after a clause that may write, it matches as it then does. */
  adb *db = open_tmp(3, NULL);
  random_graph(db, &seed, 8, 20);
  ROWS(db, "EXPLAIN MATCH (a:M)-[:A]->(b)<-[r]-(c) RETURN count(r)",
       "'RelationshipCountFromAdjacency(a:M)-[:A]->(b)<-[r]-(c)'\n'Return(count(r))'\n");
  ROWS(db, "EXPLAIN MATCH (a:M) RETURN count(a)",
       "'NodeCountFromLabel(a:M)'\n'Return(count(a))'\n");
  char *plan = cypher_rows(db, "EXPLAIN CREATE (:X) WITH 1 AS one MATCH (a)-->(b) RETURN count(*)",
                           NULL, 0);
  cr_assert(strstr(plan, "'Expand(a)-[]->(b)'"), "%s", plan);
  free(plan);
  cr_assert_eq(count(db, "CREATE (x:X)-[:A]->(:X) WITH 1 AS one MATCH (a)-[:A]->(b) RETURN count(*)",
                     NULL),
               count(db, "MATCH (a)-[:A]->(b) WHERE true RETURN count(*)", NULL));
  adb_close(db);
}

Test(cypher_plan, distinct_aggregates_many_values) {
  adb *db = open_tmp(0, NULL);
  ROWS(db,
       "UNWIND range(1, 20000) AS x RETURN count(DISTINCT x % 1000), count(DISTINCT toString(x % "
       "7)),"
       " count(DISTINCT [x % 3]), count(x)",
       "1000|7|3|20000\n");
  /* The same equivalence as before: values of different kinds never collapse, nulls are left out.
   */
  ROWS(
      db,
      "UNWIND [1, 1.0, null, 'a', 'a', [1], [1.0], {k: 1}, {k: 1.0}] AS v RETURN count(DISTINCT v),"
      " size(collect(DISTINCT v))",
      "7|7\n");
  adb_close(db);
}

/* A variable-length relationship binds its list in the order the pattern is written, also when
 * the planner starts at the more selective end and walks the pattern backwards (docs/cypher.md):
 * lists of one relationship cannot tell the two orders apart, so this one has two. */
Test(cypher_plan, variable_length_lists_keep_the_written_order_from_either_end) {
  adb *db = open_tmp(0, NULL);
  people(db);
  ROWS(db, "EXPLAIN MATCH (a:Person)-[rs*2]->(c:City) RETURN rs",
       "'NodeByLabelScan(c:City) ~1 nodes, matched from the end'\n"
       "'VarLengthExpand(c:City)<-[rs*2..2]-(a:Person)'\n'Return(rs)'\n");
  ROWS(db, "MATCH (a:Person)-[rs*2]->(c:City) RETURN [r IN rs | type(r)]", "['KNOWS', 'LIVES_IN']\n");
  ROWS(db, "MATCH (a:Person)-[rs*2]->(c:City) RETURN [r IN rs | startNode(r).name]",
       "['Ada', 'Bob']\n");
  /* A property test on the first node makes its scan the better start (SQL applies it). */
  ROWS(db, "EXPLAIN MATCH (a:Person {name: 'Ada'})-[rs*2]->(c:City) RETURN rs",
       "'NodeByLabelScan(a:Person) with a.name = in SQL ~1 nodes'\n'Filter(a:Person {...})'\n"
       "'VarLengthExpand(a:Person {...})-[rs*2..2]->(c:City)'\n'Return(rs)'\n");
  adb_close(db);
}

/* A relationship's property map that reads an earlier node of its pattern is evaluated after
 * that node is bound: the planner keeps such a pattern in its written order even when its end
 * is more selective, as it does for node maps. */
Test(cypher_plan, relationship_maps_reading_earlier_nodes_keep_the_written_order) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(
      db,
      "CREATE (a:Person {name: 'Ada', y: 1}), (b:Person {name: 'Bob', y: 2}),"
      " (c:City {name: 'Paris'}), (a)-[:LIVES_IN {since: 1}]->(c), (b)-[:LIVES_IN {since: 1}]->(c)",
      NULL, 0));
  ROWS(db, "EXPLAIN MATCH (p:Person)-[r:LIVES_IN {since: p.y}]->(c:City) RETURN p",
       "'NodeByLabelScan(p:Person) ~2 nodes'\n'Expand(p:Person)-[r:LIVES_IN {...}]->(c:City)'\n"
       "'Return(p)'\n");
  ROWS(db, "MATCH (p:Person)-[r:LIVES_IN {since: p.y}]->(c:City) RETURN p.name", "'Ada'\n");
  adb_close(db);
}

/* MATCH (v:L) RETURN count(v) (or count(*)) takes the label's count from SQL; it must agree
 * with matching: after writes of the same query, once per input row, with several labels, and
 * not for a variable bound before or an OPTIONAL MATCH. */
Test(cypher_plan, lone_label_counts_follow_the_query) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db, "CREATE (:L), (:L), (:L), (:L:M), (:L:M), (:M)", NULL, 0));
  ROWS(db, "MATCH (n:L) RETURN count(n)", "5\n");
  ROWS(db, "MATCH (n:L) RETURN count(*)", "5\n");
  ROWS(db, "MATCH (n:M) RETURN count(n) AS c", "3\n");
  ROWS(db, "UNWIND [1, 2] AS x MATCH (n:L) RETURN count(*)", "10\n");
  ROWS(db, "CREATE (:L) WITH 1 AS x MATCH (n:L) RETURN count(n)", "6\n");
  ROWS(db, "MATCH (a:M) WITH a MATCH (a:L) RETURN count(a)", "2\n");
  ROWS(db, "OPTIONAL MATCH (n:Nope) RETURN count(n)", "0\n");
  ROWS(db, "MATCH (n:L) DETACH DELETE n WITH count(*) AS d MATCH (m:L) RETURN count(m)", "0\n");
  ROWS(db, "MATCH (n:M) RETURN count(n)", "1\n");
  adb_close(db);
}

/* Whether the handle holds an adjacency cache. */
static int has_cache(adb *db) {
  uint64_t builds;
  return graph_cache_current(db, &builds) != NULL;
}

Test(cypher_plan, small_queries_after_open_read_only_what_they_touch) {
  adb *db = open_tmp(0, NULL);
  /* 3,000 people in a ring, each knowing the next two: far more edges than a query below may
   * read through the indexes before it builds the cache. */
  free(cypher_rows(db, "UNWIND range(0, 2999) AS i CREATE (:P {id: i})", NULL, 0));
  free(cypher_rows(db, "CREATE INDEX p_id FOR (p:P) ON (p.id)", NULL, 0));
  free(cypher_rows(db,
                   "MATCH (a:P), (b:P) WHERE b.id = (a.id + 1) % 3000 OR b.id = (a.id + 2) % 3000"
                   " CREATE (a)-[:KNOWS]->(b)",
                   NULL, 0));
  const char *const q[] = {
      "MATCH (a:P {id: 7}) RETURN a.id",
      "MATCH (a:P {id: 7})-[:KNOWS*1..3]->(b) RETURN count(DISTINCT b)",
      "MATCH (a:P {id: 7})-[:KNOWS]-(b)-[:KNOWS]->(c) RETURN b.id, c.id ORDER BY b.id, c.id",
      "MATCH (a:P {id: 7}), (b:P {id: 13}) MATCH p = shortestPath((a)-[:KNOWS*]->(b))"
      " RETURN length(p)",
      "MATCH (a:P {id: 7}) OPTIONAL MATCH (a)<-[r]-(b) RETURN count(r)",
  };
  const int n = (int)(sizeof q / sizeof *q);
  char *fresh[5];
  adb_close(db);
  OK(db, adb_open(tmp_db_path(0), NULL, &db));
  for (int i = 0; i < n; i++) {
    fresh[i] = cypher_rows(db, q[i], NULL, 0);
    cr_assert(!has_cache(db), "%s built the adjacency cache", q[i]);
  }
  /* The same answers from the cache, once a query reads far (every node within 3000 hops). */
  cr_assert_eq(
      count(db, "MATCH (a:P {id: 0})-[:KNOWS*1..3000]->(b) RETURN count(DISTINCT b)", NULL), 3000);
  cr_assert(has_cache(db), "a query that walks the whole graph did not build the cache");
  for (int i = 0; i < n; i++) {
    char *cached = cypher_rows(db, q[i], NULL, 0);
    cr_assert_str_eq(cached, fresh[i], "%s", q[i]);
    free(cached);
    free(fresh[i]);
  }
  adb_close(db);
}
