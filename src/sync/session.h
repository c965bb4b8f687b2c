/* session.h — the sync protocol state machine (docs/protocol.md), independent of transport.
 *
 * A session is one connection's worth of protocol between this replica and a peer: the hello,
 * the exchange of exactly the missing changes in bounded, acknowledged batches, live streaming
 * of later commits, ephemeral presence, keep-alive, and orderly rejection of a bad peer. The
 * transport feeds it received bytes (sync_session_feed), calls sync_session_tick now and then,
 * and writes the frames it queues (sync_session_out / sync_session_out_pop). Nothing here does
 * I/O, so the whole protocol runs in unit tests by wiring two sessions back to back.
 *
 * Times are milliseconds on any monotonic clock the caller chooses. */
#ifndef ADB_SYNC_SESSION_H
#define ADB_SYNC_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "arenadb.h"

#define SYNC_PROTO_VERSION 1
#define SYNC_PROTO_MAGIC "ADBS"

/* Frame types: a frame is a 4-byte big-endian length (of what follows), a type byte, a body. */
#define SYNC_F_HELLO 1
#define SYNC_F_BATCH 2
#define SYNC_F_ACK 3
#define SYNC_F_PRESENCE 4
#define SYNC_F_ERROR 5
#define SYNC_F_PING 6
#define SYNC_F_PONG 7
#define SYNC_F_VV 8   /* live: this side's version vector, now and then (anti-entropy) */
#define SYNC_VV_EVERY_MS 3000

/* Hello flags. */
#define SYNC_HELLO_LIVE 1     /* keep streaming after the initial exchange */
#define SYNC_HELLO_NODATA 2   /* presence only: exchange no changes */
#define SYNC_HELLO_SERVER 4   /* the accepting side */

/* Limits. */
#define SYNC_MAX_FRAME_DEFAULT ((size_t)64 << 20)
/* Before a server has the client's hello it has no idea who is talking: the hello must come
 * soon, and small. */
#define SYNC_MAX_HELLO_FRAME ((size_t)1 << 20)
#define SYNC_HELLO_DEADLINE_MS 5000
#define SYNC_MAX_TOKEN 1024
#define SYNC_MAX_PRESENCE_KEY 256
#define SYNC_MAX_PRESENCE_VALUE 4096
#define SYNC_MAX_PRESENCE_TTL_MS ((uint64_t)3600 * 1000)
#define SYNC_MAX_PRESENCE_ENTRIES 100000

/* ---- Presence: ephemeral last-writer-wins entries per (replica, key), never stored ---- */

typedef struct sync_presence_entry {
  unsigned char origin[16]; /* the replica that set it */
  char *key;
  char *value;      /* JSON text; NULL when the entry is a removal */
  uint64_t version; /* the origin's counter: the larger wins */
  int64_t expires;  /* local monotonic time when it disappears */
} sync_presence_entry;

typedef struct sync_presence {
  sync_presence_entry *e;
  size_t n, cap;
  uint64_t last_version; /* for entries this replica sets */
} sync_presence;

void sync_presence_init(sync_presence *p);
void sync_presence_free(sync_presence *p);

/* Merges an entry (copied). Returns 1 when it changed the table, 0 when it lost or was known,
 * ADB_NOMEM, or ADB_INVALID for a bad key or value. */
int sync_presence_merge(sync_presence *p, const sync_presence_entry *in, int64_t now);

/* Drops expired entries (removals included). Returns how many visible entries expired. */
size_t sync_presence_expire(sync_presence *p, int64_t now);

/* Sets this replica's own entry (value NULL removes it) with a fresh version; the new entry is
 * copied to *made (its strings borrowed from the table, valid until the next change). */
int sync_presence_set(sync_presence *p, const unsigned char origin[16], const char *key,
                      const char *value, uint64_t ttl_ms, int64_t now,
                      const sync_presence_entry **made);

/* ---- Sessions ---- */

typedef struct sync_session sync_session;

/* What the transport or the hub is told. All are optional. */
typedef struct sync_hooks {
  void *ctx;
  /* A batch from the peer changed this database: other sessions should push it on. */
  void (*applied)(void *ctx, sync_session *s);
  /* A presence entry from the peer changed the table: relay it to the other sessions. */
  void (*presence)(void *ctx, sync_session *s, const sync_presence_entry *e);
  /* The hello was accepted (the session is ready). */
  void (*ready)(void *ctx, sync_session *s);
  /* Server: the role (ADB_ROLE_*) of the token a peer presented (len bytes, not terminated),
   * or 0 to refuse it. When set, it decides instead of cfg.token. */
  int (*authorize)(void *ctx, sync_session *s, const char *token, size_t len);
} sync_hooks;

typedef struct sync_config {
  int server;            /* the accepting side: checks the token; a read role may only pull */
  const char *token;     /* server: the token a peer must present (NULL: none); client: sent */
  int live;              /* stream later commits both ways */
  int nodata;            /* presence only */
  size_t batch_bytes;    /* target batch size (0: 256 KiB) */
  unsigned window;       /* batches sent and not acknowledged yet (0: 4) */
  size_t max_frame;      /* largest frame accepted (0: SYNC_MAX_FRAME_DEFAULT) */
  size_t headroom;       /* free bytes before each queued frame, for the transport's header */
  int64_t ping_ms;       /* idle time before a ping (0: a quarter of the timeout, at most 2000) */
  int64_t timeout_ms;    /* silence after which the peer is dropped (0: 8000) */
  sync_presence *presence; /* the table shared by every session of this replica (may be NULL) */
  sync_hooks hooks;
} sync_config;

/* Session states. */
#define SYNC_S_HELLO 0   /* waiting for the peer's hello */
#define SYNC_S_READY 1   /* exchanging changes */
#define SYNC_S_CLOSED 2  /* failed or finished: flush the output, then close the transport */

typedef struct sync_stats {
  uint64_t bytes_in, bytes_out;
  uint64_t batches_in, batches_out;
  uint64_t elements_in, registers_in, changed_in; /* from adb_apply */
  uint64_t elements_out;                          /* elements exported */
  uint64_t repairs; /* VV messages that showed the peer lacked what we believed it had */
} sync_stats;

/* Creates a session on db (which must outlive it). cfg is copied (the token string and the
 * presence table are borrowed). */
int sync_session_new(adb *db, const sync_config *cfg, sync_session **out);
void sync_session_free(sync_session *s);

/* Queues this side's hello. */
int sync_session_start(sync_session *s, int64_t now);

/* Consumes received bytes (any split). Returns ADB_OK, or an error after which the session is
 * CLOSED with a reason and an ERROR frame queued for the peer. */
int sync_session_feed(sync_session *s, const void *p, size_t n, int64_t now);

/* Keep-alive, timeouts, presence expiry, and sending more batches. Returns as feed does. */
int sync_session_tick(sync_session *s, int64_t now);

/* This replica's database changed (a local commit or another session's apply). */
int sync_session_local_changed(sync_session *s, int64_t now);

/* Queues a presence entry for the peer (relay, or one this replica set). */
int sync_session_send_presence(sync_session *s, const sync_presence_entry *e, int64_t now);

/* Ends the session with a reason: queues an ERROR frame and moves to CLOSED. Returns rc. */
int sync_session_fail(sync_session *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The next queued frame: *p points at the frame itself (headroom bytes of free space lie
 * before it). Returns 0 when the queue is empty. sync_session_out_pop drops it once written. */
int sync_session_out(sync_session *s, unsigned char **p, size_t *n);
void sync_session_out_pop(sync_session *s);

int sync_session_state(const sync_session *s);
/* Why the session closed ("" while open); rc is its status. */
const char *sync_session_reason(const sync_session *s, int *rc);
/* 1 once both initial deltas are through: the peer's final batch applied, ours acknowledged. */
int sync_session_initial_done(const sync_session *s);
/* 1 when nothing is being sent or awaited (no export running, no batch unacknowledged). */
int sync_session_idle(const sync_session *s);
const sync_stats *sync_session_stats(const sync_session *s);
/* The peer's replica id (32 hex digits) after its hello, else "". */
const char *sync_session_peer(const sync_session *s);
/* 1 when the peer asked for live streaming. */
int sync_session_peer_live(const sync_session *s);
/* How many transactions of ours (the decoded version vector of this replica) the peer is not
 * known to have: what it has acknowledged, or told in its hello or last vector, falls short of
 * ours by this much. UINT64_MAX before the peer's hello, or when its vector cannot be read. */
struct sync_vv;
uint64_t sync_session_behind(sync_session *s, const struct sync_vv *ours);
/* How long the oldest batch sent and not yet acknowledged has waited, in ms; 0 when none. */
int64_t sync_session_waiting_ms(const sync_session *s, int64_t now);

/* Builds a single frame (for tests and tools): type and body. Returns malloc'd bytes. */
unsigned char *sync_frame_build(int type, const void *body, size_t n, size_t *out_len);

#endif
