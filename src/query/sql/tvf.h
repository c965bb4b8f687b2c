/* tvf.h — the scaffold every SQL table-valued function shares (tvf.c): a module whose hidden
 * columns are the call's arguments, its planning, its cursor, and how a failed call reports. */
#ifndef ADB_TVF_H
#define ADB_TVF_H

#include "adb_int.h"

#define SQLB_TVF_MAX_ARGS 8

/* A cursor's common part; each function's cursor begins with it. pos is the current row. */
typedef struct sqlb_tvf_cursor {
  sqlite3_vtab_cursor base;
  size_t pos;
  sqlite3_value *args[SQLB_TVF_MAX_ARGS]; /* the call's arguments, by position (NULL: absent) */
} sqlb_tvf_cursor;

/* One table-valued function: its table (nvisible columns, then one hidden column per argument,
 * of which the first nrequired must be given), and its callbacks. */
typedef struct sqlb_tvf {
  const char *name;
  const char *schema;
  int nvisible, nargs, nrequired;
  double rows;        /* the planner's estimate of its rows */
  size_t cursor_size; /* of its cursor, which begins with sqlb_tvf_cursor */
  /* Runs the call on c->args into the cursor: ADB_OK, or an error with db's message. */
  int (*run)(const struct sqlb_tvf *f, sqlb_tvf_cursor *c, adb *db);
  /* Frees what run left in the cursor (the common part aside). */
  void (*reset)(sqlb_tvf_cursor *c);
  int (*eof)(sqlb_tvf_cursor *c);
  /* Gives visible column col of the current row (hidden ones are the arguments). */
  int (*column)(const struct sqlb_tvf *f, sqlb_tvf_cursor *c, adb *db, sqlite3_context *ctx,
                int col);
} sqlb_tvf;

/* Registers f on db's connection. Returns ADB_OK or the error. */
int sqlb_tvf_install(adb *db, const sqlb_tvf *f);

#endif
