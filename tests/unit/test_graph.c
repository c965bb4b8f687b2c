/* test_graph.c — nodes and edges through the C API: writes, reads, errors, transactions. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adb_int.h"
#include "helpers.h"

Test(graph, create_get_update_delete_node) {
  adb *db = open_tmp(0, NULL);
  char *id = NULL;
  OK(db, adb_node_create(db, NULL, "Person", "{\"name\":\"Ada\", \"age\": 36}", &id));
  cr_assert_eq(strlen(id), 26, "generated ids are 26 characters: %s", id);
  adb_element e;
  OK(db, adb_node_get(db, id, &e));
  cr_assert_str_eq(e.label, "Person");
  cr_assert_str_eq(e.properties, "{\"age\":36,\"name\":\"Ada\"}");
  cr_assert_null(e.source_id);
  adb_element_clear(&e);

  OK(db, adb_node_update(db, id, "Scientist", "{\"age\":37,\"name\":null,\"field\":\"math\"}"));
  OK(db, adb_node_get(db, id, &e));
  cr_assert_str_eq(e.label, "Scientist");
  cr_assert_str_eq(e.properties, "{\"age\":37,\"field\":\"math\"}");
  adb_element_clear(&e);

  OK(db, adb_node_set(db, id, "tags", "[\"a\", \"b\"]"));
  OK(db, adb_node_set(db, id, "none", "null"));
  OK(db, adb_node_unset(db, id, "age"));
  OK(db, adb_node_get(db, id, &e));
  cr_assert_str_eq(e.properties, "{\"field\":\"math\",\"none\":null,\"tags\":[\"a\",\"b\"]}");
  adb_element_clear(&e);

  OK(db, adb_node_delete(db, id));
  cr_assert_eq(adb_node_get(db, id, &e), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), id));
  cr_assert_eq(adb_node_delete(db, id), ADB_NOTFOUND);
  adb_free(id);
  adb_close(db);
}

Test(graph, generated_ids_increase) {
  adb *db = open_tmp(0, NULL);
  char *prev = NULL;
  for (int i = 0; i < 200; i++) {
    char *id;
    OK(db, adb_node_create(db, NULL, "N", NULL, &id));
    if (prev) cr_assert(strcmp(prev, id) < 0, "%s then %s", prev, id);
    free(prev);
    prev = id;
  }
  free(prev);
  adb_close(db);
}

static int64_t clock_at(void *ctx) { return *(int64_t *)ctx; }

/* Generated ids are time-ordered (arenadb.h): ids made within one millisecond, or after the
 * clock stepped back, still sort in the order they were made, since they count up from the
 * last one rather than drawing new random bits. */
Test(graph, generated_ids_increase_within_a_millisecond_and_when_the_clock_steps_back) {
  int64_t t = 1700000000000;
  adb_options o = {.clock_ms = clock_at, .clock_ctx = &t};
  adb *db = open_tmp(0, &o);
  char *prev = NULL;
  for (int i = 0; i < 100; i++) {
    if (i == 50) t -= 5000; /* an NTP correction */
    char *id;
    OK(db, adb_node_create(db, NULL, "N", NULL, &id));
    if (prev) cr_assert(strcmp(prev, id) < 0, "id %d: %s then %s", i, prev, id);
    free(prev);
    prev = id;
  }
  free(prev);
  adb_close(db);
}

Test(graph, chosen_ids_conflict_and_recreate_starts_fresh) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "user:alice", "Person", "{\"a\":1}", NULL));
  cr_assert_eq(adb_node_create(db, "user:alice", "Person", NULL, NULL), ADB_CONFLICT);
  OK(db, adb_node_delete(db, "user:alice"));
  OK(db, adb_node_create(db, "user:alice", "Person", "{\"b\":2}", NULL));
  adb_element e;
  OK(db, adb_node_get(db, "user:alice", &e));
  cr_assert_str_eq(e.properties, "{\"b\":2}", "a re-created node does not inherit old keys");
  adb_element_clear(&e);
  adb_close(db);
}

Test(graph, edges_need_live_endpoints_and_hide_with_them) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "N", NULL, NULL));
  OK(db, adb_node_create(db, "b", "N", NULL, NULL));
  cr_assert_eq(adb_edge_create(db, "e0", "a", "R", "missing", NULL, NULL), ADB_NOTFOUND);
  cr_assert(strstr(adb_errmsg(db), "missing"));
  OK(db, adb_edge_create(db, "e1", "a", "R", "b", "{\"w\":1}", NULL));
  adb_element e;
  OK(db, adb_edge_get(db, "e1", &e));
  cr_assert_str_eq(e.source_id, "a");
  cr_assert_str_eq(e.target_id, "b");
  adb_element_clear(&e);

  OK(db, adb_node_delete(db, "b"));
  cr_assert_eq(adb_edge_get(db, "e1", &e), ADB_NOTFOUND, "hidden while an endpoint is deleted");
  cr_assert_eq(adb_edge_set(db, "e1", "w", "2"), ADB_NOTFOUND);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM edges"), 0);
  OK(db, adb_node_create(db, "b", "N", NULL, NULL));
  OK(db, adb_edge_get(db, "e1", &e));
  cr_assert_str_eq(e.properties, "{\"w\":1}", "the edge comes back whole");
  adb_element_clear(&e);
  adb_close(db);
}

/* The ids a listing yields, concatenated into got; frees the iterator. */
static void ids_of(adb_iter *it, char *got) {
  adb_element e;
  *got = 0;
  while (adb_iter_next(it, &e) == ADB_ROW) {
    strcat(got, e.id);
    adb_element_clear(&e);
  }
  adb_iter_free(it);
}

Test(graph, listing_with_filters) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", NULL, NULL));
  OK(db, adb_node_create(db, "b", "Q", NULL, NULL));
  OK(db, adb_node_create(db, "c", "P", NULL, NULL));
  OK(db, adb_edge_create(db, "x", "a", "R", "b", NULL, NULL));
  OK(db, adb_edge_create(db, "y", "a", "S", "c", NULL, NULL));
  OK(db, adb_edge_create(db, "z", "b", "R", "c", NULL, NULL));
  struct {
    const char *src, *dst, *label, *want;
  } cases[] = {{NULL, NULL, NULL, "xyz"}, {"a", NULL, NULL, "xy"}, {NULL, "c", NULL, "yz"},
               {NULL, NULL, "R", "xz"},   {"a", "c", "S", "y"},    {"c", NULL, NULL, ""}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    adb_iter *it;
    OK(db, adb_edge_list(db, cases[k].src, cases[k].dst, cases[k].label, &it));
    char got[8];
    ids_of(it, got);
    cr_assert_str_eq(got, cases[k].want, "case %zu", k);
  }
  adb_iter *it;
  OK(db, adb_node_list(db, "P", &it));
  adb_element e;
  cr_assert_eq(adb_iter_next(it, &e), ADB_ROW);
  cr_assert_str_eq(e.id, "a");
  adb_element_clear(&e);
  cr_assert_eq(adb_iter_next(it, &e), ADB_ROW);
  cr_assert_str_eq(e.id, "c");
  adb_element_clear(&e);
  cr_assert_eq(adb_iter_next(it, &e), ADB_DONE);
  adb_iter_free(it);
  adb_close(db);
}

/* The ids a listing yields after `after` (NULL: from the first), concatenated. */
static void list_after(adb *db, int edges, const char *label, const char *after, char *got) {
  adb_iter *it;
  OK(db, edges ? adb_edge_list(db, NULL, NULL, label, &it) : adb_node_list(db, label, &it));
  if (after) OK(db, adb_iter_after(it, after));
  ids_of(it, got);
}

Test(graph, listing_the_edges_of_a_node) {
  adb *db = open_tmp(0, NULL);
  for (const char *id = "abc"; *id; id++) {
    char one[2] = {*id, 0};
    OK(db, adb_node_create(db, one, "N", NULL, NULL));
  }
  OK(db, adb_edge_create(db, "x", "a", "R", "b", NULL, NULL));
  OK(db, adb_edge_create(db, "y", "c", "S", "a", NULL, NULL));
  OK(db, adb_edge_create(db, "z", "b", "R", "c", NULL, NULL));
  OK(db, adb_edge_create(db, "w", "a", "R", "a", NULL, NULL));
  struct {
    const char *node, *label, *after, *want;
  } cases[] = {{"a", NULL, NULL, "wxy"}, {"a", "R", NULL, "wx"}, {"b", NULL, NULL, "xz"},
               {"a", NULL, "w", "xy"},   {"zz", NULL, NULL, ""}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    adb_iter *it;
    OK(db, adb_edge_list_of(db, cases[k].node, cases[k].label, &it));
    if (cases[k].after) OK(db, adb_iter_after(it, cases[k].after));
    char got[8];
    ids_of(it, got);
    cr_assert_str_eq(got, cases[k].want, "case %zu", k);
  }
  OK(db, adb_node_delete(db, "c"));
  char got[8];
  list_after(db, 1, NULL, NULL, got);
  cr_assert_str_eq(got, "wx", "edges of a deleted node are hidden");
  adb_iter *it;
  cr_assert_eq(adb_edge_list_of(db, NULL, NULL, &it), ADB_MISUSE);
  adb_close(db);
}

Test(graph, listing_after_an_id) {
  adb *db = open_tmp(0, NULL);
  for (const char *id = "abcdef"; *id; id++) {
    char one[2] = {*id, 0};
    OK(db, adb_node_create(db, one, *id % 2 ? "P" : "Q", NULL, NULL));
  }
  OK(db, adb_edge_create(db, "x", "a", "R", "b", NULL, NULL));
  OK(db, adb_edge_create(db, "y", "a", "S", "c", NULL, NULL));
  OK(db, adb_edge_create(db, "z", "b", "R", "c", NULL, NULL));
  char got[16];
  struct {
    int edges;
    const char *label, *after, *want;
  } cases[] = {{0, NULL, "b", "cdef"}, {0, NULL, "bb", "cdef"}, {0, "P", "a", "ce"},
               {0, NULL, "f", ""},     {0, NULL, "", "abcdef"}, {1, NULL, "x", "yz"},
               {1, "R", "x", "z"},     {1, NULL, NULL, "xyz"}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    list_after(db, cases[k].edges, cases[k].label, cases[k].after, got);
    cr_assert_str_eq(got, cases[k].want, "case %zu", k);
  }
  adb_iter *it;
  adb_element e;
  OK(db, adb_node_list(db, NULL, &it));
  cr_assert_eq(adb_iter_next(it, &e), ADB_ROW);
  adb_element_clear(&e);
  cr_assert_eq(adb_iter_after(it, "c"), ADB_MISUSE, "a listing under way cannot move");
  cr_assert_eq(adb_iter_after(NULL, "c"), ADB_MISUSE);
  adb_iter_free(it);
  adb_close(db);
}

Test(graph, bad_input_changes_nothing) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"k\":1}", NULL));
  char *before = dump_state(db);
  struct {
    int rc;
    int want;
  } cases[] = {
      {adb_node_create(db, NULL, "P", "{not json", NULL), ADB_INVALID},
      {adb_node_create(db, NULL, "P", "[1,2]", NULL), ADB_INVALID},
      {adb_node_create(db, NULL, "", NULL, NULL), ADB_INVALID},
      {adb_node_create(db, NULL, NULL, NULL, NULL), ADB_INVALID},
      {adb_node_create(db, "bad\nid", "P", NULL, NULL), ADB_INVALID},
      {adb_node_create(db, "\xff", "P", NULL, NULL), ADB_INVALID},
      {adb_node_set(db, "a", "k", "{oops"), ADB_INVALID},
      {adb_node_set(db, "nope", "k", "1"), ADB_NOTFOUND},
      {adb_node_update(db, "a", NULL, "{\"k\":2,"), ADB_INVALID},
      {adb_node_update(db, "nope", "L", NULL), ADB_NOTFOUND},
      {adb_node_unset(db, "a", ""), ADB_INVALID},
      {adb_edge_create(db, NULL, "a", "R", "nope", NULL, NULL), ADB_NOTFOUND},
      {adb_edge_delete(db, "nope"), ADB_NOTFOUND},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    cr_assert_eq(cases[i].rc, cases[i].want, "case %zu: got %d", i, cases[i].rc);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  free(before);
  free(after);
  adb_close(db);
}

Test(graph, transactions_commit_together_or_roll_back) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_begin(db));
  cr_assert_eq(adb_begin(db), ADB_MISUSE);
  OK(db, adb_node_create(db, "a", "P", NULL, NULL));
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  cr_assert_eq(adb_node_create(db, "a", "P", NULL, NULL), ADB_CONFLICT,
               "a failed write inside a transaction leaves the rest");
  OK(db, adb_commit(db));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 2);
  OK(db, adb_begin(db));
  OK(db, adb_node_create(db, "c", "P", NULL, NULL));
  OK(db, adb_rollback(db));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 2);
  cr_assert_eq(adb_commit(db), ADB_MISUSE);
  OK(db, adb_node_create(db, "d", "P", NULL, NULL));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 3);
  adb_close(db);
}

/* A query that fails inside adb_begin changes nothing (arenadb.h), not even what it wrote
 * before failing; the transaction's other writes still commit together. */
Test(graph, a_failed_query_inside_a_transaction_leaves_no_partial_writes) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_begin(db));
  OK(db, adb_node_create(db, "a", "P", NULL, NULL));
  adb_cypher *r;
  cr_assert_lt(adb_cypher_run(db, "CREATE (:X {v: 1}) WITH 1 AS one RETURN 1 / 0", NULL, &r), 0);
  adb_cypher_free(r);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes WHERE label = 'X'"), 0);
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  OK(db, adb_commit(db));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes WHERE label = 'X'"), 0);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 2);
  adb_close(db);
}

/* adb_check reports an edge whose source or target node row is gone from the file (damage no
 * write can make), naming the edge. */
Test(graph, check_reports_an_edge_whose_endpoint_row_is_gone) {
  const char *gone[] = {"src", "dst"};
  for (int i = 0; i < 2; i++) {
    adb *db = open_tmp(i, NULL);
    OK(db, adb_node_create(db, "a", "P", NULL, NULL));
    OK(db, adb_node_create(db, "b", "P", NULL, NULL));
    OK(db, adb_edge_create(db, "e", "a", "L", "b", NULL, NULL));
    OK(db, adb_check(db, NULL));
    adb_close(db);
    sqlite3 *raw;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM adb_node WHERE rid = (SELECT %s FROM adb_edge)",
             gone[i]);
    cr_assert_eq(sqlite3_open(tmp_db_path(i), &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    OK(NULL, adb_open(tmp_db_path(i), NULL, &db));
    char *report = NULL;
    cr_assert_eq(adb_check(db, &report), ADB_CORRUPT, "the %s row is gone", gone[i]);
    cr_assert(strstr(report, "edge e: an endpoint row is missing"), "%s", report);
    adb_free(report);
    adb_close(db);
  }
}

Test(graph, reopen_keeps_data_and_identity) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"x\":[1,{\"y\":2}]}", NULL));
  char rid[33], dbid[33];
  strcpy(rid, adb_replica_id(db));
  strcpy(dbid, adb_db_id(db));
  adb_close(db);
  db = open_tmp(0, NULL);
  cr_assert_str_eq(adb_replica_id(db), rid);
  cr_assert_str_eq(adb_db_id(db), dbid);
  adb_element e;
  OK(db, adb_node_get(db, "a", &e));
  cr_assert_str_eq(e.properties, "{\"x\":[1,{\"y\":2}]}");
  adb_element_clear(&e);
  OK(db, adb_check(db, NULL));
  adb_close(db);
}

static int refuse_commit(void *ctx) {
  (void)ctx;
  return 1; /* SQLite turns the COMMIT into a rollback */
}

/* A create whose commit fails returns the failure and no id: nobody is told of an element that
 * does not exist. */
Test(graph, a_create_whose_commit_fails_gives_no_id) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", NULL, NULL));
  sqlite3_commit_hook(db->sql, refuse_commit, NULL);
  char *id = (char *)"untouched";
  cr_assert_neq(adb_node_create(db, NULL, "P", NULL, &id), ADB_OK);
  cr_assert_null(id);
  id = (char *)"untouched";
  cr_assert_neq(adb_edge_create(db, "e", "a", "R", "a", NULL, &id), ADB_OK);
  cr_assert_null(id);
  sqlite3_commit_hook(db->sql, NULL, NULL);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 1);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM edges"), 0);
  adb_close(db);
}
