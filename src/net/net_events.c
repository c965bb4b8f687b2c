/* net_events.c — the browser UI's WebSocket (GET /events, subprotocol arenadb-events,
 * docs/http.md): JSON text frames that push the server's status, the version vector after
 * commits and the presence table, and take the UI's own presence entries into the hub's table,
 * which sync peers share. */
#include <jansson.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/net.h"
#include "util/buf.h"

#define EV_MAX_MESSAGE ((size_t)64 << 10) /* the largest message a UI may send */
#define EV_MAX_KEYS 16                    /* presence keys one connection may hold */
#define EV_DEFAULT_TTL_MS 30000
#define EV_GONE_TTL_MS 60000 /* how long the removal of a closed client's entry travels */
#define EV_MAX_ERRORS 32     /* error frames a client may earn before it is closed */

/* What a client is owed, sent one frame per writable callback in this order (after an error). */
enum { EV_HELLO = 1, EV_STATUS = 2, EV_PRESENCE = 4, EV_CHANGE = 8 };

/* One UI connection: lws's per-connection state of the protocol (zeroed by lws). */
typedef struct ev_client {
  struct ev_client *next, *prev;
  struct lws *wsi;
  int listed;     /* in the list of net_events */
  int role;       /* of its token (0: refused; it is told why, then closed) */
  unsigned want;  /* EV_* frames owed */
  char error[256]; /* an error frame owed ("": none) */
  int close_code; /* after that frame, close with this (0: stay open) */
  char why[124];  /* the close frame's reason */
  int closing;    /* the last frame is out: the tick closes it */
  int nerrors;
  char *keys[EV_MAX_KEYS]; /* the presence keys it set: removed when it goes */
  int nkeys;
  ut_buf msg;     /* the message being received, fragment by fragment */
  int skip;       /* the rest of an oversized message is dropped */
} ev_client;

struct net_events {
  net_hub *h;
  ev_client *clients;
  int n;
  int changed, presence, stopping;
  uint64_t presence_sig, status_sig;
};

static net_events *events_new(net_hub *h) {
  net_events *ev = calloc(1, sizeof *ev);
  if (!ev) return NULL;
  ev->h = h;
  ev->presence_sig = 0xcbf29ce484222325ULL; /* the digest of the empty table it starts with */
  return ev;
}

static void events_free(net_events *ev) { free(ev); }

static int events_count(net_events *ev) { return ev->n; }

static void events_changed(net_events *ev) { ev->changed = 1; }

static void events_presence_changed(net_events *ev) { ev->presence = 1; }

/* Owes every authenticated client the frames in bits. */
static void owe_all(net_events *ev, unsigned bits) {
  for (ev_client *c = ev->clients; c; c = c->next)
    if (c->role && !c->close_code && !c->closing) {
      c->want |= bits;
      lws_callback_on_writable(c->wsi);
    }
}

/* Owes c an error frame saying fmt; with close_code set, the connection closes after it (so it
 * does too after EV_MAX_ERRORS of them). */
static void fail(ev_client *c, int close_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(ev_client *c, int close_code, const char *fmt, ...) {
  if (c->close_code || c->closing) return; /* it is being closed already */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->error, sizeof c->error, fmt, ap);
  va_end(ap);
  if (close_code || ++c->nerrors > EV_MAX_ERRORS) {
    c->close_code = close_code ? close_code : LWS_CLOSE_STATUS_POLICY_VIOLATION;
    snprintf(c->why, sizeof c->why, "%.120s", close_code ? c->error : "too many errors");
    c->want = 0;
  }
  lws_callback_on_writable(c->wsi);
}

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ULL;
  return h;
}

/* A digest of the presence table's visible entries: it moves when one is set, removed or
 * expires, whoever did it (a sync peer, HTTP, a UI, GET /presence's own expiry). */
static uint64_t presence_digest(net_hub *h) {
  sync_presence *p = net_hub_presence(h);
  uint64_t d = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < p->n; i++) {
    if (!p->e[i].value) continue;
    d = fnv(d, p->e[i].origin, 16);
    d = fnv(d, p->e[i].key, strlen(p->e[i].key) + 1);
    d = fnv(d, &p->e[i].version, sizeof p->e[i].version);
  }
  return d;
}

/* A digest of who is connected and how far behind: sync sessions, connected peers, the
 * transactions they lack, UI clients. */
static uint64_t status_digest(net_events *ev) {
  uint64_t up = 0, behind = 0;
  int64_t v[4] = {net_hub_sessions(ev->h, &up, &behind), 0, 0, ev->n};
  v[1] = (int64_t)up;
  v[2] = (int64_t)behind;
  return fnv(0xcbf29ce484222325ULL, v, sizeof v);
}

static void events_tick(net_events *ev, int slow) {
  if (!ev) return;
  if (slow && !ev->stopping) {
    uint64_t d = presence_digest(ev->h);
    if (d != ev->presence_sig) ev->presence = 1;
    ev->presence_sig = d;
    d = status_digest(ev);
    if (d != ev->status_sig) owe_all(ev, EV_STATUS);
    ev->status_sig = d;
  }
  if (ev->changed) owe_all(ev, EV_CHANGE);
  if (ev->presence) owe_all(ev, EV_PRESENCE);
  ev->changed = ev->presence = 0;
  /* Clients whose last frame is out: a close frame with the code and the error, then TCP. From
   * here rather than the writable callback, where returning -1 would drop TCP without a close
   * frame (as for sync, net_hub.c). Closing at once frees c (LWS_CALLBACK_CLOSED). */
  for (ev_client *c = ev->clients, *next; c; c = next) {
    next = c->next;
    if (c->closing != 1) continue;
    c->closing = 2;
    lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)c->why,
                     strlen(c->why));
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
  }
}

static void events_stop(net_events *ev) {
  if (!ev || ev->stopping) return;
  ev->stopping = 1;
  for (ev_client *c = ev->clients; c; c = c->next)
    fail(c, LWS_CLOSE_STATUS_GOINGAWAY, "the server is shutting down");
}

/* The role of the token the upgrade carried ('Authorization: Bearer' or ?token=), 0 when it
 * lets nobody in; ADB_ROLE_ADMIN for anyone when the server needs no token. */
static int authenticate(net_hub *h, struct lws *wsi) {
  char auth[SYNC_MAX_TOKEN + 16] = "", arg[SYNC_MAX_TOKEN + 16] = "";
  const char *token = NULL;
  int alen = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
  if (alen > 7 && !strncmp(auth, "Bearer ", 7)) token = auth + 7;
  else token = lws_get_urlarg_by_name(wsi, "token=", arg, (int)sizeof arg);
  int role = net_hub_role(h, token, token ? strlen(token) : 0);
  sodium_memzero(auth, sizeof auth);
  sodium_memzero(arg, sizeof arg);
  return role;
}

/* The database's version vector as {replica: counter}, or null when it cannot be read. */
static json_t *vv_json(adb *db) {
  void *vv;
  size_t n;
  char *js;
  json_t *out = NULL;
  if (adb_vv(db, &vv, &n) == ADB_OK) {
    if (adb_vv_json(db, vv, n, &js) == ADB_OK) {
      json_t *v = json_loads(js, 0, NULL);
      out = json_incref(json_object_get(v, "vv"));
      json_decref(v);
      adb_free(js);
    }
    adb_free(vv);
  }
  return out ? out : json_null();
}

/* The presence table as GET /presence shows it. */
static json_t *presence_json(net_hub *h) {
  char *text = net_hub_presence_json(h);
  json_t *a = text ? json_loads(text, 0, NULL) : NULL;
  free(text);
  return a ? a : json_array();
}

/* The frame a client is owed next (a new reference), or NULL for none; clears what it owes. */
static json_t *next_frame(net_events *ev, ev_client *c) {
  net_hub *h = ev->h;
  json_t *o = NULL;
  if (c->error[0]) {
    o = json_pack("{s:s, s:s}", "type", "error", "error", c->error);
    c->error[0] = 0;
    if (c->close_code) c->closing = 1;
  } else if (c->want & (EV_HELLO | EV_STATUS)) {
    /* The status of GET /status, with the vector: a change owed goes with it. */
    o = net_hub_status(h);
    json_object_set_new(o, "type", json_string(c->want & EV_HELLO ? "hello" : "status"));
    json_object_set_new(o, "role", json_string(adb_role_name(c->role)));
    if (c->want & EV_HELLO) {
      json_object_set_new(o, "presence", presence_json(h));
      c->want &= ~(unsigned)EV_PRESENCE;
    }
    c->want &= ~(unsigned)(EV_HELLO | EV_STATUS | EV_CHANGE);
  } else if (c->want & EV_PRESENCE) {
    o = json_pack("{s:s, s:o}", "type", "presence", "entries", presence_json(h));
    c->want &= ~(unsigned)EV_PRESENCE;
  } else if (c->want & EV_CHANGE) {
    o = json_pack("{s:s, s:o}", "type", "change", "vv", vv_json(net_hub_db(h)));
    c->want &= ~(unsigned)EV_CHANGE;
  }
  return o;
}

/* Writes the next frame c is owed. Returns 0, or -1 when the connection failed. */
static int write_next(net_events *ev, ev_client *c) {
  if (c->closing) return 0;
  json_t *o = next_frame(ev, c);
  if (!o) return 0;
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  if (!text) return -1;
  size_t n = strlen(text);
  unsigned char *buf = malloc(LWS_PRE + n);
  if (!buf) {
    free(text);
    return -1;
  }
  memcpy(buf + LWS_PRE, text, n);
  free(text);
  int w = lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
  free(buf);
  if (w < (int)n) return -1;
  if (c->want || c->error[0]) lws_callback_on_writable(c->wsi);
  return 0;
}

/* {"type":"presence","key":K,"value":V,"ttl_ms":N}: sets (V null: removes) the entry K of
 * this server's replica in the hub's table, which sends it to every sync peer and UI. */
static void on_presence(net_events *ev, ev_client *c, json_t *m) {
  if (c->role < ADB_ROLE_WRITE)
    return fail(c, 0, "this token's role is %s; presence needs write", adb_role_name(c->role));
  const char *key = json_string_value(json_object_get(m, "key"));
  json_t *value = json_object_get(m, "value"), *ttl = json_object_get(m, "ttl_ms");
  if (!key || !value || (ttl && !json_is_integer(ttl)))
    return fail(c, 0, "presence needs \"key\" (a string), \"value\" (JSON; null removes it) and "
                      "\"ttl_ms\" (an integer)");
  json_int_t ms = ttl ? json_integer_value(ttl) : EV_DEFAULT_TTL_MS;
  int i = 0;
  while (i < c->nkeys && strcmp(c->keys[i], key)) i++;
  if (i == c->nkeys && c->nkeys == EV_MAX_KEYS)
    return fail(c, 0, "a connection may set at most %d presence keys", EV_MAX_KEYS);
  char *text = json_is_null(value) ? NULL : json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
  int rc = ms < 1 || (uint64_t)ms > SYNC_MAX_PRESENCE_TTL_MS || (!json_is_null(value) && !text)
               ? ADB_INVALID
               : net_hub_presence_set(ev->h, key, text, (uint64_t)ms);
  free(text);
  if (rc)
    return fail(c, 0, "invalid presence entry: the key is 1-%d bytes of text, the value JSON of at "
                      "most %d bytes, ttl_ms between 1 and %llu",
                SYNC_MAX_PRESENCE_KEY, SYNC_MAX_PRESENCE_VALUE,
                (unsigned long long)SYNC_MAX_PRESENCE_TTL_MS);
  if (i == c->nkeys && (c->keys[i] = strdup(key))) c->nkeys++;
}

/* A whole message from the UI. */
static void on_message(net_events *ev, ev_client *c, const char *p, size_t n) {
  json_error_t err;
  json_t *m = json_loadb(p, n, 0, &err);
  const char *type = json_string_value(json_object_get(m, "type"));
  if (!m) fail(c, 0, "the message is not JSON: %.120s", err.text);
  else if (!json_is_object(m) || !type) fail(c, 0, "a message is a JSON object with a \"type\"");
  else if (!strcmp(type, "presence")) on_presence(ev, c, m);
  else fail(c, 0, "unknown message type \"%.60s\" (a UI sends \"presence\")", type);
  json_decref(m);
}

/* A client that goes: it leaves the list, and the presence keys it set are removed unless
 * another client holds them (a reloaded tab keeps its key). */
static void forget(net_events *ev, ev_client *c) {
  if (!c->listed) return;
  c->listed = 0;
  if (c->prev) c->prev->next = c->next;
  else ev->clients = c->next;
  if (c->next) c->next->prev = c->prev;
  ev->n--;
  for (int i = 0; i < c->nkeys; i++) {
    int held = 0;
    for (ev_client *o = ev->clients; o && !held; o = o->next)
      for (int k = 0; k < o->nkeys && !held; k++) held = !strcmp(o->keys[k], c->keys[i]);
    if (!held && !ev->stopping) net_hub_presence_set(ev->h, c->keys[i], NULL, EV_GONE_TTL_MS);
    free(c->keys[i]);
  }
  c->nkeys = 0;
  ut_buf_free(&c->msg);
}

static int events_callback(struct lws *wsi, int reason, void *user, void *in, size_t len) {
  net_hub *h = lws_context_user(lws_get_context(wsi));
  net_events *ev = net_hub_events(h);
  ev_client *c = user;
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    /* The browser rules of every request: this server's own pages (or --cors ones) only. */
    const char *why;
    net_guard g;
    net_hub_guard(h, &g);
    return net_guard_check(&g, wsi, 0, &why) ? 1 : 0;
  }
  case LWS_CALLBACK_ESTABLISHED:
    if (!c || ev->stopping) return -1;
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    ut_buf_init(&c->msg);
    c->next = ev->clients;
    if (ev->clients) ev->clients->prev = c;
    ev->clients = c;
    c->listed = 1;
    ev->n++;
    /* A wrong token is told so (a browser sees no HTTP status of a refused upgrade). */
    if (!(c->role = authenticate(h, wsi)))
      fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
           "authentication failed: this server needs a valid token (?token=TOKEN or "
           "'Authorization: Bearer TOKEN')");
    else c->want = EV_HELLO;
    lws_callback_on_writable(wsi);
    return 0;
  case LWS_CALLBACK_RECEIVE: {
    if (!c || !c->listed || c->close_code || c->closing) return 0; /* closing: ignore the rest */
    size_t claim = lws_is_first_fragment(wsi) ? lws_remaining_packet_payload(wsi) + len : 0;
    if (!c->skip && (claim > EV_MAX_MESSAGE || c->msg.len + len > EV_MAX_MESSAGE)) {
      c->skip = 1;
      fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "a message over %zu bytes", EV_MAX_MESSAGE);
    }
    if (!c->skip) ut_buf_put(&c->msg, in, len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
    if (c->skip) {
      c->skip = 0;
    } else if (c->msg.oom) {
      fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "out of memory");
    } else if (lws_frame_is_binary(wsi)) {
      fail(c, 0, "a binary message (this protocol's messages are JSON text)");
    } else {
      on_message(ev, c, (const char *)c->msg.p, c->msg.len);
    }
    ut_buf_free(&c->msg);
    ut_buf_init(&c->msg);
    return 0;
  }
  case LWS_CALLBACK_SERVER_WRITEABLE:
    if (!c || !c->listed) return -1;
    return write_next(ev, c);
  case LWS_CALLBACK_CLOSED:
    if (c) forget(ev, c);
    return 0;
  default: return 0;
  }
}

const net_events_handler net_events_api = {
    .create = events_new,
    .destroy = events_free,
    .callback = events_callback,
    .pss_size = sizeof(ev_client),
    .changed = events_changed,
    .presence_changed = events_presence_changed,
    .tick = events_tick,
    .stop = events_stop,
    .count = events_count,
};
