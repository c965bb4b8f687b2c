/* test_sql.c — the SQL views, writes through them, prepared statements, and guards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

Test(sql, views_show_the_graph) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"name\":\"Ada\"}", NULL));
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  OK(db, adb_edge_create(db, "e", "a", "KNOWS", "b", "{\"since\":1}", NULL));
  adb_stmt *st;
  OK(db, adb_prepare(db, "SELECT json_extract(properties, '$.name') FROM nodes WHERE id = ?1", &st,
                     NULL));
  OK(db, adb_bind_text(st, 1, "a"));
  cr_assert_eq(adb_step(st), ADB_ROW);
  cr_assert_str_eq(adb_column_text(st, 0), "Ada");
  cr_assert_eq(adb_step(st), ADB_DONE);
  adb_finalize(st);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM edges WHERE source_node_id='a' AND"
                           " target_node_id='b' AND label='KNOWS'"),
               1);
  adb_close(db);
}

Test(sql, writes_through_views_are_crdt_writes) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label, properties) VALUES ('a', 'P', '{\"n\":1}');"
                      "INSERT INTO nodes(label) VALUES ('Generated');"
                      "INSERT INTO nodes(id, label, properties) VALUES ('b', 'P', NULL);"
                      "INSERT INTO edges(id, source_node_id, target_node_id, label)"
                      "  VALUES ('e', 'a', 'b', 'R');"
                      "UPDATE nodes SET properties = json_set(properties, '$.m', 2) WHERE id = 'a';"
                      "UPDATE nodes SET label = 'Q' WHERE id = 'b';"
                      "UPDATE edges SET properties = '{\"w\":5}' WHERE id = 'e';"));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes WHERE length(id) = 26"), 1);
  char *s = dump_state(db);
  cr_assert(strstr(s, "a|P|{\"m\":2,\"n\":1}\n"), "%s", s);
  cr_assert(strstr(s, "b|Q|{}\n"), "%s", s);
  cr_assert(strstr(s, "e|a|b|R|{\"w\":5}\n"), "%s", s);
  free(s);
  OK(db, adb_exec(db, "DELETE FROM nodes WHERE id = 'b'"));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM edges"), 0);

  /* The SQL writes replicate like API writes. */
  adb *peer = open_tmp(1, NULL);
  OK(db, adb_sync_local(db, peer));
  char *x = dump_state(db), *y = dump_state(peer);
  cr_assert_str_eq(x, y);
  free(x);
  free(y);
  adb_close(peer);
  adb_close(db);
}

/* Runs sql to the end and returns the rows it changed. */
static int64_t changes_of(adb *db, const char *sql) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  int rc;
  while ((rc = adb_step(st)) == ADB_ROW) continue;
  cr_assert_eq(rc, ADB_DONE, "%s: %s", sql, adb_errmsg(db));
  int64_t n = adb_stmt_changes(st);
  adb_finalize(st);
  return n;
}

/* Writes say how many rows they changed: through the views (whose INSTEAD OF triggers SQLite
 * does not count), in one's own tables, and none for a query. */
Test(sql, a_statement_counts_the_rows_it_changed) {
  adb *db = open_tmp(0, NULL);
  cr_assert_eq(changes_of(db, "INSERT INTO nodes(id, label) VALUES ('a', 'P'), ('b', 'P'), "
                              "('c', 'Q')"), 3);
  cr_assert_eq(changes_of(db, "INSERT INTO edges(id, source_node_id, target_node_id, label) "
                              "VALUES ('e', 'a', 'b', 'R') RETURNING id"), 1);
  cr_assert_eq(changes_of(db, "UPDATE nodes SET properties = '{\"x\":1}' WHERE label = 'P'"), 2);
  cr_assert_eq(changes_of(db, "UPDATE nodes SET label = 'Z' WHERE id = 'nobody'"), 0);
  cr_assert_eq(changes_of(db, "SELECT * FROM nodes"), 0);
  cr_assert_eq(changes_of(db, "DELETE FROM nodes WHERE label = 'Q'"), 1);
  OK(db, adb_exec(db, "CREATE TABLE mine(x)"));
  cr_assert_eq(changes_of(db, "INSERT INTO mine VALUES (1), (2), (3), (4)"), 4);
  cr_assert_eq(changes_of(db, "SELECT count(*) FROM mine"), 0);
  cr_assert_eq(changes_of(db, "DELETE FROM mine WHERE x > 1"), 3);
  /* Inside adb_begin's transaction too, and with rows to return between the writes and the end. */
  OK(db, adb_begin(db));
  cr_assert_eq(changes_of(db, "INSERT INTO nodes(label) VALUES ('T'), ('T') RETURNING id"), 2);
  cr_assert_eq(changes_of(db, "UPDATE nodes SET label = 'U' WHERE label = 'T' RETURNING id"), 2);
  OK(db, adb_commit(db));
  adb_close(db);
}

/* Which columns of a statement adb_column_is_json marks, as a string of 0s and 1s. */
static void json_columns(adb *db, const char *sql, char *out) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  int n = adb_column_count(st);
  for (int i = 0; i < n; i++) out[i] = adb_column_is_json(st, i) ? '1' : '0';
  out[n] = 0;
  adb_finalize(st);
}

Test(sql, the_views_properties_are_json_wherever_they_pass_unchanged) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_exec(db, "CREATE TABLE mine(properties TEXT, props TEXT)"));
  struct {
    const char *sql, *want;
  } cases[] = {
      {"SELECT * FROM nodes", "001"},
      {"SELECT * FROM edges", "00001"},
      {"SELECT properties AS x, label FROM (SELECT * FROM nodes) n", "10"},
      {"WITH again AS (SELECT id, properties AS p FROM nodes) SELECT p FROM again", "1"},
      {"SELECT n.properties, e.properties FROM nodes n JOIN edges e ON e.source_node_id = n.id",
       "11"},
      {"SELECT json_set(properties, '$.a', 1), properties || '' FROM nodes", "00"},
      {"SELECT properties, props FROM mine", "00"},
      {"SELECT 1", "0"},
  };
  char got[8];
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    json_columns(db, cases[k].sql, got);
    cr_assert_str_eq(got, cases[k].want, "%s", cases[k].sql);
  }
  adb_close(db);
}

Test(sql, a_statement_says_whether_it_may_write) {
  adb *db = open_tmp(0, NULL);
  const char *reads[] = {"SELECT * FROM nodes", "WITH x AS (SELECT 1) SELECT * FROM x",
                         "EXPLAIN SELECT 1"};
  const char *writes[] = {"INSERT INTO nodes(label) VALUES ('P')", "DELETE FROM edges",
                          "CREATE TABLE t(x)"};
  for (int i = 0; i < 3; i++) {
    adb_stmt *st;
    OK(db, adb_prepare(db, reads[i], &st, NULL));
    cr_assert_eq(adb_stmt_readonly(st), 1, "%s", reads[i]);
    adb_finalize(st);
    OK(db, adb_prepare(db, writes[i], &st, NULL));
    cr_assert_eq(adb_stmt_readonly(st), 0, "%s", writes[i]);
    adb_finalize(st);
  }
  cr_assert_eq(adb_stmt_readonly(NULL), 0);
  adb_close(db);
}

Test(sql, last_insert_id_names_each_inserted_element) {
  adb *db = open_tmp(0, NULL);
  adb_stmt *st;
  OK(db, adb_prepare(db, "SELECT last_insert_id()", &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW);
  cr_assert_eq(adb_column_type(st, 0), ADB_TYPE_NULL, "none before an insert");
  adb_finalize(st);
  OK(db, adb_prepare(db, "INSERT INTO nodes(label, properties) VALUES ('P', '{\"n\":1}'), "
                         "('Q', '{\"n\":2}') RETURNING last_insert_id(), label", &st, NULL));
  char ids[2][64];
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(adb_step(st), ADB_ROW);
    cr_assert_eq(strlen(adb_column_text(st, 0)), 26, "a generated id");
    strcpy(ids[i], adb_column_text(st, 0));
    cr_assert_str_eq(adb_column_text(st, 1), i ? "Q" : "P");
  }
  cr_assert_eq(adb_step(st), ADB_DONE);
  adb_finalize(st);
  cr_assert_str_neq(ids[0], ids[1]);
  adb_element e;
  OK(db, adb_node_get(db, ids[1], &e));
  cr_assert_str_eq(e.label, "Q", "the id returned is the row's own");
  adb_element_clear(&e);
  OK(db, adb_exec(db, "INSERT INTO edges(source_node_id, target_node_id, label) "
                      "SELECT id, id, 'SELF' FROM nodes WHERE label = 'P'"));
  OK(db, adb_prepare(db, "SELECT count(*) FROM edges WHERE id = last_insert_id() AND "
                         "label = 'SELF'", &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW);
  cr_assert_eq(adb_column_int(st, 0), 1, "an edge's id too");
  adb_finalize(st);
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label) VALUES ('given', 'P')"));
  cr_assert_eq(sql_int(db, "SELECT last_insert_id() = 'given'"), 1, "a given id");
  cr_assert_neq(adb_exec(db, "INSERT INTO nodes(id) VALUES ('nolabel')"), ADB_OK);
  cr_assert_eq(sql_int(db, "SELECT last_insert_id() = 'given'"), 1, "a failed insert names none");
  adb_close(db);
}

Test(sql, bad_sql_writes_are_refused_and_change_nothing) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"n\":1}", NULL));
  OK(db, adb_node_create(db, "b", "P", NULL, NULL));
  OK(db, adb_edge_create(db, "e", "a", "R", "b", NULL, NULL));
  char *before = dump_state(db);
  const char *bad[] = {
      "SELEC 1",
      "SELECT * FROM no_such_table",
      "INSERT INTO adb_node(id, cl, props, meta) VALUES ('x', 1, '{}', x'')",
      "UPDATE adb_node SET label = 'X'",
      "DELETE FROM adb_tag",
      "DROP TABLE adb_edge",
      "DROP VIEW nodes",
      "PRAGMA user_version = 7",
      "CREATE TRIGGER t AFTER INSERT ON adb_node BEGIN DELETE FROM adb_edge; END",
      "CREATE TEMP TRIGGER t BEFORE INSERT ON adb_tag BEGIN SELECT RAISE(ABORT, 'x'); END",
      "CREATE INDEX i ON adb_node(props)",
      "INSERT INTO nodes(id, label, properties) VALUES ('c', 'P', '{bad')",
      "INSERT INTO nodes(id, label, properties) VALUES ('c', 'P', '[]')",
      "INSERT INTO nodes(id, properties) VALUES ('c', '{}')",
      "INSERT INTO nodes(id, label) VALUES ('a', 'P')",
      "UPDATE nodes SET id = 'z' WHERE id = 'a'",
      "UPDATE edges SET target_node_id = 'a' WHERE id = 'e'",
      "INSERT INTO edges(source_node_id, target_node_id, label) VALUES ('a', 'zz', 'R')",
      /* A multi-row write fails as a whole when one row fails. */
      "INSERT INTO nodes(id, label) VALUES ('c', 'P'), ('d', '')",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int rc = adb_exec(db, bad[i]);
    cr_assert(rc < 0, "'%s' was accepted", bad[i]);
    cr_assert(strlen(adb_errmsg(db)) > 0);
  }
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  free(before);
  free(after);
  OK(db, adb_check(db, NULL));
  adb_close(db);
}

/* Every pragma that sets something is refused: each would change the file's identity or layout
 * (the next open then fails), or wedge the connection that every later request shares. Pragmas
 * that only report still work. */
Test(sql, pragmas_that_set_anything_are_refused_and_reports_still_work) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"n\":1}", NULL));
  char *before = dump_state(db);
  long long app = sql_int(db, "PRAGMA application_id"), ver = sql_int(db, "PRAGMA user_version");
  const char *bad[] = {
      "PRAGMA application_id = 1234", "PRAGMA main.application_id = 1234",
      "PRAGMA user_version = 7", "PRAGMA schema_version = 1", "PRAGMA journal_mode = DELETE",
      "PRAGMA journal_mode = OFF", "PRAGMA writable_schema = 1", "PRAGMA query_only = 1",
      "PRAGMA hard_heap_limit = 100000", "PRAGMA soft_heap_limit = 1000",
      "PRAGMA locking_mode = EXCLUSIVE", "PRAGMA synchronous = OFF", "PRAGMA page_size = 1024",
      "PRAGMA auto_vacuum = FULL", "PRAGMA cache_size = 1", "PRAGMA mmap_size = 0",
      "PRAGMA max_page_count = 1", "PRAGMA temp_store = MEMORY", "PRAGMA busy_timeout = 0",
      "PRAGMA secure_delete = 1", "PRAGMA recursive_triggers = 1", "PRAGMA foreign_keys = 1",
      "PRAGMA wal_autocheckpoint = 0", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA optimize",
      "PRAGMA shrink_memory", "PRAGMA incremental_vacuum", "PRAGMA case_sensitive_like = 1",
      "PRAGMA ignore_check_constraints = 1", "PRAGMA defer_foreign_keys = 1",
      "PRAGMA legacy_alter_table = 1", "PRAGMA reverse_unordered_selects = 1",
      "PRAGMA trusted_schema = 1", "PRAGMA cell_size_check = 1", "PRAGMA threads = 4",
      "PRAGMA analysis_limit = 1", "PRAGMA automatic_index = 0", "PRAGMA encoding = 'UTF-16'",
      "PRAGMA no_such_pragma", "PRAGMA no_such_pragma = 1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int rc = adb_exec(db, bad[i]);
    cr_assert(rc < 0, "'%s' was accepted", bad[i]);
    cr_assert(strlen(adb_errmsg(db)) > 0);
  }
  const char *reports[] = {"PRAGMA table_info(adb_node)", "PRAGMA index_list(adb_edge)",
                           "PRAGMA integrity_check", "PRAGMA quick_check", "PRAGMA page_count",
                           "PRAGMA journal_mode", "PRAGMA compile_options",
                           "SELECT name FROM pragma_table_info('adb_node')"};
  for (size_t i = 0; i < sizeof reports / sizeof *reports; i++) OK(db, adb_exec(db, reports[i]));
  cr_assert_eq(sql_int(db, "PRAGMA application_id"), app);
  cr_assert_eq(sql_int(db, "PRAGMA user_version"), ver);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  OK(db, adb_node_set(db, "a", "n", "2"));
  OK(db, adb_close(db));
  db = open_tmp(0, NULL);
  OK(db, adb_check(db, NULL));
  free(before);
  free(after);
  adb_close(db);
}

/* The connection's temp schema and other files are out of SQL's reach: a temp table named like
 * an internal one would take its writes (acknowledged, then gone on reopen), a temp trigger on a
 * view would turn later writes, another client's in a server, into something else, and ATTACH
 * creates and writes any file. */
Test(sql, temp_objects_attach_and_unsafe_functions_are_refused) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"n\":1}", NULL));
  char attach[200];
  snprintf(attach, sizeof attach, "ATTACH '%s.other' AS other", tmp_db_path(0));
  const char *bad[] = {
      "CREATE TEMP TABLE adb_node(rid INTEGER PRIMARY KEY, id TEXT, cl, label, props, meta)",
      "CREATE TEMP TABLE scratch(x)",
      "CREATE TEMPORARY VIEW v AS SELECT 1",
      "CREATE TEMP TRIGGER t INSTEAD OF INSERT ON nodes BEGIN DELETE FROM nodes; END",
      "CREATE TEMP TRIGGER t INSTEAD OF UPDATE ON edges BEGIN SELECT 1; END",
      attach,
      "DETACH temp",
      "SELECT fts3_tokenizer('simple')",
      "SELECT load_extension('/lib/x')",
      "UPDATE sqlite_schema SET sql = '' WHERE name = 'adb_node'",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int rc = adb_exec(db, bad[i]);
    cr_assert(rc < 0, "'%s' was accepted", bad[i]);
  }
  char other[200];
  snprintf(other, sizeof other, "%s.other", tmp_db_path(0));
  cr_assert_eq(access(other, F_OK), -1, "ATTACH created %s", other);
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label, properties) VALUES ('b', 'P', '{}')"));
  OK(db, adb_close(db));
  db = open_tmp(0, NULL);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes WHERE id IN ('a', 'b')"), 2);
  /* Tables of the application's own in the file stay allowed. */
  OK(db, adb_exec(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES (1)"));
  OK(db, adb_check(db, NULL));
  adb_close(db);
}

Test(sql, failed_statement_inside_a_transaction_keeps_sequence_numbers_sound) {
  adb *db = open_tmp(0, NULL);
  adb *peer = open_tmp(1, NULL);
  OK(db, adb_begin(db));
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label) VALUES ('a', 'P')"));
  cr_assert(adb_exec(db, "INSERT INTO nodes(id, label) VALUES ('b', 'P'), ('c', NULL)") < 0);
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label) VALUES ('d', 'P')"));
  OK(db, adb_commit(db));
  OK(db, adb_node_create(db, "e", "P", NULL, NULL));
  OK(db, adb_sync_local(db, peer));
  char *x = dump_state(db), *y = dump_state(peer);
  cr_assert_str_eq(x, y);
  cr_assert(strstr(y, "d|P") && strstr(y, "e|P") && !strstr(y, "b|P"), "%s", y);
  free(x);
  free(y);
  adb_close(peer);
  adb_close(db);
}

Test(sql, user_tables_are_allowed_and_local) {
  adb *db = open_tmp(0, NULL);
  OK(db,
     adb_exec(db, "CREATE TABLE notes(k TEXT PRIMARY KEY, v); INSERT INTO notes VALUES ('x', 1)"));
  cr_assert_eq(sql_int(db, "SELECT v FROM notes"), 1);
  adb_close(db);
}

/* Milliseconds of a monotonic clock. */
static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A statement or query that would run for ever stops at the handle's time limit, undoes its
 * writes, and leaves the handle as fast as before for the next one. */
Test(sql, the_time_limit_stops_endless_statements_and_queries) {
  adb *db = open_tmp(0, NULL);
  cr_assert_eq(adb_set_time_limit(db, -1), ADB_MISUSE);
  OK(db, adb_begin(db));
  for (int i = 0; i < 300; i++) {
    char id[16];
    snprintf(id, sizeof id, "n%d", i);
    OK(db, adb_node_create(db, id, "P", NULL, NULL));
  }
  OK(db, adb_commit(db));
  OK(db, adb_set_time_limit(db, 300));
  const char *endless[] = {
      "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
      "INSERT INTO nodes(id, label) WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
      " SELECT 'x' || i, 'X' FROM r",
  };
  for (size_t i = 0; i < sizeof endless / sizeof *endless; i++) {
    long long t0 = mono_ms();
    int rc = adb_exec(db, endless[i]);
    long long took = mono_ms() - t0;
    cr_assert_eq(rc, ADB_INTERRUPT, "%s: %d %s", endless[i], rc, adb_errmsg(db));
    cr_assert(strstr(adb_errmsg(db), "time limit of 300 ms"), "%s", adb_errmsg(db));
    cr_assert_lt(took, 3000, "stopped after %lld ms", took);
  }
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 300);
  adb_cypher *r;
  long long t0 = mono_ms();
  cr_assert_eq(adb_cypher_run(db, "MATCH (a), (b), (c) RETURN count(*)", NULL, &r), ADB_INTERRUPT);
  cr_assert_lt(mono_ms() - t0, 3000);
  const char *type;
  OK(db, adb_cypher_error(r, &type, NULL, NULL, NULL));
  cr_assert_str_eq(type, "TimeoutError");
  adb_cypher_free(r);
  cr_assert_eq(adb_cypher_run(db, "UNWIND range(1, 300) AS i MATCH (a), (b) CREATE (:Q)", NULL, &r),
               ADB_INTERRUPT);
  adb_cypher_free(r);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 300);
  /* Quick work goes on, however long the handle lives: the limit is per statement. */
  usleep(400 * 1000);
  OK(db, adb_node_create(db, "after", "P", NULL, NULL));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 301);
  char *rows = cypher_rows(db, "MATCH (n:P) RETURN count(*)", NULL, 0);
  cr_assert_str_eq(rows, "301\n");
  free(rows);
  OK(db, adb_set_time_limit(db, 0));
  cr_assert_eq(sql_int(db, "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r"
                           " WHERE i < 2000000) SELECT count(*) FROM r"), 2000000);
  adb_close(db);
}
