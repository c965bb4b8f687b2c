/* fuzz_apply.c — libFuzzer target: any bytes, sealed as a change set, given to adb_apply.
 * It must never crash, and a refused set must leave the replica exactly as it was. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"

static adb *db;
static char *base_state;

static char *state(void) {
  adb_stmt *st;
  size_t cap = 1 << 16, len = 0;
  char *out = calloc(1, cap);
  const char *sql = "SELECT id || label || properties FROM nodes UNION ALL"
                    " SELECT id || source_node_id || target_node_id || label || properties"
                    " FROM edges ORDER BY 1";
  if (adb_prepare(db, sql, &st, NULL)) abort();
  while (adb_step(st) == ADB_ROW) {
    const char *row = adb_column_text(st, 0);
    size_t n = strlen(row);
    if (len + n + 2 > cap) out = realloc(out, cap = 2 * (len + n + 2));
    memcpy(out + len, row, n);
    len += n;
    out[len++] = '\n';
    out[len] = 0;
  }
  adb_finalize(st);
  return out;
}

static void setup(void) {
  adb_options o = {.db_id = "0102030405060708090a0b0c0d0e0f10"};
  if (adb_open(":memory:", &o, &db)) abort();
  adb_node_create(db, "a", "P", "{\"k\":1}", NULL);
  adb_node_create(db, "b", "P", NULL, NULL);
  adb_edge_create(db, "e", "a", "R", "b", NULL, NULL);
  base_state = state();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  if (!db) setup();
  /* Seal the input, so the parser behind the digest check is what gets explored. */
  unsigned char *set = malloc(size + 16);
  memcpy(set, data, size);
  crypto_generichash(set + size, 16, set, size, NULL, 0);
  int rc = adb_apply(db, set, size + 16, NULL);
  free(set);
  if (rc != ADB_OK) {
    char *now = state();
    if (strcmp(now, base_state)) abort(); /* a refused set changed the replica */
    free(now);
  } else {
    /* Accepted: keep exploring from the seeded state, not from whatever this set made. */
    adb_close(db);
    db = NULL;
    free(base_state);
  }
  return 0;
}
