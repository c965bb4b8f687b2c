/* test_cypher_diff.c — random Cypher queries against the same questions asked in SQL over the
 * nodes and edges views: patterns of one to three nodes in either direction, labels and types,
 * WHERE over properties (some absent, so null), WITH, aggregation, DISTINCT, ORDER BY, SKIP and
 * LIMIT, on random graphs with and without an index; the two engines must give the same rows,
 * with relationship lists read through the indexes and from the adjacency cache alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adb_int.h"
#include "graph/graph.h"
#include "helpers.h"

static uint32_t rnd(uint32_t *s, uint32_t n) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s % n;
}

/* Text built for one query on both sides. */
typedef struct qtext {
  char cy[1024], sql[4096];
} qtext;

#define PUT(buf, ...) snprintf((buf) + strlen(buf), sizeof(buf) - strlen(buf), __VA_ARGS__)

/* Every row of an SQL query as "v|v" lines, integers and NULL as Cypher's TCK text prints them
 * (malloc'd). */
static char *sql_rows(adb *db, const char *sql) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  size_t cap = 4096, len = 0;
  char *out = calloc(1, cap);
  int rc;
  while ((rc = adb_step(st)) == ADB_ROW) {
    for (int i = 0; i < adb_column_count(st); i++) {
      char v[32];
      if (adb_column_type(st, i) == ADB_TYPE_NULL)
        snprintf(v, sizeof v, "null");
      else
        snprintf(v, sizeof v, "%lld", (long long)adb_column_int(st, i));
      while (len + strlen(v) + 3 > cap) out = realloc(out, cap *= 2);
      len += (size_t)sprintf(out + len, "%s%s", i ? "|" : "", v);
    }
    out[len++] = '\n';
    out[len] = 0;
  }
  cr_assert_eq(rc, ADB_DONE, "%s: %s", sql, adb_errmsg(db));
  adb_finalize(st);
  return out;
}

static int line_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text sorted, for answers whose order neither query fixes (in place). */
static void sort_lines(char *text) {
  size_t n = 0, len = strlen(text);
  for (size_t i = 0; i < len; i++) n += text[i] == '\n';
  char **v = malloc((n + 1) * sizeof *v), *copy = strdup(text);
  size_t k = 0;
  for (char *t = strtok(copy, "\n"); t; t = strtok(NULL, "\n")) v[k++] = t;
  qsort(v, k, sizeof *v, line_cmp);
  text[0] = 0;
  for (size_t i = 0; i < k; i++) strcat(strcat(text, v[i]), "\n");
  free(v);
  free(copy);
}

/* A random graph: nodes of labels A, B, C with i (unique) and k (0..5, absent one time in
 * seven), edges of types R and S with w (0..3), loops and parallel edges included. */
static void random_graph(adb *db, uint32_t *s) {
  char q[256];
  const int nodes = 40;
  for (int i = 0; i < nodes; i++) {
    char label = "ABC"[rnd(s, 3)];
    uint32_t k = rnd(s, 7);
    if (k < 6)
      snprintf(q, sizeof q, "CREATE (:%c {i: %d, k: %u})", label, i, k);
    else
      snprintf(q, sizeof q, "CREATE (:%c {i: %d})", label, i);
    free(cypher_rows(db, q, NULL, 0));
  }
  for (int e = 0; e < 110; e++) {
    snprintf(q, sizeof q, "MATCH (a {i: %u}), (b {i: %u}) CREATE (a)-[:%c {w: %u}]->(b)",
             rnd(s, nodes), rnd(s, nodes), "RS"[rnd(s, 2)], rnd(s, 4));
    free(cypher_rows(db, q, NULL, 0));
  }
}

static const char *const ops[] = {"=", "<", ">", "<=", ">=", "<>"};

/* A random query of one to three nodes: the Cypher text and the same question in SQL. ordered
 * says the answer's order is fixed by both. */
static void random_query(uint32_t *s, qtext *q, int *ordered) {
  memset(q, 0, sizeof *q);
  int nn = 1 + (int)rnd(s, 3);
  char pat[256] = "", from[256] = "", where[1024] = "", cyw[256] = "";
  for (int j = 0; j < nn; j++) {
    char v = (char)('a' + j);
    int lab = (int)rnd(s, 4); /* 3: no label */
    PUT(pat, "(%c%s%s)", v, lab < 3 ? ":" : "", lab < 3 ? (char[]){"ABC"[lab], 0} : "");
    PUT(from, "%snodes %c", j ? ", " : "", v);
    if (lab < 3) PUT(where, "%s%c.label = '%c'", where[0] ? " AND " : "", v, "ABC"[lab]);
    if (j + 1 < nn) {
      int dir = (int)rnd(s, 3), typ = (int)rnd(s, 3); /* dir 2: either way; typ 2: any type */
      char r = (char)('p' + j), next = (char)('a' + j + 1);
      PUT(pat, "%s-[%c%s%s]-%s", dir == 1 ? "<" : "", r, typ < 2 ? ":" : "",
          typ < 2 ? (char[]){"RS"[typ], 0} : "", dir == 0 ? ">" : "");
      PUT(from, ", edges %c", r);
      const char *src = dir == 1 ? (char[]){next, 0} : (char[]){v, 0};
      const char *dst = dir == 1 ? (char[]){v, 0} : (char[]){next, 0};
      if (dir == 2)
        PUT(where,
            "%s((%c.source_node_id = %c.id AND %c.target_node_id = %c.id) OR "
            "(%c.source_node_id = %c.id AND %c.target_node_id = %c.id))",
            where[0] ? " AND " : "", r, v, r, next, r, next, r, v);
      else
        PUT(where, "%s%c.source_node_id = %s.id AND %c.target_node_id = %s.id",
            where[0] ? " AND " : "", r, src, r, dst);
      if (typ < 2) PUT(where, " AND %c.label = '%c'", r, "RS"[typ]);
      if (j > 0) PUT(where, " AND %c.id <> %c.id", r, (char)(r - 1)); /* one use per match */
      if (rnd(s, 2)) {
        PUT(cyw, "%s%c.w >= 1", cyw[0] ? " AND " : "", r);
        PUT(where, " AND json_extract(%c.properties, '$.w') >= 1", r);
      }
    }
  }
  /* WHERE over k, sometimes against another node's k. */
  int conds = (int)rnd(s, 3);
  for (int c = 0; c < conds; c++) {
    char v = (char)('a' + rnd(s, (uint32_t)nn));
    const char *op = ops[rnd(s, 6)];
    if (nn > 1 && rnd(s, 3) == 0) {
      char u = (char)('a' + rnd(s, (uint32_t)nn));
      PUT(cyw, "%s%c.k %s %c.k", cyw[0] ? " AND " : "", v, op, u);
      PUT(where, "%sjson_extract(%c.properties, '$.k') %s json_extract(%c.properties, '$.k')",
          where[0] ? " AND " : "", v, op, u);
    } else {
      int lit = (int)rnd(s, 6);
      PUT(cyw, "%s%c.k %s %d", cyw[0] ? " AND " : "", v, op, lit);
      PUT(where, "%sjson_extract(%c.properties, '$.k') %s %d", where[0] ? " AND " : "", v, op, lit);
    }
  }
  char last = (char)('a' + nn - 1);
  PUT(q->cy, "MATCH %s%s%s ", pat, cyw[0] ? " WHERE " : "", cyw);
  char body[1400];
  snprintf(body, sizeof body, "FROM %s%s%s", from, where[0] ? " WHERE " : "", where);
  *ordered = 0;
  switch (rnd(s, 6)) {
  case 0: /* every match */
    PUT(q->cy, "RETURN a.i AS x, %c.i AS y", last);
    PUT(q->sql, "SELECT json_extract(a.properties, '$.i'), json_extract(%c.properties, '$.i') %s",
        last, body);
    break;
  case 1:
    PUT(q->cy, "RETURN count(*)");
    PUT(q->sql, "SELECT count(*) %s", body);
    *ordered = 1;
    break;
  case 2: /* grouping, with an aggregate that skips nulls */
    PUT(q->cy, "RETURN a.k, count(*), count(%c.k), sum(%c.i) ORDER BY a.k", last, last);
    PUT(q->sql,
        "SELECT json_extract(a.properties, '$.k') AS g, count(*),"
        " count(json_extract(%c.properties, '$.k')), sum(json_extract(%c.properties, '$.i'))"
        " %s GROUP BY g ORDER BY g IS NULL, g",
        last, last, body);
    *ordered = 1;
    break;
  case 3:
    PUT(q->cy, "RETURN DISTINCT %c.k", last);
    PUT(q->sql, "SELECT DISTINCT json_extract(%c.properties, '$.k') %s", last, body);
    break;
  case 4: { /* a total order, then a page of it: rows equal in both keys are equal rows */
    int skip = (int)rnd(s, 4), lim = 1 + (int)rnd(s, 6);
    PUT(q->cy, "RETURN a.i AS x, %c.i AS y ORDER BY x DESC, y SKIP %d LIMIT %d", last, skip, lim);
    PUT(q->sql,
        "SELECT json_extract(a.properties, '$.i') AS x,"
        " json_extract(%c.properties, '$.i') AS y %s ORDER BY x DESC, y LIMIT %d OFFSET %d",
        last, body, lim, skip);
    *ordered = 1;
    break;
  }
  default: /* WITH, then a filter on what it kept */
    PUT(q->cy, "WITH a, count(*) AS c WHERE c > 1 RETURN a.i, c");
    PUT(q->sql,
        "SELECT json_extract(a.properties, '$.i'), count(*) AS c %s GROUP BY a.id HAVING c > 1",
        body);
  }
}

static void compare(adb *db, uint32_t seed, int queries) {
  uint32_t s = seed;
  for (int t = 0; t < queries; t++) {
    qtext q;
    int ordered;
    random_query(&s, &q, &ordered);
    char *want = sql_rows(db, q.sql);
    if (!ordered) sort_lines(want);
    /* Relationship lists read through the indexes (no cache: it was dropped, and the graph is
     * small enough that a query rarely reads past the handle's share), then from the cache. */
    for (int cached = 0; cached < 2; cached++) {
      graph_cache *gc;
      if (cached)
        OK(db, graph_cache_get(db, &gc));
      else
        graph_cache_drop(db);
      char *got = cypher_rows(db, q.cy, NULL, 0);
      if (!ordered) sort_lines(got);
      cr_assert_str_eq(got, want, "query %d (seed %u, %s)\nCypher: %s\nSQL: %s", t, seed,
                       cached ? "cache" : "indexes", q.cy, q.sql);
      free(got);
    }
    free(want);
  }
}

Test(cypher_diff, random_queries_agree_with_sql) {
  adb *db = open_tmp(0, NULL);
  uint32_t s = 12345;
  random_graph(db, &s);
  compare(db, 1, 1500);
  /* The same questions with indexes on k: the planner starts from them where it can. */
  free(cypher_rows(db, "CREATE INDEX FOR (n:A) ON (n.k)", NULL, 0));
  free(cypher_rows(db, "CREATE INDEX FOR (n:B) ON (n.k)", NULL, 0));
  compare(db, 1, 1500);
  adb_close(db);
}
