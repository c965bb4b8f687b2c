/* cy_graph.c — the graph as a query sees it: loaded from the store, written through to it. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "query/cypher/cy.h"
#include "util/buf.h"
#include "util/json.h"

/* ---- Node id -> index, open addressing ---- */

typedef struct idmap {
  const char **keys;
  int *vals;
  size_t mask, used;
} idmap;

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void idmap_put(cy_ctx *c, const char *key, int val) {
  idmap *m = c->ids;
  if (!m) m = c->ids = cy_alloc(c, sizeof *m);
  if ((m->used + 1) * 2 > m->mask + 1 || !m->keys) {
    size_t cap = m->keys ? (m->mask + 1) * 2 : 1024;
    idmap n = {cy_alloc(c, cap * sizeof *n.keys), cy_alloc(c, cap * sizeof *n.vals), cap - 1, 0};
    for (size_t i = 0; m->keys && i <= m->mask; i++) {
      if (!m->keys[i]) continue;
      size_t j = str_hash(m->keys[i]) & n.mask;
      while (n.keys[j]) j = (j + 1) & n.mask;
      n.keys[j] = m->keys[i];
      n.vals[j] = m->vals[i];
      n.used++;
    }
    *m = n;
  }
  size_t j = str_hash(key) & m->mask;
  while (m->keys[j] && strcmp(m->keys[j], key)) j = (j + 1) & m->mask;
  if (!m->keys[j]) m->used++;
  m->keys[j] = key;
  m->vals[j] = val;
}

static int idmap_get(cy_ctx *c, const char *key) {
  idmap *m = c->ids;
  if (!m || !m->keys) return -1;
  size_t j = str_hash(key) & m->mask;
  while (m->keys[j]) {
    if (!strcmp(m->keys[j], key)) return m->vals[j];
    j = (j + 1) & m->mask;
  }
  return -1;
}

/* ---- Values from stored JSON ---- */

cy_val cy_from_json(cy_ctx *c, json_t *j) {
  switch (json_typeof(j)) {
  case JSON_INTEGER: return cy_int(json_integer_value(j));
  case JSON_REAL: return cy_float(json_real_value(j));
  case JSON_STRING: return cy_str(cy_strndup(c, json_string_value(j), json_string_length(j)));
  case JSON_TRUE: return cy_bool(1);
  case JSON_FALSE: return cy_bool(0);
  case JSON_ARRAY: {
    cy_list *l = cy_list_new(c, (int)json_array_size(j));
    for (int i = 0; i < l->n; i++) l->v[i] = cy_from_json(c, json_array_get(j, (size_t)i));
    return (cy_val){.k = CV_LIST, .l = l};
  }
  case JSON_OBJECT: {
    cy_map *m = cy_map_new(c, (int)json_object_size(j));
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) cy_map_put(c, m, cy_strdup(c, k), cy_from_json(c, v));
    cy_val t;
    if (cy_temporal_from_stored(c, m, &t)) return t;
    return (cy_val){.k = CV_MAP, .m = m};
  }
  default: return cy_null;
  }
}

static cy_map *props_from_text(cy_ctx *c, const char *text) {
  json_t *j;
  char why[200];
  if (!text || jsonc_parse(text, strlen(text), &j, why, sizeof why)) return cy_map_new(c, 0);
  cy_val v = cy_from_json(c, j);
  json_decref(j);
  return v.k == CV_MAP ? v.m : cy_map_new(c, 0);
}

/* Splits a stored label text into sorted labels. */
static void labels_from_text(cy_ctx *c, const char *text, cy_node *n) {
  n->nlabels = 0;
  if (!text || !*text) return;
  int cnt = 1;
  for (const char *s = text; *s; s++) cnt += *s == ':';
  n->labels = cy_alloc(c, (size_t)cnt * sizeof *n->labels);
  const char *s = text;
  while (*s) {
    const char *e = strchr(s, ':');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len) n->labels[n->nlabels++] = cy_strndup(c, s, len);
    s += len + (e ? 1 : 0);
  }
}

int cy_node_has_label(const cy_node *n, const char *label) {
  for (int i = 0; i < n->nlabels; i++)
    if (!strcmp(n->labels[i], label)) return 1;
  return 0;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *cy_labels_text(cy_ctx *c, const char **labels, int n) {
  if (!n) return NULL;
  const char **sorted = cy_alloc(c, (size_t)n * sizeof *sorted);
  memcpy(sorted, labels, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, str_cmp);
  buf b;
  buf_init(&b);
  for (int i = 0; i < n; i++) {
    if (i && !strcmp(sorted[i], sorted[i - 1])) continue;
    if (b.len) buf_put_u8(&b, ':');
    buf_puts(&b, sorted[i]);
  }
  const char *r = cy_strndup(c, (const char *)b.p, b.len);
  buf_free(&b);
  return r;
}

/* ---- Growing the snapshot ---- */

static int add_node(cy_ctx *c, const char *id, const char *label, cy_map *props) {
  cy_graph *g = &c->g;
  if (g->nnodes == g->capnodes) {
    int cap = g->capnodes ? g->capnodes * 2 : 64;
    cy_node *n = cy_alloc(c, (size_t)cap * sizeof *n);
    if (g->nnodes) memcpy(n, g->nodes, (size_t)g->nnodes * sizeof *n);
    g->nodes = n;
    g->capnodes = cap;
  }
  cy_node *n = &g->nodes[g->nnodes];
  memset(n, 0, sizeof *n);
  n->id = cy_strdup(c, id);
  labels_from_text(c, label, n);
  n->props = props;
  idmap_put(c, n->id, g->nnodes);
  return g->nnodes++;
}

static void adj_push(cy_ctx *c, int **arr, int *n, int *cap, int v) {
  if (*n == *cap) {
    int nc = *cap ? *cap * 2 : 4;
    int *a = cy_alloc(c, (size_t)nc * sizeof *a);
    if (*n) memcpy(a, *arr, (size_t)*n * sizeof *a);
    *arr = a;
    *cap = nc;
  }
  (*arr)[(*n)++] = v;
}

static int add_rel(cy_ctx *c, const char *id, int src, int dst, const char *type, cy_map *props) {
  cy_graph *g = &c->g;
  if (g->nrels == g->caprels) {
    int cap = g->caprels ? g->caprels * 2 : 64;
    cy_rel *r = cy_alloc(c, (size_t)cap * sizeof *r);
    if (g->nrels) memcpy(r, g->rels, (size_t)g->nrels * sizeof *r);
    g->rels = r;
    g->caprels = cap;
  }
  cy_rel *r = &g->rels[g->nrels];
  memset(r, 0, sizeof *r);
  r->id = cy_strdup(c, id);
  r->src = src;
  r->dst = dst;
  r->type = cy_strdup(c, type ? type : "");
  r->props = props;
  cy_node *s = &g->nodes[src], *d = &g->nodes[dst];
  adj_push(c, &s->out, &s->nout, &s->capout, g->nrels);
  adj_push(c, &d->in, &d->nin, &d->capin, g->nrels);
  return g->nrels++;
}

static void __attribute__((noreturn)) store_fail(cy_ctx *c, int rc) {
  c->store_rc = rc;
  cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
}

void cy_graph_load(cy_ctx *c) {
  if (c->loaded) return;
  c->loaded = 1;
  adb_iter *it;
  adb_element e;
  int rc = adb_node_list(c->db, NULL, &it);
  if (rc) store_fail(c, rc);
  while ((rc = adb_iter_next(it, &e)) == ADB_ROW) {
    int idx = add_node(c, e.id, e.label, props_from_text(c, e.properties));
    cy_node *n = &c->g.nodes[idx];
    n->loaded = 1;
    n->orig = n->props;
    n->orig_labels = n->labels;
    n->orig_nlabels = n->nlabels;
    adb_element_clear(&e);
  }
  adb_iter_free(it);
  if (rc != ADB_DONE) store_fail(c, rc);
  rc = adb_edge_list(c->db, NULL, NULL, NULL, &it);
  if (rc) store_fail(c, rc);
  while ((rc = adb_iter_next(it, &e)) == ADB_ROW) {
    int s = idmap_get(c, e.source_id), d = idmap_get(c, e.target_id);
    if (s >= 0 && d >= 0) {
      int idx = add_rel(c, e.id, s, d, e.label, props_from_text(c, e.properties));
      cy_rel *r = &c->g.rels[idx];
      r->loaded = 1;
      r->orig = r->props;
    }
    adb_element_clear(&e);
  }
  adb_iter_free(it);
  if (rc != ADB_DONE) store_fail(c, rc);
}

/* ---- Writes ---- */

/* The JSON text of a property value; only primitives and lists of them may be stored. */
static char *prop_json(cy_ctx *c, cy_val v) {
  int ok = v.k != CV_MAP && v.k != CV_NODE && v.k != CV_REL && v.k != CV_PATH;
  if (v.k == CV_LIST)
    for (int i = 0; i < v.l->n; i++) {
      cy_kind k = v.l->v[i].k;
      if (k == CV_LIST || k == CV_MAP || k == CV_NODE || k == CV_REL || k == CV_PATH) ok = 0;
    }
  if (!ok)
    cy_fail(c, CY_TYPE, "runtime", "InvalidPropertyType",
            "a property value cannot be a %s", cy_kind_name(v.k == CV_LIST ? CV_LIST : v.k));
  buf b;
  buf_init(&b);
  cy_format_stored(c, &b, v);
  char *s = cy_strndup(c, (const char *)b.p, b.len);
  buf_free(&b);
  return s;
}

static char *props_json(cy_ctx *c, const cy_map *m) {
  buf b;
  buf_init(&b);
  buf_put_u8(&b, '{');
  for (int i = 0; m && i < m->n; i++) {
    if (i) buf_put_u8(&b, ',');
    jsonc_put_string(&b, m->k[i], strlen(m->k[i]));
    buf_put_u8(&b, ':');
    buf_puts(&b, prop_json(c, m->v[i]));
  }
  buf_put_u8(&b, '}');
  char *s = cy_strndup(c, (const char *)b.p, b.len);
  buf_free(&b);
  return s;
}

/* Drops null values, which Cypher never stores. */
static cy_map *without_nulls(cy_ctx *c, cy_map *m) {
  cy_map *r = cy_map_new(c, m ? m->n : 0);
  for (int i = 0; m && i < m->n; i++)
    if (m->v[i].k != CV_NULL) cy_map_put(c, r, m->k[i], m->v[i]);
  return r;
}

int cy_node_index(cy_ctx *c, const char *id) {
  cy_graph_load(c);
  int i = idmap_get(c, id);
  return i >= 0 && !c->g.nodes[i].deleted ? i : -1;
}

int cy_node_create(cy_ctx *c, const char **labels, int nlabels, cy_map *props) {
  c->writes = 1;
  cy_graph_load(c);
  props = without_nulls(c, props);
  const char *label = cy_labels_text(c, labels, nlabels);
  char *id = NULL;
  /* A label register cannot be empty: a node without labels stores ":" (docs/cypher.md). */
  int rc = graph_create(c->db, ADB_NODE, NULL, label ? label : ":", props_json(c, props), NULL,
                        NULL, &id);
  if (rc) store_fail(c, rc);
  int n = add_node(c, id, label, props);
  free(id);
  return n;
}

int cy_rel_create(cy_ctx *c, int src, int dst, const char *type, cy_map *props) {
  c->writes = 1;
  props = without_nulls(c, props);
  if (c->g.nodes[src].deleted || c->g.nodes[dst].deleted)
    cy_fail(c, CY_NOTFOUND, "runtime", "DeletedEntityAccess",
            "cannot create a relationship to a deleted node");
  char *id = NULL;
  int rc = graph_create(c->db, ADB_EDGE, NULL, type, props_json(c, props), c->g.nodes[src].id,
                        c->g.nodes[dst].id, &id);
  if (rc) store_fail(c, rc);
  int r = add_rel(c, id, src, dst, type, props);
  free(id);
  return r;
}

void cy_elem_set(cy_ctx *c, cy_val elem, const char *key, cy_val v) {
  c->writes = 1;
  int node = elem.k == CV_NODE;
  cy_map **props = node ? &c->g.nodes[elem.id].props : &c->g.rels[elem.id].props;
  int deleted = node ? c->g.nodes[elem.id].deleted : c->g.rels[elem.id].deleted;
  const char *id = node ? c->g.nodes[elem.id].id : c->g.rels[elem.id].id;
  if (deleted) return;
  const cy_val *cur = cy_map_get(*props, key);
  if (v.k == CV_NULL && !cur) return;
  char *text = v.k == CV_NULL ? NULL : prop_json(c, v);
  int rc = graph_set(c->db, node ? ADB_NODE : ADB_EDGE, id, key, text);
  if (rc) store_fail(c, rc);
  *props = cy_map_with(c, *props, key, v.k == CV_NULL ? NULL : &v);
}

void cy_node_label(cy_ctx *c, int node, const char *label, int add) {
  c->writes = 1;
  cy_node *n = &c->g.nodes[node];
  if (n->deleted || cy_node_has_label(n, label) == add) return;
  const char **ls = cy_alloc(c, (size_t)(n->nlabels + 1) * sizeof *ls);
  int k = 0;
  for (int i = 0; i < n->nlabels; i++)
    if (add || strcmp(n->labels[i], label)) ls[k++] = n->labels[i];
  if (add) ls[k++] = cy_strdup(c, label);
  const char *text = cy_labels_text(c, ls, k);
  int rc = graph_update(c->db, ADB_NODE, n->id, text ? text : ":", NULL, 0);
  if (rc) store_fail(c, rc);
  labels_from_text(c, text, n);
}

void cy_rel_delete(cy_ctx *c, int rel) {
  c->writes = 1;
  cy_rel *r = &c->g.rels[rel];
  if (r->deleted) return;
  int rc = graph_delete(c->db, ADB_EDGE, r->id);
  if (rc) store_fail(c, rc);
  r->deleted = 1;
}

void cy_node_delete(cy_ctx *c, int node, int detach) {
  c->writes = 1;
  cy_node *n = &c->g.nodes[node];
  if (n->deleted) return;
  /* A plain DELETE that leaves relationships of the node is refused when the query ends
   * (cy_exec), since the same query may still delete them. */
  for (int i = 0; detach && i < n->nout; i++) cy_rel_delete(c, n->out[i]);
  for (int i = 0; detach && i < n->nin; i++) cy_rel_delete(c, n->in[i]);
  int rc = graph_delete(c->db, ADB_NODE, n->id);
  if (rc) store_fail(c, rc);
  n->deleted = 1;
}

/* How many entries of a are not in b with an equal value. */
static int64_t props_missing(cy_ctx *c, const cy_map *a, const cy_map *b) {
  int64_t n = 0;
  for (int i = 0; a && i < a->n; i++) {
    const cy_val *v = cy_map_get(b, a->k[i]);
    if (!v || cy_order(c, *v, a->v[i]) != 0) n++;
  }
  return n;
}

/* The distinct label names of the nodes before the query (after = 0) or now, sorted. */
static const char **label_set(cy_ctx *c, int after, int *n) {
  const cy_graph *g = &c->g;
  int total = 0;
  for (int i = 0; i < g->nnodes; i++) total += after ? g->nodes[i].nlabels : g->nodes[i].orig_nlabels;
  const char **v = cy_alloc(c, (size_t)(total + 1) * sizeof *v);
  int k = 0;
  for (int i = 0; i < g->nnodes; i++) {
    const cy_node *x = &g->nodes[i];
    if (after ? x->deleted : !x->loaded) continue;
    int nl = after ? x->nlabels : x->orig_nlabels;
    for (int l = 0; l < nl; l++) v[k++] = after ? x->labels[l] : x->orig_labels[l];
  }
  qsort(v, (size_t)k, sizeof *v, str_cmp);
  int u = 0;
  for (int i = 0; i < k; i++)
    if (!u || strcmp(v[u - 1], v[i])) v[u++] = v[i];
  *n = u;
  return v;
}

/* How many names of sorted set a are not in sorted set b. */
static int64_t names_missing(const char **a, int na, const char **b, int nb) {
  int64_t n = 0;
  int j = 0;
  for (int i = 0; i < na; i++) {
    while (j < nb && strcmp(b[j], a[i]) < 0) j++;
    if (j >= nb || strcmp(b[j], a[i])) n++;
  }
  return n;
}

void cy_stats_compute(cy_ctx *c) {
  cy_stats *s = &c->stats;
  memset(s, 0, sizeof *s);
  if (!c->writes) return;
  const cy_graph *g = &c->g;
  for (int i = 0; i < g->nnodes; i++) {
    const cy_node *n = &g->nodes[i];
    const cy_map *before = n->loaded ? n->orig : NULL, *after = n->deleted ? NULL : n->props;
    if (!n->loaded && !n->deleted) s->nodes_created++;
    if (n->loaded && n->deleted) s->nodes_deleted++;
    s->props_set += props_missing(c, after, before);
    s->props_removed += props_missing(c, before, after);
  }
  for (int i = 0; i < g->nrels; i++) {
    const cy_rel *r = &g->rels[i];
    const cy_map *before = r->loaded ? r->orig : NULL, *after = r->deleted ? NULL : r->props;
    if (!r->loaded && !r->deleted) s->rels_created++;
    if (r->loaded && r->deleted) s->rels_deleted++;
    s->props_set += props_missing(c, after, before);
    s->props_removed += props_missing(c, before, after);
  }
  int nb, na;
  const char **before = label_set(c, 0, &nb), **after = label_set(c, 1, &na);
  s->labels_added = names_missing(after, na, before, nb);
  s->labels_removed = names_missing(before, nb, after, na);
}
