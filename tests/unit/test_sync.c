/* test_sync.c — version vectors, change sets, merging, compaction and bad sets. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <stdio.h>

#include "helpers.h"

static void assert_same(adb *a, adb *b) {
  char *x = dump_state(a), *y = dump_state(b);
  cr_assert_str_eq(x, y);
  free(x);
  free(y);
}

Test(sync, concurrent_edits_of_different_keys_both_survive) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "n", "P", "{\"x\":0,\"y\":0}", NULL));
  send_changes(a, b);
  OK(a, adb_node_set(a, "n", "x", "1"));
  OK(b, adb_node_set(b, "n", "y", "2"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  adb_element e;
  OK(a, adb_node_get(a, "n", &e));
  cr_assert_str_eq(e.properties, "{\"x\":1,\"y\":2}");
  adb_element_clear(&e);
  adb_close(a);
  adb_close(b);
}

static int64_t fixed_clock(void *ctx) { return *(int64_t *)ctx; }

Test(sync, equal_clocks_break_ties_by_replica_id) {
  int64_t t = 1700000000000;
  adb_options o = {.clock_ms = fixed_clock, .clock_ctx = &t};
  adb *a = open_tmp(0, &o), *b = open_tmp(1, &o);
  OK(a, adb_node_create(a, "n", "P", NULL, NULL));
  send_changes(a, b);
  t += 1000;
  OK(a, adb_node_set(a, "n", "k", "\"from a\""));
  OK(b, adb_node_set(b, "n", "k", "\"from b\""));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  adb_element e;
  OK(a, adb_node_get(a, "n", &e));
  int a_wins = strcmp(adb_replica_id(a), adb_replica_id(b)) > 0;
  cr_assert_str_eq(e.properties, a_wins ? "{\"k\":\"from a\"}" : "{\"k\":\"from b\"}");
  adb_element_clear(&e);
  adb_close(a);
  adb_close(b);
}

/* Two replicas delete one node at the same moment: both existence registers have the same
 * causal length, and the tie must go to the same tag on both sides, or their registers differ
 * although their visible rows agree. */
Test(sync, concurrent_deletes_leave_identical_existence_registers) {
  int64_t t = 1700000000000;
  adb_options o = {.clock_ms = fixed_clock, .clock_ctx = &t};
  adb *a = open_tmp(0, &o), *b = open_tmp(1, &o);
  OK(a, adb_node_create(a, "n", "P", "{\"k\":1}", NULL));
  send_changes(a, b);
  t += 1000;
  OK(a, adb_node_delete(a, "n"));
  OK(b, adb_node_delete(b, "n"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  char *ra = dump_registers(a), *rb = dump_registers(b);
  cr_assert_str_eq(ra, rb);
  /* The later clock wins when the clocks differ, whichever side merges first. */
  t += 1000;
  OK(a, adb_node_create(a, "m", "P", NULL, NULL));
  send_changes(a, b);
  OK(b, adb_node_delete(b, "m"));
  t += 1000;
  OK(a, adb_node_delete(a, "m"));
  send_changes(a, b);
  send_changes(b, a);
  free(ra);
  free(rb);
  ra = dump_registers(a);
  rb = dump_registers(b);
  cr_assert_str_eq(ra, rb);
  free(ra);
  free(rb);
  adb_close(a);
  adb_close(b);
}

Test(sync, delete_wins_over_concurrent_update_and_recreate_wins_over_delete) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "n", "P", "{\"v\":1}", NULL));
  send_changes(a, b);
  OK(a, adb_node_delete(a, "n"));
  OK(b, adb_node_set(b, "n", "v", "2"));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  cr_assert_eq(sql_int(a, "SELECT count(*) FROM nodes"), 0);
  OK(b, adb_node_create(b, "n", "P", "{\"w\":3}", NULL));
  OK(a, adb_node_create(a, "n", "P", "{\"z\":4}", NULL));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  adb_element e;
  OK(a, adb_node_get(a, "n", &e));
  cr_assert_str_eq(e.properties, "{\"w\":3,\"z\":4}", "two re-creations of one id merge");
  adb_element_clear(&e);
  adb_close(a);
  adb_close(b);
}

Test(sync, edge_to_a_concurrently_deleted_node_is_hidden_not_lost) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "x", "P", NULL, NULL));
  OK(a, adb_node_create(a, "y", "P", NULL, NULL));
  send_changes(a, b);
  OK(a, adb_node_delete(a, "y"));
  OK(b, adb_edge_create(b, "e", "x", "R", "y", NULL, NULL));
  send_changes(a, b);
  send_changes(b, a);
  assert_same(a, b);
  cr_assert_eq(sql_int(a, "SELECT count(*) FROM edges"), 0);
  OK(a, adb_node_create(a, "y", "P", NULL, NULL));
  send_changes(a, b);
  assert_same(a, b);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM edges WHERE id = 'e'"), 1);
  adb_close(a);
  adb_close(b);
}

Test(sync, applying_twice_or_out_of_order_is_harmless) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  void *sets[3];
  size_t lens[3];
  for (int i = 0; i < 3; i++) {
    void *vv;
    size_t vvlen;
    char key[16];
    snprintf(key, sizeof key, "k%d", i);
    if (i == 0) OK(a, adb_node_create(a, "n", "P", NULL, NULL));
    else OK(a, adb_node_set(a, "n", key, "1"));
    OK(a, adb_vv(a, &vv, &vvlen));
    OK(a, adb_changes(a, NULL, 0, &sets[i], &lens[i]));
    free(vv);
  }
  OK(b, adb_apply(b, sets[2], lens[2], NULL));
  OK(b, adb_apply(b, sets[0], lens[0], NULL));
  OK(b, adb_apply(b, sets[2], lens[2], NULL));
  OK(b, adb_apply(b, sets[1], lens[1], NULL));
  assert_same(a, b);
  adb_apply_stats st;
  OK(b, adb_apply(b, sets[2], lens[2], &st));
  cr_assert_eq(st.changed, 0);
  cr_assert(st.registers > 0);
  for (int i = 0; i < 3; i++) free(sets[i]);
  adb_close(a);
  adb_close(b);
}

Test(sync, delta_carries_only_what_is_missing) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  for (int i = 0; i < 100; i++) {
    char id[16];
    snprintf(id, sizeof id, "n%03d", i);
    OK(a, adb_node_create(a, id, "P", "{\"v\":1}", NULL));
  }
  send_changes(a, b);
  OK(a, adb_node_set(a, "n042", "v", "2"));
  void *vv, *cs;
  size_t vvlen, cslen;
  OK(b, adb_vv(b, &vv, &vvlen));
  OK(a, adb_changes(a, vv, vvlen, &cs, &cslen));
  adb_apply_stats st;
  OK(b, adb_apply(b, cs, cslen, &st));
  cr_assert_eq(st.elements, 1);
  cr_assert_eq(st.registers, 1);
  free(vv);
  free(cs);
  /* Nothing new: an empty set. */
  OK(b, adb_vv(b, &vv, &vvlen));
  OK(a, adb_changes(a, vv, vvlen, &cs, &cslen));
  OK(b, adb_apply(b, cs, cslen, &st));
  cr_assert_eq(st.elements, 0);
  free(vv);
  free(cs);
  assert_same(a, b);
  adb_close(a);
  adb_close(b);
}

Test(sync, storage_grows_with_live_data_not_with_overwrites) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "n", "P", NULL, NULL));
  for (int i = 0; i < 2000; i++) {
    char v[16];
    snprintf(v, sizeof v, "%d", i);
    OK(db, adb_node_set(db, "n", "counter", v));
  }
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_tag"), 1,
               "one tag row per element and origin");
  cr_assert(sql_int(db, "SELECT length(meta) FROM adb_node") < 64);
  void *cs;
  size_t len;
  OK(db, adb_changes(db, NULL, 0, &cs, &len));
  cr_assert(len < 200, "a change set of 2000 overwrites holds the last: %zu bytes", len);
  free(cs);
  adb_close(db);
}

Test(sync, bad_change_sets_are_rejected_and_change_nothing) {
  adb *a = open_tmp(0, NULL);
  adb_options same_db = {.db_id = adb_db_id(a)};
  adb *b = open_tmp(1, &same_db);
  OK(a, adb_node_create(a, "n", "P", "{\"v\":\"hello\"}", NULL));
  OK(a, adb_node_create(a, "m", "P", NULL, NULL));
  OK(a, adb_edge_create(a, "e", "n", "R", "m", NULL, NULL));
  OK(b, adb_node_create(b, "local", "P", NULL, NULL));
  send_changes(b, a);
  void *cs;
  size_t len;
  OK(a, adb_changes(a, NULL, 0, &cs, &len));
  char *before = dump_state(b);
  unsigned char *copy = malloc(len);
  /* Every truncation, and a flipped bit at every position, is caught. */
  for (size_t cut = 0; cut < len; cut++)
    cr_assert(adb_apply(b, cs, cut, NULL) < 0, "truncated to %zu accepted", cut);
  for (size_t pos = 0; pos < len; pos++) {
    memcpy(copy, cs, len);
    copy[pos] ^= 0x10;
    int rc = adb_apply(b, copy, len, NULL);
    cr_assert(rc == ADB_CORRUPT || rc == ADB_PROTOCOL || rc == ADB_FORMAT,
              "flip at %zu gave %d", pos, rc);
  }
  unsigned char noise[512];
  for (size_t i = 0; i < sizeof noise; i++) noise[i] = (unsigned char)(i * 131 + 7);
  cr_assert(adb_apply(b, noise, sizeof noise, NULL) < 0);
  cr_assert(adb_apply(b, NULL, 0, NULL) < 0);
  char *after = dump_state(b);
  cr_assert_str_eq(before, after);
  OK(b, adb_apply(b, cs, len, NULL));
  free(before);
  free(after);
  free(copy);
  free(cs);
  adb_close(a);
  adb_close(b);
}

Test(sync, other_databases_are_refused_and_empty_replicas_join) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(a, adb_node_create(a, "n", "P", NULL, NULL));
  OK(b, adb_node_create(b, "m", "P", NULL, NULL));
  void *cs, *vv;
  size_t len, vvlen;
  OK(a, adb_changes(a, NULL, 0, &cs, &len));
  cr_assert_eq(adb_apply(b, cs, len, NULL), ADB_CONFLICT);
  cr_assert(strstr(adb_errmsg(b), adb_db_id(a)));
  OK(b, adb_vv(b, &vv, &vvlen));
  void *out;
  size_t outlen;
  cr_assert_eq(adb_changes(a, vv, vvlen, &out, &outlen), ADB_CONFLICT);
  OK(c, adb_apply(c, cs, len, NULL));
  cr_assert_str_eq(adb_db_id(c), adb_db_id(a), "an empty replica joins the set's database");
  assert_same(a, c);
  free(cs);
  free(vv);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

/* How many replicas db's version vector lists. */
static size_t vv_entries(adb *db) {
  void *vv;
  size_t n;
  char *js;
  OK(db, adb_vv(db, &vv, &n));
  OK(db, adb_vv_json(db, vv, n, &js));
  size_t count = 0;
  for (const char *p = js; (p = strchr(p, ':')); p++) count++;
  free(vv);
  adb_free(js);
  return count - 2; /* one colon per entry, and those of the "db" and "vv" keys */
}

Test(sync, a_replica_that_wrote_nothing_enters_no_version_vector) {
  adb *hub = open_tmp(0, NULL);
  OK(hub, adb_node_create(hub, "seed", "P", NULL, NULL));
  OK(hub, adb_text_insert(hub, "seed", "doc", 0, "hello"));
  cr_assert_eq(vv_entries(hub), 1);
  /* Fresh clients pull, then push their delta: a set that lists only themselves, at 0. */
  adb *c[3];
  for (int i = 0; i < 3; i++) {
    c[i] = open_tmp(i + 1, NULL);
    send_changes(hub, c[i]);
    send_changes(c[i], hub);
    cr_assert_eq(vv_entries(c[i]), 2, "the client and the hub");
  }
  cr_assert_eq(vv_entries(hub), 1, "a client that wrote nothing entered the hub's vector");
  /* One that pushes before it ever pulled, with the database id already set. */
  adb_options o = {.db_id = adb_db_id(hub)};
  adb *d = open_tmp(4, &o);
  send_changes(d, hub);
  cr_assert_eq(vv_entries(hub), 1);
  /* A client that writes enters it, also when its only write is a text edit of a register
   * another replica started: its transactions must be claimed and its edits credited to it. */
  OK(c[0], adb_text_insert(c[0], "seed", "doc", 5, " world"));
  send_changes(c[0], c[1]); /* c1 knows the hub, not c0 */
  cr_assert_eq(vv_entries(c[1]), 3);
  send_changes(c[1], hub);
  cr_assert_eq(vv_entries(hub), 2);
  OK(c[2], adb_text_insert(c[2], "seed", "doc", 0, ">"));
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 3; i++) {
      send_changes(c[i], hub);
      send_changes(hub, c[i]);
    }
  char *want = dump_registers(hub);
  for (int i = 0; i < 3; i++) {
    char *got = dump_registers(c[i]);
    cr_assert_str_eq(got, want);
    free(got);
  }
  free(want);
  char *text;
  OK(hub, adb_text_get(hub, "seed", "doc", &text));
  cr_assert_str_eq(text, ">hello world");
  adb_free(text);
  cr_assert_eq(vv_entries(hub), 3, "the hub and the two clients that wrote");
  for (int i = 0; i < 3; i++) adb_close(c[i]);
  adb_close(d);
  adb_close(hub);
}

Test(sync, chain_of_replicas_converges_through_a_hub) {
  adb *r[4];
  for (int i = 0; i < 4; i++) r[i] = open_tmp(i, NULL);
  OK(r[0], adb_node_create(r[0], "seed", "P", NULL, NULL));
  for (int i = 1; i < 4; i++) send_changes(r[0], r[i]);
  for (int i = 0; i < 4; i++) {
    char id[16];
    snprintf(id, sizeof id, "w%d", i);
    OK(r[i], adb_node_create(r[i], id, "P", NULL, NULL));
    OK(r[i], adb_node_set(r[i], "seed", "last", id[1] == '0' ? "0" : "1"));
  }
  /* 1 -> 2 -> 3 -> 0 and back: a chain, not a star. */
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 4; i++) {
      send_changes(r[i], r[(i + 1) % 4]);
      send_changes(r[(i + 1) % 4], r[i]);
    }
  for (int i = 1; i < 4; i++) assert_same(r[0], r[i]);
  cr_assert_eq(sql_int(r[0], "SELECT count(*) FROM nodes"), 5);
  for (int i = 0; i < 4; i++) adb_close(r[i]);
}

Test(open, refuses_files_that_are_not_arenadb_databases) {
  const char *path = tmp_db_path(5);
  FILE *f = fopen(path, "w");
  fputs("this is a text file, long enough to not look like an empty database at all.\n", f);
  for (int i = 0; i < 100; i++) fputs("more text\n", f);
  fclose(f);
  adb *db;
  cr_assert_eq(adb_open(path, NULL, &db), ADB_NOTADB);
  cr_assert(strstr(adb_errmsg(db), "not"));
  adb_close(db);

  path = tmp_db_path(6);
  sqlite3 *s;
  sqlite3_open(path, &s);
  sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL);
  sqlite3_close(s);
  cr_assert_eq(adb_open(path, NULL, &db), ADB_NOTADB);
  cr_assert(strstr(adb_errmsg(db), "SQLite"));
  adb_close(db);

  db = open_tmp(7, NULL);
  adb_close(db);
  sqlite3_open(tmp_db_path(7), &s);
  sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL);
  sqlite3_close(s);
  cr_assert_eq(adb_open(tmp_db_path(7), NULL, &db), ADB_FORMAT);
  cr_assert(strstr(adb_errmsg(db), "99"));
  adb_close(db);

  adb_options o = {.no_create = 1};
  cr_assert_eq(adb_open(tmp_db_path(8), &o, &db), ADB_NOTFOUND);
  adb_close(db);
  cr_assert_eq(access(tmp_db_path(8), F_OK), -1, "no file is created");
}

Test(sync, a_set_that_skips_transactions_does_not_advance_the_vector_past_the_gap) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(a, adb_node_create(a, "n1", "P", NULL, NULL));
  send_changes(a, b);
  OK(a, adb_node_create(a, "n2", "P", NULL, NULL));
  OK(a, adb_node_create(a, "n3", "P", NULL, NULL));
  /* A set made for b (which has n1) reaches c (which has nothing). */
  void *vv, *cs;
  size_t vvlen, cslen;
  OK(b, adb_vv(b, &vv, &vvlen));
  OK(a, adb_changes(a, vv, vvlen, &cs, &cslen));
  OK(c, adb_apply(c, cs, cslen, NULL));
  cr_assert_eq(sql_int(c, "SELECT count(*) FROM nodes"), 2);
  free(vv);
  free(cs);
  /* c's vector must not claim n1: asking a again brings it. */
  send_changes(a, c);
  cr_assert_eq(sql_int(c, "SELECT count(*) FROM nodes WHERE id = 'n1'"), 1);
  assert_same(a, c);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

Test(sync, two_handles_on_one_file_never_reuse_a_transaction_number) {
  adb *h1 = open_tmp(0, NULL), *h2 = open_tmp(0, NULL); /* one file, as a server and a CLI */
  adb *peer = open_tmp(1, NULL);
  OK(h1, adb_node_create(h1, "n1", "P", NULL, NULL));
  send_changes(h1, peer);
  OK(h2, adb_node_create(h2, "n2", "P", NULL, NULL)); /* h2 opened before n1 was written */
  OK(h2, adb_exec(h2, "INSERT INTO nodes(id, label) VALUES ('n3', 'P')"));
  OK(h1, adb_begin(h1));
  OK(h1, adb_node_create(h1, "n4", "P", NULL, NULL));
  OK(h1, adb_commit(h1));
  send_changes(h1, peer);
  assert_same(h1, peer);
  cr_assert_eq(sql_int(peer, "SELECT count(*) FROM nodes"), 4);
  /* Both handles report what the file holds, whichever of them wrote it. */
  void *v1, *v2;
  size_t l1, l2;
  OK(h1, adb_vv(h1, &v1, &l1));
  OK(h2, adb_vv(h2, &v2, &l2));
  cr_assert(l1 == l2 && memcmp(v1, v2, l1) == 0, "the handles disagree on the version vector");
  free(v1);
  free(v2);
  adb_close(h1);
  adb_close(h2);
  adb_close(peer);
}
