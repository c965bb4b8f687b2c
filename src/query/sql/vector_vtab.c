/* vector_vtab.c — the SQL table-valued function vector_search: the k nearest nodes to a query
 * vector, with the same filters as adb_vector_search, as rows (id, distance) to join with nodes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crdt/crdt.h"
#include "query/sql/sqlbridge.h"
#include "store/store.h"
#include "query/sql/tvf.h"
#include "vector/vec.h"

typedef struct cursor {
  sqlb_tvf_cursor base;
  adb_vector_hit *hits;
  size_t n;
} cursor;

static void reset(sqlb_tvf_cursor *base) {
  cursor *c = (cursor *)base;
  adb_vector_hits_free(c->hits, c->n);
  c->hits = NULL;
  c->n = 0;
}

static const char *text_arg(sqlite3_value *v) {
  return v && sqlite3_value_type(v) != SQLITE_NULL ? (const char *)sqlite3_value_text(v) : NULL;
}

/* Reads the call's arguments into a query and searches. */
static int run(const sqlb_tvf *f, sqlb_tvf_cursor *base, adb *db) {
  (void)f;
  cursor *c = (cursor *)base;
  sqlite3_value **args = base->args;
  const char *query = text_arg(args[0]), *metric = text_arg(args[2]);
  if (!query) return adb__err(db, ADB_INVALID, "vector_search needs a query vector");
  if (!args[1] || sqlite3_value_numeric_type(args[1]) != SQLITE_INTEGER)
    return adb__err(db, ADB_INVALID, "vector_search needs an integer k");
  sqlite3_int64 k = sqlite3_value_int64(args[1]);
  if (k < 1 || k > VEC_MAX_K)
    return adb__err(db, ADB_INVALID, "k must be 1 to %d, not %lld", VEC_MAX_K, (long long)k);
  adb_vector_query q = {.k = (int)k,
                        .label = text_arg(args[3]),
                        .where = text_arg(args[4]),
                        .ef_search = args[5] ? sqlite3_value_int(args[5]) : 0,
                        .exact = args[6] ? sqlite3_value_int(args[6]) != 0 : 0};
  q.metric = !metric || !strcasecmp(metric, "cosine") ? ADB_METRIC_COSINE
             : !strcasecmp(metric, "l2")              ? ADB_METRIC_L2
             : !strcasecmp(metric, "dot")             ? ADB_METRIC_DOT
                                                      : -1;
  if (q.metric < 0)
    return adb__err(db, ADB_INVALID, "unknown metric '%s': use cosine, l2 or dot", metric);
  float *v;
  int dim;
  char why[200];
  int rc = vec_parse(query, &v, &dim, why, sizeof why);
  if (rc) return adb__err(db, rc, "the query vector: %s", why);
  q.vector = v;
  q.dim = (size_t)dim;
  rc = store_sync(db); /* another connection may have written since we looked */
  if (rc == ADB_OK) rc = vec_search(db, &q, &c->hits, &c->n);
  free(v);
  return rc;
}

static int eof(sqlb_tvf_cursor *base) { return base->pos >= ((cursor *)base)->n; }

static int column(const sqlb_tvf *f, sqlb_tvf_cursor *base, adb *db, sqlite3_context *ctx,
                  int col) {
  (void)f, (void)db;
  cursor *c = (cursor *)base;
  if (col == 0) sqlite3_result_text(ctx, c->hits[base->pos].id, -1, SQLITE_TRANSIENT);
  else sqlite3_result_double(ctx, c->hits[base->pos].distance);
  return SQLITE_OK;
}

/* vector_search(query, k [, metric [, label [, filter [, ef_search [, exact]]]]]) */
static const sqlb_tvf vector_search = {
    .name = "vector_search",
    .schema = "CREATE TABLE x(id TEXT, distance REAL, query HIDDEN, k HIDDEN, metric HIDDEN,"
              " label HIDDEN, filter HIDDEN, ef_search HIDDEN, exact HIDDEN)",
    .nvisible = 2,
    .nargs = 7,
    .nrequired = 2,
    .rows = 10,
    .cursor_size = sizeof(cursor),
    .run = run,
    .reset = reset,
    .eof = eof,
    .column = column,
};

int sqlb_vector_install(adb *db) { return sqlb_tvf_install(db, &vector_search); }
