/* fuzz_cypher.c — libFuzzer target: any text as a Cypher query against a small graph, through
 * the parser, the checker and the executor, every value of every row printed. It must never
 * crash or overflow, stop within the time limit, and a failed query must leave the graph
 * exactly as it was. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"

static adb *db;
static char *base_state;

/* The graph as text: every node and edge with its label and properties, in id order. */
static char *state(void) {
  adb_stmt *st;
  size_t cap = 1 << 16, len = 0;
  char *out = calloc(1, cap);
  const char *sql = "SELECT id || label || properties FROM nodes UNION ALL"
                    " SELECT id || source_node_id || target_node_id || label || properties"
                    " FROM edges ORDER BY 1";
  if (!out || adb_prepare(db, sql, &st, NULL)) abort();
  while (adb_step(st) == ADB_ROW) {
    const char *row = adb_column_text(st, 0);
    size_t n = strlen(row);
    if (len + n + 2 > cap && !(out = realloc(out, cap = 2 * (len + n + 2)))) abort();
    memcpy(out + len, row, n);
    len += n;
    out[len++] = '\n';
    out[len] = 0;
  }
  adb_finalize(st);
  return out;
}

/* Two labels, a path, a cycle, a self-loop, lists, text and a date among the properties. */
static void setup(void) {
  adb_options o = {.db_id = "0102030405060708090a0b0c0d0e0f10"};
  if (adb_open(":memory:", &o, &db)) abort();
  adb_cypher *r = NULL;
  if (adb_cypher_run(db,
                     "CREATE (a:A {name: 'a', n: 1, xs: [1, 2, 3]}), (b:B {name: 'b', n: 2}),"
                     " (c:A {name: 'c', t: 'text', d: date('2020-02-29')}), (d:B),"
                     " (a)-[:R {w: 1}]->(b), (b)-[:R {w: 2}]->(c), (c)-[:S]->(a),"
                     " (c)-[:R]->(d), (d)-[:T]->(d)",
                     NULL, &r))
    abort();
  adb_cypher_free(r);
  /* A query that would run for minutes stops here instead, as a server's would. */
  adb_set_time_limit(db, 500);
  base_state = state();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  if (!db) setup();
  char *q = malloc(size + 1);
  if (!q) abort();
  memcpy(q, data, size);
  q[size] = 0;
  adb_cypher *r = NULL;
  int rc = adb_cypher_run(db, q, NULL, &r);
  free(q);
  if (rc == ADB_OK) {
    int n = adb_cypher_columns(r);
    while (adb_cypher_next(r) == ADB_ROW)
      for (int i = 0; i < n; i++) {
        const char *text = adb_cypher_text(r, i, ADB_CYPHER_TCK);
        if (!text) abort();
      }
  }
  adb_cypher_free(r);
  char *now = state();
  int changed = strcmp(now, base_state) != 0;
  free(now);
  if (rc != ADB_OK && changed) abort(); /* a failed query changed the graph */
  if (changed) {
    /* Keep exploring from the seeded graph, not from whatever this query made of it. */
    adb_close(db);
    db = NULL;
    free(base_state);
  }
  return 0;
}
