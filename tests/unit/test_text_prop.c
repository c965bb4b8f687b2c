/* test_text_prop.c — text properties: editing through the API, reading through the API and SQL,
 * merging between replicas (concurrent typing, plain writes, deletes), persistence. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "helpers.h"

static char *get(adb *db, const char *id, const char *key) {
  char *s = NULL;
  OK(db, adb_text_get(db, id, key, &s));
  return s;
}

static void assert_text(adb *db, const char *id, const char *key, const char *want) {
  char *s = get(db, id, key);
  cr_assert_str_eq(s, want, "%s.%s", id, key);
  adb_free(s);
}

static void assert_same(adb *a, adb *b) {
  char *x = dump_state(a), *y = dump_state(b);
  cr_assert_str_eq(x, y);
  free(x);
  free(y);
}

/* Types s one code point per call (one transaction each), as an editor would. */
static void type(adb *db, const char *id, const char *key, size_t pos, const char *s) {
  for (const char *p = s; *p;) {
    size_t n = 1;
    while (((unsigned char)p[n] & 0xc0) == 0x80) n++;
    char one[8] = {0};
    memcpy(one, p, n);
    OK(db, adb_text_insert(db, id, key, pos++, one));
    p += n;
  }
}

Test(text_prop, edits_read_back_through_the_api_and_sql) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "n", "Note", "{\"title\":\"t\"}", NULL));
  OK(db, adb_text_insert(db, "n", "body", 0, "héllo"));
  OK(db, adb_text_insert(db, "n", "body", 5, " wörld"));
  OK(db, adb_text_delete(db, "n", "body", 0, 1));
  OK(db, adb_text_insert(db, "n", "body", 0, "H"));
  OK(db, adb_text_replace(db, "n", "body", 6, 5, "there 🌍"));
  assert_text(db, "n", "body", "Héllo there 🌍");
  adb_element e;
  OK(db, adb_node_get(db, "n", &e));
  cr_assert_str_eq(e.properties, "{\"body\":\"Héllo there 🌍\",\"title\":\"t\"}");
  adb_element_clear(&e);
  cr_assert_eq(sql_int(db, "SELECT length(json_extract(properties,'$.body')) FROM nodes"), 13);
  cr_assert_eq(sql_int(db, "SELECT json_extract(properties,'$.body')='Héllo there 🌍' FROM nodes"),
               1);
  /* A plain string is readable too; other values are not text. */
  assert_text(db, "n", "title", "t");
  char *s = NULL;
  OK(db, adb_node_set(db, "n", "n", "5"));
  cr_assert_eq(adb_text_get(db, "n", "n", &s), ADB_INVALID);
  cr_assert_eq(adb_text_get(db, "n", "nope", &s), ADB_NOTFOUND);
  cr_assert_eq(adb_text_get(db, "zz", "body", &s), ADB_NOTFOUND);
  cr_assert_null(s);
  OK(db, adb_check(db, NULL));
  adb_close(db);
}

Test(text_prop, edge_text) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", NULL, NULL));
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  OK(db, adb_edge_create(db, "e", "a", "R", "b", NULL, NULL));
  OK(db, adb_edge_text_insert(db, "e", "note", 0, "abc"));
  OK(db, adb_edge_text_replace(db, "e", "note", 1, 1, "XY"));
  OK(db, adb_edge_text_delete(db, "e", "note", 0, 1));
  char *s = NULL;
  OK(db, adb_edge_text_get(db, "e", "note", &s));
  cr_assert_str_eq(s, "XYc");
  adb_free(s);
  cr_assert_eq(adb_text_insert(db, "e", "note", 0, "x"), ADB_NOTFOUND, "e is an edge, not a node");
  /* An edge hidden by its deleted endpoint cannot be edited. */
  OK(db, adb_node_delete(db, "b"));
  cr_assert_eq(adb_edge_text_insert(db, "e", "note", 0, "x"), ADB_NOTFOUND);
  adb_close(db);
}

Test(text_prop, bad_edits_fail_and_change_nothing) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "n", "Note", "{\"k\":{\"a\":1}}", NULL));
  OK(db, adb_text_insert(db, "n", "body", 0, "añb"));
  char *before = dump_state(db);
  long long tx = sql_int(db, "SELECT seq FROM adb_replica WHERE idx=1");
  cr_assert_eq(adb_text_insert(db, "missing", "body", 0, "x"), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "missing"));
  cr_assert_eq(adb_text_insert(db, "n", "body", 4, "x"), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "past the end"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_text_delete(db, "n", "body", 2, 2), ADB_INVALID);
  cr_assert_eq(adb_text_delete(db, "n", "body", (size_t)-1, 2), ADB_INVALID);
  cr_assert_eq(adb_text_insert(db, "n", "body", 0, "\xc3("), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "UTF-8"));
  cr_assert_eq(adb_text_insert(db, "n", "k", 0, "x"), ADB_INVALID, "an object is not text");
  cr_assert(strstr(adb_errmsg(db), "an object"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_text_insert(db, "n", "", 0, "x"), ADB_INVALID);
  cr_assert_eq(adb_text_insert(db, "n", "fresh", 1, "x"), ADB_INVALID, "a new text is empty");
  cr_assert_eq(adb_text_insert(db, "n", "body", 0, NULL), ADB_INVALID);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  cr_assert_eq(sql_int(db, "SELECT seq FROM adb_replica WHERE idx=1"), tx);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_text"), 1);
  free(before);
  free(after);
  adb_close(db);
}

Test(text_prop, concurrent_typing_at_one_place_never_interleaves) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(a, adb_node_create(a, "n", "Note", NULL, NULL));
  OK(a, adb_text_insert(a, "n", "body", 0, "<>"));
  send_changes(a, b);
  send_changes(a, c);
  type(a, "n", "body", 1, "alpha");
  type(b, "n", "body", 1, "BRAVO");
  type(c, "n", "body", 1, "çhärlié");
  send_changes(a, b);
  send_changes(c, b);
  send_changes(b, a);
  send_changes(b, c);
  assert_same(a, b);
  assert_same(b, c);
  char *s = get(a, "n", "body");
  cr_assert_eq(strlen(s), strlen("<alphaBRAVOçhärlié>"), "%s", s);
  cr_assert(s[0] == '<' && s[strlen(s) - 1] == '>', "%s", s);
  cr_assert(strstr(s, "alpha") && strstr(s, "BRAVO") && strstr(s, "çhärlié"), "interleaved: %s", s);
  adb_free(s);
  /* Concurrent edits elsewhere in the text all survive. */
  OK(a, adb_text_insert(a, "n", "body", 0, "["));
  OK(b, adb_text_delete(b, "n", "body", 1, 1));
  OK(c, adb_text_insert(c, "n", "body", 19, "]"));
  send_changes(a, b);
  send_changes(b, c);
  send_changes(c, a);
  send_changes(a, b);
  assert_same(a, b);
  assert_same(b, c);
  s = get(c, "n", "body");
  cr_assert(!strncmp(s, "[<", 2) && !strcmp(s + strlen(s) - 2, ">]"), "%s", s);
  size_t cps = 0;
  for (const char *p = s; *p; p++) cps += ((unsigned char)*p & 0xc0) != 0x80;
  cr_assert_eq(cps, 20, "b deleted the first letter of the first run: %s", s);
  adb_free(s);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

Test(text_prop, plain_writes_and_text_of_one_key) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "n", "Note", "{\"s\":\"abc\"}", NULL));
  send_changes(a, b);
  /* Editing a plain string converts it; both replicas converting it make one document: the
   * string is not doubled. */
  OK(a, adb_text_insert(a, "n", "s", 3, "X"));
  OK(b, adb_text_insert(b, "n", "s", 0, "Y"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  assert_text(a, "n", "s", "YabcX");
  /* A later plain set replaces the text; editing again converts the new string. */
  OK(b, adb_node_set(b, "n", "s", "\"new\""));
  send_changes(b, a);
  assert_text(a, "n", "s", "new");
  OK(a, adb_text_insert(a, "n", "s", 3, "!"));
  send_changes(a, b);
  assert_text(b, "n", "s", "new!");
  /* A plain set concurrent with edits: the set is later than the text's start, so it wins on
   * both replicas whatever the order. */
  OK(a, adb_text_insert(a, "n", "s", 0, "1"));
  OK(b, adb_node_set(b, "n", "s", "42"));
  OK(a, adb_text_insert(a, "n", "s", 0, "2"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  adb_element e;
  OK(a, adb_node_get(a, "n", &e));
  cr_assert_str_eq(e.properties, "{\"s\":42}");
  adb_element_clear(&e);
  /* Unset, then edit: the text starts empty. */
  OK(a, adb_node_unset(a, "n", "s"));
  cr_assert_eq(adb_text_insert(a, "n", "s", 1, "x"), ADB_INVALID);
  OK(a, adb_text_insert(a, "n", "s", 0, "x"));
  send_changes(a, b);
  assert_text(b, "n", "s", "x");
  /* Updating other keys through SQL leaves the text a text. */
  OK(b, adb_exec(b, "UPDATE nodes SET properties=json_set(properties,'$.t',1) WHERE id='n'"));
  OK(b, adb_text_insert(b, "n", "s", 1, "y"));
  OK(a, adb_text_insert(a, "n", "s", 0, "w"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  assert_text(a, "n", "s", "wxy");
  cr_assert_eq(sql_int(a, "SELECT count(*) FROM adb_text"), 1);
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(b);
}

Test(text_prop, delete_and_recreate) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "n", "Note", NULL, NULL));
  OK(a, adb_text_insert(a, "n", "body", 0, "first life"));
  send_changes(a, b);
  /* A deletes the node while B edits its text: the delete wins, the text goes with it. */
  OK(a, adb_node_delete(a, "n"));
  OK(b, adb_text_insert(b, "n", "body", 0, "edit "));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  char *s = NULL;
  cr_assert_eq(adb_text_get(b, "n", "body", &s), ADB_NOTFOUND);
  cr_assert_eq(adb_text_insert(b, "n", "body", 0, "x"), ADB_NOTFOUND);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM adb_text"), 0, "a deleted node keeps no text");
  /* A re-created node starts fresh: its text starts empty, and old edits do not come back. */
  OK(b, adb_node_create(b, "n", "Note", NULL, NULL));
  OK(b, adb_text_insert(b, "n", "body", 0, "second"));
  send_changes(b, a);
  assert_text(a, "n", "body", "second");
  OK(a, adb_text_insert(a, "n", "body", 6, " life"));
  send_changes(a, b);
  assert_text(b, "n", "body", "second life");
  assert_same(a, b);
  adb_close(a);
  adb_close(b);
}

Test(text_prop, persists_across_close_and_reopen) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "n", "Note", NULL, NULL));
  type(db, "n", "body", 0, "persist me");
  adb_close(db);
  OK(NULL, adb_open(tmp_db_path(0), NULL, &db));
  assert_text(db, "n", "body", "persist me");
  OK(db, adb_text_delete(db, "n", "body", 0, 8));
  OK(db, adb_text_insert(db, "n", "body", 0, "keep "));
  assert_text(db, "n", "body", "keep me");
  /* The reopened replica keeps numbering its operations where it stopped: a peer that had the
   * earlier state merges the new edits. */
  adb *b = open_tmp(1, NULL);
  send_changes(db, b);
  adb_close(db);
  OK(NULL, adb_open(tmp_db_path(0), NULL, &db));
  OK(db, adb_text_insert(db, "n", "body", 7, "!"));
  OK(b, adb_text_insert(b, "n", "body", 0, ">"));
  send_changes(db, b);
  send_changes(b, db);
  assert_text(b, "n", "body", ">keep me!");
  assert_same(db, b);
  OK(db, adb_check(db, NULL));
  adb_close(db);
  adb_close(b);
}

Test(text_prop, edits_of_one_transaction_travel_together) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "n", "Note", NULL, NULL));
  send_changes(a, b);
  OK(a, adb_begin(a));
  OK(a, adb_text_insert(a, "n", "body", 0, "one"));
  OK(a, adb_text_insert(a, "n", "body", 3, " two"));
  OK(a, adb_node_set(a, "n", "done", "true"));
  OK(a, adb_commit(a));
  OK(a, adb_begin(a));
  OK(a, adb_text_insert(a, "n", "body", 0, "gone"));
  OK(a, adb_rollback(a));
  assert_text(a, "n", "body", "one two");
  send_changes(a, b);
  assert_same(a, b);
  assert_text(b, "n", "body", "one two");
  adb_close(a);
  adb_close(b);
}

Test(text_prop, a_set_made_for_another_replica_heals_at_the_next_exchange) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(a, adb_node_create(a, "n", "Note", NULL, NULL));
  send_changes(a, b);
  send_changes(a, c);
  OK(a, adb_text_insert(a, "n", "body", 0, "hello"));
  send_changes(a, b);
  OK(a, adb_text_insert(a, "n", "body", 5, "!"));
  /* A set made for b holds only "!": c, which lacks "hello", cannot place it. */
  void *vv, *cs;
  size_t vvlen, cslen;
  OK(b, adb_vv(b, &vv, &vvlen));
  OK(a, adb_changes(a, vv, vvlen, &cs, &cslen));
  OK(c, adb_apply(c, cs, cslen, NULL));
  char *s = NULL;
  cr_assert_eq(adb_text_get(c, "n", "body", &s), ADB_NOTFOUND);
  OK(b, adb_apply(b, cs, cslen, NULL));
  assert_text(b, "n", "body", "hello!");
  /* c claimed none of the set's transactions, so the next exchange sends them all. */
  send_changes(a, c);
  assert_text(c, "n", "body", "hello!");
  assert_same(a, c);
  free(vv);
  free(cs);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

Test(text_prop, long_sessions_keep_little_history_and_lagging_peers_catch_up) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(a, adb_node_create(a, "n", "Note", NULL, NULL));
  send_changes(a, b);
  char text[401] = {0};
  for (int i = 0; i < 400; i++) {
    text[i] = (char)('a' + i % 26);
    OK(a, adb_text_insert(a, "n", "body", (size_t)i, (char[2]){text[i], 0}));
    if (i == 7 || i == 150) send_changes(a, b);
  }
  /* 400 transactions, yet the element's stored state stays small. */
  cr_assert_lt(sql_int(a, "SELECT length(meta) FROM adb_node WHERE id='n'"), 400);
  send_changes(a, b);
  send_changes(a, c);
  assert_text(b, "n", "body", text);
  assert_text(c, "n", "body", text);
  OK(b, adb_text_insert(b, "n", "body", 0, ">"));
  send_changes(b, c);
  send_changes(c, a);
  assert_same(a, c);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

Test(text_prop, check_finds_a_damaged_or_missing_document) {
  const char *damage[] = {"UPDATE adb_text SET state=x'54580100'", "DELETE FROM adb_text"};
  for (int i = 0; i < 2; i++) {
    adb *db = open_tmp(i, NULL);
    OK(db, adb_node_create(db, "n", "Note", NULL, NULL));
    OK(db, adb_text_insert(db, "n", "body", 0, "abc"));
    OK(db, adb_check(db, NULL));
    adb_close(db);
    sqlite3 *raw;
    cr_assert_eq(sqlite3_open(tmp_db_path(i), &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, damage[i], NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    OK(NULL, adb_open(tmp_db_path(i), NULL, &db));
    char *report = NULL;
    cr_assert_eq(adb_check(db, &report), ADB_CORRUPT, "%s", damage[i]);
    cr_assert(strstr(report, "body"), "%s", report);
    adb_free(report);
    cr_assert_eq(adb_text_insert(db, "n", "body", 0, "x"), ADB_CORRUPT);
    adb_close(db);
  }
}
