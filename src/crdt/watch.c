/* watch.c — adb_watch: the ids of the elements each committed transaction saved. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "crdt/crdt.h"
#include "util/buf.h"

typedef struct watch {
  adb_watch_fn fn;
  void *ctx;
  /* The ids saved since the last commit, each ended by a NUL and followed by its kind, n or e. */
  ut_buf pending;
} watch;

static void watch_free(void *p) {
  watch *w = p;
  ut_buf_free(&w->pending);
  free(w);
}

int adb_watch(adb *db, adb_watch_fn fn, void *ctx) {
  if (!db) return ADB_MISUSE;
  if (!fn) {
    adb__slot_drop(db, ADB_SLOT_WATCH);
    return ADB_OK;
  }
  watch *w = adb__slot(db, ADB_SLOT_WATCH, sizeof *w, watch_free);
  if (!w) return ADB_NOMEM;
  w->fn = fn;
  w->ctx = ctx;
  return ADB_OK;
}

/* Notes the element's id; delivered once its transaction commits. */
static int watch_saved(adb *db, crdt_elem *e) {
  watch *w = adb__slot_peek(db, ADB_SLOT_WATCH);
  if (!w) return ADB_OK;
  size_t n = strlen(e->id);
  unsigned char tail[2] = {0, e->kind == ADB_NODE ? 'n' : 'e'};
  ut_buf_put(&w->pending, e->id, n);
  ut_buf_put(&w->pending, tail, 2);
  return w->pending.oom ? adb__err(db, ADB_NOMEM, "out of memory") : ADB_OK;
}

/* A derived index forgets on every stale moment, a failed statement's savepoint among them; the
 * ids of the transaction's earlier, successful writes must survive that, so nothing is dropped
 * here: a real rollback drops them (crdt_watch_discard). */
static void watch_forget(adb *db) { (void)db; }

const adb_index crdt_watch_index = {.saved = watch_saved, .forget = watch_forget};

void crdt_watch_discard(adb *db) {
  watch *w = adb__slot_peek(db, ADB_SLOT_WATCH);
  if (w) ut_buf_free(&w->pending);
}

void crdt_watch_flush(adb *db) {
  watch *w = adb__slot_peek(db, ADB_SLOT_WATCH);
  if (!w || !w->pending.len || !sqlite3_get_autocommit(db->sql)) return;
  /* The watcher may call adb_watch again: deliver from a buffer it cannot touch. */
  ut_buf ids = w->pending;
  memset(&w->pending, 0, sizeof w->pending);
  adb_watch_fn fn = w->fn;
  void *ctx = w->ctx;
  for (size_t at = 0; at < ids.len;) {
    const char *id = (const char *)ids.p + at;
    size_t n = strlen(id);
    fn(ctx, id, id[n + 1] == 'e');
    at += n + 2;
  }
  ut_buf_free(&ids);
}
