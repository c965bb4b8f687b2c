/* fuzz_apply.c — libFuzzer target: any bytes, sealed as a change set, given to adb_apply.
 * It must never crash, and a refused set must leave the replica exactly as it was. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "fuzz_state.h"

static adb *db;
static char *base_state;

static void setup(void) {
  adb_options o = {.db_id = "0102030405060708090a0b0c0d0e0f10"};
  if (adb_open(":memory:", &o, &db)) abort();
  adb_node_create(db, "a", "P", "{\"k\":1}", NULL);
  adb_node_create(db, "b", "P", NULL, NULL);
  adb_edge_create(db, "e", "a", "R", "b", NULL, NULL);
  base_state = fuzz_state(db);
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
    char *now = fuzz_state(db);
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
