/* net_route.c — the HTTP API's data routes on one database, apart from any transport: the
 * server (net_http.c) and a replica in a browser page (wasm/http.c) answer them alike. */
#include <stdlib.h>
#include <string.h>

#include "net/net_api.h"

/* The value of one hex digit, or -1. */
static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t net_url_decode(const char *s, size_t n, char *out, size_t cap, int plus) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < cap; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
        (lo = hex_digit(s[i + 2])) >= 0) {
      out[k++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[k++] = plus && s[i] == '+' ? ' ' : s[i];
    }
  }
  if (cap) out[k] = 0;
  return k;
}

/* Query arguments are "name=value" pairs split by '&'; the first pair of that name counts. */
const char *net_args_query(void *query, const char *name, char *buf, int n) {
  const char *q = query;
  size_t nl = strlen(name);
  if (!q || n < 1) return NULL;
  while (*q) {
    const char *end = q + strcspn(q, "&");
    if ((size_t)(end - q) >= nl && !memcmp(q, name, nl)) {
      net_url_decode(q + nl, (size_t)(end - q) - nl, buf, (size_t)n, 1);
      return buf;
    }
    q = *end ? end + 1 : end;
  }
  return NULL;
}

/* A request that may write runs in one write transaction: txn_begin starts it (on failure it
 * sets r's error and returns the ADB status); txn_end commits when r is a success and rolls
 * back when not, a failed commit replacing r's answer. */
static int txn_begin(net_reply *r, adb *db) {
  int rc = adb_begin(db);
  if (rc) net_reply_db(r, db, rc);
  return rc;
}

static void txn_end(net_reply *r, adb *db) {
  if (r->status < 400) {
    int rc = adb_commit(db);
    if (rc) {
      free(r->text);
      r->text = NULL;
      net_reply_db(r, db, rc);
    }
  } else {
    adb_rollback(db);
  }
}

/* GET /vv: the database's version vector as JSON. */
static void reply_vv(net_reply *r, adb *db) {
  void *vv;
  size_t n;
  char *js = NULL;
  int rc = adb_vv(db, &vv, &n);
  if (rc == ADB_OK) {
    rc = adb_vv_json(db, vv, n, &js);
    adb_free(vv);
  }
  if (rc) return net_reply_db(r, db, rc);
  r->status = 200;
  r->ctype = "application/json";
  r->text = js;
}

/* A route that takes one POST of a JSON object: 1 when the request is one (r untouched). */
static int post_object(net_reply *r, int method, json_t *body, const char *usage) {
  if (method != NET_POST)
    net_reply_err(r, 405, "method not allowed", usage);
  else if (!json_is_object(body))
    net_reply_err(r, 400, "invalid argument", "the body must be a JSON object");
  else
    return 1;
  return 0;
}

/* /nodes, /edges and their ids: reads as they are, writes in one transaction. */
static void elements(net_reply *r, adb *db, int method, int edge, const char *id,
                     const net_args *args, json_t *body, int *wrote) {
  if (method == NET_GET) return net_graph_elements(r, db, args, method, edge, id, body, wrote);
  if (txn_begin(r, db) != ADB_OK) return;
  net_graph_elements(r, db, args, method, edge, id, body, wrote);
  txn_end(r, db);
}

/* The id in u after the prefix "/nodes" or "/edges" and a '/' ("" for the list itself), or NULL
 * when u is not an element route of that prefix. */
static const char *element_id(const char *u, const char *prefix) {
  size_t n = strlen(prefix);
  if (strncmp(u, prefix, n)) return NULL;
  if (!u[n]) return "";
  return u[n] == '/' && u[n + 1] ? u + n + 1 : NULL;
}

int net_route_is_data(const char *u) {
  static const char *const exact[] = {"/labels",         "/vv",  "/subgraph",
                                      "/vectors/search", "/sql", "/cypher"};
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
    if (!strcmp(u, exact[i])) return 1;
  return element_id(u, "/nodes") || element_id(u, "/edges");
}

int net_route_data(net_reply *r, adb *db, int method, const char *u, const net_args *args,
                   json_t *body, int *wrote) {
  const char *id;
  int get_only = !strcmp(u, "/vv") || !strcmp(u, "/labels");
  if (get_only && method != NET_GET) {
    net_reply_err(r, 405, "method not allowed", "this endpoint answers GET only");
  } else if (!strcmp(u, "/labels")) {
    net_graph_labels(r, db);
  } else if (!strcmp(u, "/vv")) {
    reply_vv(r, db);
  } else if (!strcmp(u, "/subgraph")) {
    if (post_object(r, method, body, "POST {\"nodes\": [ids]}")) net_graph_subgraph(r, db, body);
  } else if (!strcmp(u, "/vectors/search")) {
    if (post_object(r, method, body, "POST {\"vector\": [...]} or {\"node\": ID}, \"k\"?"))
      net_vector_search(r, db, body);
  } else if (!strcmp(u, "/sql") || !strcmp(u, "/cypher")) {
    int sql = !strcmp(u, "/sql");
    if (post_object(r, method, body, sql ? "POST {\"sql\": ...}" : "POST {\"query\": ...}") &&
        txn_begin(r, db) == ADB_OK) {
      if (sql)
        net_query_sql(r, db, body, wrote, NULL);
      else
        net_query_cypher(r, db, body, wrote, NULL);
      txn_end(r, db);
    }
  } else if ((id = element_id(u, "/nodes"))) {
    elements(r, db, method, 0, *id ? id : NULL, args, body, wrote);
  } else if ((id = element_id(u, "/edges"))) {
    elements(r, db, method, 1, *id ? id : NULL, args, body, wrote);
  } else {
    return 0;
  }
  return 1;
}
