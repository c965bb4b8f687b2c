/* sync.c — the sync session (src/sync/session.c) and adb_watch as plain functions for the
 * JavaScript sync client (wasm/sync.mjs): one protocol state machine, and JavaScript only moves
 * its frames over a WebSocket. Part of the WebAssembly build only.
 *
 * Times are milliseconds as doubles (JavaScript's own numbers) on the caller's monotonic clock. */
#include <stdlib.h>
#include <string.h>

#include "sync/session.h"
#include "util/buf.h"
#include "util/json.h"

/* One connection's session, with its presence table and what JavaScript has not yet been told. */
typedef struct wasm_sync {
  adb *db;
  sync_session *s;
  sync_presence presence;
  unsigned char origin[16]; /* this replica, the origin of the presence it sets */
  char *token;
  int applied;          /* batches that changed the database since the last look */
  int presence_changed; /* the presence table changed since the last look */
} wasm_sync;

static void on_applied(void *ctx, sync_session *s) { ((wasm_sync *)ctx)->applied++; }

static void on_presence(void *ctx, sync_session *s, const sync_presence_entry *e) {
  ((wasm_sync *)ctx)->presence_changed = 1;
}

wasm_sync *adb_wasm_sync_new(adb *db, int live, int nodata, const char *token);
void adb_wasm_sync_free(wasm_sync *w);
int adb_wasm_sync_start(wasm_sync *w, double now);
int adb_wasm_sync_feed(wasm_sync *w, const void *p, size_t n, double now);
int adb_wasm_sync_tick(wasm_sync *w, double now);
int adb_wasm_sync_local_changed(wasm_sync *w, double now);
int adb_wasm_sync_out(wasm_sync *w, unsigned char **p, size_t *n);
void adb_wasm_sync_out_pop(wasm_sync *w);
int adb_wasm_sync_state(wasm_sync *w);
const char *adb_wasm_sync_reason(wasm_sync *w);
int adb_wasm_sync_status(wasm_sync *w);
int adb_wasm_sync_initial_done(wasm_sync *w);
int adb_wasm_sync_idle(wasm_sync *w);
const char *adb_wasm_sync_peer(wasm_sync *w);
int adb_wasm_sync_take_applied(wasm_sync *w);
int adb_wasm_sync_presence_set(wasm_sync *w, const char *key, const char *value, double ttl_ms,
                               double now);
char *adb_wasm_sync_presence(wasm_sync *w, double now);

/* Returns a client session on db (NULL: out of memory, or db has no replica id). token may be
 * NULL. */
wasm_sync *adb_wasm_sync_new(adb *db, int live, int nodata, const char *token) {
  wasm_sync *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->db = db;
  sync_presence_init(&w->presence);
  const char *rid = adb_replica_id(db);
  if ((token && !(w->token = strdup(token))) || !rid || ut_hex_decode(rid, w->origin, 16)) {
    adb_wasm_sync_free(w);
    return NULL;
  }
  sync_config cfg = {.token = w->token,
                     .live = live,
                     .nodata = nodata,
                     .presence = &w->presence,
                     .hooks = {.ctx = w, .applied = on_applied, .presence = on_presence}};
  if (sync_session_new(db, &cfg, &w->s)) {
    adb_wasm_sync_free(w);
    return NULL;
  }
  return w;
}

void adb_wasm_sync_free(wasm_sync *w) {
  if (!w) return;
  sync_session_free(w->s);
  sync_presence_free(&w->presence);
  free(w->token);
  free(w);
}

int adb_wasm_sync_start(wasm_sync *w, double now) { return sync_session_start(w->s, now); }

int adb_wasm_sync_feed(wasm_sync *w, const void *p, size_t n, double now) {
  return sync_session_feed(w->s, p, n, (int64_t)now);
}

/* Keep-alive, timeouts and more batches; and the presence entries whose time ran out. */
int adb_wasm_sync_tick(wasm_sync *w, double now) {
  if (sync_presence_expire(&w->presence, (int64_t)now)) w->presence_changed = 1;
  return sync_session_tick(w->s, (int64_t)now);
}

int adb_wasm_sync_local_changed(wasm_sync *w, double now) {
  return sync_session_local_changed(w->s, (int64_t)now);
}

int adb_wasm_sync_out(wasm_sync *w, unsigned char **p, size_t *n) {
  return sync_session_out(w->s, p, n);
}

void adb_wasm_sync_out_pop(wasm_sync *w) { sync_session_out_pop(w->s); }
int adb_wasm_sync_state(wasm_sync *w) { return sync_session_state(w->s); }
const char *adb_wasm_sync_reason(wasm_sync *w) { return sync_session_reason(w->s, NULL); }

int adb_wasm_sync_status(wasm_sync *w) {
  int rc = ADB_OK;
  sync_session_reason(w->s, &rc);
  return rc;
}

int adb_wasm_sync_initial_done(wasm_sync *w) { return sync_session_initial_done(w->s); }
int adb_wasm_sync_idle(wasm_sync *w) { return sync_session_idle(w->s); }
const char *adb_wasm_sync_peer(wasm_sync *w) { return sync_session_peer(w->s); }

/* Returns how many batches changed the database since the last call. */
int adb_wasm_sync_take_applied(wasm_sync *w) {
  int n = w->applied;
  w->applied = 0;
  return n;
}

/* Sets (value a JSON text) or removes (value NULL) this replica's presence entry key, and sends
 * it to the peer once the session is ready. Returns ADB_OK, ADB_INVALID for a bad key, value or
 * ttl, or ADB_NOMEM. */
int adb_wasm_sync_presence_set(wasm_sync *w, const char *key, const char *value, double ttl_ms,
                               double now) {
  if (ttl_ms < 1 || ttl_ms > (double)SYNC_MAX_PRESENCE_TTL_MS) return ADB_INVALID;
  const sync_presence_entry *e = NULL;
  int rc =
      sync_presence_set(&w->presence, w->origin, key, value, (uint64_t)ttl_ms, (int64_t)now, &e);
  w->presence_changed = 1;
  if (rc == ADB_OK && e && sync_session_state(w->s) == SYNC_S_READY)
    rc = sync_session_send_presence(w->s, e, (int64_t)now);
  return rc;
}

/* Returns the visible presence entries as a JSON array of {replica, key, value} (malloc'd), or
 * NULL when the table has not changed since the last call (or memory ran out). */
char *adb_wasm_sync_presence(wasm_sync *w, double now) {
  if (!w->presence_changed) return NULL;
  w->presence_changed = 0;
  ut_buf out = {0};
  ut_buf_puts(&out, "[");
  int first = 1;
  for (size_t i = 0; i < w->presence.n; i++) {
    const sync_presence_entry *e = &w->presence.e[i];
    if (!e->value || e->expires <= (int64_t)now) continue;
    char rid[33];
    ut_hex_encode(e->origin, 16, rid);
    ut_buf_puts(&out, first ? "{\"replica\":\"" : ",{\"replica\":\"");
    ut_buf_puts(&out, rid);
    ut_buf_puts(&out, "\",\"key\":");
    ut_json_put_string(&out, e->key, strlen(e->key));
    ut_buf_puts(&out, ",\"value\":");
    ut_buf_puts(&out, e->value);
    ut_buf_puts(&out, "}");
    first = 0;
  }
  ut_buf_puts(&out, "]");
  ut_buf_put(&out, "", 1);
  return (char *)ut_buf_take(&out, NULL);
}
