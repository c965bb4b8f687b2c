/* net_http.c — the HTTP JSON API and status page of arenadb serve (docs/http.md), on
 * libwebsockets' HTTP server. Requests and answers are JSON; errors are 4xx with
 * {"error": "...", "code": "..."}. */
#include <jansson.h>
#include <libwebsockets.h>
#include <uv.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/net.h"
#include "util/buf.h"
#include "util/name.h"

#define HTTP_MAX_BODY ((size_t)1 << 20)
#define HTTP_CHUNK ((size_t)64 << 10) /* bytes of a response written per writable callback */
/* The most an answer of /sql may hold, counted as the values' bytes: past it the request stops
 * with 413 rather than growing the server's memory (a query's time limit bounds its time). */
#define HTTP_MAX_ANSWER ((size_t)256 << 20)
/* GET /nodes and /edges: a page holds this many elements unless limit= asks for another number,
 * up to HTTP_MAX_PAGE; the Link header names the next page. */
#define HTTP_PAGE 1000
#define HTTP_MAX_PAGE 100000
/* POST /sql and /cypher: the rows an answer holds unless "max_rows" asks for another number,
 * up to HTTP_MAX_ROWS_CAP; past them the answer says "truncated". */
#define HTTP_MAX_ROWS 10000
#define HTTP_MAX_ROWS_CAP 1000000
/* POST /subgraph: the most node ids asked at once, and the most edges answered. */
#define HTTP_MAX_SUBGRAPH_NODES 10000
#define HTTP_MAX_SUBGRAPH_EDGES 100000

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


typedef struct reply {
  int status;
  const char *ctype;
  char cors[300]; /* the request's Origin when --cors allows it: the answer says so */
  int preflight;  /* an OPTIONS request's answer: which methods and headers may follow */
  int deferred;   /* the answer comes later, from a worker thread (run_on_worker) */
  char *text; /* malloc'd */
  char *link; /* malloc'd: the next page of a list (a Link header's value), or NULL */
  size_t len; /* for a file: its length, sent as is; else text is a string sent with "\n" */
  int file;
} reply;

static void reply_json(reply *r, int status, json_t *v) {
  r->status = status;
  r->ctype = "application/json";
  r->text = json_dumps(v, JSON_COMPACT);
  json_decref(v);
}

static void reply_err(reply *r, int status, const char *code, const char *msg) {
  reply_json(r, status, json_pack("{s:s, s:s}", "error", msg, "code", code));
}

static int status_of(int rc) {
  switch (rc) {
  case ADB_NOTFOUND: return 404;
  case ADB_CONFLICT: return 409;
  case ADB_AUTH: return 401;
  case ADB_BUSY:
  case ADB_INTERRUPT: return 503;
  case ADB_INVALID:
  case ADB_PROTOCOL:
  case ADB_MISUSE: return 400;
  case ADB_READONLY: return 403;
  default: return 500;
  }
}

static void reply_db(reply *r, adb *db, int rc) {
  reply_err(r, status_of(rc), adb_strerror(rc), adb_errmsg(db));
}

static json_t *elem_json(const adb_element *e) {
  json_t *props = json_loads(e->properties ? e->properties : "{}", 0, NULL);
  json_t *o = json_pack("{s:s, s:s, s:o}", "id", e->id, "label", e->label ? e->label : "",
                        "properties", props ? props : json_object());
  if (e->source_id) {
    json_object_set_new(o, "source", json_string(e->source_id));
    json_object_set_new(o, "target", json_string(e->target_id));
  }
  return o;
}

/* A JSON object member as compact text (NULL when absent); malloc'd. */
static char *member_text(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static const char *member_str(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

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

/* Appends "&name=value" (no "&" first) to b, the value percent-encoded as RFC 3986 asks of a
 * query; nothing for a NULL value. */
static void query_put(ut_buf *b, const char *name, const char *value) {
  if (!value) return;
  if (b->len) ut_buf_puts(b, "&");
  ut_buf_puts(b, name);
  ut_buf_puts(b, "=");
  for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
    char esc[4];
    if (isalnum(*s) || strchr("-._~", *s)) {
      ut_buf_put(b, s, 1);
    } else {
      snprintf(esc, sizeof esc, "%%%02X", *s);
      ut_buf_puts(b, esc);
    }
  }
}

/* The filters of a list request, as given. */
typedef struct list_query {
  const char *path; /* "/nodes" or "/edges" */
  const char *label, *from, *to, *node;
  long long limit;
} list_query;

/* The Link header's value naming the page after the one that ended at id last: malloc'd, or
 * NULL when out of memory. */
static char *next_link(const list_query *q, const char *last) {
  char limit[24];
  snprintf(limit, sizeof limit, "%lld", q->limit);
  ut_buf qs, link;
  ut_buf_init(&qs);
  ut_buf_init(&link);
  query_put(&qs, "after", last);
  query_put(&qs, "limit", limit);
  query_put(&qs, "label", q->label);
  query_put(&qs, "from", q->from);
  query_put(&qs, "to", q->to);
  query_put(&qs, "node", q->node);
  ut_buf_puts(&link, "<");
  ut_buf_puts(&link, q->path);
  ut_buf_puts(&link, "?");
  ut_buf_put(&link, qs.p, qs.len);
  ut_buf_puts(&link, ">; rel=\"next\"");
  ut_buf_put(&link, "", 1);
  ut_buf_free(&qs);
  return (char *)ut_buf_take(&link, NULL);
}

/* Answers one page of a list: at most q->limit elements of it, and when more follow, a Link
 * header to the next page (the same filters, after the last id sent). 413 rather than an
 * answer past HTTP_MAX_ANSWER. */
static void list_json(reply *r, adb *db, adb_iter *it, const list_query *q) {
  json_t *a = json_array();
  adb_element e = {0};
  size_t size = 0, n = 0;
  int rc;
  char *last = NULL;
  while ((rc = adb_iter_next(it, &e)) == ADB_ROW && n < (size_t)q->limit) {
    size += 64 + strlen(e.id) + (e.properties ? strlen(e.properties) : 0);
    if (size > HTTP_MAX_ANSWER) break;
    json_array_append_new(a, elem_json(&e));
    n++;
    free(last);
    last = strdup(e.id);
    adb_element_clear(&e);
  }
  adb_element_clear(&e);
  adb_iter_free(it);
  if (size > HTTP_MAX_ANSWER || (rc != ADB_DONE && rc != ADB_ROW)) {
    free(last);
    json_decref(a);
    if (size > HTTP_MAX_ANSWER)
      return reply_err(r, 413, "invalid argument",
                       "the page would exceed 256 MiB: ask for fewer elements (limit=N)");
    return reply_db(r, db, rc);
  }
  if (rc == ADB_ROW && last) /* one more stands past the page */
    r->link = next_link(q, last);
  free(last);
  reply_json(r, 200, a);
}

/* GET /labels: each node label with its number of live nodes, by label. */
static void do_labels(reply *r, adb *db) {
  adb_stmt *st;
  int rc = adb_prepare(db, "SELECT label, count(*) FROM nodes GROUP BY label ORDER BY label", &st,
                       NULL);
  if (rc) return reply_db(r, db, rc);
  json_t *a = json_array();
  while ((rc = adb_step(st)) == ADB_ROW)
    json_array_append_new(a, json_pack("{s:s, s:I}", "label", adb_column_text(st, 0), "nodes",
                                       (json_int_t)adb_column_int(st, 1)));
  adb_finalize(st);
  if (rc != ADB_DONE) {
    json_decref(a);
    return reply_db(r, db, rc);
  }
  reply_json(r, 200, a);
}

/* Adds to edges the visible edges from node whose target is in set, up to
 * HTTP_MAX_SUBGRAPH_EDGES (then *full is set); returns an ADB status. */
static int edges_within(adb *db, const char *node, json_t *set, json_t *edges, int *full) {
  adb_iter *it;
  adb_element e = {0};
  int rc = adb_edge_list(db, node, NULL, NULL, &it);
  if (rc) return rc;
  while (!*full && (rc = adb_iter_next(it, &e)) == ADB_ROW) {
    if (json_object_get(set, e.target_id)) {
      if (json_array_size(edges) == HTTP_MAX_SUBGRAPH_EDGES) *full = 1;
      else json_array_append_new(edges, elem_json(&e));
    }
    adb_element_clear(&e);
  }
  adb_iter_free(it);
  return rc == ADB_ROW || rc == ADB_DONE ? ADB_OK : rc;
}

/* POST /subgraph {"nodes": [ids]}: the live nodes among ids, and every visible edge with both
 * ends among them (at most HTTP_MAX_SUBGRAPH_EDGES, else "truncated"): what a view of part of
 * the graph draws, in one request. */
static void do_subgraph(reply *r, adb *db, json_t *body) {
  json_t *ids = json_object_get(body, "nodes");
  size_t i;
  json_t *v;
  int ok = json_is_array(ids) && json_array_size(ids) <= HTTP_MAX_SUBGRAPH_NODES;
  json_array_foreach(ids, i, v) ok = ok && json_is_string(v);
  if (!ok)
    return reply_err(r, 400, "invalid argument",
                     "the body needs \"nodes\": an array of at most 10000 node ids (strings)");
  json_t *set = json_object(), *nodes = json_array(), *edges = json_array();
  int rc = ADB_OK, full = 0;
  json_array_foreach(ids, i, v) {
    const char *id = json_string_value(v);
    adb_element e = {0};
    if (json_object_get(set, id) || (rc = adb_node_get(db, id, &e)) == ADB_NOTFOUND) rc = ADB_OK;
    else if (rc == ADB_OK) {
      json_array_append_new(nodes, elem_json(&e));
      json_object_set_new(set, id, json_true());
      adb_element_clear(&e);
    }
    if (rc) break;
  }
  const char *id;
  json_object_foreach(set, id, v) {
    if (rc || full) break;
    rc = edges_within(db, id, set, edges, &full);
  }
  json_decref(set);
  if (rc) {
    json_decref(nodes);
    json_decref(edges);
    return reply_db(r, db, rc);
  }
  reply_json(r, 200,
             json_pack("{s:o, s:o, s:b}", "nodes", nodes, "edges", edges, "truncated", full));
}

/* A text or blob column as JSON: a string when it is UTF-8 text, else {"$base64": "..."}, so that
 * no value is dropped and every row keeps its columns. */
static json_t *text_json(adb_stmt *st, int c) {
  const char *p = adb_column_type(st, c) == ADB_TYPE_BLOB ? adb_column_blob(st, c)
                                                           : adb_column_text(st, c);
  size_t n = (size_t)adb_column_bytes(st, c);
  json_t *v = adb_column_type(st, c) == ADB_TYPE_BLOB ? NULL : json_stringn(p ? p : "", n);
  if (v) return v;
  size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
  char *b64 = malloc(len);
  if (!b64) return json_null();
  sodium_bin2base64(b64, len, (const unsigned char *)p, n, sodium_base64_VARIANT_ORIGINAL);
  v = json_pack("{s:s}", "$base64", b64);
  free(b64);
  return v;
}

/* A properties column (adb_column_is_json) as the object it holds; as text should it not parse. */
static json_t *object_json(adb_stmt *st, int c) {
  json_t *v = json_loadb(adb_column_text(st, c), (size_t)adb_column_bytes(st, c), 0, NULL);
  return v ? v : text_json(st, c);
}

/* The body's "max_rows": HTTP_MAX_ROWS when absent; -1 after answering 400 when not a whole
 * number from 1 to HTTP_MAX_ROWS_CAP. */
static long long max_rows_of(reply *r, json_t *body) {
  json_t *v = json_object_get(body, "max_rows");
  if (!v) return HTTP_MAX_ROWS;
  if (json_is_integer(v) && json_integer_value(v) >= 1 &&
      json_integer_value(v) <= HTTP_MAX_ROWS_CAP)
    return json_integer_value(v);
  reply_err(r, 400, "invalid argument",
            "\"max_rows\" must be a whole number from 1 to 1000000 (default 10000)");
  return -1;
}

static void do_sql(reply *r, adb *db, json_t *body, int *wrote) {
  const char *sql = member_str(body, "sql");
  if (!sql) return reply_err(r, 400, "invalid argument", "the body needs \"sql\": a string");
  long long max_rows = max_rows_of(r, body);
  if (max_rows < 0) return;
  adb_stmt *st, *more = NULL;
  const char *tail = NULL;
  int rc = adb_prepare(db, sql, &st, &tail);
  if (rc) return reply_db(r, db, rc);
  /* One answer holds one statement's rows: a second statement is refused before any runs, not
   * dropped after the first. (Only whitespace and comments may follow.) */
  if (tail && *tail && (adb_prepare(db, tail, &more, NULL) != ADB_OK || more)) {
    adb_finalize(more);
    adb_finalize(st);
    return reply_err(r, 400, "invalid argument",
                     "the body holds more than one SQL statement: send one per request");
  }
  json_t *params = json_object_get(body, "params");
  size_t i;
  json_t *v;
  json_array_foreach(params, i, v) {
    int k = (int)i + 1;
    if (json_is_integer(v)) rc = adb_bind_int(st, k, json_integer_value(v));
    else if (json_is_real(v)) rc = adb_bind_double(st, k, json_real_value(v));
    else if (json_is_string(v)) rc = adb_bind_text(st, k, json_string_value(v));
    else if (json_is_null(v)) rc = adb_bind_null(st, k);
    else if (json_is_boolean(v)) rc = adb_bind_int(st, k, json_is_true(v));
    else {
      char *t = json_dumps(v, JSON_COMPACT);
      rc = adb_bind_text(st, k, t);
      free(t);
    }
    if (rc) {
      adb_finalize(st);
      return reply_db(r, db, rc);
    }
  }
  json_t *cols = json_array(), *rows = json_array();
  int n = adb_column_count(st);
  for (int c = 0; c < n; c++) json_array_append_new(cols, json_string(adb_column_name(st, c)));
  size_t size = 0;
  int truncated = 0;
  while (size <= HTTP_MAX_ANSWER && (rc = adb_step(st)) == ADB_ROW) {
    if (json_array_size(rows) == (size_t)max_rows) {
      truncated = 1;
      /* A read stops here; a write (RETURNING) runs to its end, its rows past the cap dropped. */
      if (adb_stmt_readonly(st)) {
        rc = ADB_DONE;
        break;
      }
      continue;
    }
    json_t *row = json_array();
    for (int c = 0; c < n; c++) {
      size += 8 + (size_t)adb_column_bytes(st, c);
      switch (adb_column_type(st, c)) {
      case ADB_TYPE_INTEGER: json_array_append_new(row, json_integer(adb_column_int(st, c))); break;
      case ADB_TYPE_FLOAT: json_array_append_new(row, json_real(adb_column_double(st, c))); break;
      case ADB_TYPE_NULL: json_array_append_new(row, json_null()); break;
      default: json_array_append_new(row, adb_column_is_json(st, c) ? object_json(st, c)
                                                                    : text_json(st, c));
      }
    }
    json_array_append_new(rows, row);
  }
  int64_t changes = adb_stmt_changes(st);
  adb_finalize(st);
  *wrote = 1;
  if (rc != ADB_DONE) {
    json_decref(cols);
    json_decref(rows);
    if (size > HTTP_MAX_ANSWER)
      return reply_err(r, 413, "invalid argument",
                       "the answer would exceed 256 MiB: ask for less (LIMIT and OFFSET)");
    return reply_db(r, db, rc);
  }
  reply_json(r, 200, json_pack("{s:o, s:o, s:b, s:I}", "columns", cols, "rows", rows,
                               "truncated", truncated, "changes", (json_int_t)changes));
}

/* The rows of a Cypher run as {"columns", "rows", "truncated", "stats"}: at most max_rows rows,
 * and "truncated" when more followed; each value is the JSON form of
 * adb_cypher_text (the one `arenadb cypher --format json` prints). NULL when out of memory. */
static json_t *cypher_json(adb_cypher *q, long long max_rows) {
  json_t *cols = json_array(), *rows = json_array();
  int n = adb_cypher_columns(q);
  for (int c = 0; c < n; c++)
    json_array_append_new(cols, json_string(adb_cypher_column_name(q, c)));
  int truncated = 0;
  while (adb_cypher_next(q) == ADB_ROW) {
    if (json_array_size(rows) == (size_t)max_rows) {
      truncated = 1; /* the query ran whole already: its writes are done */
      break;
    }
    json_t *row = json_array();
    for (int c = 0; c < n; c++) {
      const char *t = adb_cypher_text(q, c, ADB_CYPHER_JSON);
      json_t *v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
      if (!v) {
        json_decref(row);
        json_decref(rows);
        json_decref(cols);
        return NULL;
      }
      json_array_append_new(row, v);
    }
    json_array_append_new(rows, row);
  }
  adb_cypher_stats s;
  adb_cypher_get_stats(q, &s);
  json_t *st = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "nodes_created", (json_int_t)s.nodes_created,
      "nodes_deleted", (json_int_t)s.nodes_deleted, "relationships_created",
      (json_int_t)s.relationships_created, "relationships_deleted",
      (json_int_t)s.relationships_deleted, "properties_set", (json_int_t)s.properties_set,
      "properties_removed", (json_int_t)s.properties_removed, "labels_added",
      (json_int_t)s.labels_added, "labels_removed", (json_int_t)s.labels_removed);
  return json_pack("{s:o, s:o, s:b, s:o}", "columns", cols, "rows", rows, "truncated", truncated,
                   "stats", st);
}

/* POST /cypher: one query inside the request's transaction. A failed query answers with its
 * openCypher kind, phase and detail besides the message, and the rollback keeps it unchanged. */
static void do_cypher(reply *r, adb *db, json_t *body, int *wrote) {
  const char *query = member_str(body, "query");
  if (!query) return reply_err(r, 400, "invalid argument", "the body needs \"query\": a string");
  long long max_rows = max_rows_of(r, body);
  if (max_rows < 0) return;
  json_t *pj = json_object_get(body, "params");
  if (pj && !json_is_object(pj) && !json_is_null(pj))
    return reply_err(r, 400, "invalid argument", "\"params\" must be a JSON object");
  char *params = pj && json_is_object(pj) ? json_dumps(pj, JSON_COMPACT) : NULL;
  adb_cypher *q;
  int rc = adb_cypher_run(db, query, params, &q);
  free(params);
  const char *kind, *phase, *detail, *msg;
  if (rc && q && adb_cypher_error(q, &kind, &phase, &detail, &msg) == ADB_OK && msg) {
    reply_json(r, status_of(rc), json_pack("{s:s, s:s, s:s, s:s, s:s}", "error", msg, "code",
                                           adb_strerror(rc), "kind", kind, "phase", phase,
                                           "detail", detail));
  } else if (rc) {
    reply_db(r, db, rc);
  } else {
    json_t *v = cypher_json(q, max_rows);
    if (v) reply_json(r, 200, v);
    else reply_err(r, 500, "out of memory", "the result could not be converted to JSON");
    *wrote = 1;
  }
  adb_cypher_free(q);
}

/* /nodes, /nodes/ID, /edges, /edges/ID. */
static void do_elements(reply *r, net_hub *h, struct lws *wsi, int method, int edge, const char *id,
                        json_t *body, int *wrote) {
  adb *db = net_hub_db(h);
  int rc;
  if (!id) {
    if (method == LWSHUMETH_GET) {
      /* lws_get_urlarg_by_name copies "name=value" and returns a pointer to the value. */
      char lb[UT_NAME_MAX + 8], fb[UT_NAME_MAX + 8], tb[UT_NAME_MAX + 8], ab[UT_NAME_MAX + 8];
      char eb[UT_NAME_MAX + 8], nb[32];
      const char *label = lws_get_urlarg_by_name(wsi, "label=", lb, sizeof lb);
      const char *after = lws_get_urlarg_by_name(wsi, "after=", ab, sizeof ab);
      const char *limit = lws_get_urlarg_by_name(wsi, "limit=", nb, sizeof nb);
      char *end = NULL;
      list_query q = {edge ? "/edges" : "/nodes", label, NULL, NULL, NULL, HTTP_PAGE};
      if (limit) q.limit = strtoll(limit, &end, 10);
      if (limit && (*end || q.limit <= 0 || q.limit > HTTP_MAX_PAGE))
        return reply_err(r, 400, "invalid argument",
                         "limit must be a whole number from 1 to 100000 (default 1000)");
      adb_iter *it;
      if (edge) {
        q.from = lws_get_urlarg_by_name(wsi, "from=", fb, sizeof fb);
        q.to = lws_get_urlarg_by_name(wsi, "to=", tb, sizeof tb);
        q.node = lws_get_urlarg_by_name(wsi, "node=", eb, sizeof eb);
        if (q.node && (q.from || q.to))
          return reply_err(r, 400, "invalid argument",
                           "node= (either end) goes without from= and to=");
        rc = q.node ? adb_edge_list_of(db, q.node, label, &it)
                    : adb_edge_list(db, q.from, q.to, label, &it);
      } else {
        rc = adb_node_list(db, label, &it);
      }
      if (rc == ADB_OK && after && (rc = adb_iter_after(it, after))) adb_iter_free(it);
      if (rc) return reply_db(r, db, rc);
      return list_json(r, db, it, &q);
    }
    if (method != LWSHUMETH_POST) return reply_err(r, 405, "method not allowed", "use GET or POST");
    if (!json_is_object(body))
      return reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    const char *label = member_str(body, "label"), *nid = member_str(body, "id");
    char *props = member_text(body, "properties");
    char *made = NULL;
    *wrote = 1;
    if (!label)
      rc = ADB_INVALID, reply_err(r, 400, "invalid argument", "\"label\" (a string) is required");
    else if (edge) {
      const char *src = member_str(body, "source"), *dst = member_str(body, "target");
      if (!src || !dst) {
        free(props);
        return reply_err(r, 400, "invalid argument",
                         "\"source\" and \"target\" (node ids) are required");
      }
      rc = adb_edge_create(db, nid, src, label, dst, props, &made);
    } else {
      rc = adb_node_create(db, nid, label, props, &made);
    }
    free(props);
    if (!label) return;
    if (rc) return reply_db(r, db, rc);
    reply_json(r, 201, json_pack("{s:s}", "id", made));
    adb_free(made);
    return;
  }
  adb_element e = {0};
  switch (method) {
  case LWSHUMETH_GET:
    rc = edge ? adb_edge_get(db, id, &e) : adb_node_get(db, id, &e);
    if (rc) return reply_db(r, db, rc);
    reply_json(r, 200, elem_json(&e));
    adb_element_clear(&e);
    return;
  case LWSHUMETH_PATCH:
  case LWSHUMETH_PUT: {
    if (!json_is_object(body))
      return reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    const char *label = member_str(body, "label");
    char *patch = member_text(body, "properties");
    *wrote = 1;
    rc = edge ? adb_edge_update(db, id, label, patch) : adb_node_update(db, id, label, patch);
    free(patch);
    if (rc) return reply_db(r, db, rc);
    rc = edge ? adb_edge_get(db, id, &e) : adb_node_get(db, id, &e);
    if (rc) return reply_db(r, db, rc);
    reply_json(r, 200, elem_json(&e));
    adb_element_clear(&e);
    return;
  }
  case LWSHUMETH_DELETE:
    *wrote = 1;
    rc = edge ? adb_edge_delete(db, id) : adb_node_delete(db, id);
    if (rc) return reply_db(r, db, rc);
    reply_json(r, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
    return;
  default: return reply_err(r, 405, "method not allowed", "use GET, PATCH or DELETE");
  }
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
static void reply_status(reply *r, net_hub *h, int role) {
  json_t *st = net_hub_status(h);
  json_object_set_new(st, "role", json_string(adb_role_name(role)));
  reply_json(r, 200, st);
}

/* /tokens (admin): GET lists them, POST {"role", "name"?, "expires_ms"?} creates one and answers
 * its secret once, DELETE /tokens/NAME revokes one. */
static void do_tokens(reply *r, net_hub *h, int m, const char *name, json_t *body) {
  adb *db = net_hub_db(h);
  int rc;
  if (m == LWSHUMETH_GET && !name) {
    char *list;
    if ((rc = adb_token_list(db, &list))) return reply_db(r, db, rc);
    r->status = 200;
    r->ctype = "application/json";
    r->text = list;
  } else if (m == LWSHUMETH_POST && !name && json_is_object(body)) {
    int role = adb_role_parse(member_str(body, "role"));
    json_t *exp = json_object_get(body, "expires_ms");
    const char *n = member_str(body, "name");
    if (!role || !n || (exp && !json_is_integer(exp)))
      return reply_err(r, 400, "invalid argument",
                       "POST {\"name\": ..., \"role\": \"read\"|\"write\"|\"admin\", "
                       "\"expires_ms\"?: milliseconds since the epoch}");
    char *token;
    if ((rc = adb_token_create(db, n, role, exp ? json_integer_value(exp) : 0, &token)))
      return reply_db(r, db, rc);
    reply_json(r, 201, json_pack("{s:s, s:s, s:s}", "name", n, "role", adb_role_name(role),
                                 "token", token));
    sodium_memzero(token, strlen(token));
    adb_free(token);
  } else if (m == LWSHUMETH_DELETE && name) {
    if ((rc = adb_token_revoke(db, name))) return reply_db(r, db, rc);
    reply_json(r, 200, json_pack("{s:s, s:b}", "name", name, "revoked", 1));
  } else {
    reply_err(r, 400, "invalid argument", "GET /tokens, POST /tokens, or DELETE /tokens/NAME");
  }
}

/* Runs a request that may write inside one write transaction. Commits when the reply is a
 * success. */
static int txn_begin(reply *r, adb *db) {
  int rc = adb_begin(db);
  if (rc) reply_db(r, db, rc);
  return rc;
}

static void txn_end(reply *r, adb *db) {
  if (r->status < 400) {
    int rc = adb_commit(db);
    if (rc) {
      free(r->text);
      reply_db(r, db, rc);
    }
  } else {
    adb_rollback(db);
  }
}

/* 1 when u is a path of the JSON API (which the UI's files never shadow). */
/* The least role a request needs: reading is read's, writing write's, tokens admin's. SQL and
 * Cypher need read, and run read-only below write (route). */
static int need_role(int method, const char *u) {
  if (!strncmp(u, "/tokens", 7)) return ADB_ROLE_ADMIN;
  if (method == LWSHUMETH_GET || !strcmp(u, "/sql") || !strcmp(u, "/cypher") ||
      !strcmp(u, "/subgraph"))
    return ADB_ROLE_READ;
  return ADB_ROLE_WRITE;
}

static int is_api(const char *u) {
  static const char *const exact[] = {"/status",   "/vv",    "/sql",   "/cypher",
                                      "/presence", "/tokens", "/labels", "/subgraph"};
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
    if (!strcmp(u, exact[i])) return 1;
  return (!strncmp(u, "/nodes", 6) && (u[6] == 0 || u[6] == '/')) ||
         (!strncmp(u, "/edges", 6) && (u[6] == 0 || u[6] == '/'));
}

/* Answers a GET with a file of the UI directory. Returns 1 when r holds the answer (the file,
 * or 400/404), 0 for "/" without an index.html (the status page answers instead). */
static int serve_file(reply *r, const char *dir, const char *u) {
  const char *ctype;
  int rc = net_static_file(dir, u, &r->text, &r->len, &ctype);
  if (rc == ADB_OK) {
    r->status = 200;
    r->ctype = ctype;
    r->file = 1;
    return 1;
  }
  if (!strcmp(u, "/")) return 0;
  if (rc == ADB_INVALID) reply_err(r, 400, "invalid argument", "a file path has plain names only");
  else if (rc == ADB_NOTFOUND)
    reply_err(r, 404, "not found", "no such endpoint or file (see docs/http.md)");
  else reply_err(r, 500, adb_strerror(rc), "the file could not be read");
  return 1;
}

static int send_reply(struct lws *wsi, http_pss *p, reply *r);

/* Runs an SQL statement or Cypher query that may write on the loop's handle, in one write
 * transaction: the loop is where writes happen, one at a time. */
static void query_on_loop(reply *r, net_hub *h, int sql, json_t *body) {
  adb *db = net_hub_db(h);
  int wrote = 0;
  if (txn_begin(r, db) != ADB_OK) return;
  if (sql) do_sql(r, db, body, &wrote);
  else do_cypher(r, db, body, &wrote);
  txn_end(r, db);
  if (wrote) net_hub_changed(h);
}

/* A query of the HTTP API on its way through a worker thread. */
typedef struct job {
  uv_work_t work;
  net_hub *h;
  struct lws *wsi; /* NULL once the connection closed: the answer is dropped */
  int sql, role;
  json_t *body;
  reply r;
  int writes; /* the worker's read-only handle refused it: it writes, and runs on the loop */
} job;

/* On a worker thread: the query on a read-only handle of the pool, where a query that would
 * write is refused without effect. */
static void job_work(uv_work_t *w) {
  job *j = w->data;
  adb *rd = net_hub_reader_take(j->h);
  if (!rd) return reply_err(&j->r, 503, "database is busy", "no read connection could be opened");
  int wrote = 0;
  if (j->sql) do_sql(&j->r, rd, j->body, &wrote);
  else do_cypher(&j->r, rd, j->body, &wrote);
  j->writes = j->r.status == 403; /* ADB_READONLY: the statement or query would write */
  net_hub_reader_give(j->h, rd);
}

/* Back on the loop: answers, after running the query on the loop's handle when it writes and
 * the token may write (below write, the worker's refusal is the answer). */
static void job_done(uv_work_t *w, int status) {
  job *j = w->data;
  if (j->wsi) {
    http_pss *p = lws_wsi_user(j->wsi);
    p->job = NULL;
    if (j->writes && j->role >= ADB_ROLE_WRITE) {
      free(j->r.text);
      reply again = {0};
      memcpy(again.cors, j->r.cors, sizeof again.cors);
      j->r = again;
      query_on_loop(&j->r, j->h, j->sql, j->body);
    }
    if (send_reply(j->wsi, p, &j->r))
      lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  } else {
    free(j->r.text);
  }
  json_decref(j->body);
  free(j);
}

/* Queues an SQL statement or Cypher query to a worker thread, so that a slow one delays neither
 * sync nor other requests; its answer follows from job_done. */
static void run_on_worker(reply *r, net_hub *h, struct lws *wsi, http_pss *p, int sql, json_t *body,
                          int role) {
  job *j = calloc(1, sizeof *j);
  if (!j) return reply_err(r, 500, "out of memory", "out of memory");
  j->h = h;
  j->wsi = wsi;
  j->sql = sql;
  j->role = role;
  j->body = json_incref(body);
  memcpy(j->r.cors, r->cors, sizeof j->r.cors);
  j->work.data = j;
  if (uv_queue_work(net_hub_loop(h), &j->work, job_work, job_done)) {
    json_decref(body);
    free(j);
    return reply_err(r, 503, "database is busy", "the server could not queue the query");
  }
  p->job = j;
  r->deferred = 1;
}

static void route(reply *r, net_hub *h, struct lws *wsi, http_pss *p) {
  adb *db = net_hub_db(h);
  /* The UI's files hold no data, so they need no token: the page asks for it. */
  const char *ui = net_hub_ui_dir(h);
  if (ui && p->method == LWSHUMETH_GET && !is_api(p->uri) && serve_file(r, ui, p->uri)) return;
  char auth[1100] = "";
  int alen = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
  int has = alen > 7 && !strncmp(auth, "Bearer ", 7);
  int role = net_hub_role(h, has ? auth + 7 : NULL, has ? strlen(auth + 7) : 0);
  sodium_memzero(auth, sizeof auth);
  if (!role)
    return reply_err(r, 401, "authentication failed",
                     "this server needs 'Authorization: Bearer TOKEN' with a valid token (arenadb "
                     "token create, or the --token of serve)");
  int need = need_role(p->method, p->uri);
  if (role < need) {
    char msg[200];
    snprintf(msg, sizeof msg, "this token's role is %s; %s %.100s needs %s", adb_role_name(role),
             p->method == LWSHUMETH_GET ? "GET" : "this request", p->uri, adb_role_name(need));
    return reply_err(r, 403, "forbidden", msg);
  }
  json_t *body = NULL;
  if (p->blen) {
    json_error_t err;
    body = json_loadb(p->body, p->blen, JSON_DECODE_ANY, &err);
    if (!body) {
      char msg[300];
      snprintf(msg, sizeof msg, "the body is not JSON: %s (line %d, column %d)", err.text, err.line,
               err.column);
      return reply_err(r, 400, "invalid argument", msg);
    }
  }
  const char *u = p->uri;
  int m = p->method, wrote = 0;
  int get_only = !strcmp(u, "/") || !strcmp(u, "/status") || !strcmp(u, "/vv") ||
                 !strcmp(u, "/labels");
  if (get_only && m != LWSHUMETH_GET) {
    reply_err(r, 405, "method not allowed", "this endpoint answers GET only");
  } else if (!strcmp(u, "/labels")) {
    do_labels(r, db);
  } else if (!strcmp(u, "/subgraph")) {
    if (m != LWSHUMETH_POST)
      reply_err(r, 405, "method not allowed", "POST {\"nodes\": [ids]}");
    else if (!json_is_object(body))
      reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    else do_subgraph(r, db, body);
  } else if (!strcmp(u, "/")) {
    r->status = 200;
    r->ctype = "text/html; charset=utf-8";
    r->text = status_page(h);
  } else if (!strcmp(u, "/status")) {
    reply_status(r, h, role);
  } else if (!strcmp(u, "/vv")) {
    void *vv;
    size_t n;
    char *js = NULL;
    int rc = adb_vv(db, &vv, &n);
    if (rc == ADB_OK) rc = adb_vv_json(db, vv, n, &js);
    if (rc == ADB_OK) {
      r->status = 200;
      r->ctype = "application/json";
      r->text = js;
      adb_free(vv);
    } else {
      reply_db(r, db, rc);
    }
  } else if (!strcmp(u, "/sql") || !strcmp(u, "/cypher")) {
    int sql = !strcmp(u, "/sql");
    if (m != LWSHUMETH_POST)
      reply_err(r, 405, "method not allowed",
                sql ? "POST {\"sql\": ...}" : "POST {\"query\": ...}");
    else if (!json_is_object(body))
      reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    else run_on_worker(r, h, wsi, p, sql, body, role);
  } else if (!strncmp(u, "/tokens", 7) && (u[7] == 0 || (u[7] == '/' && u[8]))) {
    do_tokens(r, h, m, u[7] ? u + 8 : NULL, body);
    net_hub_tokens_changed(h);
  } else if (!strcmp(u, "/presence")) {
    if (m != LWSHUMETH_GET && m != LWSHUMETH_POST) {
      reply_err(r, 405, "method not allowed",
                "GET, or POST {\"key\":..., \"value\":..., \"ttl_ms\":...}");
    } else if (m == LWSHUMETH_GET) {
      r->status = 200;
      r->ctype = "application/json";
      r->text = net_hub_presence_json(h);
    } else if (m == LWSHUMETH_POST && json_is_object(body) && member_str(body, "key")) {
      char *val = member_text(body, "value");
      json_t *ttl = json_object_get(body, "ttl_ms");
      int rc = net_hub_presence_set(h, member_str(body, "key"), val,
                                    ttl ? (uint64_t)json_integer_value(ttl) : 30000);
      free(val);
      if (rc) reply_err(r, 400, "invalid argument",
                        "presence needs a key (1-256 bytes), a JSON value (up to 4 KiB) and "
                        "ttl_ms between 1 and 3600000");
      else reply_json(r, 200, json_pack("{s:b}", "ok", 1));
    } else {
      reply_err(r, 400, "invalid argument",
                "GET, or POST {\"key\":..., \"value\":..., \"ttl_ms\":...}");
    }
  } else if (!strncmp(u, "/nodes", 6) && (u[6] == 0 || (u[6] == '/' && u[7]))) {
    if (m == LWSHUMETH_GET) do_elements(r, h, wsi, m, 0, u[6] ? u + 7 : NULL, body, &wrote);
    else if (txn_begin(r, db) == ADB_OK) {
      do_elements(r, h, wsi, m, 0, u[6] ? u + 7 : NULL, body, &wrote);
      txn_end(r, db);
    }
  } else if (!strncmp(u, "/edges", 6) && (u[6] == 0 || (u[6] == '/' && u[7]))) {
    if (m == LWSHUMETH_GET) do_elements(r, h, wsi, m, 1, u[6] ? u + 7 : NULL, body, &wrote);
    else if (txn_begin(r, db) == ADB_OK) {
      do_elements(r, h, wsi, m, 1, u[6] ? u + 7 : NULL, body, &wrote);
      txn_end(r, db);
    }
  } else {
    reply_err(r, 404, "not found", "no such endpoint (see docs/http.md)");
  }
  json_decref(body);
  if (wrote) net_hub_changed(h);
}

/* Writes the answer's status line and headers: the type and length, the rules every answer
 * carries, the next page's Link, and CORS for an allowed other origin. -1 when they do not fit
 * or lws fails. */
static int put_headers(struct lws *wsi, http_pss *p, const reply *r) {
  /* A Link names up to four names of UT_NAME_MAX bytes, each byte escaped in three. */
  unsigned char hb[LWS_PRE + 4096 + 12 * UT_NAME_MAX], *start = hb + LWS_PRE, *q = start,
                                                      *end = hb + sizeof hb - 1;
  /* The UI runs only its own files: no inline script, no framing by other pages. */
  const char *headers[][2] = {
      {"connection:", "close"},
      {"x-content-type-options:", "nosniff"},
      {"content-security-policy:",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
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
  if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype, p->rlen, &q, end)) return -1;
  for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
    if (headers[i][1] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)headers[i][0],
                                    (const unsigned char *)headers[i][1],
                                    (int)strlen(headers[i][1]), &q, end))
      return -1;
  return lws_finalize_write_http_header(wsi, start, &q, end) ? -1 : 0;
}

static int send_reply(struct lws *wsi, http_pss *p, reply *r) {
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
  int rc = p->chunk ? put_headers(wsi, p, r) : -1;
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
  reply r = {0};
  const char *why;
  int write = p->method == LWSHUMETH_POST || p->method == LWSHUMETH_PUT ||
              p->method == LWSHUMETH_PATCH;
  net_guard g;
  net_hub_guard(h, &g);
  int refused = net_guard_check(&g, wsi, write, &why);
  if (lws_hdr_copy(wsi, r.cors, sizeof r.cors, WSI_TOKEN_ORIGIN) <= 0 || !net_guard_cors(&g, r.cors))
    r.cors[0] = 0;
  if (refused) reply_err(&r, refused, refused == 403 ? "forbidden" : "unsupported media type", why);
  else if (p->method == LWSHUMETH_OPTIONS && r.cors[0]) {
    r.preflight = 1;
    r.status = 204;
    r.ctype = "text/plain";
    r.text = strdup("");
    r.file = 1; /* sent as is: no body at all */
  } else if (p->method == LWSHUMETH_OPTIONS)
    reply_err(&r, 403, "forbidden", "only origins given to serve --cors may ask first (OPTIONS)");
  else if (p->too_big) reply_err(&r, 413, "invalid argument", "the request body exceeds 1 MiB");
  else route(&r, h, wsi, p);
  free(p->body);
  p->body = NULL;
  p->blen = p->bcap = 0;
  return r.deferred ? 0 : send_reply(wsi, p, &r);
}

static int http_callback(struct lws *wsi, int reason, void *user, void *in, size_t len) {
  http_pss *p = user;
  switch (reason) {
  case LWS_CALLBACK_HTTP: {
    char *uri;
    int ulen;
    if (p->busy) return -1;
    memset(p, 0, sizeof *p);
    p->method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    if (p->method < 0) return -1;
    snprintf(p->uri, sizeof p->uri, "%.*s", ulen, uri);
    /* The path only: lws keeps the query apart, but be safe. */
    char *q = strchr(p->uri, '?');
    if (q) *q = 0;
    size_t ul = strlen(p->uri);
    while (ul > 1 && p->uri[ul - 1] == '/') p->uri[--ul] = 0;
    int has_body = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    /* Bodies come with a Content-Length. A Transfer-Encoding, alone or beside one, leaves
     * where this request ends open to a proxy's reading against ours (request smuggling). */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
      reply r = {0};
      reply_err(&r, 400, "invalid argument",
                "Transfer-Encoding is not accepted: send the body with a Content-Length");
      p->busy = 1;
      return send_reply(wsi, p, &r);
    }
    if ((p->method == LWSHUMETH_POST || p->method == LWSHUMETH_PUT ||
         p->method == LWSHUMETH_PATCH) && has_body) {
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
  case LWS_CALLBACK_HTTP_WRITEABLE: {
    if (p->sent_all) return -1; /* what lws still held of the answer is out: close */
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
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (p && p->job) {
      p->job->wsi = NULL; /* its answer has nowhere to go */
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
