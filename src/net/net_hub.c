/* net_hub.c — the event loop: sync sessions over WebSocket (libwebsockets on a libuv loop),
 * accepted from clients and opened to peers, with live streaming between all of them, presence
 * relay, reconnection with exponential backoff and jitter, and graceful shutdown. */
#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <sodium.h>

#include "net/net.h"
#include "sync/sync.h"
#include "util/buf.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000
#define CLOSE_GRACE_MS 2000 /* a closing peer that does not read is cut after this */

typedef struct net_peer net_peer;

typedef struct net_conn {
  uint64_t repairs_seen;
  struct net_conn *next, *prev;
  net_hub *hub;
  struct lws *wsi;
  sync_session *s;
  net_peer *peer;      /* NULL for a connection we accepted */
  int finishing;       /* once mode: done, close when the output is written */
  int drained;         /* 1: closed or finishing, and its last frame written; 2: close begun */
  int64_t closing_since;
  char addr[64];
} net_conn;

struct net_peer {
  net_hub *hub;
  char url[512];
  char host[256], path[256];
  int port, ssl;
  net_conn *conn;
  int attempts;
  int done;            /* once mode: finished (well or not) */
  int connecting;
  uv_timer_t retry;
};

struct net_hub {
  adb *db;
  net_opts o;
  net_result *res;
  uv_loop_t loop;
  uv_timer_t tick;
  uv_signal_t sigint, sigterm;
  struct lws_context *cx;
  net_conn *conns;
  int nconns, naccepted;
  net_peer peers[NET_MAX_PEERS];
  sync_presence pres;
  int64_t data_version;
  int64_t started, last_slow_tick;
  int stopping;
  int64_t stop_at;
  unsigned char rid[16];
  char ids[66]; /* the database and replica ids last logged: a change is logged (log_identity) */
  sync_stats closed; /* sums of the sessions that ended */
  char listen_host[256];
  int listen_port;
  net_listener *listener;
  net_events *ev; /* the browser UIs' WebSockets (net_events.c) */
  int has_tokens; /* the file has access tokens: re-read when another process commits */
  /* Read-only handles for the worker threads: free ones wait in readers[0..nfree). */
  uv_mutex_t readers_lock;
  adb *readers[NET_MAX_READERS];
  int nfree, nopen;
};

int64_t net_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(net_hub *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(net_hub *h, const char *fmt, ...) {
  if (!h->o.log) return;
  char line[1024], safe[4 * sizeof line];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  /* Lines quote what peers send (close reasons, errors): a newline there must not start a line
   * of its own that a reader would take for the server's. */
  size_t n = 0;
  for (const unsigned char *c = (const unsigned char *)line; *c; c++) {
    if (*c < 0x20 || *c == 0x7f) n += (size_t)snprintf(safe + n, sizeof safe - n, "\\x%02x", *c);
    else safe[n++] = (char)*c;
  }
  safe[n] = 0;
  h->o.log(h->o.ctx, safe);
}

adb *net_hub_db(net_hub *h) { return h->db; }
sync_presence *net_hub_presence(net_hub *h) { return &h->pres; }
const char *net_hub_ui_dir(net_hub *h) { return h->o.ui_dir; }
uv_loop_t *net_hub_loop(net_hub *h) { return &h->loop; }
net_events *net_hub_events(net_hub *h) { return h->ev; }

adb *net_hub_reader_take(net_hub *h) {
  adb *rd = NULL;
  uv_mutex_lock(&h->readers_lock);
  int may_open = !h->nfree && h->nopen < NET_MAX_READERS;
  if (h->nfree) rd = h->readers[--h->nfree];
  else if (may_open) h->nopen++;
  uv_mutex_unlock(&h->readers_lock);
  if (rd || !may_open) return rd;
  adb_options o = {.readonly = 1, .no_create = 1};
  if (adb_open(h->o.db_path, &o, &rd)) {
    adb_close(rd);
    uv_mutex_lock(&h->readers_lock);
    h->nopen--;
    uv_mutex_unlock(&h->readers_lock);
    return NULL;
  }
  adb_set_time_limit(rd, h->o.query_timeout_ms);
  adb_set_query_only(rd, 1);
  return rd;
}

void net_hub_reader_give(net_hub *h, adb *rd) {
  uv_mutex_lock(&h->readers_lock);
  h->readers[h->nfree++] = rd;
  uv_mutex_unlock(&h->readers_lock);
}
void net_hub_guard(net_hub *h, net_guard *g) {
  *g = (net_guard){h->listen_host, h->o.cors, h->o.ncors, h->o.tls_cert != NULL,
                   net_hub_authenticates(h)};
}
int net_hub_authenticates(net_hub *h) { return h->o.token || h->has_tokens; }

void net_hub_tokens_changed(net_hub *h) {
  int64_t n = 0;
  /* Unreadable counts as having tokens: the server then asks for one rather than letting all in. */
  h->has_tokens = adb_token_count(h->db, &n) != ADB_OK || n > 0;
}

int net_hub_role(net_hub *h, const char *token, size_t len) {
  if (!net_hub_authenticates(h)) return ADB_ROLE_ADMIN;
  char t[SYNC_MAX_TOKEN + 1];
  if (!token || len == 0 || len > SYNC_MAX_TOKEN) return 0;
  memcpy(t, token, len);
  t[len] = 0;
  if (strlen(t) != len) return 0;
  /* The one-off --token first, compared in constant time; then the file's tokens. */
  if (h->o.token && strlen(h->o.token) == len && sodium_memcmp(t, h->o.token, len) == 0)
    return ADB_ROLE_ADMIN;
  int role = 0;
  adb_token_role(h->db, t, &role);
  sodium_memzero(t, len);
  return role;
}

static int hook_authorize(void *ctx, sync_session *s, const char *token, size_t len) {
  net_conn *c = ctx;
  return net_hub_role(c->hub, token, len);
}

int net_split_hostport(const char *s, char *host, size_t hostlen, int *port) {
  const char *colon = strrchr(s, ':');
  size_t n = colon ? (size_t)(colon - s) : strlen(s);
  if (n == 0 || n >= hostlen) return -1;
  memcpy(host, s, n);
  host[n] = 0;
  *port = NET_DEFAULT_PORT;
  if (colon) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535) return -1;
    *port = (int)p;
  }
  return 0;
}

/* Asks for a write when the session has output or must close. */
static void kick(net_conn *c) {
  if (!c->wsi || !c->s) return;
  unsigned char *p;
  size_t n;
  if (sync_session_out(c->s, &p, &n) || sync_session_state(c->s) == SYNC_S_CLOSED || c->finishing)
    lws_callback_on_writable(c->wsi);
}

static void stats_add(sync_stats *a, const sync_stats *b) {
  a->bytes_in += b->bytes_in;
  a->bytes_out += b->bytes_out;
  a->batches_in += b->batches_in;
  a->batches_out += b->batches_out;
  a->elements_in += b->elements_in;
  a->registers_in += b->registers_in;
  a->changed_in += b->changed_in;
  a->elements_out += b->elements_out;
}

static void hook_applied(void *ctx, sync_session *s) {
  net_conn *from = ctx;
  net_hub *h = from->hub;
  int64_t now = net_now_ms();
  for (net_conn *c = h->conns; c; c = c->next)
    if (c != from && c->s) {
      sync_session_local_changed(c->s, now);
      kick(c);
    }
  if (h->ev) h->o.events->changed(h->ev);
}

static void hook_presence(void *ctx, sync_session *s, const sync_presence_entry *e) {
  net_conn *from = ctx;
  net_hub *h = from->hub;
  int64_t now = net_now_ms();
  for (net_conn *c = h->conns; c; c = c->next)
    if (c != from && c->s) {
      sync_session_send_presence(c->s, e, now);
      kick(c);
    }
  if (h->ev) h->o.events->presence_changed(h->ev);
  if (h->o.on_presence) h->o.on_presence(h->o.ctx, h, e);
}

static void hook_ready(void *ctx, sync_session *s) {
  net_conn *c = ctx;
  net_hub *h = c->hub;
  if (c->peer) c->peer->attempts = 0;
  logf_(h, "%s %s: replica %s", c->peer ? "connected to" : "accepted",
        c->peer ? c->peer->url : c->addr, sync_session_peer(s));
  /* A presence-only client sets its entry as soon as the server knows it. */
  if (c->peer && h->o.presence_key) {
    const sync_presence_entry *e = NULL;
    int rc = sync_presence_set(&h->pres, h->rid, h->o.presence_key, h->o.presence_value,
                               h->o.presence_ttl_ms, net_now_ms(), &e);
    if (rc == ADB_OK && e) sync_session_send_presence(s, e, net_now_ms());
    else if (rc) sync_session_fail(s, rc, "invalid presence entry");
  }
}

static net_conn *conn_new(net_hub *h, struct lws *wsi, net_peer *peer) {
  net_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->hub = h;
  c->wsi = wsi;
  c->peer = peer;
  sync_config cfg = {.server = peer == NULL,
                     .token = h->o.token,
                     .live = h->o.live || h->o.listen != NULL,
                     .nodata = h->o.nodata,
                     .batch_bytes = h->o.batch_bytes,
                     .headroom = LWS_PRE,
                     .timeout_ms = h->o.timeout_ms,
                     .presence = &h->pres,
                     .hooks = {.ctx = c, .applied = hook_applied, .presence = hook_presence,
                               .ready = hook_ready, .authorize = hook_authorize}};
  if (sync_session_new(h->db, &cfg, &c->s)) {
    free(c);
    return NULL;
  }
  c->next = h->conns;
  if (h->conns) h->conns->prev = c;
  h->conns = c;
  h->nconns++;
  if (!peer) h->naccepted++;
  return c;
}

static void peer_schedule(net_peer *p);

/* Forgets a connection whose socket is gone. */
static void conn_gone(net_conn *c, const char *why) {
  net_hub *h = c->hub;
  int rc = 0;
  const char *reason = c->s ? sync_session_reason(c->s, &rc) : "";
  if (c->s) stats_add(&h->closed, sync_session_stats(c->s));
  const char *who = c->peer ? c->peer->url : c->addr;
  if (*reason) logf_(h, "disconnected %s: %s", who, reason);
  else if (!c->finishing) logf_(h, "disconnected %s: %s", who, why);
  net_peer *p = c->peer;
  if (p) {
    if (!h->o.live && !p->done) {
      p->done = 1;
      if (c->finishing) {
        h->res->completed = 1;
      } else if (h->res->rc == ADB_OK) {
        h->res->rc = rc ? rc : ADB_IO;
        snprintf(h->res->reason, sizeof h->res->reason, "%.400s", *reason ? reason : why);
      }
    }
    p->conn = NULL;
    if (h->o.live && !h->stopping) peer_schedule(p);
  }
  if (c->prev) c->prev->next = c->next;
  else h->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  h->nconns--;
  if (!c->peer) h->naccepted--;
  sync_session_free(c->s);
  free(c);
}

/* ---- Peers: connecting, and reconnecting with backoff ---- */

static void peer_connect(net_peer *p) {
  net_hub *h = p->hub;
  if (h->stopping || p->conn) return;
  net_conn *c = conn_new(h, NULL, p);
  if (!c) return peer_schedule(p);
  p->conn = c;
  snprintf(c->addr, sizeof c->addr, "%.50s:%d", p->host, p->port);
  struct lws_client_connect_info i;
  memset(&i, 0, sizeof i);
  i.context = h->cx;
  i.address = p->host;
  i.port = p->port;
  i.path = p->path;
  i.host = p->host; /* no Origin: that header is a browser's, and names the page it runs */
  i.protocol = NET_WS_PROTOCOL;
  i.local_protocol_name = NET_WS_PROTOCOL;
  /* The server's certificate must chain to a trusted CA and name the host, unless the user
   * said --insecure in so many words. */
  i.ssl_connection =
      !p->ssl ? 0
              : LCCSCF_USE_SSL | (h->o.insecure ? LCCSCF_ALLOW_SELFSIGNED |
                                                      LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                                      LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE
                                                : 0);
  i.opaque_user_data = c;
  i.pwsi = &c->wsi;
  p->attempts++;
  p->connecting = 1;
  struct lws *w = lws_client_connect_via_info(&i);
  p->connecting = 0;
  if (!w) {
    /* The failure was reported through the callback already, or here. */
    if (p->conn == c) {
      c->wsi = NULL;
      conn_gone(c, "cannot start the connection");
    }
  }
}

static void retry_cb(uv_timer_t *t) { peer_connect(t->data); }

static void peer_schedule(net_peer *p) {
  net_hub *h = p->hub;
  if (h->stopping || !h->o.live) return;
  /* Exponential backoff with full jitter in [d/2, d]. */
  int64_t d = BACKOFF_MIN_MS;
  for (int i = 1; i < p->attempts && d < BACKOFF_MAX_MS; i++) d *= 2;
  if (d > BACKOFF_MAX_MS) d = BACKOFF_MAX_MS;
  d = d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
  uv_timer_start(&p->retry, retry_cb, (uint64_t)d, 0);
}

/* ---- The WebSocket protocol callback ---- */

static int ws_write(net_conn *c) {
  unsigned char *p;
  size_t n;
  /* One frame per writable callback keeps every connection served fairly. */
  if (sync_session_out(c->s, &p, &n)) {
    int w = lws_write(c->wsi, p, n, LWS_WRITE_BINARY);
    sync_session_out_pop(c->s);
    if (w < (int)n) return -1;
    if (sync_session_out(c->s, &p, &n) || sync_session_state(c->s) == SYNC_S_CLOSED || c->finishing)
      lws_callback_on_writable(c->wsi);
    return 0;
  }
  /* The close itself starts from the next tick (close_ws). */
  if ((sync_session_state(c->s) == SYNC_S_CLOSED || c->finishing) && !c->drained) c->drained = 1;
  return 0;
}

/* Closes the WebSocket of a session that said its last word: a close frame with status 1008
 * and the reason after an ERROR frame (1000 "done" after a finished once-mode sync), the peer's
 * answer, then TCP. It runs from the tick, outside lws's service of this connection, because
 * returning -1 from a writable callback makes lws drop TCP without a close frame. c may be
 * freed. */
static void close_ws(net_conn *c) {
  int rc;
  const char *why = sync_session_reason(c->s, &rc);
  if (!*why) why = "done";
  c->drained = 2;
  lws_close_reason(c->wsi, rc ? LWS_CLOSE_STATUS_POLICY_VIOLATION : LWS_CLOSE_STATUS_NORMAL,
                   (unsigned char *)why, strlen(why) > 120 ? 120 : strlen(why));
  lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
}

static void after_event(net_conn *c) {
  net_hub *h = c->hub;
  if (sync_session_stats(c->s)->repairs != c->repairs_seen) {
    c->repairs_seen = sync_session_stats(c->s)->repairs;
    logf_(h, "anti-entropy: %s lacked changes believed sent; sending them again",
          c->peer ? c->peer->url : c->addr);
  }
  if (!h->o.live && c->peer && !c->finishing && sync_session_state(c->s) == SYNC_S_READY &&
      sync_session_initial_done(c->s))
    c->finishing = 1;
  if (sync_session_state(c->s) == SYNC_S_CLOSED && !c->closing_since)
    c->closing_since = net_now_ms();
  kick(c);
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len) {
  struct lws_context *cx = lws_get_context(wsi);
  net_hub *h = lws_context_user(cx);
  net_conn *c = lws_get_opaque_user_data(wsi);
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    const char *why;
    net_guard g;
    net_hub_guard(h, &g);
    if (!net_guard_check(&g, wsi, 0, &why)) return 0;
    char ip[48] = "?";
    lws_get_peer_simple(wsi, ip, sizeof ip);
    logf_(h, "refused a WebSocket from %s: %s", ip, why);
    return 1;
  }
  case LWS_CALLBACK_ESTABLISHED: {
    if (h->stopping) return -1;
    c = conn_new(h, wsi, NULL);
    if (!c) return -1;
    lws_set_opaque_user_data(wsi, c);
    char ip[48] = "?";
    lws_get_peer_simple(wsi, ip, sizeof ip);
    snprintf(c->addr, sizeof c->addr, "client %s", ip);
    sync_session_start(c->s, net_now_ms());
    after_event(c);
    return 0;
  }
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (!c) return -1;
    c->wsi = wsi;
    sync_session_start(c->s, net_now_ms());
    after_event(c);
    return 0;
  case LWS_CALLBACK_RECEIVE:
  case LWS_CALLBACK_CLIENT_RECEIVE:
    if (!c || !c->s) return -1;
    if (sync_session_state(c->s) == SYNC_S_CLOSED) return 0; /* draining: ignore the rest */
    if (!lws_frame_is_binary(wsi)) {
      sync_session_fail(c->s, ADB_PROTOCOL, "a text WebSocket message (the protocol is binary)");
    } else if (lws_is_first_fragment(wsi) &&
               (uint64_t)lws_remaining_packet_payload(wsi) + len > SYNC_MAX_FRAME_DEFAULT + 64) {
      sync_session_fail(c->s, ADB_PROTOCOL, "a WebSocket message of %llu bytes (the limit is %zu)",
                        (unsigned long long)lws_remaining_packet_payload(wsi) + len,
                        (size_t)SYNC_MAX_FRAME_DEFAULT);
    } else {
      sync_session_feed(c->s, in, len, net_now_ms());
    }
    after_event(c);
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE:
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    if (!c || !c->s) return -1;
    return ws_write(c);
  case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    if (c && c->s && len > 2 && sync_session_state(c->s) != SYNC_S_CLOSED) {
      char why[128];
      size_t n = len - 2 < sizeof why - 1 ? len - 2 : sizeof why - 1;
      memcpy(why, (char *)in + 2, n);
      why[n] = 0;
      logf_(h, "%s closed the connection: %s", c->peer ? c->peer->url : c->addr, why);
    }
    return 0;
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (c) {
      c->wsi = NULL;
      char why[400];
      const char *text = in ? (const char *)in : "connection failed";
      if (c->peer && c->peer->ssl && strstr(text, "SSL"))
        snprintf(why, sizeof why, "cannot connect (%s): the server's certificate is not trusted, "
                 "is for another host, or has expired (--ca FILE names the CA to trust)", text);
      else
        snprintf(why, sizeof why, "cannot connect (%s): is 'arenadb serve' running there?", text);
      if (c->s && !*sync_session_reason(c->s, NULL))
        sync_session_fail(c->s, ADB_IO, "%s", why);
      lws_set_opaque_user_data(wsi, NULL);
      conn_gone(c, why);
    }
    return 0;
  case LWS_CALLBACK_CLOSED:
  case LWS_CALLBACK_CLIENT_CLOSED:
  case LWS_CALLBACK_WSI_DESTROY: /* a connection lws dropped without another word */
    if (c) {
      c->wsi = NULL;
      lws_set_opaque_user_data(wsi, NULL);
      conn_gone(c, "the connection closed");
    }
    return 0;
  default: return 0;
  }
}

/* ---- Timers and signals ---- */

void net_hub_changed(net_hub *h) {
  int64_t now = net_now_ms();
  for (net_conn *c = h->conns; c; c = c->next)
    if (c->s) {
      sync_session_local_changed(c->s, now);
      after_event(c);
    }
  if (h->ev) h->o.events->changed(h->ev);
}

int net_hub_presence_set(net_hub *h, const char *key, const char *value, uint64_t ttl_ms) {
  const sync_presence_entry *e = NULL;
  int64_t now = net_now_ms();
  int rc = sync_presence_set(&h->pres, h->rid, key, value, ttl_ms, now, &e);
  if (rc) return rc;
  for (net_conn *c = h->conns; c && e; c = c->next)
    if (c->s) {
      sync_session_send_presence(c->s, e, now);
      kick(c);
    }
  if (h->ev) h->o.events->presence_changed(h->ev);
  if (h->o.on_presence && e) h->o.on_presence(h->o.ctx, h, e);
  return ADB_OK;
}

static void stop(net_hub *h, const char *why) {
  if (h->stopping) return;
  h->stopping = 1;
  h->stop_at = net_now_ms() + 300;
  if (why) logf_(h, "%s", why);
  for (net_conn *c = h->conns; c; c = c->next) {
    if (c->s && sync_session_state(c->s) != SYNC_S_CLOSED && !c->finishing) {
      if (h->o.listen) sync_session_fail(c->s, ADB_IO, "the server is shutting down");
      else c->finishing = 1;
    }
    kick(c);
  }
  for (int i = 0; i < h->o.npeers; i++) uv_timer_stop(&h->peers[i].retry);
  if (h->ev) h->o.events->stop(h->ev);
}

/* Logs a change of the database or replica id since the last line that named them: a replica
 * with no data joins the database of the first peer it syncs with, and a replica whose peer
 * knew more of its id than its file holds takes a new one (docs/crdt.md). */
static void log_identity(net_hub *h) {
  char ids[66];
  snprintf(ids, sizeof ids, "%s%s", adb_db_id(h->db), adb_replica_id(h->db));
  if (!strcmp(ids, h->ids)) return;
  if (strncmp(ids, h->ids, 32))
    logf_(h, "now database %s: this replica had no data, and joined its peer's", adb_db_id(h->db));
  else
    logf_(h, "now replica %s: a peer had seen more of its old id than this file holds (restored "
          "from an older copy?), so it writes under a new one", adb_replica_id(h->db));
  memcpy(h->ids, ids, sizeof ids);
  ut_hex_decode(adb_replica_id(h->db), h->rid, 16);
}

static void tick_cb(uv_timer_t *t) {
  net_hub *h = t->data;
  int64_t now = net_now_ms();
  for (net_conn *c = h->conns, *next; c; c = next) { /* close_ws may free c */
    next = c->next;
    if (c->drained == 1 && c->wsi) close_ws(c);
  }
  int slow = now - h->last_slow_tick >= 100;
  if (h->stopping) {
    if (h->ev) h->o.events->tick(h->ev, 0); /* the UIs' close frames */
    if (h->nconns == 0 || now >= h->stop_at) uv_stop(&h->loop);
    return;
  }
  /* Commits by other processes on the same file. */
  int64_t v;
  if (adb_data_version(h->db, &v) == ADB_OK && v != h->data_version) {
    h->data_version = v;
    net_hub_tokens_changed(h); /* `arenadb token create` or revoke in another process */
    net_hub_changed(h);
  }
  if (slow) {
    h->last_slow_tick = now;
    log_identity(h);
    if (sync_presence_expire(&h->pres, now)) {
      if (h->ev) h->o.events->presence_changed(h->ev);
      if (h->o.on_presence) h->o.on_presence(h->o.ctx, h, NULL);
    }
    for (net_conn *c = h->conns, *next; c; c = next) {
      next = c->next;
      if (!c->s) continue;
      if (c->peer && !c->wsi && !c->peer->connecting) {
        /* lws forgot the attempt (it clears the pwsi it was given): start over. */
        conn_gone(c, "the connection was lost");
        continue;
      }
      sync_session_tick(c->s, now);
      after_event(c);
      if (c->closing_since && now - c->closing_since > CLOSE_GRACE_MS && c->wsi)
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
  }
  /* After the checks above: a commit or an expiry they found goes out on this tick. */
  if (h->ev) h->o.events->tick(h->ev, slow);
  if (h->o.run_for_ms && now - h->started >= h->o.run_for_ms) stop(h, NULL);
  if (!h->o.live && !h->o.listen) {
    int all = 1;
    for (int i = 0; i < h->o.npeers; i++) all &= h->peers[i].done;
    if (all) stop(h, NULL);
  }
}

static void signal_cb(uv_signal_t *s, int signum) {
  net_hub *h = s->data;
  stop(h, signum == SIGINT ? "interrupted: shutting down" : "terminated: shutting down");
}

/* ---- Running ---- */

/* The first protocol's callback: HTTP, and every connection's last word. lws sends
 * LWS_CALLBACK_WSI_DESTROY to the first protocol only, so a sync connection that lws drops
 * without a close callback (one that died while connecting, say) is forgotten here; otherwise
 * its pointer would outlive it. So is every accepted connection's slot in the listener. */
static int first_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len) {
  net_hub *h = lws_context_user(lws_get_context(wsi));
  if (reason == LWS_CALLBACK_WSI_DESTROY) net_listen_release(h->listener, wsi);
  if (reason == LWS_CALLBACK_WSI_DESTROY && lws_get_opaque_user_data(wsi))
    return ws_callback(wsi, reason, user, in, len);
  /* A WebSocket that names no subprotocol lands here, where nothing would ever answer it:
   * refuse the upgrade instead of leaving the client waiting for a HELLO. */
  if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) {
    char ip[48] = "?";
    lws_get_peer_simple(wsi, ip, sizeof ip);
    logf_(h, "refused a WebSocket from %s: it did not ask for subprotocol %s or %s", ip,
          NET_WS_PROTOCOL, NET_EVENTS_PROTOCOL);
    return 1;
  }
  if (h->o.http) return h->o.http->callback(wsi, reason, user, in, len);
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int events_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                           void *in, size_t len) {
  net_hub *h = lws_context_user(lws_get_context(wsi));
  return h->o.events->callback(wsi, (int)reason, user, in, len);
}

static const struct lws_protocols *protocols(net_hub *h) {
  static struct lws_protocols p[4];
  size_t pss = h->o.http ? h->o.http->pss_size : 0;
  p[0] = (struct lws_protocols){"http", first_callback, pss, 0, 0, NULL, 0};
  p[1] = (struct lws_protocols){NET_WS_PROTOCOL, ws_callback, 0, 65536, 0, NULL, 0};
  /* The browser UI's pushed updates: only where the HTTP API is served. */
  if (h->o.http && h->o.events) {
    p[2] = (struct lws_protocols){NET_EVENTS_PROTOCOL, events_callback, h->o.events->pss_size,
                                  16384, 0, NULL, 0};
    memset(&p[3], 0, sizeof p[3]);
  } else {
    memset(&p[2], 0, sizeof p[2]);
  }
  return p;
}

static int parse_peer(net_peer *p, const char *url) {
  snprintf(p->url, sizeof p->url, "%s", url);
  char copy[512];
  snprintf(copy, sizeof copy, "%s", url);
  const char *prot, *ads, *path;
  int port;
  if (lws_parse_uri(copy, &prot, &ads, &port, &path)) return -1;
  if (strcmp(prot, "ws") && strcmp(prot, "wss")) return -1;
  p->ssl = !strcmp(prot, "wss");
  if (!*ads) return -1;
  snprintf(p->host, sizeof p->host, "%s", ads);
  /* lws_parse_uri defaults the port by scheme; a ws:// URL without one means ArenaDB's. */
  p->port = strstr(url + (p->ssl ? 6 : 5), ":") ? port : NET_DEFAULT_PORT;
  snprintf(p->path, sizeof p->path, "/%s", path);
  return 0;
}

static void lws_log(int level, const char *line) { (void)level, (void)line; }

/* Frees the UI events' state, when serve has one. */
static void events_free(net_hub *h) {
  if (h->ev) h->o.events->destroy(h->ev);
}

int net_run(adb *db, const net_opts *o, net_result *res) {
  memset(res, 0, sizeof *res);
  net_hub *h = calloc(1, sizeof *h);
  if (!h) return ADB_NOMEM;
  h->db = db;
  h->o = *o;
  h->res = res;
  sync_presence_init(&h->pres);
  ut_hex_decode(adb_replica_id(db), h->rid, 16);
  if (o->events && !(h->ev = o->events->create(h))) {
    free(h);
    return ADB_NOMEM;
  }
  int rc = ADB_OK;
  char host[256] = "127.0.0.1";
  int port = 0;
  if (o->listen && net_split_hostport(o->listen, host, sizeof host, &port)) {
    snprintf(res->reason, sizeof res->reason, "cannot listen on '%s': expected HOST:PORT",
             o->listen);
    events_free(h);
    free(h);
    return ADB_INVALID;
  }
  for (int i = 0; i < o->npeers; i++) {
    h->peers[i].hub = h;
    if (parse_peer(&h->peers[i], o->peers[i])) {
      snprintf(res->reason, sizeof res->reason, "'%s' is not a ws:// or wss:// URL", o->peers[i]);
      events_free(h);
      free(h);
      return ADB_INVALID;
    }
  }
  int fd = o->listen ? net_listen_open(host, port, res->reason, sizeof res->reason) : -1;
  if (o->listen && fd < 0) {
    events_free(h);
    free(h);
    return ADB_IO;
  }
  uv_loop_init(&h->loop);
  uv_mutex_init(&h->readers_lock);
  net_hub_tokens_changed(h);
  adb_set_time_limit(db, o->query_timeout_ms);
  void *foreign[] = {&h->loop};
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = o->listen ? CONTEXT_PORT_NO_LISTEN_SERVER : CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols(h);
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.ssl_cert_filepath = o->listen ? o->tls_cert : NULL;
  info.ssl_private_key_filepath = o->listen ? o->tls_key : NULL;
  info.client_ssl_ca_filepath = o->ca_file ? o->ca_file : "/etc/ssl/certs/ca-certificates.crt";
  info.foreign_loops = foreign;
  info.user = h;
  /* A connection must finish its request headers (or TLS handshake) within 10 s however slowly
   * it trickles them: slow or silent clients cannot hold connection slots. (An HTTP connection
   * closes after its one answer, net_http.c.) */
  info.timeout_secs = 10;
  info.ka_time = 0;
  lws_set_log_level(LLL_ERR, lws_log);
  h->cx = lws_create_context(&info);
  int max_total = o->max_connections ? o->max_connections : NET_MAX_CONNECTIONS;
  int max_per = o->max_per_address ? o->max_per_address : NET_MAX_PER_ADDRESS;
  if (h->cx && o->listen &&
      !(h->listener = net_listen_start(&h->loop, fd, lws_get_vhost_by_name(h->cx, "default"),
                                       max_total, max_per))) {
    lws_context_destroy(h->cx);
    h->cx = NULL;
  }
  if (!h->cx) {
    snprintf(res->reason, sizeof res->reason, "cannot start the network layer");
    if (fd >= 0 && !h->listener) close(fd);
    uv_loop_close(&h->loop);
    events_free(h);
    free(h);
    return ADB_IO;
  }
  snprintf(h->listen_host, sizeof h->listen_host, "%s", host);
  h->listen_port = o->listen ? net_listen_port(fd) : 0;
  port = h->listen_port;
  const char *tls = o->tls_cert ? "s" : "";
  if (o->listen) logf_(h, "serving database %s (replica %s) on http%s://%s:%d and ws%s://%s:%d",
                       adb_db_id(db), adb_replica_id(db), tls, host, port, tls, host, port);
  snprintf(h->ids, sizeof h->ids, "%s%s", adb_db_id(db), adb_replica_id(db));
  adb_data_version(db, &h->data_version);
  h->started = h->last_slow_tick = net_now_ms();
  uv_timer_init(&h->loop, &h->tick);
  h->tick.data = h;
  uv_timer_start(&h->tick, tick_cb, 1, (uint64_t)(o->poll_ms > 0 ? o->poll_ms : 10));
  uv_signal_init(&h->loop, &h->sigint);
  uv_signal_init(&h->loop, &h->sigterm);
  h->sigint.data = h->sigterm.data = h;
  uv_signal_start(&h->sigint, signal_cb, SIGINT);
  uv_signal_start(&h->sigterm, signal_cb, SIGTERM);
  for (int i = 0; i < o->npeers; i++) {
    uv_timer_init(&h->loop, &h->peers[i].retry);
    h->peers[i].retry.data = &h->peers[i];
    peer_connect(&h->peers[i]);
  }
  uv_run(&h->loop, UV_RUN_DEFAULT);

  lws_context_destroy(h->cx);
  /* Connections lws closed during destruction are gone already; free what is left. */
  while (h->conns) {
    net_conn *c = h->conns;
    h->conns = c->next;
    if (c->s) stats_add(&h->closed, sync_session_stats(c->s));
    sync_session_free(c->s);
    free(c);
  }
  res->stats = h->closed;
  net_listen_stop(h->listener);
  h->listener = NULL; /* connections lws still destroys below have no slot to give back */
  uv_close((uv_handle_t *)&h->tick, NULL);
  uv_close((uv_handle_t *)&h->sigint, NULL);
  uv_close((uv_handle_t *)&h->sigterm, NULL);
  for (int i = 0; i < o->npeers; i++) uv_close((uv_handle_t *)&h->peers[i].retry, NULL);
  uv_run(&h->loop, UV_RUN_DEFAULT);
  /* With a foreign loop, the second call completes what the first began once lws's handles
   * have closed (libwebsockets' documented sequence). */
  lws_context_destroy(h->cx);
  uv_loop_close(&h->loop);
  for (int i = 0; i < h->nfree; i++) adb_close(h->readers[i]);
  uv_mutex_destroy(&h->readers_lock);
  sync_presence_free(&h->pres);
  events_free(h);
  rc = res->rc;
  free(h);
  return rc;
}

/* A session's lag as /status shows it: {"replica", "behind", "waiting_ms"}; behind is null
 * while unknown (sync_session_behind). */
static json_t *lag_json(sync_session *s, const sync_vv *ours, int64_t now) {
  uint64_t behind = ours ? sync_session_behind(s, ours) : UINT64_MAX;
  return json_pack("{s:s, s:o, s:I}", "replica", sync_session_peer(s), "behind",
                   behind == UINT64_MAX ? json_null() : json_integer((json_int_t)behind),
                   "waiting_ms", (json_int_t)sync_session_waiting_ms(s, now));
}

json_t *net_hub_status(net_hub *h) {
  json_t *o = json_object();
  json_object_set_new(o, "db", json_string(adb_db_id(h->db)));
  json_object_set_new(o, "replica", json_string(adb_replica_id(h->db)));
  json_object_set_new(o, "version", json_string(ADB_VERSION));
  json_object_set_new(o, "connections", json_integer(h->naccepted));
  void *vv = NULL;
  size_t n = 0;
  char *js;
  sync_vv ours;
  int have = adb_vv(h->db, &vv, &n) == ADB_OK && sync_vv_decode(h->db, vv, n, &ours) == ADB_OK;
  int64_t now = net_now_ms();
  json_t *clients = json_array();
  for (net_conn *c = h->conns; c; c = c->next)
    if (c->s && !c->peer && sync_session_state(c->s) == SYNC_S_READY)
      json_array_append_new(clients, lag_json(c->s, have ? &ours : NULL, now));
  json_object_set_new(o, "sessions", json_integer((json_int_t)json_array_size(clients)));
  json_object_set_new(o, "clients", clients);
  json_object_set_new(o, "ui_clients", json_integer(h->ev ? h->o.events->count(h->ev) : 0));
  json_t *peers = json_array();
  for (int i = 0; i < h->o.npeers; i++) {
    net_peer *p = &h->peers[i];
    int up = p->conn && p->conn->s && sync_session_state(p->conn->s) == SYNC_S_READY;
    char address[300];
    snprintf(address, sizeof address, "%s:%d", p->host, p->port);
    json_t *e = up ? lag_json(p->conn->s, have ? &ours : NULL, now)
                   : json_pack("{s:s, s:n, s:I}", "replica", "", "behind", "waiting_ms",
                               (json_int_t)0);
    json_object_set_new(e, "url", json_string(p->url));
    json_object_set_new(e, "address", json_string(address));
    json_object_set_new(e, "connected", json_boolean(up));
    json_array_append_new(peers, e);
  }
  json_object_set_new(o, "peers", peers);
  if (have) {
    sync_vv_free(&ours);
    if (adb_vv_json(h->db, vv, n, &js) == ADB_OK) {
      json_t *v = json_loads(js, 0, NULL);
      if (v) json_object_set(o, "vv", json_object_get(v, "vv"));
      json_decref(v);
      adb_free(js);
    }
  }
  adb_free(vv);
  json_object_set_new(o, "uptime_ms", json_integer(net_now_ms() - h->started));
  json_object_set_new(o, "authenticates", json_boolean(net_hub_authenticates(h)));
  return o;
}

int net_hub_sessions(net_hub *h, uint64_t *peers_up, uint64_t *behind) {
  void *vv = NULL;
  size_t n = 0;
  sync_vv ours;
  int have = adb_vv(h->db, &vv, &n) == ADB_OK && sync_vv_decode(h->db, vv, n, &ours) == ADB_OK;
  adb_free(vv);
  int ready = 0;
  *peers_up = *behind = 0;
  for (net_conn *c = h->conns; c; c = c->next) {
    if (!c->s || sync_session_state(c->s) != SYNC_S_READY) continue;
    uint64_t b = have ? sync_session_behind(c->s, &ours) : UINT64_MAX;
    *behind += b == UINT64_MAX ? (uint64_t)1 << 32 : b;
    if (!c->peer) ready++;
  }
  for (int i = 0; i < h->o.npeers; i++) {
    net_peer *p = &h->peers[i];
    if (p->conn && p->conn->s && sync_session_state(p->conn->s) == SYNC_S_READY)
      *peers_up |= (uint64_t)1 << i;
  }
  if (have) sync_vv_free(&ours);
  return ready;
}
