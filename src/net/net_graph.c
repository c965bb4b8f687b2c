/* net_graph.c — the HTTP API's graph routes: nodes and edges by id, paged lists with a Link to
 * the next page, label counts, and the part of the graph a view draws (docs/http.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_api.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/name.h"

/* GET /nodes and /edges: a page holds this many elements unless limit= asks for another number,
 * up to HTTP_MAX_PAGE; the Link header names the next page. */
#define HTTP_PAGE 1000
#define HTTP_MAX_PAGE 100000
/* POST /subgraph: the most nodes asked and answered, the most edges answered, the most hubs of a
 * first view, and the nodes of a first view unless "limit" says. */
#define HTTP_MAX_SUBGRAPH_NODES 10000
#define HTTP_MAX_SUBGRAPH_EDGES 100000
#define HTTP_MAX_SUBGRAPH_HUBS 1000
#define HTTP_SUBGRAPH_LIMIT 200

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

/* The statements of a first view (hub_view) share their parameters: ?1 a label (NULL for
 * every label), ?2 a node, ?3 the most rows. */
/* The best-connected live nodes of the label: most visible edges first, ties by id. */
static const char hubs_sql[] =
    "SELECT d.id FROM (SELECT source_node_id AS id FROM edges UNION ALL"
    " SELECT target_node_id FROM edges) d JOIN nodes n ON n.id = d.id"
    " WHERE ?1 IS NULL OR n.label = ?1 GROUP BY d.id ORDER BY count(*) DESC, d.id LIMIT ?3";
/* The nodes of the label at the other end of the node's visible edges, by edge id. */
static const char neighbours_sql[] =
    "SELECT x.id FROM (SELECT id AS eid, target_node_id AS id FROM edges WHERE source_node_id = ?2"
    " UNION ALL SELECT id, source_node_id FROM edges WHERE target_node_id = ?2"
    " AND source_node_id <> ?2) x JOIN nodes n ON n.id = x.id"
    " WHERE ?1 IS NULL OR n.label = ?1 ORDER BY x.eid LIMIT ?3";
/* Live nodes of the label by id. */
static const char by_id_sql[] =
    "SELECT id FROM nodes WHERE ?1 IS NULL OR label = ?1 ORDER BY id LIMIT ?3";
/* The live nodes among the ids of the JSON array ?1, in the order first named. */
static const char nodes_in_sql[] =
    "SELECT n.id, n.label, n.properties FROM (SELECT value AS id, min(key) AS k"
    " FROM json_each(?1) GROUP BY value) s JOIN nodes n ON n.id = s.id ORDER BY s.k";
/* The visible edges with both ends among the ids of the JSON array ?1, by id; at most ?2. */
static const char edges_within_sql[] =
    "WITH s(id) AS MATERIALIZED (SELECT value FROM json_each(?1)) SELECT e.id, e.label,"
    " e.properties, e.source_node_id, e.target_node_id FROM s JOIN edges e"
    " ON e.source_node_id = s.id WHERE e.target_node_id IN s ORDER BY e.id LIMIT ?2";

/* A set of node ids that keeps their order: ids (an array) and seen (an object). */
typedef struct id_set {
  json_t *ids, *seen;
} id_set;

/* Adds id unless the set has it or holds max ids already; returns whether it is in the set. */
static int id_set_add(id_set *s, const char *id, size_t max) {
  if (json_object_get(s->seen, id)) return 1;
  if (json_array_size(s->ids) >= max) return 0;
  json_object_set_new(s->seen, id, json_true());
  json_array_append_new(s->ids, json_string(id));
  return 1;
}

/* Runs one of hub_view's statements, appending the first column of each row to out, an
 * array. Returns an ADB status. */
static int ids_of(adb *db, const char *sql, const char *label, const char *node, long long max,
                  json_t *out) {
  adb_stmt *st;
  int rc = adb_prepare(db, sql, &st, NULL);
  if (rc) return rc;
  rc = label ? adb_bind_text(st, 1, label) : adb_bind_null(st, 1);
  if (!rc && node) rc = adb_bind_text(st, 2, node);
  if (!rc) rc = adb_bind_int(st, 3, max);
  if (!rc)
    while ((rc = adb_step(st)) == ADB_ROW)
      json_array_append_new(out, json_string(adb_column_text(st, 0)));
  adb_finalize(st);
  return rc == ADB_DONE ? ADB_OK : rc;
}

/* Adds to s, up to limit ids, the first view of a graph: the hubs best-connected nodes (of
 * label unless NULL), their neighbours of that label taken in turn, one from each hub's list,
 * then nodes of that label by id. Returns an ADB status. */
static int hub_view(adb *db, long long hubs, const char *label, size_t limit, id_set *s) {
  json_t *top = json_array(), *lists = json_array();
  long long each = ((long long)limit + hubs - 1) / hubs;
  int rc = ids_of(db, hubs_sql, label, NULL, hubs, top);
  size_t i, turn;
  json_t *v, *list;
  json_array_foreach(top, i, v) {
    if (rc) break;
    id_set_add(s, json_string_value(v), limit);
    json_array_append_new(lists, list = json_array());
    rc = ids_of(db, neighbours_sql, label, json_string_value(v), each, list);
  }
  for (turn = 0; !rc && turn < (size_t)each; turn++) {
    json_array_foreach(lists, i, list) {
      if ((v = json_array_get(list, turn))) id_set_add(s, json_string_value(v), limit);
    }
  }
  json_decref(top);
  json_decref(lists);
  if (rc || json_array_size(s->ids) >= limit) return rc;
  json_t *rest = json_array();
  rc = ids_of(db, by_id_sql, label, NULL, (long long)limit, rest);
  json_array_foreach(rest, i, v) if (!id_set_add(s, json_string_value(v), limit)) break;
  json_decref(rest);
  return rc;
}

/* Appends a JSON text member: ,"key": then the string s (n bytes), or "" for NULL. */
static void put_member(ut_buf *b, const char *key, const char *s) {
  ut_buf_puts(b, ",\"");
  ut_buf_puts(b, key);
  ut_buf_puts(b, "\":");
  ut_json_put_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* Appends to b a JSON array of the rows of sql run on the JSON array ids (and the integer max
 * as ?2 when max is not 0), as the API shows elements: {"id", "label", "properties"} and, for
 * the five columns of an edge, "source" and "target". Properties go as stored: canonical JSON.
 * Past max rows (when max is not 0) the last is left out and *full set. Returns an ADB status. */
static int elements_of(adb *db, const char *sql, const char *ids, long long max, ut_buf *b,
                       int *full) {
  adb_stmt *st;
  int rc = adb_prepare(db, sql, &st, NULL);
  if (rc) return rc;
  rc = adb_bind_text(st, 1, ids);
  if (!rc && max) rc = adb_bind_int(st, 2, max + 1);
  int edge = adb_column_count(st) == 5;
  long long n = 0;
  ut_buf_puts(b, "[");
  if (!rc)
    while ((rc = adb_step(st)) == ADB_ROW) {
      if (max && n == max) {
        *full = 1;
        continue;
      }
      const char *props = adb_column_text(st, 2);
      if (n++) ut_buf_puts(b, ",");
      ut_buf_puts(b, "{\"id\":");
      ut_json_put_string(b, adb_column_text(st, 0), strlen(adb_column_text(st, 0)));
      put_member(b, "label", adb_column_text(st, 1));
      ut_buf_puts(b, ",\"properties\":");
      ut_buf_puts(b, props ? props : "{}");
      if (edge) {
        put_member(b, "source", adb_column_text(st, 3));
        put_member(b, "target", adb_column_text(st, 4));
      }
      ut_buf_puts(b, "}");
    }
  ut_buf_puts(b, "]");
  adb_finalize(st);
  return rc == ADB_DONE ? ADB_OK : rc;
}

/* The members of a /subgraph body: whole numbers within [1, max], absent as dflt; -1 when
 * invalid. */
static long long body_count(json_t *body, const char *key, long long dflt, long long max) {
  json_t *v = json_object_get(body, key);
  if (!v) return dflt;
  long long n = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
  return n >= 1 && n <= max ? n : -1;
}

/* POST /subgraph: the part of the graph a view draws, in one request. {"nodes": [ids]} asks for
 * the live nodes among ids; {"hubs": N, "limit"?: L, "label"?: X} for the first view of a graph
 * (hub_view), with any "nodes" added. The answer adds every visible edge with both ends among
 * the nodes (at most HTTP_MAX_SUBGRAPH_EDGES, else "truncated"). */
void net_graph_subgraph(net_reply *r, adb *db, json_t *body) {
  json_t *ids = json_object_get(body, "nodes"), *lv = json_object_get(body, "label"), *v;
  long long hubs = body_count(body, "hubs", 0, HTTP_MAX_SUBGRAPH_HUBS);
  long long limit = body_count(body, "limit", HTTP_SUBGRAPH_LIMIT, HTTP_MAX_SUBGRAPH_NODES);
  size_t i;
  int ok = (ids || hubs) && (!ids || json_is_array(ids)) &&
           json_array_size(ids) <= HTTP_MAX_SUBGRAPH_NODES;
  json_array_foreach(ids, i, v) ok = ok && json_is_string(v);
  if (!ok)
    return net_reply_err(r, 400, "invalid argument",
                         "the body needs \"nodes\": an array of at most 10000 node ids (strings), "
                         "or \"hubs\"");
  if (hubs < 0 || limit < 0 || (lv && !json_is_null(lv) && !json_is_string(lv)))
    return net_reply_err(r, 400, "invalid argument",
                         "\"hubs\" must be a whole number from 1 to 1000, \"limit\" one from 1 "
                         "to 10000 (default 200), and \"label\" a string");
  id_set s = {json_array(), json_object()};
  int rc = hubs ? hub_view(db, hubs, json_string_value(lv), (size_t)limit, &s) : ADB_OK;
  json_array_foreach(ids, i, v) id_set_add(&s, json_string_value(v), HTTP_MAX_SUBGRAPH_NODES);
  char *text = json_dumps(s.ids, JSON_COMPACT);
  json_decref(s.ids);
  json_decref(s.seen);
  ut_buf out;
  ut_buf_init(&out);
  int full = 0;
  if (!text) rc = rc ? rc : ADB_NOMEM;
  ut_buf_puts(&out, "{\"nodes\":");
  if (!rc) rc = elements_of(db, nodes_in_sql, text, 0, &out, &full);
  ut_buf_puts(&out, ",\"edges\":");
  if (!rc) rc = elements_of(db, edges_within_sql, text, HTTP_MAX_SUBGRAPH_EDGES, &out, &full);
  ut_buf_puts(&out, full ? ",\"truncated\":true}" : ",\"truncated\":false}");
  ut_buf_put(&out, "", 1);
  free(text);
  if (rc) {
    ut_buf_free(&out);
    return net_reply_db(r, db, rc);
  }
  r->status = 200;
  r->ctype = "application/json";
  r->text = (char *)ut_buf_take(&out, NULL);
}

/* /nodes, /nodes/ID, /edges, /edges/ID. */
void net_graph_elements(net_reply *r, adb *db, const net_args *args, int method, int edge,
                        const char *id, json_t *body, int *wrote) {
  int rc;
  if (!id) {
    if (method == NET_GET) {
      char lb[UT_NAME_MAX + 8], fb[UT_NAME_MAX + 8], tb[UT_NAME_MAX + 8], ab[UT_NAME_MAX + 8];
      char eb[UT_NAME_MAX + 8], nb[32];
      const char *label = args->get(args->ctx, "label=", lb, sizeof lb);
      const char *after = args->get(args->ctx, "after=", ab, sizeof ab);
      const char *limit = args->get(args->ctx, "limit=", nb, sizeof nb);
      char *end = NULL;
      list_query q = {edge ? "/edges" : "/nodes", label, NULL, NULL, NULL, HTTP_PAGE};
      if (limit) q.limit = strtoll(limit, &end, 10);
      if (limit && (*end || q.limit <= 0 || q.limit > HTTP_MAX_PAGE))
        return net_reply_err(r, 400, "invalid argument",
                         "limit must be a whole number from 1 to 100000 (default 1000)");
      adb_iter *it;
      if (edge) {
        q.from = args->get(args->ctx, "from=", fb, sizeof fb);
        q.to = args->get(args->ctx, "to=", tb, sizeof tb);
        q.node = args->get(args->ctx, "node=", eb, sizeof eb);
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
    if (method != NET_POST) return net_reply_err(r, 405, "method not allowed", "use GET or POST");
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
  case NET_GET:
    rc = edge ? adb_edge_get(db, id, &e) : adb_node_get(db, id, &e);
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, net_elem_json(&e));
    adb_element_clear(&e);
    return;
  case NET_PATCH:
  case NET_PUT: {
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
  case NET_DELETE:
    *wrote = 1;
    rc = edge ? adb_edge_delete(db, id) : adb_node_delete(db, id);
    if (rc) return net_reply_db(r, db, rc);
    net_reply_json(r, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
    return;
  default: return net_reply_err(r, 405, "method not allowed", "use GET, PATCH or DELETE");
  }
}
