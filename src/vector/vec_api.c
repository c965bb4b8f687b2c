/* vec_api.c — the public vector calls: set, clear and get a node's vector, configure the index,
 * and k-nearest search with label and SQL filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "graph/graph.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "vector/vec.h"
#include "vector/vec_int.h"

/* ---- Writing a node's vector register ---- */

/* The canonical JSON text of a vector: what the register holds and change sets carry. */
static char *vec_text(const float *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, json_real((double)v[i]))) {
      json_decref(a);
      a = NULL;
    }
  if (!a) return NULL;
  char *text = ut_json_text(a);
  json_decref(a);
  return text;
}

/* Writes the vector register of live node id (value NULL clears it) as one local write. */
static int write_vector(adb *db, const char *id, const char *value) {
  if (!id) return adb__err(db, ADB_INVALID, "no node id given");
  crdt_elem e;
  int rc = crdt_elem_load(db, ADB_NODE, id, &e);
  if (rc == ADB_OK && !crdt_elem_live(&e)) rc = ADB_NOTFOUND;
  if (rc == ADB_NOTFOUND) rc = adb__err(db, rc, "there is no node with id '%s'", id);
  crdt_reg *cur = rc ? NULL : crdt_elem_prop(&e, VEC_KEY);
  int had = cur && cur->value && crdt_reg_visible(&e, cur);
  int same = had && value && strcmp(cur->value, value) == 0;
  crdt_tag tag;
  if (rc == ADB_OK && !same && (had || value) && (rc = graph_write_tag(db, &tag)) == ADB_OK) {
    crdt_reg r = {
        .type = REG_PROP, .epoch = e.cl, .key = VEC_KEY, .value = (char *)value, .tag = tag};
    if (crdt_elem_merge(db, &e, &r) < 0)
      rc = adb__err(db, ADB_NOMEM, "out of memory");
    else
      rc = crdt_elem_save(db, &e);
  }
  crdt_elem_free(&e);
  return rc;
}

/* Checks v against the index's dimension, then writes it. */
static int set_vector(adb *db, const char *id, const float *v, size_t dim) {
  char why[160];
  if (vec_check(v, dim, why, sizeof why)) return adb__err(db, ADB_INVALID, "%s", why);
  vec_state *vs;
  int rc = vec_load(db, &vs);
  if (rc) return rc;
  if (vs->configured && vs->dim > 0 && (size_t)vs->dim != dim)
    return adb__err(db, ADB_INVALID, "the vector has %zu components; the index holds vectors of %d",
                    dim, vs->dim);
  char *text = vec_text(v, dim);
  if (!text) return adb__err(db, ADB_NOMEM, "out of memory");
  rc = write_vector(db, id, text);
  free(text);
  return rc;
}

int adb_vector_set(adb *db, const char *id, const float *v, size_t dim) {
  if (!db) return ADB_MISUSE;
  if (!v) return adb__err(db, ADB_INVALID, "no vector given");
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  return store_write_end(db, scope, set_vector(db, id, v, dim));
}

int adb_vector_set_json(adb *db, const char *id, const char *json) {
  if (!db) return ADB_MISUSE;
  if (!json) return adb__err(db, ADB_INVALID, "no vector given");
  float *v;
  int dim;
  char why[200];
  int rc = vec_parse(json, &v, &dim, why, sizeof why);
  if (rc) return adb__err(db, rc, "%s", why);
  rc = adb_vector_set(db, id, v, (size_t)dim);
  free(v);
  return rc;
}

int adb_vector_clear(adb *db, const char *id) {
  if (!db) return ADB_MISUSE;
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  return store_write_end(db, scope, write_vector(db, id, NULL));
}

int vec_get_text(adb *db, const char *id, char **out) {
  *out = NULL;
  if (!id) return adb__err(db, ADB_INVALID, "no node id given");
  crdt_elem e;
  int rc = crdt_elem_load(db, ADB_NODE, id, &e);
  int live = rc == ADB_OK && crdt_elem_live(&e);
  crdt_reg *r = live ? crdt_elem_prop(&e, VEC_KEY) : NULL;
  if (rc == ADB_OK || rc == ADB_NOTFOUND) {
    if (!r || !r->value || !crdt_reg_visible(&e, r))
      rc =
          adb__err(db, ADB_NOTFOUND, "node '%s' %s", id, live ? "has no vector" : "does not exist");
    else if (!(*out = strdup(r->value)))
      rc = adb__err(db, ADB_NOMEM, "out of memory");
  }
  crdt_elem_free(&e);
  return rc;
}

int adb_vector_get(adb *db, const char *id, float **out, size_t *dim) {
  if (!db || !out || !dim) return ADB_MISUSE;
  *out = NULL;
  *dim = 0;
  int own, rc = store_read_begin(db, &own);
  if (rc) return rc;
  char *text;
  rc = vec_get_text(db, id, &text);
  if (rc == ADB_OK) {
    int n;
    char why[160];
    rc = vec_parse(text, out, &n, why, sizeof why);
    if (rc)
      rc = adb__err(db, ADB_CORRUPT, "the vector of '%s' is damaged: %s", id, why);
    else
      *dim = (size_t)n;
    free(text);
  }
  store_read_end(db, own);
  return rc;
}

/* ---- The index ---- */

/* Indexes the vector of every live node again, after the index was reset. */
static int reindex_all(adb *db) {
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT rid FROM main.adb_node WHERE cl&1 ORDER BY rid", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  int rc = ADB_OK;
  while (rc == ADB_OK && (src = store_step(db, st)) == SQLITE_ROW) {
    crdt_elem e;
    rc = crdt_elem_load_rid(db, ADB_NODE, sqlite3_column_int64(st, 0), &e);
    if (rc == ADB_OK) rc = vec_node_saved(db, &e);
    crdt_elem_free(&e);
  }
  if (rc == ADB_OK && src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  sqlite3_finalize(st);
  return rc;
}

static int rebuild(adb *db, const adb_vector_params *in) {
  adb_vector_params d = {0};
  if (!in) in = &d;
  vec_params p = {in->dim, in->metric, in->m ? in->m : HNSW_DEFAULT_M,
                  in->ef_construction ? in->ef_construction : HNSW_DEFAULT_EFC,
                  in->ef_search ? in->ef_search : HNSW_DEFAULT_EFS};
  if (p.dim < 0 || p.dim > VEC_MAX_DIM)
    return adb__err(db, ADB_INVALID, "the dimension must be 1 to %d (or 0: the first vector's)",
                    VEC_MAX_DIM);
  if (p.metric < ADB_METRIC_COSINE || p.metric > ADB_METRIC_DOT)
    return adb__err(db, ADB_INVALID, "unknown metric %d", p.metric);
  if (p.m < 2 || p.m > 64) return adb__err(db, ADB_INVALID, "m must be 2 to 64, not %d", p.m);
  if (p.efc < 1 || p.efc > 10000 || p.efs < 1 || p.efs > 10000)
    return adb__err(db, ADB_INVALID, "ef_construction and ef_search must be 1 to 10000");
  vec_state *vs;
  int rc = vec_load(db, &vs);
  if (rc == ADB_OK) rc = vec_configure(db, vs, &p);
  return rc ? rc : reindex_all(db);
}

int adb_vector_index(adb *db, const adb_vector_params *p) {
  if (!db) return ADB_MISUSE;
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  return store_write_end(db, scope, rebuild(db, p));
}

int adb_vector_index_info(adb *db, adb_vector_params *out, size_t *count) {
  if (!db || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  if (count) *count = 0;
  int own, rc = store_read_begin(db, &own);
  vec_state *vs = NULL;
  if (rc == ADB_OK) rc = vec_load(db, &vs);
  if (rc == ADB_OK && vs->configured) {
    *out = (adb_vector_params){vs->dim, vs->metric, vs->m, vs->efc, vs->efs};
    if (count && vs->ready) *count = vs->h.n - vs->h.ndeleted;
  }
  if (own) store_read_end(db, own);
  return rc;
}

/* ---- Search ---- */

/* The row ids of the nodes that pass the query's filters, sorted, for the filter callback. */
typedef struct allowed {
  int64_t *rid;
  size_t n, cap;
} allowed;

static int allowed_has(void *ctx, int64_t key) {
  const allowed *a = ctx;
  size_t lo = 0, hi = a->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (a->rid[mid] == key) return 1;
    if (a->rid[mid] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static int collect_allowed(adb *db, const adb_vector_query *q, allowed *a) {
  ut_buf sql;
  ut_buf_init(&sql);
  ut_buf_puts(&sql, "SELECT rid FROM main.adb_node WHERE cl&1");
  if (q->label) ut_buf_puts(&sql, " AND label = ?1");
  if (q->where) {
    ut_buf_puts(&sql, " AND id IN (SELECT id FROM nodes WHERE (");
    ut_buf_puts(&sql, q->where);
    ut_buf_puts(&sql, "\n))");
  }
  ut_buf_puts(&sql, " ORDER BY rid");
  ut_buf_put_u8(&sql, 0);
  if (sql.oom) return ut_buf_free(&sql), adb__err(db, ADB_NOMEM, "out of memory");
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  /* Prepared as the caller's SQL, not internal SQL: it may read but never write. */
  int src = sqlite3_prepare_v2(db->sql, (const char *)sql.p, -1, &st, &tail);
  int rc = ADB_OK;
  if (src != SQLITE_OK || (tail && *tail))
    rc = adb__err(db, ADB_INVALID, "the where clause is not a valid expression: %s",
                  src != SQLITE_OK ? sqlite3_errmsg(db->sql) : "text after its end");
  else if (!sqlite3_stmt_readonly(st))
    rc = adb__err(db, ADB_INVALID, "the where clause must only read");
  if (rc == ADB_OK && q->label) sqlite3_bind_text(st, 1, q->label, -1, SQLITE_STATIC);
  while (rc == ADB_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
    if (a->n == a->cap) {
      size_t cap = a->cap ? a->cap * 2 : 256;
      int64_t *p = realloc(a->rid, cap * sizeof *p);
      if (!p) {
        rc = adb__err(db, ADB_NOMEM, "out of memory");
        break;
      }
      a->rid = p;
      a->cap = cap;
    }
    a->rid[a->n++] = sqlite3_column_int64(st, 0);
  }
  if (rc == ADB_OK && src != SQLITE_DONE)
    rc = adb__err(db, ADB_INVALID, "the where clause failed: %s", sqlite3_errmsg(db->sql));
  sqlite3_finalize(st);
  ut_buf_free(&sql);
  return rc;
}

static int check_query(adb *db, const adb_vector_query *q, const vec_state *vs) {
  char why[160];
  if (!q->vector) return adb__err(db, ADB_INVALID, "no query vector given");
  if (vec_check(q->vector, q->dim, why, sizeof why)) return adb__err(db, ADB_INVALID, "%s", why);
  if (q->k < 1 || q->k > VEC_MAX_K)
    return adb__err(db, ADB_INVALID, "k must be 1 to %d, not %d", VEC_MAX_K, q->k);
  if (q->metric < ADB_METRIC_COSINE || q->metric > ADB_METRIC_DOT)
    return adb__err(db, ADB_INVALID, "unknown metric %d", q->metric);
  if (q->ef_search < 0 || q->ef_search > VEC_MAX_K)
    return adb__err(db, ADB_INVALID, "ef_search must be 0 to %d", VEC_MAX_K);
  if (vs->ready && (size_t)vs->dim != q->dim)
    return adb__err(db, ADB_INVALID, "the query has %zu components; the index holds vectors of %d",
                    q->dim, vs->dim);
  return ADB_OK;
}

/* Turns the index's hits (row ids) into node ids. */
static int hits_out(adb *db, const hnsw_hit *h, int n, adb_vector_hit **hits, size_t *nout) {
  adb_vector_hit *out = calloc(n ? (size_t)n : 1, sizeof *out);
  if (!out) return adb__err(db, ADB_NOMEM, "out of memory");
  int rc = ADB_OK;
  for (int i = 0; i < n && rc == ADB_OK; i++) {
    sqlite3_stmt *st = store_stmt(db, STMT_NODE_ID);
    if (!st) {
      rc = db->errcode;
      break;
    }
    sqlite3_bind_int64(st, 1, h[i].key);
    int src = store_step(db, st);
    if (src == SQLITE_ROW) out[i].id = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (src != SQLITE_ROW)
      rc = src == SQLITE_DONE ? adb__err(db, ADB_CORRUPT, "the vector index names a missing node")
                              : adb__sqlerr(db, src);
    else if (!out[i].id)
      rc = adb__err(db, ADB_NOMEM, "out of memory");
    out[i].distance = h[i].dist;
  }
  if (rc) {
    adb_vector_hits_free(out, (size_t)n);
    return rc;
  }
  *hits = out;
  *nout = (size_t)n;
  return ADB_OK;
}

/* Searches the graph, or every qualifying vector exactly when that is required (another metric,
 * q->exact) or cheaper (few qualify), or when a filtered graph search came back short. */
static int search(adb *db, vec_state *vs, const adb_vector_query *q, hnsw_hit *found, int *nfound) {
  allowed a = {0};
  int filtered = q->label || q->where;
  int rc = filtered ? collect_allowed(db, q, &a) : ADB_OK;
  if (rc) return rc;
  hnsw_filter f = filtered ? allowed_has : NULL;
  int k = q->k, n = 0;
  int exact = q->exact || q->metric != vs->metric || (filtered && a.n <= (size_t)k * 20);
  if (!exact) {
    int ef = q->ef_search ? q->ef_search : vs->efs;
    n = hnsw_search(&vs->h, q->vector, k, ef, f, &a, found);
    if (n >= 0 && n < k && (size_t)n < (filtered ? a.n : vs->h.n - vs->h.ndeleted)) exact = 1;
  }
  if (exact && n >= 0) n = hnsw_exact(&vs->h, q->vector, k, q->metric, f, &a, found);
  free(a.rid);
  if (n < 0) return adb__err(db, ADB_NOMEM, "out of memory");
  *nfound = n;
  return ADB_OK;
}

int vec_search(adb *db, const adb_vector_query *q, adb_vector_hit **hits, size_t *n) {
  *hits = NULL;
  *n = 0;
  vec_state *vs;
  int rc = vec_load(db, &vs);
  if (rc == ADB_OK) rc = check_query(db, q, vs);
  hnsw_hit *found = NULL;
  int nfound = 0;
  if (rc == ADB_OK && vs->ready) {
    if (!(found = malloc((size_t)q->k * sizeof *found)))
      rc = adb__err(db, ADB_NOMEM, "out of memory");
    else
      rc = search(db, vs, q, found, &nfound);
  }
  if (rc == ADB_OK) rc = hits_out(db, found, nfound, hits, n);
  free(found);
  return rc;
}

int adb_vector_search(adb *db, const adb_vector_query *q, adb_vector_hit **hits, size_t *n) {
  if (!db || !q || !hits || !n) return ADB_MISUSE;
  int own, rc = store_read_begin(db, &own);
  if (rc) return rc;
  rc = vec_search(db, q, hits, n);
  store_read_end(db, own);
  return rc;
}

void adb_vector_hits_free(adb_vector_hit *hits, size_t n) {
  if (!hits) return;
  for (size_t i = 0; i < n; i++) free(hits[i].id);
  free(hits);
}
