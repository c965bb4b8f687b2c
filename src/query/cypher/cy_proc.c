/* cy_proc.c — the built-in procedures Cypher's CALL can run: db.vector.search over the vector
 * index. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"
#include "vector/vec.h"

/* Fails the query with the vector layer's error: ADB_INVALID is an ArgumentError with its
 * message, anything else a storage failure. */
static void __attribute__((noreturn)) vec_fail(cy_ctx *c, int rc) {
  if (rc == ADB_INVALID)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "db.vector.search: %s",
            adb_errmsg(c->db));
  c->store_rc = rc;
  cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
}

/* The query vector from a list of numbers (the signature checked it), in the arena. */
static float *query_vector(cy_ctx *c, cy_val v, size_t *dim) {
  float *out = cy_alloc(c, (size_t)(v.l->n ? v.l->n : 1) * sizeof *out);
  for (int i = 0; i < v.l->n; i++)
    out[i] = v.l->v[i].k == CV_INT ? (float)v.l->v[i].i : (float)v.l->v[i].f;
  *dim = (size_t)v.l->n;
  return out;
}

/* The SQL filter on the nodes view for nodes that have Cypher label l among their labels
 * (stored sorted and joined with ':'). */
static const char *label_filter(cy_ctx *c, const char *l) {
  if (!*l || strchr(l, ':'))
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "db.vector.search: the label must be a non-empty name without ':'");
  static const char head[] = "instr(':' || label || ':', ':", tail[] = ":') > 0";
  char *s = cy_alloc(c, sizeof head + 2 * strlen(l) + sizeof tail);
  memcpy(s, head, sizeof head - 1);
  char *o = s + sizeof head - 1;
  for (const char *p = l; *p; p++) {
    if (*p == '\'') *o++ = '\'';
    *o++ = *p;
  }
  memcpy(o, tail, sizeof tail);
  return s;
}

/* Reads the options map {label, metric, ef_search, exact} (or null) into q. */
static void search_options(cy_ctx *c, cy_val o, adb_vector_query *q) {
  if (o.k == CV_NULL) return;
  for (int i = 0; i < o.m->n; i++) {
    const char *key = o.m->k[i];
    cy_val v = o.m->v[i];
    if (v.k == CV_NULL) continue;
    if (!strcmp(key, "label") && v.k == CV_STR) {
      q->where = label_filter(c, v.s);
    } else if (!strcmp(key, "metric") && v.k == CV_STR) {
      if (!strcmp(v.s, "cosine")) q->metric = ADB_METRIC_COSINE;
      else if (!strcmp(v.s, "l2")) q->metric = ADB_METRIC_L2;
      else if (!strcmp(v.s, "dot")) q->metric = ADB_METRIC_DOT;
      else
        cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
                "db.vector.search: unknown metric '%s': use 'cosine', 'l2' or 'dot'", v.s);
    } else if (!strcmp(key, "ef_search") && v.k == CV_INT) {
      q->ef_search = v.i < 0 || v.i > INT_MAX ? -1 : (int)v.i;
    } else if (!strcmp(key, "exact") && v.k == CV_BOOL) {
      q->exact = v.b;
    } else {
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
              "db.vector.search: option '%s' is unknown or of the wrong kind (label: string, "
              "metric: string, ef_search: integer, exact: boolean)", key);
    }
  }
}

/* db.vector.search(vector, k [, options]): the k nearest live nodes, nearest first. The metric
 * defaults to the index's, so the search uses the index. */
static void vector_search(cy_ctx *c, cy_val *args, cy_table *out) {
  adb_vector_query q = {0};
  q.vector = query_vector(c, args[0], &q.dim);
  /* Beyond int the C API could not say which k it was given. */
  if (args[1].i < INT_MIN || args[1].i > INT_MAX)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "db.vector.search: k must be 1 to %d, not %lld", VEC_MAX_K, (long long)args[1].i);
  q.k = (int)args[1].i;
  adb_vector_params p;
  size_t count;
  int rc = adb_vector_index_info(c->db, &p, &count);
  if (rc) vec_fail(c, rc);
  q.metric = p.metric;
  search_options(c, args[2], &q);
  size_t cap = q.k >= 1 && q.k <= VEC_MAX_K ? (size_t)q.k : 1; /* else the search fails */
  int *node = cy_alloc(c, cap * sizeof *node);
  double *dist = cy_alloc(c, cap * sizeof *dist);
  adb_vector_hit *hits;
  size_t n;
  rc = adb_vector_search(c->db, &q, &hits, &n);
  if (rc) vec_fail(c, rc);
  /* The ids move into a held buffer (nothing here fails), so the hits are freed at once. */
  ut_buf *ids = cy_buf_hold(c);
  for (size_t i = 0; i < n; i++) {
    ut_buf_put(ids, hits[i].id, strlen(hits[i].id) + 1);
    dist[i] = hits[i].distance;
  }
  adb_vector_hits_free(hits, n);
  const char *id = cy_buf_take(c, ids);
  for (size_t i = 0; i < n; i++, id += strlen(id) + 1) node[i] = cy_node_index(c, id);
  for (size_t i = 0; i < n; i++) {
    if (node[i] < 0) continue; /* deleted earlier in this query */
    cy_val *row = cy_alloc(c, 2 * sizeof *row);
    row[0] = (cy_val){.k = CV_NODE, .id = node[i]};
    row[1] = cy_float(dist[i]);
    cy_table_add(c, out, row);
  }
}

const cy_builtin cy_builtins[] = {
    {"db.vector.search(vector :: LIST OF NUMBER, k :: INTEGER, options = null :: MAP?) "
     ":: (node :: NODE, distance :: FLOAT)",
     vector_search},
};
const int cy_nbuiltins = sizeof cy_builtins / sizeof cy_builtins[0];
