/* net_http.c — the HTTP server of arenadb serve (docs/http.md), on libwebsockets: one request
 * per connection, roles and routing, queries on worker threads, the status page, tokens and
 * presence. The graph's routes are net_graph.c, SQL and Cypher net_query.c, vector search
 * net_vector.c. */
#include <jansson.h>
#include <libwebsockets.h>
#include <uv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/net.h"
#include "net/net_api.h"
#include "util/buf.h"
#include "util/name.h"

#define HTTP_MAX_BODY ((size_t)1 << 20)
#define HTTP_CHUNK ((size_t)64 << 10) /* bytes of a response written per writable callback */

typedef struct http_pss {
  int method;
  char uri[1024];
  char *body;
  size_t blen, bcap;
  int too_big;
  unsigned char *resp; /* the response body */
  size_t rlen, sent;
  unsigned char *chunk; /* LWS_PRE bytes of headroom, then the part of resp being written */
  int responding;
  /* A connection carries one request: once it is being answered (busy), anything else the
   * client sends is ignored or closes the connection, and the connection closes when the answer
   * is out (sent). libwebsockets 4.1 mishandles what follows a request on one connection: it
   * reported the end of a body again and again, and handed a later request's body from a buffer
   * it had freed. */
  int busy, sent_all;
  struct job *job; /* the request's query running on a worker thread, or NULL */
} http_pss;

char *net_hub_presence_json(net_hub *h) {
  sync_presence *p = net_hub_presence(h);
  int64_t now = net_now_ms();
  sync_presence_expire(p, now);
  json_t *a = json_array();
  for (size_t i = 0; i < p->n; i++) {
    if (!p->e[i].value) continue;
    char hex[33];
    static const char digits[] = "0123456789abcdef";
    for (int k = 0; k < 16; k++) {
      hex[2 * k] = digits[p->e[i].origin[k] >> 4];
      hex[2 * k + 1] = digits[p->e[i].origin[k] & 15];
    }
    hex[32] = 0;
    json_t *v = json_loads(p->e[i].value, JSON_DECODE_ANY, NULL);
    json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:I}", "replica", hex, "key", p->e[i].key,
                                       "value", v ? v : json_null(), "ttl_ms",
                                       (json_int_t)(p->e[i].expires - now)));
  }
  char *s = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  return s;
}

/* The page at / when there is no UI: the status, refreshed every 2 s, without any script. */
static char *status_page(net_hub *h) {
  json_t *st = net_hub_status(h);
  char *json = json_dumps(st, JSON_COMPACT);
  json_decref(st);
  if (!json) return NULL;
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_puts(&b, "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=2>"
               "<title>ArenaDB</title><h1>ArenaDB</h1><p>Sync endpoint: WebSocket, subprotocol "
               "<code>arenadb-sync</code>. HTTP API: <code>/status /vv /nodes /edges /sql /cypher "
               "/presence</code> (docs/http.md).</p><pre>");
  for (const char *c = json; *c; c++) {
    const char *esc = *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : *c == '&' ? "&amp;" : NULL;
    if (esc) ut_buf_puts(&b, esc);
    else ut_buf_put_u8(&b, (unsigned char)*c);
  }
  ut_buf_puts(&b, "</pre>");
  ut_buf_put_u8(&b, 0);
  free(json);
  if (!b.oom) return (char *)ut_buf_take(&b, NULL);
  ut_buf_free(&b);
  return NULL;
}

/* GET /status: the server's state, and the role of the token that asked. */
static void reply_status(net_reply *r, net_hub *h, int role) {
  json_t *st = net_hub_status(h);
  json_object_set_new(st, "role", json_string(adb_role_name(role)));
  net_reply_json(r, 200, st);
}

/* /tokens (admin): GET lists them, POST {"role", "name"?, "expires_ms"?} creates one and answers
 * its secret once, DELETE /tokens/NAME revokes one. */
static void do_tokens(net_reply *r, net_hub *h, int m, const char *name, json_t *body) {
  adb *db = net_hub_db(h);
  int rc;
  if (m == NET_GET && !name) {
    char *list;
    if ((rc = adb_token_list(db, &list))) return net_reply_db(r, db, rc);
    r->status = 200;
    r->ctype = "application/json";
    r->text = list;
  } else if (m == NET_POST && !name && json_is_object(body)) {
    int role = adb_role_parse(net_member_str(body, "role"));
    json_t *exp = json_object_get(body, "expires_ms");
    const char *n = net_member_str(body, "name");
    if (!role || !n || (exp && !json_is_integer(exp)))
      return net_reply_err(r, 400, "invalid argument",
                       "POST {\"name\": ..., \"role\": \"read\"|\"write\"|\"admin\", "
                       "\"expires_ms\"?: milliseconds since the epoch}");
    char *token;
    if ((rc = adb_token_create(db, n, role, exp ? json_integer_value(exp) : 0, &token)))
      return net_reply_db(r, db, rc);
    net_reply_json(r, 201, json_pack("{s:s, s:s, s:s}", "name", n, "role", adb_role_name(role),
                                 "token", token));
    sodium_memzero(token, strlen(token));
    adb_free(token);
  } else if (m == NET_DELETE && name) {
    if ((rc = adb_token_revoke(db, name))) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, json_pack("{s:s, s:b}", "name", name, "revoked", 1));
  } else {
    net_reply_err(r, 400, "invalid argument", "GET /tokens, POST /tokens, or DELETE /tokens/NAME");
  }
}

/* The least role a request needs: reading is read's, writing write's, tokens admin's. SQL and
 * Cypher need read, and run read-only below write (route). */
static int need_role(int method, const char *u) {
  if (!strncmp(u, "/tokens", 7)) return ADB_ROLE_ADMIN;
  if (method == NET_GET || !strcmp(u, "/sql") || !strcmp(u, "/cypher") ||
      !strcmp(u, "/subgraph") || !strcmp(u, "/vectors/search"))
    return ADB_ROLE_READ;
  return ADB_ROLE_WRITE;
}

/* 1 when u is a path of the JSON API (which the UI's files never shadow). */
static int is_api(const char *u) {
  return net_route_is_data(u) || !strcmp(u, "/status") || !strcmp(u, "/presence") ||
         !strcmp(u, "/tokens");
}

/* Answers a GET with a file of the UI directory. Returns 1 when r holds the answer (the file,
 * or 400/404), 0 for "/" without an index.html (the status page answers instead). */
static int serve_file(net_reply *r, const char *dir, const char *u) {
  const char *ctype;
  int rc = net_static_file(dir, u, &r->text, &r->len, &ctype);
  if (rc == ADB_OK) {
    r->status = 200;
    r->ctype = ctype;
    r->file = 1;
    return 1;
  }
  if (!strcmp(u, "/")) return 0;
  if (rc == ADB_INVALID) net_reply_err(r, 400, "invalid argument", "a file path has plain names only");
  else if (rc == ADB_NOTFOUND)
    net_reply_err(r, 404, "not found", "no such endpoint or file (see docs/http.md)");
  else net_reply_err(r, 500, adb_strerror(rc), "the file could not be read");
  return 1;
}

static int send_reply(struct lws *wsi, http_pss *p, net_reply *r);

/* Runs an SQL statement or Cypher query that may write on the loop's handle, in one write
 * transaction: the loop is where writes happen, one at a time. */
static void query_on_loop(net_reply *r, net_hub *h, int sql, json_t *body) {
  int wrote = 0;
  net_route_data(r, net_hub_db(h), NET_POST, sql ? "/sql" : "/cypher", NULL, body, &wrote);
  if (wrote) net_hub_changed(h);
}

/* A query of the HTTP API on its way through a worker thread. */
typedef struct job {
  uv_work_t work;
  net_hub *h;
  struct lws *wsi; /* NULL once the connection closed: the answer is dropped */
  int sql, role;
  json_t *body;
  net_reply r;
  int writes; /* the worker's read-only handle refused it: it writes, and runs on the loop */
  /* A read's answer streams: the worker appends to out (under mu) and wakes the loop,
   * which sends what is there. The job lives until both the worker is done (done) and the
   * connection sent the last byte or closed (wsi NULL). */
  uv_mutex_t mu;
  uv_async_t wake;
  ut_buf out;
  size_t out_sent;
  int streaming; /* the worker began the answer: 200, without a length */
  int headers;   /* the loop wrote the headers */
  int done;      /* the worker returned: out is whole */
  int gone;      /* the connection closed (under mu): the worker stops making rows */
} job;

static void job_free_cb(uv_handle_t *handle) {
  job *j = handle->data;
  uv_mutex_destroy(&j->mu);
  ut_buf_free(&j->out);
  free(j->r.text);
  json_decref(j->body);
  free(j);
}

/* Frees a job once the worker is done and the connection no longer needs it. */
static void job_release(job *j) {
  if (j->done && !j->wsi) uv_close((uv_handle_t *)&j->wake, job_free_cb);
}

/* The worker's net_sink: the answer's pieces, handed to the loop. */
static void sink_begin(void *ctx) {
  job *j = ctx;
  uv_mutex_lock(&j->mu);
  j->streaming = 1;
  uv_mutex_unlock(&j->mu);
  uv_async_send(&j->wake);
}

static void sink_put(void *ctx, const char *p, size_t n) {
  job *j = ctx;
  uv_mutex_lock(&j->mu);
  ut_buf_put(&j->out, p, n);
  uv_mutex_unlock(&j->mu);
  uv_async_send(&j->wake);
}

static int sink_gone(void *ctx) {
  job *j = ctx;
  uv_mutex_lock(&j->mu);
  int gone = j->gone;
  uv_mutex_unlock(&j->mu);
  return gone;
}

static int put_headers(struct lws *wsi, http_pss *p, const net_reply *r, lws_filepos_t len);

/* On the loop: the worker has more of a streamed answer. The headers go first (status 200, no
 * length: the answer ends when the connection closes), then the connection asks to write. */
static void wake_cb(uv_async_t *a) {
  job *j = a->data;
  if (!j->wsi || !j->streaming) return;
  http_pss *p = lws_wsi_user(j->wsi);
  if (!j->headers) {
    j->headers = 1;
    net_reply head = {.status = 200, .ctype = "application/json"};
    memcpy(head.cors, j->r.cors, sizeof head.cors);
    p->chunk = malloc(LWS_PRE + HTTP_CHUNK);
    if (!p->chunk || put_headers(j->wsi, p, &head, LWS_ILLEGAL_HTTP_CONTENT_LEN)) {
      lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
      return;
    }
    p->responding = 1;
  }
  lws_callback_on_writable(j->wsi);
}

/* On a worker thread: the query on a read-only handle of the pool, where a query that would
 * write is refused without effect. */
static void job_work(uv_work_t *w) {
  job *j = w->data;
  adb *rd = net_hub_reader_take(j->h);
  if (!rd) return net_reply_err(&j->r, 503, "database is busy", "no read connection could be opened");
  int wrote = 0;
  net_sink sink = {sink_begin, sink_put, sink_gone, j};
  if (j->sql) net_query_sql(&j->r, rd, j->body, &wrote, &sink);
  else net_query_cypher(&j->r, rd, j->body, &wrote, &sink);
  j->writes = j->r.status == 403; /* ADB_READONLY: the statement or query would write */
  net_hub_reader_give(j->h, rd);
}

/* Back on the loop: answers, after running the query on the loop's handle when it writes and
 * the token may write (below write, the worker's refusal is the answer). */
static void job_done(uv_work_t *w, int status) {
  job *j = w->data;
  j->done = 1;
  if (j->r.streamed) { /* the connection sends the rest, then lets the job go */
    wake_cb(&j->wake);
    return job_release(j);
  }
  if (j->wsi) {
    http_pss *p = lws_wsi_user(j->wsi);
    p->job = NULL;
    if (j->writes && j->role >= ADB_ROLE_WRITE) {
      free(j->r.text);
      net_reply again = {0};
      memcpy(again.cors, j->r.cors, sizeof again.cors);
      j->r = again;
      query_on_loop(&j->r, j->h, j->sql, j->body);
    }
    if (send_reply(j->wsi, p, &j->r))
      lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    j->r.text = NULL; /* the connection holds it now */
    j->wsi = NULL;
  }
  job_release(j);
}

/* Queues an SQL statement or Cypher query to a worker thread, so that a slow one delays neither
 * sync nor other requests; its answer follows from job_done. */
static void run_on_worker(net_reply *r, net_hub *h, struct lws *wsi, http_pss *p, int sql, json_t *body,
                          int role) {
  job *j = calloc(1, sizeof *j);
  if (!j) return net_reply_err(r, 500, "out of memory", "out of memory");
  j->h = h;
  j->wsi = wsi;
  j->sql = sql;
  j->role = role;
  j->body = json_incref(body);
  memcpy(j->r.cors, r->cors, sizeof j->r.cors);
  j->work.data = j;
  j->wake.data = j;
  ut_buf_init(&j->out);
  if (uv_mutex_init(&j->mu)) {
    json_decref(body);
    free(j);
    return net_reply_err(r, 500, "out of memory", "out of memory");
  }
  if (uv_async_init(net_hub_loop(h), &j->wake, wake_cb)) {
    uv_mutex_destroy(&j->mu);
    json_decref(body);
    free(j);
    return net_reply_err(r, 500, "out of memory", "out of memory");
  }
  if (uv_queue_work(net_hub_loop(h), &j->work, job_work, job_done)) {
    j->done = 1; /* nothing runs: the job goes at once */
    job_release(j);
    return net_reply_err(r, 503, "database is busy", "the server could not queue the query");
  }
  p->job = j;
  r->deferred = 1;
}

/* The server's own endpoints, beside the data routes: its page, /status, /tokens and
 * /presence; 404 for any other path. */
static void server_route(net_reply *r, net_hub *h, int m, const char *u, json_t *body, int role) {
  if ((!strcmp(u, "/") || !strcmp(u, "/status")) && m != NET_GET) {
    net_reply_err(r, 405, "method not allowed", "this endpoint answers GET only");
  } else if (!strcmp(u, "/")) {
    r->status = 200;
    r->ctype = "text/html; charset=utf-8";
    r->text = status_page(h);
  } else if (!strcmp(u, "/status")) {
    reply_status(r, h, role);
  } else if (!strncmp(u, "/tokens", 7) && (u[7] == 0 || (u[7] == '/' && u[8]))) {
    do_tokens(r, h, m, u[7] ? u + 8 : NULL, body);
    net_hub_tokens_changed(h);
  } else if (!strcmp(u, "/presence")) {
    if (m != NET_GET && m != NET_POST) {
      net_reply_err(r, 405, "method not allowed",
                "GET, or POST {\"key\":..., \"value\":..., \"ttl_ms\":...}");
    } else if (m == NET_GET) {
      r->status = 200;
      r->ctype = "application/json";
      r->text = net_hub_presence_json(h);
    } else if (m == NET_POST && json_is_object(body) && net_member_str(body, "key")) {
      char *val = net_member_text(body, "value");
      json_t *ttl = json_object_get(body, "ttl_ms");
      int rc = net_hub_presence_set(h, net_member_str(body, "key"), val,
                                    ttl ? (uint64_t)json_integer_value(ttl) : 30000);
      free(val);
      if (rc) net_reply_err(r, 400, "invalid argument",
                        "presence needs a key (1-256 bytes), a JSON value (up to 4 KiB) and "
                        "ttl_ms between 1 and 3600000");
      else net_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
    } else {
      net_reply_err(r, 400, "invalid argument",
                "GET, or POST {\"key\":..., \"value\":..., \"ttl_ms\":...}");
    }
  } else {
    net_reply_err(r, 404, "not found", "no such endpoint (see docs/http.md)");
  }
}

/* The NET_ method of lws's; 0 for a request lws could not read. */
static int method_of(int lws_method) {
  switch (lws_method) {
  case LWSHUMETH_GET: return NET_GET;
  case LWSHUMETH_POST: return NET_POST;
  case LWSHUMETH_PUT: return NET_PUT;
  case LWSHUMETH_PATCH: return NET_PATCH;
  case LWSHUMETH_DELETE: return NET_DELETE;
  case LWSHUMETH_OPTIONS: return NET_OPTIONS;
  default: return lws_method < 0 ? 0 : NET_OTHER;
  }
}

/* net_args.get of a request lws holds. */
static const char *urlarg(void *wsi, const char *name, char *buf, int n) {
  return lws_get_urlarg_by_name(wsi, name, buf, n);
}

static void route(net_reply *r, net_hub *h, struct lws *wsi, http_pss *p) {
  adb *db = net_hub_db(h);
  /* The UI's files hold no data, so they need no token: the page asks for it. */
  const char *ui = net_hub_ui_dir(h);
  if (ui && p->method == NET_GET && !is_api(p->uri) && serve_file(r, ui, p->uri)) return;
  char auth[1100] = "";
  int alen = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
  int has = alen > 7 && !strncmp(auth, "Bearer ", 7);
  int role = net_hub_role(h, has ? auth + 7 : NULL, has ? strlen(auth + 7) : 0);
  sodium_memzero(auth, sizeof auth);
  if (!role)
    return net_reply_err(r, 401, "authentication failed",
                     "this server needs 'Authorization: Bearer TOKEN' with a valid token (arenadb "
                     "token create, or the --token of serve)");
  int need = need_role(p->method, p->uri);
  if (role < need) {
    char msg[200];
    snprintf(msg, sizeof msg, "this token's role is %s; %s %.100s needs %s", adb_role_name(role),
             p->method == NET_GET ? "GET" : "this request", p->uri, adb_role_name(need));
    return net_reply_err(r, 403, "forbidden", msg);
  }
  json_t *body = NULL;
  if (p->blen) {
    json_error_t err;
    body = json_loadb(p->body, p->blen, JSON_DECODE_ANY, &err);
    if (!body) {
      char msg[300];
      snprintf(msg, sizeof msg, "the body is not JSON: %s (line %d, column %d)", err.text, err.line,
               err.column);
      return net_reply_err(r, 400, "invalid argument", msg);
    }
  }
  const char *u = p->uri;
  int m = p->method, wrote = 0;
  net_args args = {urlarg, wsi};
  /* SQL and Cypher run on a worker thread; a request the route would refuse is refused there,
   * on the loop, by net_route_data. */
  int query = !strcmp(u, "/sql") || !strcmp(u, "/cypher");
  if (query && m == NET_POST && json_is_object(body)) {
    run_on_worker(r, h, wsi, p, !strcmp(u, "/sql"), body, role);
  } else if (!net_route_data(r, db, m, u, &args, body, &wrote)) {
    server_route(r, h, m, u, body, role);
  }
  json_decref(body);
  if (wrote) net_hub_changed(h);
}

/* Writes the answer's status line and headers: the type and length (len; or none, for an answer
 * that ends when the connection closes: LWS_ILLEGAL_HTTP_CONTENT_LEN), the rules every answer
 * carries, the next page's Link, and CORS for an allowed other origin. -1 when they do not fit
 * or lws fails. */
static int put_headers(struct lws *wsi, http_pss *p, const net_reply *r, lws_filepos_t len) {
  /* A Link names up to four names of UT_NAME_MAX bytes, each byte escaped in three. */
  unsigned char hb[LWS_PRE + 4096 + 12 * UT_NAME_MAX], *start = hb + LWS_PRE, *q = start,
                                                      *end = hb + sizeof hb - 1;
  /* The UI runs only its own files: no inline script, no framing by other pages. WebAssembly
   * may compile (a page of its own may hold an ArenaDB replica, wasm/). */
  const char *headers[][2] = {
      /* lws says it itself of an answer without a length */
      {"connection:", len == LWS_ILLEGAL_HTTP_CONTENT_LEN ? NULL : "close"},
      {"x-content-type-options:", "nosniff"},
      {"content-security-policy:",
       "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"x-frame-options:", "DENY"},
      {"referrer-policy:", "no-referrer"},
      {"link:", r->link},
      {"access-control-allow-origin:", r->cors[0] ? r->cors : NULL},
      {"access-control-expose-headers:", r->cors[0] && r->link ? "Link" : NULL},
      {"vary:", r->cors[0] ? "Origin" : NULL},
      {"access-control-allow-methods:", r->preflight ? "GET, POST, PUT, PATCH, DELETE" : NULL},
      {"access-control-allow-headers:", r->preflight ? "Authorization, Content-Type" : NULL},
      {"access-control-max-age:", r->preflight ? "600" : NULL},
  };
  if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype, len, &q, end)) return -1;
  for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
    if (headers[i][1] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)headers[i][0],
                                    (const unsigned char *)headers[i][1],
                                    (int)strlen(headers[i][1]), &q, end))
      return -1;
  return lws_finalize_write_http_header(wsi, start, &q, end) ? -1 : 0;
}

static int send_reply(struct lws *wsi, http_pss *p, net_reply *r) {
  if (!r->text) {
    r->status = 500;
    r->ctype = "application/json";
    r->text = strdup("{\"error\":\"out of memory\",\"code\":\"out of memory\"}");
    if (!r->text) return -1;
  }
  /* The body is sent from where it was made, a chunk at a time: no copy of the whole. A text
   * ends with a newline in place of its NUL. */
  size_t n = r->file ? r->len : strlen(r->text) + 1;
  if (!r->file) r->text[n - 1] = '\n';
  p->resp = (unsigned char *)r->text;
  p->rlen = n;
  p->sent = 0;
  p->chunk = malloc(LWS_PRE + HTTP_CHUNK);
  int rc = p->chunk ? put_headers(wsi, p, r, p->rlen) : -1;
  free(r->link);
  r->link = NULL;
  if (rc) return -1;
  p->responding = 1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int handle(struct lws *wsi, http_pss *p) {
  if (p->busy) return -1;
  p->busy = 1;
  net_hub *h = lws_context_user(lws_get_context(wsi));
  net_reply r = {0};
  const char *why;
  int write = p->method == NET_POST || p->method == NET_PUT ||
              p->method == NET_PATCH;
  net_guard g;
  net_hub_guard(h, &g);
  int refused = net_guard_check(&g, wsi, write, &why);
  if (lws_hdr_copy(wsi, r.cors, sizeof r.cors, WSI_TOKEN_ORIGIN) <= 0 || !net_guard_cors(&g, r.cors))
    r.cors[0] = 0;
  if (refused) net_reply_err(&r, refused, refused == 403 ? "forbidden" : "unsupported media type", why);
  else if (p->method == NET_OPTIONS && r.cors[0]) {
    r.preflight = 1;
    r.status = 204;
    r.ctype = "text/plain";
    r.text = strdup("");
    r.file = 1; /* sent as is: no body at all */
  } else if (p->method == NET_OPTIONS)
    net_reply_err(&r, 403, "forbidden", "only origins given to serve --cors may ask first (OPTIONS)");
  else if (p->too_big) net_reply_err(&r, 413, "invalid argument", "the request body exceeds 1 MiB");
  else route(&r, h, wsi, p);
  free(p->body);
  p->body = NULL;
  p->blen = p->bcap = 0;
  return r.deferred ? 0 : send_reply(wsi, p, &r);
}

/* Writes the next piece of a streamed answer that the worker has made; the last once the worker
 * is done and all is out. Returns -1 to close at once. */
static int write_streamed(struct lws *wsi, http_pss *p, job *j) {
  uv_mutex_lock(&j->mu);
  size_t chunk = j->out.len - j->out_sent > HTTP_CHUNK ? HTTP_CHUNK : j->out.len - j->out_sent;
  if (chunk) memcpy(p->chunk + LWS_PRE, j->out.p + j->out_sent, chunk); /* out.p: NULL until the first row */
  j->out_sent += chunk;
  int more = j->out_sent < j->out.len;
  if (!more) j->out.len = j->out_sent = 0; /* all taken: the buffer starts over */
  uv_mutex_unlock(&j->mu);
  int last = j->done && !more; /* done is the loop's own: job_done set it */
  if (!chunk && !last) return 0; /* the worker's next piece wakes us */
  if (lws_write(wsi, p->chunk + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
      (int)chunk)
    return -1;
  lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, 30);
  if (last) {
    p->job = NULL;
    j->wsi = NULL;
    job_release(j);
    free(p->chunk);
    p->chunk = NULL;
    p->responding = 0;
    p->sent_all = 1;
  }
  if (more || last) lws_callback_on_writable(wsi);
  return 0;
}

static int write_some(struct lws *wsi, http_pss *p) {
  if (p->sent_all) return -1; /* what lws still held of the answer is out: close */
  if (p->job && p->job->streaming && p->job->headers) return write_streamed(wsi, p, p->job);
  if (!p->responding || !p->resp) return 0;
  size_t chunk = p->rlen - p->sent > HTTP_CHUNK ? HTTP_CHUNK : p->rlen - p->sent;
  int last = p->sent + chunk == p->rlen;
  /* lws_write needs LWS_PRE writable bytes before the data it sends. */
  memcpy(p->chunk + LWS_PRE, p->resp + p->sent, chunk);
  if (lws_write(wsi, p->chunk + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
      (int)chunk)
    return -1;
  p->sent += chunk;
  if (!last) {
    /* However long the whole answer takes, a client that stops reading for 30 s is dropped. */
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, 30);
    lws_callback_on_writable(wsi);
    return 0;
  }
  free(p->resp);
  free(p->chunk);
  p->resp = p->chunk = NULL;
  p->responding = 0;
  p->sent_all = 1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int http_callback(struct lws *wsi, int reason, void *user, void *in, size_t len) {
  http_pss *p = user;
  switch (reason) {
  case LWS_CALLBACK_HTTP: {
    char *uri;
    int ulen;
    if (p->busy) return -1;
    memset(p, 0, sizeof *p);
    p->method = method_of(lws_http_get_uri_and_method(wsi, &uri, &ulen));
    if (!p->method) return -1;
    snprintf(p->uri, sizeof p->uri, "%.*s", ulen, uri);
    /* lws keeps the query apart and has decoded the path: a '?' here is part of an id. */
    size_t ul = strlen(p->uri);
    while (ul > 1 && p->uri[ul - 1] == '/') p->uri[--ul] = 0;
    int has_body = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    /* Bodies come with a Content-Length. A Transfer-Encoding, alone or beside one, leaves
     * where this request ends open to a proxy's reading against ours (request smuggling). */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
      net_reply r = {0};
      net_reply_err(&r, 400, "invalid argument",
                "Transfer-Encoding is not accepted: send the body with a Content-Length");
      p->busy = 1;
      /* The answer goes out now: lws drops the connection on the body it cannot frame, and
       * the refusal with it if it waited for a writable callback. */
      return send_reply(wsi, p, &r) ? -1 : write_some(wsi, p);
    }
    if ((p->method == NET_POST || p->method == NET_PUT ||
         p->method == NET_PATCH) && has_body) {
      char cl[32] = "";
      lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
      if (strtoull(cl, NULL, 10) > 0) return 0; /* wait for the body */
    }
    return handle(wsi, p);
  }
  case LWS_CALLBACK_HTTP_BODY:
    if (p->busy) return 0; /* answered already: the body is not read */
    if (p->too_big || p->blen + len > HTTP_MAX_BODY) {
      p->too_big = 1;
      return 0;
    }
    if (p->blen + len > p->bcap) {
      size_t cap = p->bcap ? p->bcap * 2 : 4096;
      while (cap < p->blen + len) cap *= 2;
      char *b = realloc(p->body, cap);
      if (!b) return -1;
      p->body = b;
      p->bcap = cap;
    }
    memcpy(p->body + p->blen, in, len);
    p->blen += len;
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION: return handle(wsi, p);
  case LWS_CALLBACK_HTTP_WRITEABLE: return write_some(wsi, p);
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (p && p->job) {
      p->job->wsi = NULL; /* its answer has nowhere to go */
      uv_mutex_lock(&p->job->mu);
      p->job->gone = 1;
      uv_mutex_unlock(&p->job->mu);
      job_release(p->job);
      p->job = NULL;
    }
    if (p) {
      free(p->body);
      free(p->resp);
      free(p->chunk);
      p->body = NULL;
      p->resp = p->chunk = NULL;
    }
    break;
  default: break;
  }
  return lws_callback_http_dummy(wsi, (enum lws_callback_reasons)reason, user, in, len);
}

const net_http_handler net_http_api = {http_callback, sizeof(http_pss)};
