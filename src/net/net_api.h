/* net_api.h — the HTTP API's answers, shared by the server (net_http.c) and its routes:
 * the data routes (net_route.c) over the graph (net_graph.c), queries (net_query.c) and vector
 * search (net_vector.c). Internal to src/net/ and to the WebAssembly build (wasm/http.c), which
 * answers the data routes without a server. */
#ifndef ADB_NET_API_H
#define ADB_NET_API_H

#include <jansson.h>

#include "net/net.h"

/* The most an answer may hold, counted as the values' bytes: past it the request stops with 413
 * rather than growing the server's memory (a query's time limit bounds its time). */
#define HTTP_MAX_ANSWER ((size_t)256 << 20)

/* An answer being made: a status and a body (JSON text, or a file's bytes), and the headers
 * that depend on the request. */
typedef struct net_reply {
  int status;
  const char *ctype;
  char cors[300]; /* the request's Origin when --cors allows it: the answer says so */
  int preflight;  /* an OPTIONS request's answer: which methods and headers may follow */
  int deferred;   /* the answer comes later, from a worker thread (run_on_worker) */
  char *text; /* malloc'd */
  char *link; /* malloc'd: the next page of a list (a Link header's value), or NULL */
  size_t len; /* for a file: its length, sent as is; else text is a string sent with "\n" */
  int file;
  int streamed; /* the body went to a net_sink: r holds no text */
} net_reply;

/* A request's method as the routes see it (net_http.c maps lws's). */
enum { NET_GET = 1, NET_POST, NET_PUT, NET_PATCH, NET_DELETE, NET_OPTIONS, NET_OTHER };

/* A request's query arguments: get copies the URL-decoded value of name (given with its "=",
 * e.g. "label=") into buf (n bytes, cut to fit) and returns buf, or NULL when there is none. */
typedef struct net_args {
  const char *(*get)(void *ctx, const char *name, char *buf, int n);
  void *ctx;
} net_args;

/* Decodes the n bytes at s, percent-encoded (and '+' for a space when plus is set, as forms
 * send a query), into out: at most cap - 1 bytes, cut there, and a 0. Returns their number. */
size_t net_url_decode(const char *s, size_t n, char *out, size_t cap, int plus);

/* net_args.get over a query string such as "label=A&after=n%2F1" (ctx; NULL for none). */
const char *net_args_query(void *query, const char *name, char *buf, int n);

/* The data routes (net_route.c): GET /labels and /vv, POST /subgraph, /vectors/search, /sql
 * and /cypher (run at once, in one transaction), /nodes and /edges and their ids (writes in one
 * transaction). Returns 0 when path is none of them, r untouched; else 1 with r set, and
 * *wrote set when the request may have written. */
int net_route_data(net_reply *r, adb *db, int method, const char *path, const net_args *args,
                   json_t *body, int *wrote);
/* 1 when net_route_data answers path (whatever the method), else 0. */
int net_route_is_data(const char *path);

/* Sets a JSON answer (takes the reference to v). */
void net_reply_json(net_reply *r, int status, json_t *v);

/* Sets an error answer: {"error": msg, "code": code}. */
void net_reply_err(net_reply *r, int status, const char *code, const char *msg);

/* The HTTP status of an ADB status. */
int net_http_status(int rc);

/* Sets the error answer of a library failure: its status, adb_strerror and adb_errmsg. */
void net_reply_db(net_reply *r, adb *db, int rc);

/* A node or edge as the API shows it: {"id", "label", "properties"[, "source", "target"]}. */
json_t *net_elem_json(const adb_element *e);

/* A JSON object member as compact text (NULL when absent); malloc'd. */
char *net_member_text(json_t *o, const char *key);

/* A JSON object member when it is a string, else NULL. */
const char *net_member_str(json_t *o, const char *key);

/* The graph's routes (net_graph.c): GET/POST /nodes and /edges and their ids, paged lists with
 * a Link to the next page; GET /labels; POST /subgraph. wrote is set when the request wrote. */
void net_graph_elements(net_reply *r, adb *db, const net_args *args, int method, int edge,
                        const char *id, json_t *body, int *wrote);
void net_graph_labels(net_reply *r, adb *db);
void net_graph_subgraph(net_reply *r, adb *db, json_t *body);

/* POST /vectors/search (net_vector.c): {"vector": [numbers]} or {"node": ID}, "k"? (1..10000,
 * default 10): the k nearest nodes, nearest first, as [{"id", "distance"}]; 400 for bad input,
 * 404 for a node that does not exist or has no vector. */
void net_vector_search(net_reply *r, adb *db, json_t *body);

/* Where a streamed answer goes as it is made (on a worker thread): begin once its status is
 * 200, then put, piece by piece, the body's bytes; gone says 1 once nobody waits for them (the
 * connection closed, the server stops), and the query stops making rows. */
typedef struct net_sink {
  void (*begin)(void *ctx);
  void (*put)(void *ctx, const char *p, size_t n);
  int (*gone)(void *ctx);
  void *ctx;
} net_sink;

/* POST /sql and /cypher on db (net_query.c): one statement or query, its rows capped at
 * "max_rows"; wrote is set when it ran (it may have written). With a sink, an answer that gets
 * past its first step (SQL) or its run (Cypher) streams there (r->streamed set) instead of into
 * r: an error after that ends the JSON with "error" and "code" members. */
void net_query_sql(net_reply *r, adb *db, json_t *body, int *wrote, const net_sink *sink);
void net_query_cypher(net_reply *r, adb *db, json_t *body, int *wrote, const net_sink *sink);

#endif
