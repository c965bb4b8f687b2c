/* test_watch.c — adb_watch: which commits report which element ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* The ids a watcher was told, as "n:ID" and "e:ID" joined by spaces. */
typedef struct seen {
  char text[4096];
  int calls;
} seen;

static void on_change(void *ctx, const char *id, int is_edge) {
  seen *s = ctx;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s%c:%s", n ? " " : "", is_edge ? 'e' : 'n', id);
  s->calls++;
}

static adb *watched(int slot, seen *s) {
  adb *db = open_tmp(slot, NULL);
  memset(s, 0, sizeof *s);
  cr_assert_eq(adb_watch(db, on_change, s), ADB_OK);
  return db;
}

Test(watch, each_write_reports_its_ids_when_it_commits) {
  seen s;
  adb *db = watched(0, &s);
  cr_assert_eq(adb_node_create(db, "a", "P", "{}", NULL), ADB_OK);
  cr_assert_str_eq(s.text, "n:a");
  cr_assert_eq(adb_node_create(db, "b", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(adb_edge_create(db, "ab", "a", "K", "b", NULL, NULL), ADB_OK);
  cr_assert_eq(adb_node_set(db, "b", "x", "1"), ADB_OK);
  cr_assert_str_eq(s.text, "n:a n:b e:ab n:b");
  adb_close(db);
}

Test(watch, a_transaction_reports_at_commit_and_a_rollback_not_at_all) {
  seen s;
  adb *db = watched(0, &s);
  cr_assert_eq(adb_begin(db), ADB_OK);
  cr_assert_eq(adb_node_create(db, "a", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(adb_node_create(db, "b", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(s.calls, 0, "nothing is told before the commit");
  cr_assert_eq(adb_commit(db), ADB_OK);
  cr_assert_str_eq(s.text, "n:a n:b");
  s.text[0] = 0;
  cr_assert_eq(adb_begin(db), ADB_OK);
  cr_assert_eq(adb_node_create(db, "c", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(adb_rollback(db), ADB_OK);
  cr_assert_eq(adb_node_create(db, "d", "P", "{}", NULL), ADB_OK);
  cr_assert_str_eq(s.text, "n:d", "the rolled-back write is not reported: %s", s.text);
  adb_close(db);
}

Test(watch, a_failed_write_inside_a_transaction_keeps_the_others) {
  seen s;
  adb *db = watched(0, &s);
  cr_assert_eq(adb_node_create(db, "a", "P", "{}", NULL), ADB_OK);
  s.text[0] = 0;
  cr_assert_eq(adb_begin(db), ADB_OK);
  cr_assert_eq(adb_node_create(db, "b", "P", "{}", NULL), ADB_OK);
  cr_assert_neq(adb_node_create(db, "a", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(adb_node_create(db, "c", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(adb_commit(db), ADB_OK);
  cr_assert(strstr(s.text, "n:b") && strstr(s.text, "n:c"), "told: %s", s.text);
  adb_close(db);
}

Test(watch, sql_and_cypher_writes_and_applied_changes_are_reported) {
  seen s;
  adb *db = watched(0, &s);
  cr_assert_eq(adb_exec(db, "INSERT INTO nodes(id, label, properties) VALUES ('q', 'P', '{}')"),
               ADB_OK);
  cr_assert_str_eq(s.text, "n:q");
  s.text[0] = 0;
  cr_assert_eq(adb_exec(db, "BEGIN; UPDATE nodes SET label = 'Q' WHERE id = 'q'; COMMIT"), ADB_OK);
  cr_assert_str_eq(s.text, "n:q");
  s.text[0] = 0;
  cr_assert_eq(adb_exec(db, "BEGIN; UPDATE nodes SET label = 'R' WHERE id = 'q'; ROLLBACK"), ADB_OK);
  cr_assert_eq(s.calls, 2, "an SQL transaction rolled back reports nothing: %s", s.text);
  free(cypher_rows(db, "CREATE (:C {id: 1})", NULL, 0));
  cr_assert_eq(s.calls, 3, "the Cypher CREATE is reported: %s", s.text);

  adb_options same = {.db_id = adb_db_id(db)};
  adb *other = open_tmp(1, &same);
  cr_assert_eq(adb_node_create(other, "far", "P", "{}", NULL), ADB_OK);
  s.text[0] = 0;
  send_changes(other, db);
  cr_assert_str_eq(s.text, "n:far");
  adb_close(other);
  adb_close(db);
}

Test(watch, null_stops_watching_and_a_second_call_replaces) {
  seen s, t;
  adb *db = watched(0, &s);
  memset(&t, 0, sizeof t);
  cr_assert_eq(adb_watch(db, on_change, &t), ADB_OK);
  cr_assert_eq(adb_node_create(db, "a", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(s.calls, 0);
  cr_assert_str_eq(t.text, "n:a");
  cr_assert_eq(adb_watch(db, NULL, NULL), ADB_OK);
  cr_assert_eq(adb_node_create(db, "b", "P", "{}", NULL), ADB_OK);
  cr_assert_eq(t.calls, 1);
  cr_assert_eq(adb_watch(NULL, on_change, &t), ADB_MISUSE);
  adb_close(db);
}
