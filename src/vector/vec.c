/* vec.c — the persistent vector index: its tables, its in-memory copy, and keeping it in step
 * with every node write and merge, in the same transaction. */
#include "vector/vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/json.h"
#include "vector/vec_int.h"

/* One row per slot of the graph (vector/hnsw.h): the node's row id, whether the slot is live,
 * its level, its vector and its links; adb_vec_conf holds the index's parameters. Both are local
 * to this replica: they are derived from the replicated vector registers. */
static const char *const tables_sql =
    "CREATE TABLE IF NOT EXISTS adb_vec_conf(id INTEGER PRIMARY KEY CHECK(id = 1),"
    "  dim INTEGER NOT NULL, metric INTEGER NOT NULL, m INTEGER NOT NULL, efc INTEGER NOT NULL,"
    "  efs INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS adb_vec(slot INTEGER PRIMARY KEY, node INTEGER NOT NULL,"
    "  live INTEGER NOT NULL, level INTEGER NOT NULL, vec BLOB NOT NULL, links BLOB NOT NULL);";

/* ---- Values ---- */

int vec_check(const float *v, size_t n, char *why, size_t whylen) {
  if (n == 0 || n > VEC_MAX_DIM) {
    snprintf(why, whylen, "a vector has 1 to %d components, not %zu", VEC_MAX_DIM, n);
    return ADB_INVALID;
  }
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) {
      snprintf(why, whylen, "component %zu of the vector is not a finite number", i);
      return ADB_INVALID;
    }
  return ADB_OK;
}

int vec_parse(const char *text, float **out, int *dim, char *why, size_t whylen) {
  *out = NULL;
  json_t *a;
  if (ut_json_parse(text, strlen(text), &a, why, whylen)) return ADB_INVALID;
  size_t n = json_is_array(a) ? json_array_size(a) : 0;
  int rc = ADB_OK;
  if (!json_is_array(a)) {
    snprintf(why, whylen, "a vector must be a JSON array of numbers");
    rc = ADB_INVALID;
  } else if (n == 0 || n > VEC_MAX_DIM) {
    snprintf(why, whylen, "a vector has 1 to %d components, not %zu", VEC_MAX_DIM, n);
    rc = ADB_INVALID;
  }
  float *v = rc ? NULL : malloc(n * sizeof *v);
  if (!rc && !v) {
    snprintf(why, whylen, "out of memory");
    rc = ADB_NOMEM;
  }
  for (size_t i = 0; rc == ADB_OK && i < n; i++) {
    json_t *x = json_array_get(a, i);
    double d = json_number_value(x);
    if (!json_is_number(x)) {
      snprintf(why, whylen, "component %zu of the vector is not a number", i);
      rc = ADB_INVALID;
    } else if (!isfinite((float)d)) {
      snprintf(why, whylen, "component %zu of the vector does not fit a float32", i);
      rc = ADB_INVALID;
    } else {
      v[i] = (float)d;
    }
  }
  json_decref(a);
  if (rc) {
    free(v);
    return rc;
  }
  *out = v;
  *dim = (int)n;
  return ADB_OK;
}

const char *vec_wire_check(int kind, const char *value, char *why, size_t whylen) {
  if (kind != ADB_NODE) return "gives a vector to an edge";
  if (!value) return NULL;
  char *canon = ut_json_canon(value, strlen(value), 0, why, whylen);
  if (!canon) return why;
  int same = strcmp(canon, value) == 0;
  free(canon);
  if (!same) return "has a vector not in canonical JSON form";
  float *v;
  int dim;
  if (vec_parse(value, &v, &dim, why, whylen)) return why;
  free(v);
  return NULL;
}

/* ---- The in-memory copy ---- */

static void stmts_finalize(vec_state *vs) {
  sqlite3_finalize(vs->ins);
  sqlite3_finalize(vs->upd);
  vs->ins = vs->upd = NULL;
}

/* Drops the in-memory index, keeping the statements. */
static void index_drop(vec_state *vs) {
  if (vs->ready) hnsw_free(&vs->h);
  vs->loaded = vs->configured = vs->ready = vs->node_index = 0;
}

void vec_forget(adb *db) {
  vec_state *vs = adb__slot_peek(db, ADB_SLOT_VECTOR);
  if (vs && vs->loaded) index_drop(vs);
}

static int vec_saved(adb *db, crdt_elem *e) {
  return e->kind == ADB_NODE ? vec_node_saved(db, e) : ADB_OK;
}

const adb_index vec_index = {.saved = vec_saved, .forget = vec_forget};

/* The slot's destructor: the in-memory index and the statements, when the handle closes. */
static void state_free(void *p) {
  vec_state *vs = p;
  index_drop(vs);
  stmts_finalize(vs);
  free(vs);
}

/* Reads one integer-valued query; SQLITE_ROW sets *out, SQLITE_DONE leaves it. */
static int query_int(adb *db, const char *sql, int64_t *out) {
  sqlite3_stmt *st;
  int rc = store_prepare(db, sql, &st);
  if (rc == SQLITE_OK) {
    rc = store_step(db, st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return rc;
}

/* Restores every slot from adb_vec. */
static int load_rows(adb *db, vec_state *vs) {
  int64_t count = 0;
  int src0 = query_int(db, "SELECT count(*) FROM main.adb_vec", &count);
  if (src0 != SQLITE_ROW) return adb__sqlerr(db, src0);
  if (hnsw_reserve(&vs->h, (size_t)count)) return adb__err(db, ADB_NOMEM, "out of memory");
  sqlite3_stmt *st;
  int src = store_prepare(
      db, "SELECT slot, node, live, level, vec, links FROM main.adb_vec ORDER BY slot", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  int rc = ADB_OK;
  size_t dimb = (size_t)vs->h.dim * sizeof(float);
  float *v = malloc(dimb);
  uint32_t *links = malloc((size_t)(2 * vs->h.m + 1 + HNSW_MAX_LEVEL * (vs->h.m + 1)) * 4);
  if (!v || !links) rc = adb__err(db, ADB_NOMEM, "out of memory");
  while (rc == ADB_OK && (src = store_step(db, st)) == SQLITE_ROW) {
    size_t nv = (size_t)sqlite3_column_bytes(st, 4), nl = (size_t)sqlite3_column_bytes(st, 5);
    int level = sqlite3_column_int(st, 3);
    if (nv != dimb || nl % 4 || level < 0 || level > HNSW_MAX_LEVEL ||
        nl / 4 > (size_t)(2 * vs->h.m + 1 + level * (vs->h.m + 1))) {
      rc = adb__err(db, ADB_CORRUPT,
                    "the vector index is damaged: rebuild it with adb_vector_index");
      break;
    }
    memcpy(v, sqlite3_column_blob(st, 4), nv);
    if (nl) memcpy(links, sqlite3_column_blob(st, 5), nl);
    if (hnsw_restore(&vs->h, (uint32_t)sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                     !sqlite3_column_int(st, 2), level, v, links, nl / 4))
      rc = adb__err(db, ADB_CORRUPT,
                    "the vector index is damaged: rebuild it with adb_vector_index");
  }
  if (rc == ADB_OK && src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  if (rc == ADB_OK && hnsw_check(&vs->h))
    rc = adb__err(db, ADB_CORRUPT, "the vector index is damaged: rebuild it with adb_vector_index");
  sqlite3_finalize(st);
  free(v);
  free(links);
  return rc;
}

/* The handle's vector state, made on first use; NULL when out of memory (error set). */
static vec_state *state(adb *db) {
  return adb__slot(db, ADB_SLOT_VECTOR, sizeof(vec_state), state_free);
}

int vec_load(adb *db, vec_state **out) {
  vec_state *vs = *out = state(db);
  if (!vs) return ADB_NOMEM;
  if (vs->loaded) return ADB_OK;
  int64_t n = 0;
  int src = query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='adb_vec_conf'", &n);
  if (src != SQLITE_ROW) return adb__sqlerr(db, src);
  if (n) {
    sqlite3_stmt *st;
    src = store_prepare(db, "SELECT dim, metric, m, efc, efs FROM main.adb_vec_conf", &st);
    if (src == SQLITE_OK && (src = store_step(db, st)) == SQLITE_ROW) {
      vs->configured = 1;
      vs->dim = sqlite3_column_int(st, 0);
      vs->metric = sqlite3_column_int(st, 1);
      vs->m = sqlite3_column_int(st, 2);
      vs->efc = sqlite3_column_int(st, 3);
      vs->efs = sqlite3_column_int(st, 4);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) return adb__sqlerr(db, src);
  }
  if (vs->configured && vs->dim > 0) {
    if (hnsw_init(&vs->h, vs->dim, vs->metric, vs->m, vs->efc))
      return adb__err(db, ADB_CORRUPT, "the vector index's parameters are damaged");
    vs->ready = 1;
    int rc = load_rows(db, vs);
    if (rc) {
      hnsw_free(&vs->h);
      vs->ready = vs->configured = 0;
      return rc;
    }
  }
  vs->loaded = 1;
  return ADB_OK;
}

/* ---- Writing ---- */

int vec_configure(adb *db, vec_state *vs, const vec_params *p) {
  int rc = store_exec(db, tables_sql);
  if (rc == ADB_OK) rc = store_exec(db, "DELETE FROM main.adb_vec");
  sqlite3_stmt *st = NULL;
  int src = rc ? SQLITE_OK
               : store_prepare(
                     db, "INSERT OR REPLACE INTO main.adb_vec_conf VALUES(1,?1,?2,?3,?4,?5)", &st);
  if (rc == ADB_OK && src == SQLITE_OK) {
    sqlite3_bind_int(st, 1, p->dim);
    sqlite3_bind_int(st, 2, p->metric);
    sqlite3_bind_int(st, 3, p->m);
    sqlite3_bind_int(st, 4, p->efc);
    sqlite3_bind_int(st, 5, p->efs);
    src = store_step(db, st);
    if (src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  } else if (rc == ADB_OK) {
    rc = adb__sqlerr(db, src);
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  if (vs->ready) hnsw_free(&vs->h);
  vs->ready = 0;
  vs->configured = vs->loaded = 1;
  vs->dim = p->dim;
  vs->metric = p->metric;
  vs->m = p->m;
  vs->efc = p->efc;
  vs->efs = p->efs;
  if (p->dim > 0) {
    if (hnsw_init(&vs->h, p->dim, p->metric, p->m, p->efc))
      return adb__err(db, ADB_INVALID, "bad vector index parameters");
    vs->ready = 1;
  }
  return ADB_OK;
}

/* Writes the slots whose state changed: slots from first_new on are new rows, the others have
 * new links or were deleted. */
static int flush(adb *db, vec_state *vs, uint32_t first_new) {
  hnsw *h = &vs->h;
  int rc = ADB_OK;
  if (!vs->ins && (store_prepare(db, "INSERT INTO main.adb_vec VALUES(?1,?2,?3,?4,?5,?6)",
                                 &vs->ins) != SQLITE_OK ||
                   store_prepare(db, "UPDATE main.adb_vec SET live=?2, links=?3 WHERE slot=?1",
                                 &vs->upd) != SQLITE_OK)) {
    rc = adb__sqlerr(db, sqlite3_errcode(db->sql));
    stmts_finalize(vs);
  }
  uint32_t *links = rc ? NULL : malloc((size_t)(2 * h->m + 1 + HNSW_MAX_LEVEL * (h->m + 1)) * 4);
  if (!rc && !links) rc = adb__err(db, ADB_NOMEM, "out of memory");
  for (uint32_t i = 0; rc == ADB_OK && i < h->ndirty; i++) {
    uint32_t s = h->dirty_list[i];
    size_t nl = hnsw_links_get(h, s, links);
    int fresh = s >= first_new;
    sqlite3_stmt *st = fresh ? vs->ins : vs->upd;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, s);
    if (fresh) {
      sqlite3_bind_int64(st, 2, h->key[s]);
      sqlite3_bind_int(st, 3, !h->deleted[s]);
      sqlite3_bind_int(st, 4, h->level[s]);
      sqlite3_bind_blob(st, 5, h->vecs + (size_t)s * h->dim, h->dim * (int)sizeof(float),
                        SQLITE_STATIC);
      sqlite3_bind_blob(st, 6, links, (int)(nl * 4), SQLITE_STATIC);
    } else {
      sqlite3_bind_int(st, 2, !h->deleted[s]);
      sqlite3_bind_blob(st, 3, links, (int)(nl * 4), SQLITE_STATIC);
    }
    int src = store_step(db, st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  }
  free(links);
  hnsw_clear_dirty(h);
  return rc;
}

/* Rebuilds the graph from its live vectors once deleted slots outnumber them: searches pass
 * through deleted slots, so many of them would slow searches and thin the links between the
 * live ones. Each rebuild follows at least as many deletions as it re-inserts, so its cost is
 * a constant number of inserts per deletion. */
static int compact(adb *db, vec_state *vs) {
  hnsw *old = &vs->h;
  if (old->ndeleted < 64 || old->ndeleted < old->n - old->ndeleted) return ADB_OK;
  hnsw h;
  if (hnsw_init(&h, old->dim, old->metric, old->m, old->efc))
    return adb__err(db, ADB_CORRUPT, "the vector index's parameters are damaged");
  for (uint32_t s = 0; s < old->n; s++)
    if (!old->deleted[s] &&
        hnsw_add(&h, old->key[s], old->vecs + (size_t)s * old->dim) == HNSW_NONE) {
      hnsw_free(&h);
      return adb__err(db, ADB_NOMEM, "out of memory");
    }
  int rc = store_exec(db, "DELETE FROM main.adb_vec");
  hnsw_free(old);
  vs->h = h;
  return rc ? rc : flush(db, vs, 0);
}

/* Sets *same when the stored index already agrees with node rid having vector v (NULL: none):
 * it has no live slot for the node and v is NULL, or its live slot holds exactly v. Reads one
 * row through an index on adb_vec(node), so a write that does not change a vector never loads
 * the whole index. Returns ADB_OK or the storage error. */
static int index_agrees(adb *db, int64_t rid, const float *v, int dim, int *same) {
  vec_state *vs = state(db);
  *same = 0;
  if (!vs) return ADB_NOMEM;
  int src;
  if (!vs->node_index) {
    int64_t n = 0;
    src = query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='adb_vec'", &n);
    if (src != SQLITE_ROW) return adb__sqlerr(db, src);
    if (!n) return ADB_OK; /* no index yet: loading it costs nothing */
    int rc = store_exec(db, "CREATE INDEX IF NOT EXISTS adb_vec_node ON adb_vec(node)");
    if (rc) return rc;
    vs->node_index = 1;
  }
  sqlite3_stmt *st;
  src = store_prepare(db, "SELECT vec FROM main.adb_vec WHERE node = ?1 AND live = 1", &st);
  if (src == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, rid);
    src = store_step(db, st);
    *same = src == SQLITE_DONE && !v;
    if (src == SQLITE_ROW)
      *same = v && sqlite3_column_bytes(st, 0) == (int)(dim * sizeof *v) &&
              !memcmp(sqlite3_column_blob(st, 0), v, (size_t)dim * sizeof *v);
  }
  sqlite3_finalize(st);
  return src == SQLITE_ROW || src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
}

int vec_node_saved(adb *db, crdt_elem *e) {
  crdt_reg *r = crdt_elem_prop(e, VEC_KEY);
  int want = crdt_elem_live(e) && r && r->value && crdt_reg_visible(e, r);
  vec_state *vs = adb__slot_peek(db, ADB_SLOT_VECTOR);
  if (!vs || !vs->loaded) {
    float *v = NULL;
    int dim = 0, same = 0;
    char why[160];
    if (want && vec_parse(r->value, &v, &dim, why, sizeof why))
      return adb__err(db, ADB_CORRUPT, "the vector of '%s' is damaged: %s", e->id, why);
    int rc = index_agrees(db, e->rid, v, dim, &same);
    free(v);
    if (rc || same) return rc;
  }
  int rc = vec_load(db, &vs);
  if (rc) return rc;
  if (!want && (!vs->ready || hnsw_find(&vs->h, e->rid) == HNSW_NONE)) return ADB_OK;
  if (!want) {
    hnsw_remove(&vs->h, e->rid);
    rc = flush(db, vs, HNSW_NONE);
    return rc ? rc : compact(db, vs);
  }
  float *v;
  int dim;
  char why[160];
  if (vec_parse(r->value, &v, &dim, why, sizeof why))
    return adb__err(db, ADB_CORRUPT, "the vector of '%s' is damaged: %s", e->id, why);
  if (!vs->configured) {
    vec_params p = {dim, HNSW_COSINE, HNSW_DEFAULT_M, HNSW_DEFAULT_EFC, HNSW_DEFAULT_EFS};
    rc = vec_configure(db, vs, &p);
  } else if (!vs->ready) {
    vec_params p = {dim, vs->metric, vs->m, vs->efc, vs->efs};
    rc = vec_configure(db, vs, &p);
  }
  uint32_t s = rc ? HNSW_NONE : hnsw_find(&vs->h, e->rid);
  if (rc == ADB_OK && dim != vs->h.dim) {
    /* A vector of another dimension (from a replica whose index differs) is kept in its
     * register but not indexed. */
    if (s != HNSW_NONE) {
      hnsw_remove(&vs->h, e->rid);
      rc = flush(db, vs, HNSW_NONE);
    }
  } else if (rc == ADB_OK &&
             (s == HNSW_NONE || memcmp(vs->h.vecs + (size_t)s * dim, v, (size_t)dim * sizeof *v))) {
    uint32_t fresh = hnsw_add(&vs->h, e->rid, v);
    rc = fresh == HNSW_NONE ? adb__err(db, ADB_NOMEM, "out of memory") : flush(db, vs, fresh);
    if (rc == ADB_OK) rc = compact(db, vs);
  }
  free(v);
  return rc;
}
