/* watch.c — adb_watch for JavaScript: the ids committed since the last look, collected in C and
 * taken as one JSON text, so no JavaScript function is called from inside a commit. Part of the
 * WebAssembly build only. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "util/buf.h"
#include "util/json.h"

typedef struct wasm_watch {
  ut_buf ids; /* JSON array members: ["n","ID"] or ["e","ID"], comma-separated */
} wasm_watch;

wasm_watch *adb_wasm_watch_new(adb *db);
char *adb_wasm_watch_take(wasm_watch *w);
void adb_wasm_watch_free(adb *db, wasm_watch *w);

static void on_change(void *ctx, const char *id, int is_edge) {
  wasm_watch *w = ctx;
  ut_buf_puts(&w->ids, w->ids.len ? ",[\"" : "[\"");
  ut_buf_puts(&w->ids, is_edge ? "e\"," : "n\",");
  ut_json_put_string(&w->ids, id, strlen(id));
  ut_buf_puts(&w->ids, "]");
}

/* Starts collecting the ids db's commits save. Returns NULL when out of memory. */
wasm_watch *adb_wasm_watch_new(adb *db) {
  wasm_watch *w = calloc(1, sizeof *w);
  if (w && adb_watch(db, on_change, w)) {
    free(w);
    w = NULL;
  }
  return w;
}

/* Returns the ids collected since the last call as a JSON array (malloc'd), or NULL when there
 * are none (or memory ran out: the ids are then lost, and "[]" is not returned either). */
char *adb_wasm_watch_take(wasm_watch *w) {
  if (!w->ids.len) return NULL;
  ut_buf out = {0};
  ut_buf_puts(&out, "[");
  ut_buf_put(&out, w->ids.p, w->ids.len);
  ut_buf_puts(&out, "]");
  ut_buf_put(&out, "", 1);
  ut_buf_free(&w->ids);
  return (char *)ut_buf_take(&out, NULL);
}

void adb_wasm_watch_free(adb *db, wasm_watch *w) {
  adb_watch(db, NULL, NULL);
  ut_buf_free(&w->ids);
  free(w);
}
