/* prop.c — arenadb_prop(props, key): one top-level property of an element's JSON as an SQL
 * value, for the expression indexes of Cypher (query/cypher/cy_index.c). */
/*
 * The schema runs only functions marked innocuous (the handle turns trusted_schema off), and
 * SQLite's json_extract is not marked so; this one is: it reads its arguments and nothing else.
 * Values read as json_extract reads them: text, integer, real, true as 1 and false as 0, null
 * and an absent key as NULL, a list or a map as its compact JSON text.
 */
#include <jansson.h>
#include <stdlib.h>

#include "query/sql/sqlbridge.h"

static void fn_prop(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *text = (const char *)sqlite3_value_text(argv[0]);
  const char *key = (const char *)sqlite3_value_text(argv[1]);
  if (!text || !key) return;
  json_t *o = json_loadb(text, (size_t)sqlite3_value_bytes(argv[0]), JSON_DECODE_ANY, NULL);
  json_t *v = json_object_get(o, key);
  switch (v ? json_typeof(v) : JSON_NULL) {
  case JSON_STRING:
    sqlite3_result_text(ctx, json_string_value(v), (int)json_string_length(v), SQLITE_TRANSIENT);
    break;
  case JSON_INTEGER: sqlite3_result_int64(ctx, json_integer_value(v)); break;
  case JSON_REAL: sqlite3_result_double(ctx, json_real_value(v)); break;
  case JSON_TRUE: sqlite3_result_int(ctx, 1); break;
  case JSON_FALSE: sqlite3_result_int(ctx, 0); break;
  case JSON_ARRAY:
  case JSON_OBJECT: {
    char *s = json_dumps(v, JSON_COMPACT);
    if (s)
      sqlite3_result_text(ctx, s, -1, free);
    else
      sqlite3_result_error_nomem(ctx);
    break;
  }
  default: break; /* null, or no such key: NULL */
  }
  json_decref(o);
}

int sqlb_prop_install(adb *db) {
  int src = sqlite3_create_function_v2(db->sql, "arenadb_prop", 2,
                                       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                       fn_prop, NULL, NULL, NULL);
  return src == SQLITE_OK ? ADB_OK : adb__sqlerr(db, src);
}
