/* traverse_vtab.c — SQL table-valued functions: graph_traverse, graph_neighbors, shortest paths. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/graph.h"
#include "query/sql/sqlbridge.h"

#define MAX_ARGS 5

/* What one function is: its table (visible columns, then one hidden column per argument), how
 * many arguments it needs, and the walk that makes its rows. */
typedef struct fn_def {
  const char *name;
  const char *schema;
  int nvisible, nargs, nrequired;
} fn_def;

enum { FN_TRAVERSE, FN_NEIGHBORS, FN_PATH, FN_COUNT };

static const fn_def fns[FN_COUNT] = {
    [FN_TRAVERSE] = {"graph_traverse",
                     "CREATE TABLE x(id TEXT, depth INTEGER, start HIDDEN, max_depth HIDDEN,"
                     " label HIDDEN, direction HIDDEN)",
                     2, 4, 1},
    [FN_NEIGHBORS] = {"graph_neighbors",
                      "CREATE TABLE x(id TEXT, edge_id TEXT, edge_dir TEXT, node HIDDEN,"
                      " label HIDDEN, direction HIDDEN)",
                      3, 3, 1},
    [FN_PATH] = {"graph_shortest_path",
                 "CREATE TABLE x(step INTEGER, node_id TEXT, edge_id TEXT, source HIDDEN,"
                 " target HIDDEN, label HIDDEN, direction HIDDEN, max_depth HIDDEN)",
                 3, 5, 2},
};

typedef struct vtab {
  sqlite3_vtab base;
  adb *db;
  int fn;
} vtab;

/* The arguments of one call, parsed. */
typedef struct call {
  const char *start, *target, *label;
  int depth, dir;
} call;

typedef struct cursor {
  sqlite3_vtab_cursor base;
  graph_walk w;
  int32_t *rows; /* graph_shortest_path: the hops of the path, in order */
  size_t pos, end;
  sqlite3_value *args[MAX_ARGS];
} cursor;

static int fn_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err) {
  (void)argc;
  (void)err;
  int fn = 0;
  while (fn < FN_COUNT - 1 && strcmp(argv[0], fns[fn].name)) fn++;
  int rc = sqlite3_declare_vtab(sql, fns[fn].schema);
  if (rc != SQLITE_OK) return rc;
  vtab *v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = aux;
  v->fn = fn;
  sqlite3_vtab_config(sql, SQLITE_VTAB_INNOCUOUS);
  *out = &v->base;
  return SQLITE_OK;
}

static int fn_disconnect(sqlite3_vtab *base) {
  sqlite3_free(base);
  return SQLITE_OK;
}

/* Arguments are equality constraints on the hidden columns; idxNum has bit i for argument i.
 * A call without its required arguments is planned anyway and refused in fn_filter, with a
 * message, unless they are there but not yet usable (a join order to avoid). */
static int fn_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  const fn_def *f = &fns[((vtab *)base)->fn];
  int slot[MAX_ARGS], unusable = 0, mask = 0;
  for (int i = 0; i < MAX_ARGS; i++) slot[i] = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    int arg = c->iColumn - f->nvisible;
    if (arg < 0 || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
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
  info->estimatedRows = 1000;
  return SQLITE_OK;
}

static int fn_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  (void)base;
  cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

static void cursor_reset(cursor *c) {
  graph_walk_free(&c->w);
  sqlite3_free(c->rows);
  c->rows = NULL;
  c->pos = c->end = 0;
  for (int i = 0; i < MAX_ARGS; i++) {
    sqlite3_value_free(c->args[i]);
    c->args[i] = NULL;
  }
}

static int fn_close(sqlite3_vtab_cursor *base) {
  cursor_reset((cursor *)base);
  sqlite3_free(base);
  return SQLITE_OK;
}

/* ---- Arguments --------------------------------------------------------------------------- */

static int arg_text(adb *db, const char *fn, const char *what, sqlite3_value *v, int required,
                    const char **out) {
  *out = v ? (const char *)sqlite3_value_text(v) : NULL;
  if (required && !*out) return adb__err(db, ADB_INVALID, "%s needs a %s node id", fn, what);
  return ADB_OK;
}

static int arg_depth(adb *db, const char *fn, sqlite3_value *v, int *out) {
  *out = ADB_DEPTH_MAX;
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return ADB_OK;
  if (sqlite3_value_numeric_type(v) != SQLITE_INTEGER)
    return adb__err(db, ADB_INVALID, "%s: the depth must be an integer, not '%s'", fn,
                    sqlite3_value_text(v));
  sqlite3_int64 d = sqlite3_value_int64(v);
  if (d < 0 || d > ADB_DEPTH_MAX)
    return adb__err(db, ADB_INVALID, "%s: depth %lld is out of range: use 0 to %d", fn,
                    (long long)d, ADB_DEPTH_MAX);
  *out = (int)d;
  return ADB_OK;
}

static int arg_dir(adb *db, const char *fn, sqlite3_value *v, int *out) {
  const char *s = v ? (const char *)sqlite3_value_text(v) : NULL;
  *out = !s || !strcasecmp(s, "out") ? ADB_OUT
         : !strcasecmp(s, "in")      ? ADB_IN
         : !strcasecmp(s, "both")    ? ADB_BOTH
                                     : 0;
  if (!*out)
    return adb__err(db, ADB_INVALID, "%s: direction '%s' is not 'out', 'in' or 'both'", fn, s);
  return ADB_OK;
}

/* Parses the arguments by position: the hidden columns' order is the call's. */
static int parse_args(adb *db, int fn, sqlite3_value **args, call *out) {
  const char *name = fns[fn].name;
  memset(out, 0, sizeof *out);
  int rc = arg_text(db, name, fn == FN_PATH ? "source" : "start", args[0], 1, &out->start);
  if (rc) return rc;
  if (fn == FN_TRAVERSE) {
    rc = arg_depth(db, name, args[1], &out->depth);
    if (rc == ADB_OK) rc = arg_text(db, name, "", args[2], 0, &out->label);
    if (rc == ADB_OK) rc = arg_dir(db, name, args[3], &out->dir);
  } else if (fn == FN_NEIGHBORS) {
    rc = arg_text(db, name, "", args[1], 0, &out->label);
    if (rc == ADB_OK) rc = arg_dir(db, name, args[2], &out->dir);
  } else {
    rc = arg_text(db, name, "target", args[1], 1, &out->target);
    if (rc == ADB_OK) rc = arg_text(db, name, "", args[2], 0, &out->label);
    if (rc == ADB_OK) rc = arg_dir(db, name, args[3], &out->dir);
    if (rc == ADB_OK) rc = arg_depth(db, name, args[4], &out->depth);
  }
  if (rc == ADB_OK) rc = graph_walk_check(db, out->dir, out->label, out->depth);
  return rc;
}

/* ---- Running ----------------------------------------------------------------------------- */

/* Lists the hops of the path to hop at, in order, as the cursor's rows. */
static int path_rows(cursor *c, size_t at) {
  size_t n = (size_t)c->w.hops[at].depth + 1;
  c->rows = sqlite3_malloc64(n * sizeof *c->rows);
  if (!c->rows) return adb__err(c->w.db, ADB_NOMEM, "out of memory");
  for (size_t i = n, h = at; i-- > 0; h = (size_t)c->w.hops[h].from) c->rows[i] = (int32_t)h;
  c->end = n;
  return ADB_OK;
}

/* Runs the call's walk into the cursor. A shortest path that does not exist is no rows. */
static int run(cursor *c, adb *db, int fn, const call *a) {
  int rc = graph_walk_init(&c->w, db, a->start, a->dir, a->label);
  if (rc) return rc;
  if (fn == FN_TRAVERSE) {
    rc = graph_khop(&c->w, a->depth);
    c->end = c->w.nhops;
  } else if (fn == FN_NEIGHBORS) {
    rc = graph_neighbors(&c->w);
    c->pos = 1;
    c->end = c->w.nhops;
  } else {
    int64_t target;
    size_t at;
    rc = graph_node_rid(db, a->target, &target);
    if (rc == ADB_OK) rc = graph_shortest(&c->w, target, a->depth, &at);
    if (rc == ADB_OK) rc = path_rows(c, at);
    else if (rc == ADB_DONE) rc = ADB_OK;
  }
  c->w.label = NULL; /* borrowed from the arguments */
  return rc;
}

/* Hands a failure to SQL with the library's message, named after the function, so that
 * adb_step reports the same status (ADB_NOTFOUND for an unknown node). */
static int fail(sqlite3_vtab *base, adb *db, int fn, int rc) {
  if (strncmp(db->errmsg, fns[fn].name, strlen(fns[fn].name))) {
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    adb__err(db, rc, "%s: %s", fns[fn].name, msg);
  }
  sqlite3_free(base->zErrMsg);
  base->zErrMsg = sqlite3_mprintf("%s", db->errmsg);
  return rc == ADB_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

static int fn_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv) {
  (void)idx_str;
  (void)argc;
  cursor *c = (cursor *)base;
  vtab *v = (vtab *)base->pVtab;
  cursor_reset(c);
  for (int a = 0, i = 0; a < fns[v->fn].nargs; a++)
    if ((idx_num & (1 << a)) && !(c->args[a] = sqlite3_value_dup(argv[i++]))) return SQLITE_NOMEM;
  call args;
  int rc = parse_args(v->db, v->fn, c->args, &args);
  if (rc == ADB_OK) rc = run(c, v->db, v->fn, &args);
  return rc ? fail(base->pVtab, v->db, v->fn, rc) : SQLITE_OK;
}

static int fn_next(sqlite3_vtab_cursor *base) {
  ((cursor *)base)->pos++;
  return SQLITE_OK;
}

static int fn_eof(sqlite3_vtab_cursor *base) {
  cursor *c = (cursor *)base;
  return c->pos >= c->end;
}

/* Gives SQL the text id of a node or edge, or NULL for row id 0. */
static int result_id(sqlite3_context *ctx, adb *db, int kind, int64_t rid) {
  if (!rid) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  char *id;
  int rc = graph_rid_text(db, kind, rid, &id);
  if (rc) {
    sqlite3_result_error(ctx, db->errmsg, -1);
    return SQLITE_ERROR;
  }
  sqlite3_result_text(ctx, id, -1, free);
  return SQLITE_OK;
}

static int fn_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
  cursor *c = (cursor *)base;
  vtab *v = (vtab *)base->pVtab;
  const fn_def *f = &fns[v->fn];
  if (col >= f->nvisible) {
    if (c->args[col - f->nvisible]) sqlite3_result_value(ctx, c->args[col - f->nvisible]);
    return SQLITE_OK;
  }
  const graph_hop *h = &c->w.hops[c->rows ? (size_t)c->rows[c->pos] : c->pos];
  if (v->fn == FN_TRAVERSE) {
    if (col == 1) sqlite3_result_int(ctx, h->depth);
    return col == 0 ? result_id(ctx, v->db, ADB_NODE, h->node) : SQLITE_OK;
  }
  if (v->fn == FN_NEIGHBORS) {
    if (col == 2) sqlite3_result_text(ctx, h->dir == ADB_OUT ? "out" : "in", -1, SQLITE_STATIC);
    return col < 2 ? result_id(ctx, v->db, col ? ADB_EDGE : ADB_NODE, col ? h->edge : h->node)
                   : SQLITE_OK;
  }
  if (col == 0) sqlite3_result_int64(ctx, (sqlite3_int64)c->pos);
  return col ? result_id(ctx, v->db, col == 2 ? ADB_EDGE : ADB_NODE, col == 2 ? h->edge : h->node)
             : SQLITE_OK;
}

static int fn_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *out) {
  *out = (sqlite3_int64)((cursor *)base)->pos;
  return SQLITE_OK;
}

static const sqlite3_module module = {
    .xConnect = fn_connect,
    .xBestIndex = fn_best_index,
    .xDisconnect = fn_disconnect,
    .xOpen = fn_open,
    .xClose = fn_close,
    .xFilter = fn_filter,
    .xNext = fn_next,
    .xEof = fn_eof,
    .xColumn = fn_column,
    .xRowid = fn_rowid,
};

int sqlb_traverse_install(adb *db) {
  for (int i = 0; i < FN_COUNT; i++) {
    int src = sqlite3_create_module_v2(db->sql, fns[i].name, &module, db, NULL);
    if (src != SQLITE_OK) return adb__sqlerr(db, src);
  }
  return ADB_OK;
}
