/* net.h — the network: one event loop (libwebsockets on libuv) running sync sessions over
 * WebSocket, as a server (arenadb serve), as a client (arenadb sync ws://, presence), or both
 * (serve --peer). Protocol: docs/protocol.md; HTTP API: docs/http.md. */
#ifndef ADB_NET_H
#define ADB_NET_H

#include <stdint.h>
#include <stdio.h>

#include "arenadb.h"
#include "sync/session.h"

#define NET_DEFAULT_PORT 7420
#define NET_WS_PROTOCOL "arenadb-sync"
#define NET_EVENTS_PROTOCOL "arenadb-events" /* the browser UI's pushed updates (GET /events) */
#define NET_MAX_PEERS 32
#define NET_MAX_CORS 16
#define NET_MAX_CONNECTIONS 4096
#define NET_MAX_PER_ADDRESS 1024
#define NET_MAX_READERS 128 /* read-only handles for worker threads: more than libuv's pool */

typedef struct net_hub net_hub;
struct lws;

/* An HTTP API served on the listener beside sync: the callback of lws's first protocol and the
 * size of its per-connection state. net_http_api (net_http.c) is ArenaDB's; the caller of
 * net_run chooses it, so that the loop (net_hub.c) does not depend on the routes above it. */
typedef struct net_http_handler {
  int (*callback)(struct lws *wsi, int reason, void *user, void *in, size_t len);
  size_t pss_size;
} net_http_handler;

/* The browser UI's pushed updates (GET /events), served beside the HTTP API: what the loop
 * tells it and the lws callback of its protocol. net_events_api (net_events.c) is ArenaDB's; the
 * caller of net_run chooses it, as the HTTP API, so that the loop does not depend on it.
 * create returns NULL when out of memory; destroy frees what create made (after the loop and
 * lws are gone). The loop calls changed after a commit (local, from a peer, or by another
 * process), presence_changed when the presence table changed, and tick on every tick (slow set
 * every 100 ms), which sends what changed, at most one frame of each kind per client. stop
 * closes every client (1001) and makes later closes leave presence alone. count is the number
 * of UI clients connected. */
typedef struct net_events net_events;
typedef struct net_events_handler {
  net_events *(*create)(net_hub *h);
  void (*destroy)(net_events *ev);
  int (*callback)(struct lws *wsi, int reason, void *user, void *in, size_t len);
  size_t pss_size;
  void (*changed)(net_events *ev);
  void (*presence_changed)(net_events *ev);
  void (*tick)(net_events *ev, int slow);
  void (*stop)(net_events *ev);
  int (*count)(net_events *ev);
} net_events_handler;

typedef struct net_opts {
  const char *listen;          /* "HOST:PORT" to serve on, or NULL for none */
  const net_http_handler *http; /* served on the listener (NULL: sync only) */
  const net_events_handler *events; /* the UI's pushed updates, beside http (NULL: none) */
  const char *peers[NET_MAX_PEERS]; /* ws:// URLs to connect to */
  int npeers;
  const char *token;           /* required from peers (server) and sent to peers (client) */
  const char *ui_dir;          /* the browser UI's files served at / (NULL: the status page) */
  const char *cors[NET_MAX_CORS]; /* origins of other sites' pages allowed to use the API */
  int ncors;
  const char *db_path;         /* server: the database file, for the read-only handles of workers */
  int64_t query_timeout_ms;    /* server: each HTTP query's time limit (0: none) */
  const char *tls_cert, *tls_key; /* server: PEM files; set, it serves https:// and wss:// */
  const char *ca_file;         /* client: trust these CAs for wss:// (NULL: the system's) */
  int insecure;                /* client: accept any certificate for wss:// (tests, never prod) */
  int max_connections;         /* open connections the server accepts (0: NET_MAX_CONNECTIONS) */
  int max_per_address;         /* of them from one IP address (0: NET_MAX_PER_ADDRESS) */
  int live;                    /* stay connected, stream, reconnect */
  int nodata;                  /* presence only */
  int64_t poll_ms;             /* how often to look for other processes' commits (0: 10) */
  int64_t timeout_ms;          /* peer silence before disconnecting (0: 8000) */
  size_t batch_bytes;          /* 0: the session's default */
  /* Presence to set once connected (key NULL: none), and how long it lives. */
  const char *presence_key, *presence_value;
  uint64_t presence_ttl_ms;
  int64_t run_for_ms;          /* stop after this long (0: until a signal or done) */
  /* Called when the presence table changes (entry NULL: something expired); may be NULL. */
  void (*on_presence)(void *ctx, net_hub *h, const sync_presence_entry *e);
  /* Called with one line for the log (connections, disconnections and their reasons). */
  void (*log)(void *ctx, const char *line);
  void *ctx;
} net_opts;

typedef struct net_result {
  sync_stats stats;  /* summed over the sessions */
  int rc;            /* ADB_OK, or why the (once) client failed */
  char reason[512];
  int completed;     /* once mode: the exchange finished */
} net_result;

/* Runs the loop until SIGINT/SIGTERM, run_for_ms, or (once mode: !live and no listener) the
 * end of the exchange with every peer. Returns ADB_OK or an error with res->reason. */
int net_run(adb *db, const net_opts *o, net_result *res);

/* For the HTTP API (net_http.c). */
adb *net_hub_db(net_hub *h);
sync_presence *net_hub_presence(net_hub *h);
/* Tells every session that the database changed (after an HTTP write). */
void net_hub_changed(net_hub *h);
/* The status object (connections, peers, version vector, whether tokens are needed); a new
 * reference. */
struct json_t;
struct json_t *net_hub_status(net_hub *h);
/* Sets a presence entry of this replica and sends it to every peer. */
int net_hub_presence_set(net_hub *h, const char *key, const char *value, uint64_t ttl_ms);
/* The presence table as a JSON array (malloc'd). */
char *net_hub_presence_json(net_hub *h);
const char *net_hub_ui_dir(net_hub *h);
/* Worker threads (net_http.c) run the HTTP API's queries on read-only handles of their own, so
 * that a slow query holds neither sync nor other requests. net_hub_reader_take hands one out (at
 * most one per thread at a time, opened on first use; NULL when it cannot be opened) and
 * net_hub_reader_give takes it back. Both may be called from any thread. */
adb *net_hub_reader_take(net_hub *h);
void net_hub_reader_give(net_hub *h, adb *rd);
struct uv_loop_s *net_hub_loop(net_hub *h);

/* 1 when every request must carry a token: serve has --token, or the file has tokens. The
 * latter is read at start, when another process commits, and after net_hub_tokens_changed
 * (the server's own /tokens). */
int net_hub_authenticates(net_hub *h);
void net_hub_tokens_changed(net_hub *h);
/* The role (ADB_ROLE_*) of a token (len bytes), 0 when it lets nobody in; ADB_ROLE_ADMIN for
 * anyone when the server needs no token. */
int net_hub_role(net_hub *h, const char *token, size_t len);

/* What the browser rules need to know of the server (net_guard.c), filled by net_hub_guard. */
typedef struct net_guard {
  const char *listen_host;     /* the address the server listens on, as given to --listen */
  const char *const *cors;     /* the other sites' origins --cors allows */
  int ncors;
  int tls;                     /* it speaks https:// and wss:// */
  int authenticates;           /* net_hub_authenticates */
} net_guard;
void net_hub_guard(net_hub *h, net_guard *g);

/* Browser rules for an HTTP request or a WebSocket upgrade (net_guard.c): the Host a server
 * without a token answers to, the Origin of the page that sent it (its own, or one allowed with
 * --cors), and JSON for requests that write (write set). Returns 0 when the request may go on,
 * else the HTTP status that refuses it (403, 415) with *why saying why. */
int net_guard_check(const net_guard *g, struct lws *wsi, int write, const char **why);

/* 1 when origin is one that --cors allows. */
int net_guard_cors(const net_guard *g, const char *origin);
int64_t net_now_ms(void);

/* Connections counted for /status: sync sessions accepted and ready ("sessions"), a mask of
 * the outgoing peers (--peer) that are connected (bit i: peer i), and how many transactions all
 * of these lack together (sync_session_behind; one that cannot be told counts 2^32). */
int net_hub_sessions(net_hub *h, uint64_t *peers_up, uint64_t *behind);
net_events *net_hub_events(net_hub *h);

/* The browser UI's WebSocket (net_events.c, docs/http.md "GET /events"): JSON text frames that
 * push the server's status, a version vector after commits and the presence table, and take
 * the UI's presence entries. */
extern const net_events_handler net_events_api;

/* The HTTP API (net_http.c): routes, tokens and roles, workers for queries. */
extern const net_http_handler net_http_api;

/* The browser UI's static files (net_static.c). net_static_file reads the file for a request
 * path under root into a malloc'd *out; returns ADB_OK, ADB_INVALID (a path that is not a plain
 * file name), ADB_NOTFOUND (nothing under root), ADB_IO or ADB_NOMEM. net_static_present
 * returns 1 when dir holds an index.html. */
int net_static_file(const char *root, const char *path, char **out, size_t *len,
                    const char **ctype);
int net_static_present(const char *dir);

/* The server's listening socket (net_listen.c). net_listen_open binds and listens on exactly
 * host (an IPv4 or IPv6 address, "[::1]", or a name) and port, and returns the socket, or -1 with
 * why explaining (the port taken, an address not of this machine). net_listen_port is the port
 * it got (port 0 asks the system for a free one). net_listen_start hands each connection
 * accepted on the loop to vh, closing at once one past max_total open connections, or past
 * max_per_address from one IP address; net_listen_stop closes the socket. */
typedef struct net_listener net_listener;
struct lws_vhost;
struct uv_loop_s;
int net_listen_open(const char *host, int port, char *why, size_t whylen);
int net_listen_port(int fd);
net_listener *net_listen_start(struct uv_loop_s *loop, int fd, struct lws_vhost *vh,
                               int max_total, int max_per_address);
void net_listen_stop(net_listener *l);
/* Forgets a connection that lws destroys: its slot is free for another. */
void net_listen_release(net_listener *l, struct lws *wsi);

/* Splits "HOST:PORT" (PORT may be omitted: 7420; 0: any free port); returns 0 or -1. host is
 * at least 256 bytes. */
int net_split_hostport(const char *s, char *host, size_t hostlen, int *port);

#endif
