/* session.c — the sync protocol state machine (docs/protocol.md); no I/O, see session.h. */
#include "sync/session.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adb_int.h"
#include "sync/sync.h"
#include "util/buf.h"
#include "util/json.h"

typedef struct outframe {
  struct outframe *next;
  size_t len;
  unsigned char *data; /* headroom bytes, then the frame */
} outframe;

struct sync_session {
  adb *db;
  sync_config cfg;
  int role; /* what the peer may do here (ADB_ROLE_*): all, unless its token says less */
  int64_t started; /* when sync_session_start ran: a server's hello deadline counts from it */
  int state;
  int rc;
  char reason[512];

  /* Input: bytes of an incomplete frame. */
  unsigned char *in;
  size_t inlen, incap;

  /* Output queue. */
  outframe *head, *tail;
  size_t nout;

  /* Peer. */
  unsigned char peer_rid[16];
  char peer_hex[33];
  unsigned peer_flags;
  void *peer_vv; /* what the peer is known to have (encoded version vector) */
  size_t peer_vv_len;

  /* Our export to the peer. */
  adb_export *ex;
  uint64_t next_batch;    /* number of the next batch we send */
  uint64_t acked;         /* number of the last batch the peer acknowledged */
  uint64_t got_batch;     /* number of the last batch received */
  uint64_t final_batch;   /* number of the current export's final batch, 0 until sent */
  unsigned inflight;      /* batches not acknowledged */
  int64_t ack_since;      /* since when the oldest of them waits (set while inflight > 0) */
  int exporting;          /* an export is running or awaits its final acknowledgement */
  int dirty;              /* local changes not yet considered for sending */
  int sent_initial;       /* our first export is acknowledged completely */
  int deferred;           /* the first export waits for the peer's (we join its database) */
  int got_initial;        /* the peer's first final batch is applied */

  int64_t last_rx, last_tx, last_vv;
  int ping_out;
  sync_stats stats;
};

static const sync_stats zero_stats;

int sync_session_new(adb *db, const sync_config *cfg, sync_session **out) {
  *out = NULL;
  sync_session *s = calloc(1, sizeof *s);
  if (!s) return ADB_NOMEM;
  s->db = db;
  s->cfg = *cfg;
  if (!s->cfg.batch_bytes) s->cfg.batch_bytes = 256 << 10;
  if (!s->cfg.window) s->cfg.window = 4;
  if (!s->cfg.max_frame) s->cfg.max_frame = SYNC_MAX_FRAME_DEFAULT;
  if (!s->cfg.timeout_ms) s->cfg.timeout_ms = 8000;
  if (!s->cfg.ping_ms) s->cfg.ping_ms = s->cfg.timeout_ms / 4 < 2000 ? s->cfg.timeout_ms / 4 : 2000;
  if (s->cfg.ping_ms < 1) s->cfg.ping_ms = 1;
  s->next_batch = 1;
  s->role = ADB_ROLE_ADMIN;
  *out = s;
  return ADB_OK;
}

void sync_session_free(sync_session *s) {
  if (!s) return;
  while (s->head) sync_session_out_pop(s);
  adb_export_free(s->ex);
  free(s->peer_vv);
  free(s->in);
  free(s);
}

int sync_session_state(const sync_session *s) { return s->state; }

const char *sync_session_reason(const sync_session *s, int *rc) {
  if (rc) *rc = s->rc;
  return s->reason;
}

int sync_session_initial_done(const sync_session *s) { return s->sent_initial && s->got_initial; }

int sync_session_idle(const sync_session *s) { return !s->exporting && s->inflight == 0; }

const sync_stats *sync_session_stats(const sync_session *s) { return s ? &s->stats : &zero_stats; }

const char *sync_session_peer(const sync_session *s) { return s->peer_hex; }

int sync_session_peer_live(const sync_session *s) { return (s->peer_flags & SYNC_HELLO_LIVE) != 0; }

static int nodata(const sync_session *s) {
  return s->cfg.nodata || (s->peer_flags & SYNC_HELLO_NODATA);
}

unsigned char *sync_frame_build(int type, const void *body, size_t n, size_t *out_len) {
  unsigned char *p = malloc(n + 5);
  if (!p) return NULL;
  uint32_t len = (uint32_t)(n + 1);
  p[0] = (unsigned char)(len >> 24);
  p[1] = (unsigned char)(len >> 16);
  p[2] = (unsigned char)(len >> 8);
  p[3] = (unsigned char)len;
  p[4] = (unsigned char)type;
  if (n) memcpy(p + 5, body, n);
  *out_len = n + 5;
  return p;
}

/* Queues a frame made of a type and up to two body parts. */
static int queue(sync_session *s, int type, const void *a, size_t an, const void *b, size_t bn,
                 int64_t now) {
  outframe *f = malloc(sizeof *f);
  size_t len = 5 + an + bn;
  unsigned char *d = f ? malloc(s->cfg.headroom + len) : NULL;
  if (!d) {
    free(f);
    return ADB_NOMEM;
  }
  unsigned char *p = d + s->cfg.headroom;
  uint32_t flen = (uint32_t)(len - 4);
  p[0] = (unsigned char)(flen >> 24);
  p[1] = (unsigned char)(flen >> 16);
  p[2] = (unsigned char)(flen >> 8);
  p[3] = (unsigned char)flen;
  p[4] = (unsigned char)type;
  if (an) memcpy(p + 5, a, an);
  if (bn) memcpy(p + 5 + an, b, bn);
  f->next = NULL;
  f->len = len;
  f->data = d;
  if (s->tail) s->tail->next = f;
  else s->head = f;
  s->tail = f;
  s->nout++;
  s->stats.bytes_out += len;
  s->last_tx = now;
  return ADB_OK;
}

int sync_session_out(sync_session *s, unsigned char **p, size_t *n) {
  if (!s->head) return 0;
  *p = s->head->data + s->cfg.headroom;
  *n = s->head->len;
  return 1;
}

void sync_session_out_pop(sync_session *s) {
  outframe *f = s->head;
  if (!f) return;
  s->head = f->next;
  if (!s->head) s->tail = NULL;
  s->nout--;
  free(f->data);
  free(f);
}

/* Closes the session with a reason; with tell, the peer learns it in an error frame queued
 * behind what was queued before. */
static int session_close(sync_session *s, int rc, int tell, const char *fmt, va_list ap) {
  if (s->state == SYNC_S_CLOSED) return tell && s->rc ? s->rc : rc;
  vsnprintf(s->reason, sizeof s->reason, fmt, ap);
  s->rc = rc;
  s->state = SYNC_S_CLOSED;
  if (tell) {
    ut_buf b;
    ut_buf_init(&b);
    ut_buf_put_varint(&b, (uint64_t)(rc < 0 ? -rc : rc));
    ut_buf_put_str(&b, s->reason, strlen(s->reason));
    if (!b.oom) queue(s, SYNC_F_ERROR, b.p, b.len, NULL, 0, 0);
    ut_buf_free(&b);
    adb_export_free(s->ex);
    s->ex = NULL;
  }
  return rc;
}

int sync_session_fail(sync_session *s, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rc = session_close(s, rc, 1, fmt, ap);
  va_end(ap);
  return rc;
}

/* Ends the session without telling the peer (it told us, or it is gone). */
static int close_quietly(sync_session *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int close_quietly(sync_session *s, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rc = session_close(s, rc, 0, fmt, ap);
  va_end(ap);
  return rc;
}

/* peer_vv := the entrywise maximum of peer_vv and the encoded vector (p, n). */
static int peer_vv_merge(sync_session *s, const void *p, size_t n) {
  sync_vv a, b;
  if (sync_vv_decode(s->db, p, n, &b)) return ADB_PROTOCOL;
  if (!s->peer_vv || sync_vv_decode(s->db, s->peer_vv, s->peer_vv_len, &a)) {
    memset(&a, 0, sizeof a);
    memcpy(a.db_id, b.db_id, 16);
  }
  struct sync_vv_entry *e = realloc(a.e, (a.n + b.n + 1) * sizeof *e);
  if (!e) {
    sync_vv_free(&a);
    sync_vv_free(&b);
    return ADB_NOMEM;
  }
  a.e = e;
  for (size_t i = 0; i < b.n; i++) {
    size_t j = 0;
    while (j < a.n && memcmp(a.e[j].rid, b.e[i].rid, 16)) j++;
    if (j == a.n) a.e[a.n++] = b.e[i];
    else if (b.e[i].seq > a.e[j].seq) a.e[j].seq = b.e[i].seq;
  }
  if (b.n) memcpy(a.db_id, b.db_id, 16);
  size_t len;
  void *enc = sync_vv_encode(&a, &len);
  sync_vv_free(&a);
  sync_vv_free(&b);
  if (!enc) return ADB_NOMEM;
  free(s->peer_vv);
  s->peer_vv = enc;
  s->peer_vv_len = len;
  return ADB_OK;
}

uint64_t sync_session_behind(sync_session *s, const sync_vv *ours) {
  sync_vv p;
  if (!s->peer_vv || sync_vv_decode(s->db, s->peer_vv, s->peer_vv_len, &p)) return UINT64_MAX;
  uint64_t n = sync_vv_missing(ours, &p);
  sync_vv_free(&p);
  return n;
}

int64_t sync_session_waiting_ms(const sync_session *s, int64_t now) {
  return s->inflight ? now - s->ack_since : 0;
}

/* 1 when this replica has something the peer's known vector lacks (or that cannot be told). */
static int peer_lacks(sync_session *s) {
  void *mine;
  size_t n;
  if (adb_vv(s->db, &mine, &n)) return 1;
  sync_vv m;
  int lacks = 1;
  if (sync_vv_decode(s->db, mine, n, &m) == ADB_OK) {
    lacks = sync_session_behind(s, &m) > 0;
    sync_vv_free(&m);
  }
  free(mine);
  return lacks;
}

/* Sends batches while the window allows; starts a new export when there is something to send. */
static int pump(sync_session *s, int64_t now) {
  if (s->state != SYNC_S_READY || nodata(s)) return ADB_OK;
  if (!s->exporting && s->dirty && s->sent_initial && (s->peer_flags & SYNC_HELLO_LIVE) &&
      s->cfg.live) {
    s->dirty = 0;
    if (peer_lacks(s)) {
      int rc = adb_export_begin(s->db, s->peer_vv, s->peer_vv_len, &s->ex);
      if (rc) return sync_session_fail(s, rc, "cannot export changes: %s", adb_errmsg(s->db));
      s->exporting = 1;
      s->final_batch = 0;
    }
  }
  while (s->ex && s->inflight < s->cfg.window) {
    void *cs;
    size_t len;
    int last = 0;
    size_t before = adb_export_remaining(s->ex);
    int rc = adb_export_next(s->ex, s->cfg.batch_bytes, &cs, &len, &last);
    if (rc != ADB_ROW)
      return sync_session_fail(s, rc == ADB_DONE ? ADB_ERROR : rc, "cannot export changes: %s",
                               adb_errmsg(s->db));
    s->stats.elements_out += before - adb_export_remaining(s->ex);
    ut_buf h;
    ut_buf_init(&h);
    ut_buf_put_varint(&h, s->next_batch);
    ut_buf_put_u8(&h, (unsigned)last);
    void *vv = NULL;
    size_t vvlen = 0;
    if (last) {
      /* The final batch tells the peer what we have, so it does not echo it back. */
      rc = adb_vv(s->db, &vv, &vvlen);
      if (rc) vvlen = 0;
      ut_buf_put_str(&h, vv, vvlen);
    }
    rc = h.oom ? ADB_NOMEM : queue(s, SYNC_F_BATCH, h.p, h.len, cs, len, now);
    ut_buf_free(&h);
    free(vv);
    free(cs);
    if (rc) return sync_session_fail(s, rc, "out of memory");
    s->stats.batches_out++;
    if (s->inflight++ == 0) s->ack_since = now;
    if (last) {
      s->final_batch = s->next_batch;
      adb_export_free(s->ex);
      s->ex = NULL;
    }
    s->next_batch++;
  }
  return ADB_OK;
}

/* Queues this side's hello: who we are, what we have, and (a client's) the token. */
static int send_hello(sync_session *s, int64_t now) {
  void *vv = NULL;
  size_t vvlen = 0;
  int rc = adb_vv(s->db, &vv, &vvlen);
  if (rc) return sync_session_fail(s, rc, "cannot read the version vector: %s", adb_errmsg(s->db));
  unsigned char dbid[16], rid[16];
  ut_hex_decode(adb_db_id(s->db), dbid, 16);
  ut_hex_decode(adb_replica_id(s->db), rid, 16);
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put(&b, SYNC_PROTO_MAGIC, 4);
  ut_buf_put_u8(&b, SYNC_PROTO_VERSION);
  ut_buf_put_u8(&b, (s->cfg.live ? SYNC_HELLO_LIVE : 0) | (s->cfg.nodata ? SYNC_HELLO_NODATA : 0) |
                     (s->cfg.server ? SYNC_HELLO_SERVER : 0));
  ut_buf_put(&b, dbid, 16);
  ut_buf_put(&b, rid, 16);
  const char *tok = s->cfg.server || !s->cfg.token ? "" : s->cfg.token;
  ut_buf_put_str(&b, tok, strlen(tok));
  ut_buf_put_str(&b, vv, vvlen);
  free(vv);
  rc = b.oom ? ADB_NOMEM : queue(s, SYNC_F_HELLO, b.p, b.len, NULL, 0, now);
  ut_buf_free(&b);
  return rc ? sync_session_fail(s, rc, "out of memory") : ADB_OK;
}

int sync_session_start(sync_session *s, int64_t now) {
  s->started = s->last_rx = now;
  /* A server says who it is and what it has only to a client that got in (on_hello). */
  return s->cfg.server ? ADB_OK : send_hello(s, now);
}

static int first_export(sync_session *s, int64_t now) {
  s->deferred = 0;
  int rc = adb_export_begin(s->db, s->peer_vv, s->peer_vv_len, &s->ex);
  if (rc) return sync_session_fail(s, rc, "%s", adb_errmsg(s->db));
  s->exporting = 1;
  return pump(s, now);
}

/* 1 unless the vector is a fresh replica's: itself alone, with nothing written or merged.
 * Only a fresh replica may join another database (adb_apply's rule). */
static int covers(const sync_vv *v) {
  if (v->n > 1) return 1;
  return v->n == 1 && v->e[0].seq > 0;
}

/* 1 when this replica is not fresh (see covers). */
static int i_have_data(sync_session *s) {
  void *my;
  size_t mylen;
  int have = 1;
  if (adb_vv(s->db, &my, &mylen) == ADB_OK) {
    sync_vv m;
    if (sync_vv_decode(s->db, my, mylen, &m) == ADB_OK) {
      have = covers(&m);
      sync_vv_free(&m);
    }
    free(my);
  }
  return have;
}

static int on_hello(sync_session *s, ut_rbuf *r, int64_t now) {
  if (s->state != SYNC_S_HELLO) return sync_session_fail(s, ADB_PROTOCOL, "a second hello");
  int rc_hello;
  const unsigned char *magic = ut_rbuf_bytes(r, 4);
  unsigned ver = ut_rbuf_u8(r);
  if (r->bad || memcmp(magic, SYNC_PROTO_MAGIC, 4))
    return sync_session_fail(s, ADB_PROTOCOL, "the peer does not speak the ArenaDB sync protocol");
  if (ver != SYNC_PROTO_VERSION)
    return sync_session_fail(s, ADB_FORMAT,
                             "the peer speaks sync protocol version %u; this ArenaDB speaks "
                             "version %d",
                             ver, SYNC_PROTO_VERSION);
  unsigned flags = ut_rbuf_u8(r);
  const unsigned char *dbid = ut_rbuf_bytes(r, 16), *rid = ut_rbuf_bytes(r, 16);
  size_t toklen, vvlen;
  const char *tok = ut_rbuf_str(r, &toklen, SYNC_MAX_TOKEN);
  const char *vv = ut_rbuf_str(r, &vvlen, (size_t)16 << 20);
  if (r->bad || r->pos != r->len)
    return sync_session_fail(s, ADB_PROTOCOL, "the peer's hello is malformed");
  if (s->cfg.server && s->cfg.hooks.authorize) {
    s->role = s->cfg.hooks.authorize(s->cfg.hooks.ctx, s, tok, toklen);
    if (!s->role) return sync_session_fail(s, ADB_AUTH, "wrong, revoked or expired token");
  } else if (s->cfg.server && s->cfg.token) {
    size_t want = strlen(s->cfg.token);
    /* Equal lengths first (the length is not secret), then a constant-time comparison. */
    if (toklen != want || sodium_memcmp(tok, s->cfg.token, want) != 0)
      return sync_session_fail(s, ADB_AUTH, "wrong or missing token");
  }
  if (s->cfg.server && (rc_hello = send_hello(s, now))) return rc_hello;
  memcpy(s->peer_rid, rid, 16);
  ut_hex_encode(rid, 16, s->peer_hex);
  if (!strcmp(s->peer_hex, adb_replica_id(s->db)))
    return sync_session_fail(s, ADB_CONFLICT,
                             "the peer is this same replica (a copied database file?)");
  sync_vv pv;
  int rc = sync_vv_decode(s->db, vv, vvlen, &pv);
  if (rc) return sync_session_fail(s, ADB_PROTOCOL, "the peer's version vector is invalid: %s",
                                   adb_errmsg(s->db));
  int peer_has = covers(&pv);
  sync_vv_free(&pv);
  unsigned char mine[16];
  ut_hex_decode(adb_db_id(s->db), mine, 16);
  if (memcmp(dbid, mine, 16)) {
    int i_have = i_have_data(s);
    /* A replica with no data yet joins the other's database when it applies its first batch. */
    if (i_have && peer_has) {
      char hex[33];
      ut_hex_encode(dbid, 16, hex);
      return sync_session_fail(s, ADB_CONFLICT,
                               "wrong database: the peer serves database %s, this is database %s",
                               hex, adb_db_id(s->db));
    }
  }
  /* Of two replicas of different ids, one without data joins the other's database when it
   * applies its first batch, so it sends its own (empty) delta only after that. When neither
   * has data, the client joins the server's. */
  if (memcmp(dbid, mine, 16) && !i_have_data(s) && !(s->cfg.server && !peer_has))
    s->deferred = 1;
  s->peer_flags = flags;
  s->peer_vv = malloc(vvlen);
  if (!s->peer_vv) return sync_session_fail(s, ADB_NOMEM, "out of memory");
  memcpy(s->peer_vv, vv, vvlen);
  s->peer_vv_len = vvlen;
  s->state = SYNC_S_READY;
  if (s->cfg.hooks.ready) s->cfg.hooks.ready(s->cfg.hooks.ctx, s);
  if (s->state != SYNC_S_READY) return s->rc;
  /* The peer gets every presence entry we know, then our delta. */
  if (s->cfg.presence) {
    sync_presence_expire(s->cfg.presence, now);
    for (size_t i = 0; i < s->cfg.presence->n; i++)
      if ((rc = sync_session_send_presence(s, &s->cfg.presence->e[i], now))) return rc;
  }
  if (nodata(s)) {
    s->sent_initial = s->got_initial = 1;
    return ADB_OK;
  }
  return s->deferred ? ADB_OK : first_export(s, now);
}

static int on_batch(sync_session *s, ut_rbuf *r, int64_t now) {
  if (nodata(s)) return sync_session_fail(s, ADB_PROTOCOL, "a batch in a presence-only session");
  uint64_t no = ut_rbuf_varint(r);
  unsigned last = ut_rbuf_u8(r);
  size_t vvlen = 0;
  const char *vv = NULL;
  if (last == 1) vv = ut_rbuf_str(r, &vvlen, (size_t)16 << 20);
  if (r->bad || last > 1 || no == 0)
    return sync_session_fail(s, ADB_PROTOCOL, "a malformed batch header");
  if (no != s->got_batch + 1)
    return sync_session_fail(s, ADB_PROTOCOL, "batch %llu out of order (expected %llu)",
                             (unsigned long long)no, (unsigned long long)s->got_batch + 1);
  s->got_batch = no;
  const unsigned char *cs = r->p + r->pos;
  size_t cslen = r->len - r->pos;
  adb_apply_stats st = {0};
  /* A peer that may only read still ends its part of the exchange with a batch; it must hold
   * nothing. */
  if (s->role < ADB_ROLE_WRITE && (sync_changes_check(s->db, cs, cslen, &st) || st.elements))
    return sync_session_fail(s, ADB_AUTH, "this token may only read: it cannot send changes");
  /* adb_apply is one transaction, and re-reads what other processes committed first. */
  int rc = adb_apply(s->db, cs, cslen, &st);
  if (rc) return sync_session_fail(s, rc, "batch %llu rejected: %s", (unsigned long long)no,
                                   adb_errmsg(s->db));
  s->stats.batches_in++;
  s->stats.elements_in += st.elements;
  s->stats.registers_in += st.registers;
  s->stats.changed_in += st.changed;
  if (last && vvlen && (rc = peer_vv_merge(s, vv, vvlen)))
    return sync_session_fail(s, rc, "the batch's version vector is invalid");
  void *mine;
  size_t mylen;
  if ((rc = adb_vv(s->db, &mine, &mylen)))
    return sync_session_fail(s, rc, "cannot read the version vector: %s", adb_errmsg(s->db));
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put_varint(&b, no);
  rc = b.oom ? ADB_NOMEM : queue(s, SYNC_F_ACK, b.p, b.len, mine, mylen, now);
  ut_buf_free(&b);
  free(mine);
  if (rc) return sync_session_fail(s, rc, "out of memory");
  if (last) s->got_initial = 1;
  if (last && s->deferred && (rc = first_export(s, now))) return rc;
  if (st.changed && s->cfg.hooks.applied) s->cfg.hooks.applied(s->cfg.hooks.ctx, s);
  return ADB_OK;
}

static int on_ack(sync_session *s, ut_rbuf *r, int64_t now) {
  uint64_t no = ut_rbuf_varint(r);
  if (r->bad || no != s->acked + 1 || no >= s->next_batch || s->inflight == 0)
    return sync_session_fail(s, ADB_PROTOCOL, "an acknowledgement of a batch never sent");
  s->acked = no;
  const unsigned char *vv = r->p + r->pos;
  size_t vvlen = r->len - r->pos;
  sync_vv check;
  if (sync_vv_decode(s->db, vv, vvlen, &check))
    return sync_session_fail(s, ADB_PROTOCOL, "an acknowledgement with an invalid version vector");
  sync_vv_free(&check);
  void *copy = malloc(vvlen);
  if (!copy) return sync_session_fail(s, ADB_NOMEM, "out of memory");
  memcpy(copy, vv, vvlen);
  free(s->peer_vv);
  s->peer_vv = copy;
  s->peer_vv_len = vvlen;
  s->inflight--;
  s->ack_since = now;
  if (s->final_batch && no == s->final_batch) {
    s->exporting = 0;
    s->final_batch = 0;
    s->sent_initial = 1;
  }
  return pump(s, now);
}

static int on_presence(sync_session *s, ut_rbuf *r, int64_t now) {
  sync_presence_entry e = {0};
  const unsigned char *origin = ut_rbuf_bytes(r, 16);
  size_t kl, vl;
  const char *k = ut_rbuf_str(r, &kl, SYNC_MAX_PRESENCE_KEY);
  e.version = ut_rbuf_varint(r);
  uint64_t ttl = ut_rbuf_varint(r);
  const char *v = ut_rbuf_str(r, &vl, SYNC_MAX_PRESENCE_VALUE);
  if (r->bad || r->pos != r->len || ttl == 0 || ttl > SYNC_MAX_PRESENCE_TTL_MS || e.version == 0)
    return sync_session_fail(s, ADB_PROTOCOL, "a malformed presence message");
  char key[SYNC_MAX_PRESENCE_KEY + 1], *val = NULL;
  memcpy(key, k, kl);
  key[kl] = 0;
  if (strlen(key) != kl) return sync_session_fail(s, ADB_PROTOCOL, "a presence key holds a NUL");
  if (vl) {
    if (!(val = malloc(vl + 1))) return sync_session_fail(s, ADB_NOMEM, "out of memory");
    memcpy(val, v, vl);
    val[vl] = 0;
  }
  memcpy(e.origin, origin, 16);
  e.key = key;
  e.value = val;
  e.expires = now + (int64_t)ttl;
  int rc = s->cfg.presence ? sync_presence_merge(s->cfg.presence, &e, now) : 0;
  if (rc == ADB_INVALID) {
    free(val);
    return sync_session_fail(s, ADB_PROTOCOL, "a presence message with an invalid key or value");
  }
  if (rc == 1 && s->cfg.hooks.presence) {
    /* Hand over the table's copy: its strings live on after val is freed. */
    for (size_t i = 0; i < s->cfg.presence->n; i++)
      if (!memcmp(s->cfg.presence->e[i].origin, origin, 16) &&
          !strcmp(s->cfg.presence->e[i].key, key)) {
        s->cfg.hooks.presence(s->cfg.hooks.ctx, s, &s->cfg.presence->e[i]);
        break;
      }
  }
  free(val);
  return rc < 0 && rc != ADB_NOMEM ? sync_session_fail(s, rc, "presence rejected") : ADB_OK;
}

int sync_session_send_presence(sync_session *s, const sync_presence_entry *e, int64_t now) {
  if (s->state != SYNC_S_READY) return ADB_OK;
  if (e->expires <= now) return ADB_OK;
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put(&b, e->origin, 16);
  ut_buf_put_str(&b, e->key, strlen(e->key));
  ut_buf_put_varint(&b, e->version);
  ut_buf_put_varint(&b, (uint64_t)(e->expires - now));
  ut_buf_put_str(&b, e->value ? e->value : "", e->value ? strlen(e->value) : 0);
  int rc = b.oom ? ADB_NOMEM : queue(s, SYNC_F_PRESENCE, b.p, b.len, NULL, 0, now);
  ut_buf_free(&b);
  return rc ? sync_session_fail(s, rc, "out of memory") : ADB_OK;
}

/* The peer's current version vector: it replaces what we believed it has, so that whatever
 * a lost or reordered message left out is found and sent (the peer never overstates). */
static int on_vv(sync_session *s, ut_rbuf *r, int64_t now) {
  const unsigned char *vv = r->p + r->pos;
  size_t n = r->len - r->pos;
  sync_vv check;
  if (nodata(s) || sync_vv_decode(s->db, vv, n, &check))
    return sync_session_fail(s, ADB_PROTOCOL, "an invalid version vector message");
  sync_vv old;
  if (s->peer_vv && sync_vv_decode(s->db, s->peer_vv, s->peer_vv_len, &old) == ADB_OK) {
    for (size_t i = 0; i < old.n; i++)
      if (old.e[i].seq > sync_vv_get(&check, old.e[i].rid)) {
        s->stats.repairs++;
        break;
      }
    sync_vv_free(&old);
  }
  sync_vv_free(&check);
  void *copy = malloc(n);
  if (!copy) return sync_session_fail(s, ADB_NOMEM, "out of memory");
  memcpy(copy, vv, n);
  free(s->peer_vv);
  s->peer_vv = copy;
  s->peer_vv_len = n;
  s->dirty = 1;
  return pump(s, now);
}

static int on_error(sync_session *s, ut_rbuf *r) {
  uint64_t code = ut_rbuf_varint(r);
  size_t n;
  const char *msg = ut_rbuf_str(r, &n, 1024);
  if (r->bad)
    return close_quietly(s, ADB_PROTOCOL, "the peer closed the session (malformed reason)");
  /* Only printable ASCII of the peer's reason is shown. */
  char clean[1025];
  for (size_t i = 0; i < n; i++) clean[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
  clean[n] = 0;
  int rc = code >= 1 && code <= (uint64_t)-ADB_INTERRUPT ? -(int)code : ADB_PROTOCOL;
  return close_quietly(s, rc, "the peer closed the session: %s", clean);
}

static int on_frame(sync_session *s, int type, const unsigned char *body, size_t n, int64_t now) {
  ut_rbuf r;
  ut_rbuf_init(&r, body, n);
  if (s->state == SYNC_S_HELLO && type != SYNC_F_HELLO && type != SYNC_F_ERROR)
    return sync_session_fail(s, ADB_PROTOCOL, "the peer sent frame type %d before its hello", type);
  switch (type) {
  case SYNC_F_HELLO: return on_hello(s, &r, now);
  case SYNC_F_BATCH: return on_batch(s, &r, now);
  case SYNC_F_ACK: return on_ack(s, &r, now);
  case SYNC_F_PRESENCE: return on_presence(s, &r, now);
  case SYNC_F_ERROR: return on_error(s, &r);
  case SYNC_F_PING: return queue(s, SYNC_F_PONG, NULL, 0, NULL, 0, now);
  case SYNC_F_PONG: s->ping_out = 0; return ADB_OK;
  case SYNC_F_VV: return on_vv(s, &r, now);
  default: return sync_session_fail(s, ADB_PROTOCOL, "unknown frame type %d", type);
  }
}

int sync_session_feed(sync_session *s, const void *p, size_t n, int64_t now) {
  if (s->state == SYNC_S_CLOSED) return s->rc ? s->rc : ADB_MISUSE;
  s->stats.bytes_in += n;
  s->last_rx = now;
  const unsigned char *u = p;
  while (n > 0 && s->state != SYNC_S_CLOSED) {
    /* Gather the 4 length bytes, check the claim, then gather the frame. */
    size_t need = 4;
    if (s->inlen >= 4) {
      uint32_t flen = (uint32_t)s->in[0] << 24 | (uint32_t)s->in[1] << 16 |
                      (uint32_t)s->in[2] << 8 | s->in[3];
      need = 4 + (size_t)flen;
    }
    size_t take = need - s->inlen < n ? need - s->inlen : n;
    if (s->inlen + take > s->incap) {
      size_t cap = s->incap ? s->incap : 4096;
      while (cap < s->inlen + take) cap *= 2;
      unsigned char *q = realloc(s->in, cap);
      if (!q) return sync_session_fail(s, ADB_NOMEM, "out of memory");
      s->in = q;
      s->incap = cap;
    }
    memcpy(s->in + s->inlen, u, take);
    s->inlen += take;
    u += take;
    n -= take;
    if (s->inlen == 4) {
      uint32_t flen = (uint32_t)s->in[0] << 24 | (uint32_t)s->in[1] << 16 |
                      (uint32_t)s->in[2] << 8 | s->in[3];
      size_t limit = s->cfg.server && s->state == SYNC_S_HELLO ? SYNC_MAX_HELLO_FRAME
                                                                : s->cfg.max_frame;
      if (flen == 0 || flen > limit)
        return sync_session_fail(s, ADB_PROTOCOL, "a frame of %lu bytes (the limit is %zu%s)",
                                 (unsigned long)flen, limit,
                                 limit == SYNC_MAX_HELLO_FRAME ? " before a hello" : "");
      continue;
    }
    if (s->inlen == need && need > 4) {
      int rc = on_frame(s, s->in[4], s->in + 5, s->inlen - 5, now);
      s->inlen = 0;
      if (s->incap > (1 << 20)) { /* do not keep a large buffer around */
        free(s->in);
        s->in = NULL;
        s->incap = 0;
      }
      if (rc) return rc;
    }
  }
  return s->state == SYNC_S_CLOSED ? (s->rc ? s->rc : ADB_OK) : ADB_OK;
}

int sync_session_tick(sync_session *s, int64_t now) {
  if (s->state == SYNC_S_CLOSED) return s->rc;
  if (!s->last_rx) s->last_rx = now; /* not started yet: the transport is still connecting */
  if (s->cfg.server && s->state == SYNC_S_HELLO && s->started &&
      now - s->started > SYNC_HELLO_DEADLINE_MS)
    return sync_session_fail(s, ADB_PROTOCOL, "no hello within %d ms of connecting",
                             SYNC_HELLO_DEADLINE_MS);
  if (now - s->last_rx > s->cfg.timeout_ms)
    return sync_session_fail(s, ADB_IO, "the peer was silent for %lld ms",
                             (long long)(now - s->last_rx));
  /* A peer that answers pings but acknowledges nothing lost a batch, or we lost its
   * acknowledgement: a byte stream that dropped a frame without breaking (a faulty proxy). The
   * export would wait for ever; a new session starts again from the version vectors. */
  if (s->inflight && now - s->ack_since > s->cfg.timeout_ms)
    return sync_session_fail(s, ADB_IO, "the peer acknowledged no batch for %lld ms",
                             (long long)(now - s->ack_since));
  if (now - s->last_rx > s->cfg.ping_ms && now - s->last_tx > s->cfg.ping_ms / 2 && !s->ping_out) {
    s->ping_out = 1;
    int rc = queue(s, SYNC_F_PING, NULL, 0, NULL, 0, now);
    if (rc) return sync_session_fail(s, rc, "out of memory");
  }
  if (now - s->last_rx <= s->cfg.ping_ms) s->ping_out = 0;
  /* Anti-entropy: a live peer that is idle hears our vector now and then. */
  if (s->state == SYNC_S_READY && s->cfg.live && (s->peer_flags & SYNC_HELLO_LIVE) && !nodata(s) &&
      s->sent_initial && s->got_initial && sync_session_idle(s) &&
      now - s->last_vv >= SYNC_VV_EVERY_MS) {
    s->last_vv = now;
    void *vv;
    size_t n;
    int rc = adb_vv(s->db, &vv, &n);
    if (rc == ADB_OK) {
      rc = queue(s, SYNC_F_VV, vv, n, NULL, 0, now);
      free(vv);
    }
    if (rc)
      return sync_session_fail(s, rc, "cannot send the version vector: %s", adb_errmsg(s->db));
  }
  return pump(s, now);
}

int sync_session_local_changed(sync_session *s, int64_t now) {
  if (s->state == SYNC_S_CLOSED) return s->rc;
  s->dirty = 1;
  return pump(s, now);
}
