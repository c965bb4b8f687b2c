/* vector_vtab.c — the SQL table-valued function vector_search: the k nearest nodes to a query
 * vector, with the same filters as adb_vector_search, as rows (id, distance) to join with nodes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crdt/crdt.h"
#include "query/sql/sqlbridge.h"
#include "vector/vec.h"

/* vector_search(query, k [, metric [, label [, filter [, ef_search [, exact]]]]]) */
#define NVISIBLE 2
#define NARGS 7
#define NREQUIRED 2
static const char *const schema =
    "CREATE TABLE x(id TEXT, distance REAL, query HIDDEN, k HIDDEN, metric HIDDEN,"
    " label HIDDEN, filter HIDDEN, ef_search HIDDEN, exact HIDDEN)";

typedef struct vtab {
  sqlite3_vtab base;
  adb *db;
} vtab;

typedef struct cursor {
  sqlite3_vtab_cursor base;
  adb_vector_hit *hits;
  size_t n, pos;
} cursor;

static int vs_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err) {
  (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(sql, schema);
  if (rc != SQLITE_OK) return rc;
  vtab *v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = aux;
  sqlite3_vtab_config(sql, SQLITE_VTAB_INNOCUOUS);
  *out = &v->base;
  return SQLITE_OK;
}

static int vs_disconnect(sqlite3_vtab *base) {
  sqlite3_free(base);
  return SQLITE_OK;
}

/* Arguments are equality constraints on the hidden columns; idxNum has bit i for argument i. */
static int vs_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  (void)base;
  int slot[NARGS], unusable = 0, mask = 0;
  for (int i = 0; i < NARGS; i++) slot[i] = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    int arg = c->iColumn - NVISIBLE;
    if (arg < 0 || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c->usable)
      unusable |= 1 << arg;
    else
      slot[arg] = i;
  }
  int n = 0;
  for (int a = 0; a < NARGS; a++) {
    if (slot[a] < 0) continue;
    mask |= 1 << a;
    info->aConstraintUsage[slot[a]].argvIndex = ++n;
    info->aConstraintUsage[slot[a]].omit = 1;
  }
  int required = (1 << NREQUIRED) - 1;
  if ((mask & required) != required && (unusable & required & ~mask)) return SQLITE_CONSTRAINT;
  info->idxNum = mask;
  info->estimatedCost = (mask & required) == required ? 1000.0 : 1e12;
  info->estimatedRows = 10;
  return SQLITE_OK;
}

static int vs_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  (void)base;
  cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

static void cursor_reset(cursor *c) {
  adb_vector_hits_free(c->hits, c->n);
  c->hits = NULL;
  c->n = c->pos = 0;
}

static int vs_close(sqlite3_vtab_cursor *base) {
  cursor_reset((cursor *)base);
  sqlite3_free(base);
  return SQLITE_OK;
}

static const char *text_arg(sqlite3_value *v) {
  return v && sqlite3_value_type(v) != SQLITE_NULL ? (const char *)sqlite3_value_text(v) : NULL;
}

/* Reads the call's arguments into q (the vector is a new array in *vec) and searches. */
static int run(adb *db, sqlite3_value **args, cursor *c) {
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
  rc = crdt_replicas_sync(db); /* another connection may have written since we looked */
  if (rc == ADB_OK) rc = vec_search(db, &q, &c->hits, &c->n);
  free(v);
  return rc;
}

static int vs_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv) {
  (void)idx_str, (void)argc;
  cursor *c = (cursor *)base;
  adb *db = ((vtab *)base->pVtab)->db;
  cursor_reset(c);
  sqlite3_value *args[NARGS] = {0};
  for (int a = 0, i = 0; a < NARGS; a++)
    if (idx_num & (1 << a)) args[a] = argv[i++];
  int rc = run(db, args, c);
  if (rc == ADB_OK) return SQLITE_OK;
  if (strncmp(db->errmsg, "vector_search", 13)) {
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    adb__err(db, rc, "vector_search: %s", msg);
  }
  sqlite3_free(base->pVtab->zErrMsg);
  base->pVtab->zErrMsg = sqlite3_mprintf("%s", db->errmsg);
  return rc == ADB_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

static int vs_next(sqlite3_vtab_cursor *base) {
  ((cursor *)base)->pos++;
  return SQLITE_OK;
}

static int vs_eof(sqlite3_vtab_cursor *base) {
  cursor *c = (cursor *)base;
  return c->pos >= c->n;
}

static int vs_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
  cursor *c = (cursor *)base;
  if (col == 0)
    sqlite3_result_text(ctx, c->hits[c->pos].id, -1, SQLITE_TRANSIENT);
  else if (col == 1)
    sqlite3_result_double(ctx, c->hits[c->pos].distance);
  return SQLITE_OK;
}

static int vs_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *out) {
  *out = (sqlite3_int64)((cursor *)base)->pos;
  return SQLITE_OK;
}

static const sqlite3_module module = {
    .xConnect = vs_connect,
    .xBestIndex = vs_best_index,
    .xDisconnect = vs_disconnect,
    .xOpen = vs_open,
    .xClose = vs_close,
    .xFilter = vs_filter,
    .xNext = vs_next,
    .xEof = vs_eof,
    .xColumn = vs_column,
    .xRowid = vs_rowid,
};

int sqlb_vector_install(adb *db) {
  int src = sqlite3_create_module_v2(db->sql, "vector_search", &module, db, NULL);
  return src == SQLITE_OK ? ADB_OK : adb__sqlerr(db, src);
}
