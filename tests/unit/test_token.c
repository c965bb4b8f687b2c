/* test_token.c — access tokens (created with a role, stored hashed, expired, revoked, never
 * replicated) and the query-only mode a server uses for a token that may only read. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int64_t clock_at(void *ctx) { return *(int64_t *)ctx; }

Test(token, each_role_is_given_back_and_a_revoked_or_expired_token_is_refused) {
  int64_t t = 1700000000000;
  adb_options o = {.clock_ms = clock_at, .clock_ctx = &t};
  adb *db = open_tmp(0, &o);
  int64_t n;
  OK(db, adb_token_count(db, &n));
  cr_assert_eq(n, 0);
  char *tok[4] = {0};
  const char *names[4] = {NULL, "reader", "writer", "admin"};
  for (int r = ADB_ROLE_READ; r <= ADB_ROLE_ADMIN; r++) {
    OK(db, adb_token_create(db, names[r], r, r == ADB_ROLE_READ ? t + 1000 : 0, &tok[r]));
    cr_assert(strncmp(tok[r], "adb_", 4) == 0 && strlen(tok[r]) > 40, "%s", tok[r]);
  }
  for (int r = ADB_ROLE_READ; r <= ADB_ROLE_ADMIN; r++) {
    int role;
    OK(db, adb_token_role(db, tok[r], &role));
    cr_assert_eq(role, r);
    cr_assert_str_eq(adb_role_name(role), r == 1 ? "read" : r == 2 ? "write" : "admin");
    cr_assert_eq(adb_role_parse(adb_role_name(role)), r);
  }
  int role;
  cr_assert_eq(adb_token_role(db, "adb_not-a-token", &role), ADB_AUTH);
  cr_assert_eq(role, 0);
  char *bad = NULL;
  cr_assert_eq(adb_token_create(db, "writer", ADB_ROLE_READ, 0, &bad), ADB_CONFLICT);
  cr_assert_eq(adb_token_create(db, "", ADB_ROLE_READ, 0, &bad), ADB_INVALID);
  cr_assert_eq(adb_token_create(db, "x", 7, 0, &bad), ADB_MISUSE);
  cr_assert_null(bad);
  /* Only hashes are kept: neither the list nor the file holds a token's text. */
  char *list;
  OK(db, adb_token_list(db, &list));
  cr_assert(strstr(list, "\"name\":\"reader\"") && strstr(list, "\"role\":\"admin\""), "%s", list);
  for (int r = ADB_ROLE_READ; r <= ADB_ROLE_ADMIN; r++) cr_assert_null(strstr(list, tok[r] + 4));
  adb_free(list);
  t += 1000;
  cr_assert_eq(adb_token_role(db, tok[ADB_ROLE_READ], &role), ADB_AUTH);
  cr_assert(strstr(adb_errmsg(db), "expired"), "%s", adb_errmsg(db));
  OK(db, adb_token_revoke(db, "writer"));
  cr_assert_eq(adb_token_role(db, tok[ADB_ROLE_WRITE], &role), ADB_AUTH);
  cr_assert_eq(adb_token_revoke(db, "writer"), ADB_NOTFOUND);
  OK(db, adb_token_count(db, &n));
  cr_assert_eq(n, 2);
  /* SQL cannot read or change them. */
  cr_assert_lt(adb_exec(db, "SELECT * FROM adb_token"), 0);
  cr_assert_lt(adb_exec(db, "DELETE FROM adb_token"), 0);
  /* A replica made from this one has no tokens: they are never in a change set. */
  adb_options po = {.db_id = adb_db_id(db)};
  adb *peer = open_tmp(1, &po);
  OK(db, adb_node_create(db, "n", "P", NULL, NULL));
  send_changes(db, peer);
  OK(peer, adb_token_count(peer, &n));
  cr_assert_eq(n, 0);
  cr_assert_eq(adb_token_role(peer, tok[ADB_ROLE_ADMIN], &role), ADB_AUTH);
  for (int r = ADB_ROLE_READ; r <= ADB_ROLE_ADMIN; r++) adb_free(tok[r]);
  adb_close(peer);
  adb_close(db);
}

/* The mode a server puts a read token's requests in: statements and queries that would write
 * are refused by the engine itself, whatever their form, and nothing changes. */
Test(token, query_only_refuses_every_write_and_runs_every_read) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"k\":1}", NULL));
  char *before = dump_state(db);
  OK(db, adb_set_query_only(db, 1));
  const char *sql_writes[] = {
      "INSERT INTO nodes(id, label) VALUES ('b', 'P')", "UPDATE nodes SET label = 'Q'",
      "DELETE FROM nodes", "CREATE TABLE t(x)",
      "WITH x AS (SELECT 1) INSERT INTO nodes(id, label) SELECT 'c', 'P' FROM x"};
  for (size_t i = 0; i < sizeof sql_writes / sizeof *sql_writes; i++)
    cr_assert_eq(adb_exec(db, sql_writes[i]), ADB_READONLY, "%s", sql_writes[i]);
  const char *cypher_writes[] = {"CREATE (:P)",
                                 "MATCH (n) SET n.k = 2",
                                 "MATCH (n) DETACH DELETE n",
                                 "MERGE (:P {k: 1})",
                                 "MATCH (n) REMOVE n.k",
                                 "RETURN 1 AS x UNION MATCH (n) SET n.k = 3 RETURN 2 AS x"};
  for (size_t i = 0; i < sizeof cypher_writes / sizeof *cypher_writes; i++) {
    adb_cypher *r;
    cr_assert_eq(adb_cypher_run(db, cypher_writes[i], NULL, &r), ADB_READONLY, "%s",
                 cypher_writes[i]);
    adb_cypher_free(r);
  }
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 1);
  char *rows = cypher_rows(db, "MATCH (n) RETURN n.k", NULL, 0);
  cr_assert_str_eq(rows, "1\n");
  free(rows);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  OK(db, adb_set_query_only(db, 0));
  OK(db, adb_exec(db, "UPDATE nodes SET label = 'Q'"));
  free(before);
  free(after);
  adb_close(db);
}

/* A handle opened read-only (a server's worker threads use them) runs Cypher that reads, and
 * refuses Cypher that writes without touching the file. */
Test(token, a_read_only_handle_runs_reading_cypher_and_refuses_writes) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_node_create(db, "a", "P", "{\"k\":1}", NULL));
  OK(db, adb_close(db));
  adb_options o = {.readonly = 1};
  db = open_tmp(0, &o);
  char *rows = cypher_rows(db, "MATCH (n:P) RETURN n.k", NULL, 0);
  cr_assert_str_eq(rows, "1\n");
  free(rows);
  adb_cypher *r;
  cr_assert_eq(adb_cypher_run(db, "CREATE (:Q)", NULL, &r), ADB_READONLY);
  adb_cypher_free(r);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 1);
  adb_close(db);
}

