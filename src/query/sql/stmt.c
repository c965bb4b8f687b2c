/* stmt.c — prepared SQL statements for applications. */
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "query/sql/sqlbridge.h"
#include "store/store.h"

struct adb_stmt {
  adb *db;
  sqlite3_stmt *st;
  int scope; /* the write scope open while the statement runs (store.h) */
  int timed; /* it started the handle's time limit (adb_set_time_limit), which ends with it */
  /* When the statement began: SQLite's count of changed rows, and the handle's view_writes and
   * view_rows (views.c). */
  int64_t rows_at, view_writes_at, view_rows_at;
  int64_t changes; /* rows it changed when it last finished */
};

int adb_prepare(adb *db, const char *sql, adb_stmt **out, const char **tail) {
  if (!db || !sql || !out) return ADB_MISUSE;
  *out = NULL;
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, tail);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  if (!st) return ADB_OK; /* only white space or comments */
  adb_stmt *s = malloc(sizeof *s);
  if (!s) {
    sqlite3_finalize(st);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  s->db = db;
  s->st = st;
  s->scope = STORE_SCOPE_NONE;
  s->timed = 0;
  s->rows_at = s->view_writes_at = s->view_rows_at = s->changes = 0;
  *out = s;
  return ADB_OK;
}

static int bind_rc(adb_stmt *s, int src) {
  return src == SQLITE_OK ? ADB_OK : adb__sqlerr(s->db, src);
}

int adb_bind_int(adb_stmt *s, int i, int64_t v) {
  return bind_rc(s, sqlite3_bind_int64(s->st, i, v));
}
int adb_bind_double(adb_stmt *s, int i, double v) {
  return bind_rc(s, sqlite3_bind_double(s->st, i, v));
}
int adb_bind_null(adb_stmt *s, int i) { return bind_rc(s, sqlite3_bind_null(s->st, i)); }
int adb_bind_text(adb_stmt *s, int i, const char *v) {
  return bind_rc(s, sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT));
}

/* A write through the views runs nested statements that SQLite's own statement rollback does
 * not undo; a write scope around the statement makes it all-or-nothing. Read-only statements,
 * transaction control included, run bare. */
static int scope_open(adb_stmt *s) {
  if (s->scope != STORE_SCOPE_NONE || sqlite3_stmt_readonly(s->st) || sqlite3_stmt_busy(s->st))
    return ADB_OK;
  if (sqlite3_get_autocommit(s->db->sql)) return ADB_OK; /* its own transaction already */
  return store_write_begin(s->db, &s->scope);
}

static int scope_close(adb_stmt *s, int rc) {
  adb__deadline_end(s->db, s->timed);
  s->timed = 0;
  int scope = s->scope;
  s->scope = STORE_SCOPE_NONE;
  return store_write_end(s->db, scope, rc);
}

int adb_step(adb_stmt *s) {
  if (!s) return ADB_MISUSE;
  if (s->db->query_only && !sqlite3_stmt_readonly(s->st))
    return adb__err(s->db, ADB_READONLY, "this connection may only read: the statement writes");
  int rc = scope_open(s);
  if (rc) return rc;
  if (!sqlite3_stmt_busy(s->st)) {
    /* Inside adb_begin's transaction the clock is stored at adb_commit, which an SQL COMMIT
     * bypasses: store it as each statement starts (not between its rows, where the write
     * would count as one of the statement's changes). */
    if (s->db->api_txn && (rc = crdt_hlc_save(s->db))) return scope_close(s, rc);
    if (!s->timed) s->timed = adb__deadline_start(s->db);
    s->rows_at = sqlite3_total_changes64(s->db->sql);
    s->view_writes_at = s->db->view_writes;
    s->view_rows_at = s->db->view_rows;
    s->changes = 0;
  }
  int src = sqlite3_step(s->st);
  if (src == SQLITE_ROW) return ADB_ROW;
  if (src == SQLITE_DONE) {
    /* SQLite counts the rows of tables, ArenaDB's own among them; a write on a view changes
     * those through its INSTEAD OF trigger, and counts as the nodes and edges it wrote
     * (views.c). */
    adb *db = s->db;
    s->changes = sqlite3_total_changes64(db->sql) - s->rows_at - (db->view_rows - s->view_rows_at) +
                 (db->view_writes - s->view_writes_at);
    rc = scope_close(s, ADB_OK);
    crdt_watch_flush(db); /* an SQL COMMIT, or a statement that was its own transaction */
    return rc ? rc : ADB_DONE;
  }
  /* The statement's writes were undone, and the replica state held in memory may be too. */
  crdt_replicas_forget(s->db);
  rc = adb__sqlerr(s->db, src);
  sqlite3_reset(s->st);
  return scope_close(s, rc);
}

int64_t adb_stmt_changes(adb_stmt *s) { return s ? s->changes : 0; }

int adb_stmt_readonly(adb_stmt *s) { return s && sqlite3_stmt_readonly(s->st); }

int adb_reset(adb_stmt *s) {
  if (!s) return ADB_MISUSE;
  sqlite3_reset(s->st);
  return scope_close(s, ADB_OK);
}

int adb_column_count(adb_stmt *s) { return s ? sqlite3_column_count(s->st) : 0; }
const char *adb_column_name(adb_stmt *s, int i) { return sqlite3_column_name(s->st, i); }
int64_t adb_column_int(adb_stmt *s, int i) { return sqlite3_column_int64(s->st, i); }
double adb_column_double(adb_stmt *s, int i) { return sqlite3_column_double(s->st, i); }
const char *adb_column_text(adb_stmt *s, int i) {
  return (const char *)sqlite3_column_text(s->st, i);
}

const void *adb_column_blob(adb_stmt *s, int i) { return sqlite3_column_blob(s->st, i); }
int adb_column_bytes(adb_stmt *s, int i) { return sqlite3_column_bytes(s->st, i); }

int adb_column_is_json(adb_stmt *s, int i) {
  /* The views' properties is the props column of ArenaDB's tables, which holds canonical JSON
   * objects only; SQLite traces a result column back to the table column it reads. */
  const char *db = sqlite3_column_database_name(s->st, i);
  const char *table = sqlite3_column_table_name(s->st, i);
  const char *column = sqlite3_column_origin_name(s->st, i);
  return db && table && column && !strcmp(db, "main") && !strcmp(column, "props") &&
         (!strcmp(table, "adb_node") || !strcmp(table, "adb_edge"));
}

int adb_column_type(adb_stmt *s, int i) {
  switch (sqlite3_column_type(s->st, i)) {
  case SQLITE_INTEGER: return ADB_TYPE_INTEGER;
  case SQLITE_FLOAT: return ADB_TYPE_FLOAT;
  case SQLITE_TEXT: return ADB_TYPE_TEXT;
  case SQLITE_BLOB: return ADB_TYPE_BLOB;
  default: return ADB_TYPE_NULL;
  }
}

int adb_finalize(adb_stmt *s) {
  if (!s) return ADB_OK;
  sqlite3_reset(s->st);
  scope_close(s, ADB_OK);
  sqlite3_finalize(s->st);
  free(s);
  return ADB_OK;
}

int adb_exec(adb *db, const char *sql) {
  if (!db || !sql) return ADB_MISUSE;
  while (*sql) {
    adb_stmt *s;
    int rc = adb_prepare(db, sql, &s, &sql);
    if (rc) return rc;
    if (!s) break;
    while ((rc = adb_step(s)) == ADB_ROW) {
    }
    adb_finalize(s);
    if (rc != ADB_DONE) return rc;
  }
  return ADB_OK;
}
