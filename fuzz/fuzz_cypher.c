/* fuzz_cypher.c — libFuzzer target: any text as a Cypher query against a small graph, through
 * the parser, the checker and the executor, every value of every row printed. It must never
 * crash or overflow, stop within the time limit, and a failed query must leave the graph
 * exactly as it was. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "fuzz_state.h"

static adb *db;
static char *base_state;

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
  base_state = fuzz_state(db);
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
  char *now = fuzz_state(db);
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
