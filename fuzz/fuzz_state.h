/* fuzz_state.h — what the fuzz targets compare before and after an input: a graph as text. */
#ifndef ADB_FUZZ_STATE_H
#define ADB_FUZZ_STATE_H

#include <stdlib.h>
#include <string.h>

#include "arenadb.h"

/* Every node and edge of db with its label and properties, one a line, in id order; malloc'd.
 * Aborts when out of memory or when the query fails. */
static char *fuzz_state(adb *db) {
  adb_stmt *st;
  size_t cap = 1 << 16, len = 0;
  char *out = calloc(1, cap);
  const char *sql = "SELECT id || label || properties FROM nodes UNION ALL"
                    " SELECT id || source_node_id || target_node_id || label || properties"
                    " FROM edges ORDER BY 1";
  if (!out || adb_prepare(db, sql, &st, NULL)) abort();
  while (adb_step(st) == ADB_ROW) {
    const char *row = adb_column_text(st, 0);
    size_t n = strlen(row);
    if (len + n + 2 > cap && !(out = realloc(out, cap = 2 * (len + n + 2)))) abort();
    memcpy(out + len, row, n);
    len += n;
    out[len++] = '\n';
    out[len] = 0;
  }
  adb_finalize(st);
  return out;
}

#endif
