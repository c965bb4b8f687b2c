/* helpers.c — temporary databases and state dumps for the unit tests. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

const char *tmp_db_path(int slot) {
  static char dir[64];
  static char paths[16][96];
  if (!dir[0]) {
    strcpy(dir, "/tmp/adbtest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
  }
  snprintf(paths[slot], sizeof paths[slot], "%s/db%d.adb", dir, slot);
  return paths[slot];
}

adb *open_tmp(int slot, const adb_options *opt) {
  adb *db;
  int rc = adb_open(tmp_db_path(slot), opt, &db);
  cr_assert_eq(rc, ADB_OK, "open: %s", adb_errmsg(db));
  return db;
}

static void dump_query(adb *db, const char *sql, buf *b) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  int rc;
  while ((rc = adb_step(st)) == ADB_ROW) {
    for (int i = 0; i < adb_column_count(st); i++) {
      const char *v = adb_column_text(st, i);
      if (i) buf_put_u8(b, '|');
      buf_puts(b, v ? v : "NULL");
    }
    buf_put_u8(b, '\n');
  }
  cr_assert_eq(rc, ADB_DONE, "%s", adb_errmsg(db));
  adb_finalize(st);
}

char *dump_state(adb *db) {
  buf b;
  buf_init(&b);
  dump_query(db, "SELECT id, label, properties FROM nodes ORDER BY id", &b);
  buf_puts(&b, "--\n");
  dump_query(db,
             "SELECT id, source_node_id, target_node_id, label, properties FROM edges ORDER BY id",
             &b);
  buf_put_u8(&b, 0);
  return (char *)buf_take(&b, NULL);
}

long long sql_int(adb *db, const char *sql) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW, "%s: %s", sql, adb_errmsg(db));
  long long v = adb_column_int(st, 0);
  adb_finalize(st);
  return v;
}

void send_changes(adb *from, adb *to) {
  void *vv, *cs;
  size_t vvlen, cslen;
  OK(to, adb_vv(to, &vv, &vvlen));
  OK(from, adb_changes(from, vv, vvlen, &cs, &cslen));
  OK(to, adb_apply(to, cs, cslen, NULL));
  free(vv);
  free(cs);
}
