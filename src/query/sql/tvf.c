/* tvf.c — the scaffold of the SQL table-valued functions (graph_traverse, vector_search, …):
 * one module for all, planning their arguments, their cursors, and their failures. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "query/sql/tvf.h"

typedef struct vtab {
  sqlite3_vtab base;
  adb *db;
  const sqlb_tvf *f;
} vtab;

/* What sqlite3_create_module_v2 hands every connect: the handle and the function. */
typedef struct aux {
  adb *db;
  const sqlb_tvf *f;
} aux;

static int tvf_connect(sqlite3 *sql, void *p, int argc, const char *const *argv,
                       sqlite3_vtab **out, char **err) {
  (void)argc, (void)argv, (void)err;
  const aux *a = p;
  int rc = sqlite3_declare_vtab(sql, a->f->schema);
  if (rc != SQLITE_OK) return rc;
  vtab *v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = a->db;
  v->f = a->f;
  sqlite3_vtab_config(sql, SQLITE_VTAB_INNOCUOUS);
  *out = &v->base;
  return SQLITE_OK;
}

static int tvf_disconnect(sqlite3_vtab *base) {
  sqlite3_free(base);
  return SQLITE_OK;
}

/* Arguments are equality constraints on the hidden columns; idxNum has bit i for argument i.
 * A call without its required arguments is planned anyway and refused when run, with a
 * message, unless they are there but not yet usable (a join order to avoid). */
static int tvf_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  const sqlb_tvf *f = ((vtab *)base)->f;
  int slot[SQLB_TVF_MAX_ARGS], unusable = 0, mask = 0;
  for (int i = 0; i < SQLB_TVF_MAX_ARGS; i++) slot[i] = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    int arg = c->iColumn - f->nvisible;
    if (arg < 0 || arg >= f->nargs || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c->usable) unusable |= 1 << arg;
    else slot[arg] = i;
  }
  int n = 0;
  for (int a = 0; a < f->nargs; a++) {
    if (slot[a] < 0) continue;
    mask |= 1 << a;
    info->aConstraintUsage[slot[a]].argvIndex = ++n;
    info->aConstraintUsage[slot[a]].omit = 1;
  }
  int required = (1 << f->nrequired) - 1;
  if ((mask & required) != required && (unusable & required & ~mask)) return SQLITE_CONSTRAINT;
  info->idxNum = mask;
  info->estimatedCost = (mask & required) == required ? 1000.0 : 1e12;
  info->estimatedRows = (sqlite3_int64)f->rows;
  return SQLITE_OK;
}

static int tvf_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  size_t size = ((vtab *)base)->f->cursor_size;
  sqlb_tvf_cursor *c = sqlite3_malloc64(size);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, size);
  *out = &c->base;
  return SQLITE_OK;
}

/* Frees the last call's results and arguments. */
static void cursor_reset(const sqlb_tvf *f, sqlb_tvf_cursor *c) {
  f->reset(c);
  c->pos = 0;
  for (int i = 0; i < SQLB_TVF_MAX_ARGS; i++) {
    sqlite3_value_free(c->args[i]);
    c->args[i] = NULL;
  }
}

static int tvf_close(sqlite3_vtab_cursor *base) {
  cursor_reset(((vtab *)base->pVtab)->f, (sqlb_tvf_cursor *)base);
  sqlite3_free(base);
  return SQLITE_OK;
}

/* Hands a failure to SQL with the library's message, named after the function, so that
 * adb_step reports the same status (ADB_NOTFOUND for an unknown node). */
static int fail(sqlite3_vtab *base, adb *db, const char *name, int rc) {
  if (strncmp(db->errmsg, name, strlen(name))) {
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    adb__err(db, rc, "%s: %s", name, msg);
  }
  sqlite3_free(base->zErrMsg);
  base->zErrMsg = sqlite3_mprintf("%s", db->errmsg);
  return rc == ADB_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

static int tvf_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                      sqlite3_value **argv) {
  (void)idx_str, (void)argc;
  vtab *v = (vtab *)base->pVtab;
  sqlb_tvf_cursor *c = (sqlb_tvf_cursor *)base;
  cursor_reset(v->f, c);
  /* Copies: a cursor's rows may point into its arguments (a label, say) after this returns. */
  for (int a = 0, i = 0; a < v->f->nargs; a++)
    if ((idx_num & (1 << a)) && !(c->args[a] = sqlite3_value_dup(argv[i++]))) return SQLITE_NOMEM;
  int rc = v->f->run(v->f, c, v->db);
  return rc ? fail(base->pVtab, v->db, v->f->name, rc) : SQLITE_OK;
}

static int tvf_next(sqlite3_vtab_cursor *base) {
  ((sqlb_tvf_cursor *)base)->pos++;
  return SQLITE_OK;
}

static int tvf_eof(sqlite3_vtab_cursor *base) {
  return ((vtab *)base->pVtab)->f->eof((sqlb_tvf_cursor *)base);
}

static int tvf_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
  vtab *v = (vtab *)base->pVtab;
  sqlb_tvf_cursor *c = (sqlb_tvf_cursor *)base;
  if (col < v->f->nvisible) return v->f->column(v->f, c, v->db, ctx, col);
  if (c->args[col - v->f->nvisible]) sqlite3_result_value(ctx, c->args[col - v->f->nvisible]);
  return SQLITE_OK;
}

static int tvf_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *out) {
  *out = (sqlite3_int64)((sqlb_tvf_cursor *)base)->pos;
  return SQLITE_OK;
}

static const sqlite3_module module = {
    .xConnect = tvf_connect,
    .xBestIndex = tvf_best_index,
    .xDisconnect = tvf_disconnect,
    .xOpen = tvf_open,
    .xClose = tvf_close,
    .xFilter = tvf_filter,
    .xNext = tvf_next,
    .xEof = tvf_eof,
    .xColumn = tvf_column,
    .xRowid = tvf_rowid,
};

int sqlb_tvf_install(adb *db, const sqlb_tvf *f) {
  assert(f->nargs <= SQLB_TVF_MAX_ARGS && f->cursor_size >= sizeof(sqlb_tvf_cursor));
  aux *a = malloc(sizeof *a);
  if (!a) return adb__err(db, ADB_NOMEM, "out of memory");
  a->db = db;
  a->f = f;
  int src = sqlite3_create_module_v2(db->sql, f->name, &module, a, free);
  return src == SQLITE_OK ? ADB_OK : adb__sqlerr(db, src);
}
