/* vector_view.c — the view node_vectors(id, vector): each live node's vector as JSON text, and
 * INSERT, UPDATE and DELETE on it turned into vector writes that replicate like any other. */
#include <stdlib.h>

#include "query/sql/sqlbridge.h"
#include "store/store.h"
#include "vector/vec.h"

static const char *const view_sql =
    "CREATE TEMP VIEW node_vectors AS SELECT id, vector FROM"
    "  (SELECT id, arenadb_vector(id) AS vector FROM nodes) WHERE vector IS NOT NULL;"
    "CREATE TEMP TRIGGER node_vectors_insert INSTEAD OF INSERT ON node_vectors BEGIN"
    "  SELECT arenadb_vector_set(NEW.id, NEW.vector); END;"
    "CREATE TEMP TRIGGER node_vectors_update INSTEAD OF UPDATE ON node_vectors BEGIN"
    "  SELECT arenadb_vector_set(OLD.id, NULL) WHERE OLD.id IS NOT NEW.id;"
    "  SELECT arenadb_vector_set(NEW.id, NEW.vector); END;"
    "CREATE TEMP TRIGGER node_vectors_delete INSTEAD OF DELETE ON node_vectors BEGIN"
    "  SELECT arenadb_vector_set(OLD.id, NULL); END;";

/* arenadb_vector(id): the node's vector as JSON text, or NULL when it has none. */
static void fn_vector(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  adb *db = sqlite3_user_data(ctx);
  char *text;
  int rc = vec_get_text(db, (const char *)sqlite3_value_text(argv[0]), &text);
  if (rc == ADB_OK)
    sqlite3_result_text(ctx, text, -1, free);
  else if (rc == ADB_NOTFOUND || rc == ADB_INVALID)
    sqlite3_result_null(ctx);
  else
    sqlite3_result_error(ctx, db->errmsg, -1);
}

/* arenadb_vector_set(id, vector): sets, or with NULL clears, a node's vector inside the
 * statement's write scope. */
static void fn_vector_set(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  adb *db = sqlite3_user_data(ctx);
  const char *id = (const char *)sqlite3_value_text(argv[0]);
  db->in_sql_write++;
  int rc = sqlite3_value_type(argv[1]) == SQLITE_NULL
               ? adb_vector_clear(db, id)
               : adb_vector_set_json(db, id, (const char *)sqlite3_value_text(argv[1]));
  db->in_sql_write--;
  if (rc == ADB_OK)
    sqlite3_result_null(ctx);
  else if (rc == ADB_NOMEM)
    sqlite3_result_error_nomem(ctx);
  else
    sqlite3_result_error(ctx, db->errmsg, -1);
}

int sqlb_vector_view_install(adb *db) {
  int src = sqlite3_create_function_v2(db->sql, "arenadb_vector", 1, SQLITE_UTF8, db, fn_vector,
                                       NULL, NULL, NULL);
  if (src == SQLITE_OK)
    src = sqlite3_create_function_v2(db->sql, "arenadb_vector_set", 2, SQLITE_UTF8, db,
                                     fn_vector_set, NULL, NULL, NULL);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  return store_exec(db, view_sql);
}
