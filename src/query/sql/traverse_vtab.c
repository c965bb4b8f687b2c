/* traverse_vtab.c — the SQL functions graph_traverse, graph_neighbors, graph_shortest_path. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/graph.h"
#include "query/sql/sqlbridge.h"
#include "query/sql/tvf.h"

/* The arguments of one call, parsed. */
typedef struct call {
  const char *start, *target, *label;
  int depth, dir;
} call;

typedef struct cursor {
  sqlb_tvf_cursor base;
  graph_walk w;
  int32_t *rows; /* graph_shortest_path: the hops of the path, in order */
  size_t end;
} cursor;

static int run(const sqlb_tvf *f, sqlb_tvf_cursor *c, adb *db);
static void reset(sqlb_tvf_cursor *c);
static int eof(sqlb_tvf_cursor *c);
static int column(const sqlb_tvf *f, sqlb_tvf_cursor *c, adb *db, sqlite3_context *ctx, int col);

enum { FN_TRAVERSE, FN_NEIGHBORS, FN_PATH, FN_COUNT };

#define FN(fname, fschema, visible, args, required)                                            \
  {.name = fname, .schema = fschema, .nvisible = visible, .nargs = args,                        \
   .nrequired = required, .rows = 1000, .cursor_size = sizeof(cursor), .run = run,               \
   .reset = reset, .eof = eof, .column = column}

static const sqlb_tvf fns[FN_COUNT] = {
    [FN_TRAVERSE] = FN("graph_traverse",
                       "CREATE TABLE x(id TEXT, depth INTEGER, start HIDDEN, max_depth HIDDEN,"
                       " label HIDDEN, direction HIDDEN)",
                       2, 4, 1),
    [FN_NEIGHBORS] = FN("graph_neighbors",
                        "CREATE TABLE x(id TEXT, edge_id TEXT, edge_dir TEXT, node HIDDEN,"
                        " label HIDDEN, direction HIDDEN)",
                        3, 3, 1),
    [FN_PATH] = FN("graph_shortest_path",
                   "CREATE TABLE x(step INTEGER, node_id TEXT, edge_id TEXT, source HIDDEN,"
                   " target HIDDEN, label HIDDEN, direction HIDDEN, max_depth HIDDEN)",
                   3, 5, 2),
};

static void reset(sqlb_tvf_cursor *base) {
  cursor *c = (cursor *)base;
  graph_walk_free(&c->w);
  sqlite3_free(c->rows);
  c->rows = NULL;
  c->end = 0;
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
static int walk(cursor *c, adb *db, int fn, const call *a) {
  int rc = graph_walk_init(&c->w, db, a->start, a->dir, a->label);
  if (rc) return rc;
  if (fn == FN_TRAVERSE) {
    rc = graph_khop(&c->w, a->depth);
    c->end = c->w.nhops;
  } else if (fn == FN_NEIGHBORS) {
    rc = graph_neighbors(&c->w);
    c->base.pos = 1;
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

static int run(const sqlb_tvf *f, sqlb_tvf_cursor *c, adb *db) {
  int fn = (int)(f - fns);
  call args;
  int rc = parse_args(db, fn, c->args, &args);
  return rc ? rc : walk((cursor *)c, db, fn, &args);
}

static int eof(sqlb_tvf_cursor *c) { return c->pos >= ((cursor *)c)->end; }

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

static int column(const sqlb_tvf *f, sqlb_tvf_cursor *base, adb *db, sqlite3_context *ctx,
                  int col) {
  cursor *c = (cursor *)base;
  int fn = (int)(f - fns);
  size_t pos = base->pos;
  const graph_hop *h = &c->w.hops[c->rows ? (size_t)c->rows[pos] : pos];
  if (fn == FN_TRAVERSE) {
    if (col == 1) sqlite3_result_int(ctx, h->depth);
    return col == 0 ? result_id(ctx, db, ADB_NODE, h->node) : SQLITE_OK;
  }
  if (fn == FN_NEIGHBORS) {
    if (col == 2) sqlite3_result_text(ctx, h->dir == ADB_OUT ? "out" : "in", -1, SQLITE_STATIC);
    return col < 2 ? result_id(ctx, db, col ? ADB_EDGE : ADB_NODE, col ? h->edge : h->node)
                   : SQLITE_OK;
  }
  if (col == 0) sqlite3_result_int64(ctx, (sqlite3_int64)pos);
  return col ? result_id(ctx, db, col == 2 ? ADB_EDGE : ADB_NODE, col == 2 ? h->edge : h->node)
             : SQLITE_OK;
}

int sqlb_traverse_install(adb *db) {
  int rc = ADB_OK;
  for (int i = 0; rc == ADB_OK && i < FN_COUNT; i++) rc = sqlb_tvf_install(db, &fns[i]);
  return rc;
}
