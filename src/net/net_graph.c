/* net_graph.c — the HTTP API's graph routes: nodes and edges by id, paged lists with a Link to
 * the next page, label counts, and the part of the graph a view draws (docs/http.md). */
#include <ctype.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_api.h"
#include "util/buf.h"
#include "util/name.h"

/* GET /nodes and /edges: a page holds this many elements unless limit= asks for another number,
 * up to HTTP_MAX_PAGE; the Link header names the next page. */
#define HTTP_PAGE 1000
#define HTTP_MAX_PAGE 100000
/* POST /subgraph: the most node ids asked at once, and the most edges answered. */
#define HTTP_MAX_SUBGRAPH_NODES 10000
#define HTTP_MAX_SUBGRAPH_EDGES 100000

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
static void list_json(net_reply *r, adb *db, adb_iter *it, const list_query *q) {
  json_t *a = json_array();
  adb_element e = {0};
  size_t size = 0, n = 0;
  int rc;
  char *last = NULL;
  while ((rc = adb_iter_next(it, &e)) == ADB_ROW && n < (size_t)q->limit) {
    size += 64 + strlen(e.id) + (e.properties ? strlen(e.properties) : 0);
    if (size > HTTP_MAX_ANSWER) break;
    json_array_append_new(a, net_elem_json(&e));
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
      return net_reply_err(r, 413, "invalid argument",
                       "the page would exceed 256 MiB: ask for fewer elements (limit=N)");
    return net_reply_db(r, db, rc);
  }
  if (rc == ADB_ROW && last) /* one more stands past the page */
    r->link = next_link(q, last);
  free(last);
  net_reply_json(r, 200, a);
}

/* GET /labels: each node label with its number of live nodes, by label. */
void net_graph_labels(net_reply *r, adb *db) {
  adb_stmt *st;
  int rc = adb_prepare(db, "SELECT label, count(*) FROM nodes GROUP BY label ORDER BY label", &st,
                       NULL);
  if (rc) return net_reply_db(r, db, rc);
  json_t *a = json_array();
  while ((rc = adb_step(st)) == ADB_ROW)
    json_array_append_new(a, json_pack("{s:s, s:I}", "label", adb_column_text(st, 0), "nodes",
                                       (json_int_t)adb_column_int(st, 1)));
  adb_finalize(st);
  if (rc != ADB_DONE) {
    json_decref(a);
    return net_reply_db(r, db, rc);
  }
  net_reply_json(r, 200, a);
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
      else json_array_append_new(edges, net_elem_json(&e));
    }
    adb_element_clear(&e);
  }
  adb_iter_free(it);
  return rc == ADB_ROW || rc == ADB_DONE ? ADB_OK : rc;
}

/* POST /subgraph {"nodes": [ids]}: the live nodes among ids, and every visible edge with both
 * ends among them (at most HTTP_MAX_SUBGRAPH_EDGES, else "truncated"): what a view of part of
 * the graph draws, in one request. */
void net_graph_subgraph(net_reply *r, adb *db, json_t *body) {
  json_t *ids = json_object_get(body, "nodes");
  size_t i;
  json_t *v;
  int ok = json_is_array(ids) && json_array_size(ids) <= HTTP_MAX_SUBGRAPH_NODES;
  json_array_foreach(ids, i, v) ok = ok && json_is_string(v);
  if (!ok)
    return net_reply_err(r, 400, "invalid argument",
                     "the body needs \"nodes\": an array of at most 10000 node ids (strings)");
  json_t *set = json_object(), *nodes = json_array(), *edges = json_array();
  int rc = ADB_OK, full = 0;
  json_array_foreach(ids, i, v) {
    const char *id = json_string_value(v);
    adb_element e = {0};
    if (json_object_get(set, id) || (rc = adb_node_get(db, id, &e)) == ADB_NOTFOUND) rc = ADB_OK;
    else if (rc == ADB_OK) {
      json_array_append_new(nodes, net_elem_json(&e));
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
    return net_reply_db(r, db, rc);
  }
  net_reply_json(r, 200,
             json_pack("{s:o, s:o, s:b}", "nodes", nodes, "edges", edges, "truncated", full));
}

/* /nodes, /nodes/ID, /edges, /edges/ID. */
void net_graph_elements(net_reply *r, net_hub *h, struct lws *wsi, int method, int edge, const char *id,
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
        return net_reply_err(r, 400, "invalid argument",
                         "limit must be a whole number from 1 to 100000 (default 1000)");
      adb_iter *it;
      if (edge) {
        q.from = lws_get_urlarg_by_name(wsi, "from=", fb, sizeof fb);
        q.to = lws_get_urlarg_by_name(wsi, "to=", tb, sizeof tb);
        q.node = lws_get_urlarg_by_name(wsi, "node=", eb, sizeof eb);
        if (q.node && (q.from || q.to))
          return net_reply_err(r, 400, "invalid argument",
                           "node= (either end) goes without from= and to=");
        rc = q.node ? adb_edge_list_of(db, q.node, label, &it)
                    : adb_edge_list(db, q.from, q.to, label, &it);
      } else {
        rc = adb_node_list(db, label, &it);
      }
      if (rc == ADB_OK && after && (rc = adb_iter_after(it, after))) adb_iter_free(it);
      if (rc) return net_reply_db(r, db, rc);
      return list_json(r, db, it, &q);
    }
    if (method != LWSHUMETH_POST) return net_reply_err(r, 405, "method not allowed", "use GET or POST");
    if (!json_is_object(body))
      return net_reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    const char *label = net_member_str(body, "label"), *nid = net_member_str(body, "id");
    char *props = net_member_text(body, "properties");
    char *made = NULL;
    *wrote = 1;
    if (!label)
      rc = ADB_INVALID, net_reply_err(r, 400, "invalid argument", "\"label\" (a string) is required");
    else if (edge) {
      const char *src = net_member_str(body, "source"), *dst = net_member_str(body, "target");
      if (!src || !dst) {
        free(props);
        return net_reply_err(r, 400, "invalid argument",
                         "\"source\" and \"target\" (node ids) are required");
      }
      rc = adb_edge_create(db, nid, src, label, dst, props, &made);
    } else {
      rc = adb_node_create(db, nid, label, props, &made);
    }
    free(props);
    if (!label) return;
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 201, json_pack("{s:s}", "id", made));
    adb_free(made);
    return;
  }
  adb_element e = {0};
  switch (method) {
  case LWSHUMETH_GET:
    rc = edge ? adb_edge_get(db, id, &e) : adb_node_get(db, id, &e);
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, net_elem_json(&e));
    adb_element_clear(&e);
    return;
  case LWSHUMETH_PATCH:
  case LWSHUMETH_PUT: {
    if (!json_is_object(body))
      return net_reply_err(r, 400, "invalid argument", "the body must be a JSON object");
    const char *label = net_member_str(body, "label");
    char *patch = net_member_text(body, "properties");
    *wrote = 1;
    rc = edge ? adb_edge_update(db, id, label, patch) : adb_node_update(db, id, label, patch);
    free(patch);
    if (rc) return net_reply_db(r, db, rc);
    rc = edge ? adb_edge_get(db, id, &e) : adb_node_get(db, id, &e);
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, net_elem_json(&e));
    adb_element_clear(&e);
    return;
  }
  case LWSHUMETH_DELETE:
    *wrote = 1;
    rc = edge ? adb_edge_delete(db, id) : adb_node_delete(db, id);
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
    return;
  default: return net_reply_err(r, 405, "method not allowed", "use GET, PATCH or DELETE");
  }
}
