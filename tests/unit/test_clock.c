/* test_clock.c — the hybrid logical clock never issues a value at or below one this replica has
 * issued or seen: across opens, a wall clock that steps back, processes sharing the file, a
 * crash between a write and its commit, remote clocks at the drift bound, and a restored copy. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "helpers.h"

static const int64_t T0 = 1700000000000;

static int64_t clock_at(void *ctx) { return *(int64_t *)ctx; }

/* Opens slot with a clock that reads *t and the given drift bound (0: the default). */
static adb *open_at(int slot, int64_t *t, int64_t drift) {
  adb_options o = {.clock_ms = clock_at, .clock_ctx = t, .max_drift_ms = drift,
                   .db_id = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"};
  return open_tmp(slot, &o);
}

/* Asserts node id's properties are want. */
static void props_are(adb *db, const char *id, const char *want) {
  adb_element e;
  OK(db, adb_node_get(db, id, &e));
  cr_assert_str_eq(e.properties, want, "node %s", id);
  adb_element_clear(&e);
}

/* One way of setting n.k to a JSON value: each commits its transaction by another path. */
typedef void (*writer)(adb *db, const char *value);

static void by_api(adb *db, const char *value) { OK(db, adb_node_set(db, "n", "k", value)); }

static void by_api_transaction(adb *db, const char *value) {
  OK(db, adb_begin(db));
  OK(db, adb_node_set(db, "n", "k", "\"overwritten in the transaction\""));
  OK(db, adb_node_set(db, "n", "k", value));
  OK(db, adb_commit(db));
}

/* adb_begin's transaction ended by an SQL COMMIT rather than adb_commit. */
static void by_api_transaction_sql_commit(adb *db, const char *value) {
  OK(db, adb_begin(db));
  OK(db, adb_node_set(db, "n", "k", value));
  OK(db, adb_exec(db, "COMMIT"));
}

static void by_sql(adb *db, const char *value) {
  char sql[160];
  snprintf(sql, sizeof sql, "UPDATE nodes SET properties = json_set(properties, '$.k', json('%s'))"
           " WHERE id = 'n'", value);
  OK(db, adb_exec(db, sql));
}

static void by_sql_transaction(adb *db, const char *value) {
  OK(db, adb_exec(db, "BEGIN"));
  by_sql(db, value);
  OK(db, adb_exec(db, "COMMIT"));
}

static void by_cypher(adb *db, const char *value) {
  char q[128];
  snprintf(q, sizeof q, "MATCH (n) WHERE elementId(n) = 'n' SET n.k = %s", value);
  adb_cypher *r;
  OK(db, adb_cypher_run(db, q, NULL, &r));
  adb_cypher_free(r);
}

/* Opens slot at *t, sets n.k to value, closes: what one `arenadb node set` does. */
static void set_once(int slot, int64_t *t, writer w, const char *value) {
  adb *db = open_at(slot, t, 0);
  w(db, value);
  OK(db, adb_close(db));
}

/* The reproduction: three writes a command each, then the clock steps back by step. */
static void step_back(writer w, int64_t step) {
  int64_t t = T0;
  adb *db = open_at(0, &t, 0);
  OK(db, adb_node_create(db, "n", "P", "{\"k\":\"first\"}", NULL));
  OK(db, adb_close(db));
  t += 5000;
  set_once(0, &t, w, "\"second\"");
  t += 5000;
  set_once(0, &t, w, "\"third\"");
  t -= step;
  db = open_at(0, &t, 0);
  w(db, "\"fourth\"");
  props_are(db, "n", "{\"k\":\"fourth\"}");
  OK(db, adb_check(db, NULL));
  OK(db, adb_close(db));
  db = open_at(0, &t, 0);
  props_are(db, "n", "{\"k\":\"fourth\"}");
  adb_close(db);
}

Test(clock, a_reopened_replica_whose_clock_stepped_back_seconds_keeps_its_new_write) {
  step_back(by_api, 3000);
}

Test(clock, a_reopened_replica_whose_clock_stepped_back_hours_keeps_its_new_write) {
  step_back(by_api, 3 * 3600 * 1000LL);
}

Test(clock, the_clock_is_stored_by_every_way_a_write_commits) {
  writer ways[] = {by_api_transaction, by_api_transaction_sql_commit, by_sql, by_sql_transaction,
                   by_cypher};
  for (size_t i = 0; i < sizeof ways / sizeof *ways; i++) {
    unlink(tmp_db_path(0));
    step_back(ways[i], 3000);
  }
}

Test(clock, every_write_of_a_long_lived_handle_wins_over_the_previous_one) {
  int64_t t = T0;
  adb *db = open_at(0, &t, 0);
  OK(db, adb_node_create(db, "n", "P", "{\"k\":0}", NULL));
  for (int i = 1; i <= 50; i++) {
    t += i % 3 == 0 ? -2000 : 700; /* forward and back, by more than any lease */
    char v[16];
    snprintf(v, sizeof v, "%d", i);
    OK(db, adb_node_set(db, "n", "k", v));
    char want[32];
    snprintf(want, sizeof want, "{\"k\":%d}", i);
    props_are(db, "n", want);
  }
  adb_close(db);
}

/* Another process with a clock 10 s ahead writes between two writes of ours. */
Test(clock, a_process_with_a_slower_clock_writes_after_a_faster_one_on_the_same_file) {
  int64_t t = T0;
  adb *slow = open_at(0, &t, 0);
  OK(slow, adb_node_create(slow, "n", "P", "{\"k\":\"slow 1\"}", NULL));
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int64_t fast_t = T0 + 10000;
    adb *fast;
    adb_options o = {.clock_ms = clock_at, .clock_ctx = &fast_t};
    if (adb_open(tmp_db_path(0), &o, &fast) != ADB_OK) _exit(2);
    int rc = adb_node_set(fast, "n", "k", "\"fast\"");
    adb_close(fast);
    _exit(rc == ADB_OK ? 0 : 3);
  }
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process failed: %d", status);
  props_are(slow, "n", "{\"k\":\"fast\"}");
  t += 1;
  OK(slow, adb_node_set(slow, "n", "k", "\"slow 2\""));
  props_are(slow, "n", "{\"k\":\"slow 2\"}");
  OK(slow, adb_check(slow, NULL));
  adb_close(slow);
}

/* A process killed after a committed write and in the middle of an uncommitted one: the next
 * process, with its clock 5 s behind, still starts past the committed write. */
Test(clock, kill_9_between_tick_and_commit_keeps_the_committed_floor) {
  int64_t t = T0;
  adb *db = open_at(0, &t, 0);
  OK(db, adb_node_create(db, "n", "P", "{\"k\":\"first\"}", NULL));
  OK(db, adb_close(db));
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int64_t ahead = T0 + 5000;
    adb *c;
    adb_options o = {.clock_ms = clock_at, .clock_ctx = &ahead};
    if (adb_open(tmp_db_path(0), &o, &c) != ADB_OK) _exit(2);
    if (adb_node_set(c, "n", "k", "\"committed\"") != ADB_OK) _exit(3);
    ahead += 1000;
    if (adb_begin(c) != ADB_OK || adb_node_set(c, "n", "k", "\"never committed\"") != ADB_OK)
      _exit(4);
    raise(SIGKILL);
    _exit(5);
  }
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
  db = open_at(0, &t, 0);
  props_are(db, "n", "{\"k\":\"committed\"}");
  OK(db, adb_check(db, NULL));
  OK(db, adb_node_set(db, "n", "k", "\"after\""));
  props_are(db, "n", "{\"k\":\"after\"}");
  adb_close(db);
}

/* A rolled-back transaction takes its floor with it, and the next one stores it again. */
Test(clock, a_rollback_does_not_leave_the_floor_behind_the_next_commit) {
  int64_t t = T0;
  adb *db = open_at(0, &t, 0);
  OK(db, adb_node_create(db, "n", "P", "{\"k\":0}", NULL));
  t += 5000;
  OK(db, adb_begin(db));
  OK(db, adb_node_set(db, "n", "k", "1"));
  OK(db, adb_rollback(db));
  OK(db, adb_node_set(db, "n", "k", "2"));
  OK(db, adb_check(db, NULL));
  adb_close(db);
  t -= 4000;
  db = open_at(0, &t, 0);
  OK(db, adb_node_set(db, "n", "k", "3"));
  props_are(db, "n", "{\"k\":3}");
  adb_close(db);
}

/* A peer's clock exactly at the drift bound is believed whole: a later local write beats it,
 * also after a reopen with the wall clock behind. */
Test(clock, a_remote_clock_at_the_drift_bound_is_followed_and_remembered) {
  int64_t t = T0, peer_t = T0 + 10000;
  adb *a = open_at(0, &t, 10000), *b = open_at(1, &peer_t, 0);
  OK(b, adb_node_create(b, "n", "P", "{\"k\":\"peer\"}", NULL));
  send_changes(b, a);
  OK(a, adb_close(a));
  t -= 2000;
  a = open_at(0, &t, 10000);
  OK(a, adb_node_set(a, "n", "k", "\"local\""));
  props_are(a, "n", "{\"k\":\"local\"}");
  send_changes(a, b);
  props_are(b, "n", "{\"k\":\"local\"}");
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(b);
}

/* Sends what `to` lacks from `from`, which `to` must refuse as a protocol error naming the
 * clock, changing nothing. */
static void refused(adb *from, adb *to) {
  void *vv, *cs;
  size_t vvlen, cslen;
  char *before = dump_state(to);
  OK(to, adb_vv(to, &vv, &vvlen));
  OK(from, adb_changes(from, vv, vvlen, &cs, &cslen));
  cr_assert_eq(adb_apply(to, cs, cslen, NULL), ADB_PROTOCOL);
  cr_assert(strstr(adb_errmsg(to), "clock"), "%s", adb_errmsg(to));
  char *after = dump_state(to);
  cr_assert_str_eq(before, after);
  free(before);
  free(after);
  free(vv);
  free(cs);
}

/* A peer's clock one millisecond past the bound wrote a register that would win over every
 * local write for as long as the peer is ahead: the change set is refused, naming the clock. */
Test(clock, a_remote_clock_past_the_drift_bound_is_refused) {
  int64_t t = T0, peer_t = T0 + 10001;
  adb *a = open_at(0, &t, 10000), *b = open_at(1, &peer_t, 0);
  OK(b, adb_node_create(b, "n", "P", "{\"k\":\"peer\"}", NULL));
  refused(b, a);
  t += 1;
  send_changes(b, a); /* a millisecond later it is within the bound */
  OK(a, adb_node_set(a, "n", "k", "\"local\""));
  props_are(a, "n", "{\"k\":\"local\"}");
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(b);
}

/* A peer an hour fast, or at the largest clock there is, is refused, and the replicas with
 * sound clocks go on: the later write in real time wins. */
Test(clock, a_peer_an_hour_fast_does_not_let_a_stale_write_win_later) {
  int64_t t = T0, fast_t = T0 + 3600 * 1000LL, third_t = T0;
  adb *a = open_at(0, &t, 10000), *fast = open_at(1, &fast_t, 0), *c = open_at(2, &third_t, 0);
  OK(fast, adb_node_create(fast, "x", "P", NULL, NULL));
  OK(a, adb_node_create(a, "n", "P", "{\"j\":\"first\"}", NULL));
  send_changes(a, c);
  refused(fast, a);
  fast_t = INT64_MAX >> 16;
  OK(fast, adb_node_set(fast, "x", "k", "1"));
  refused(fast, a);
  OK(a, adb_node_set(a, "n", "j", "\"earlier\""));
  t += 20000; /* 20 s pass for both sound clocks */
  third_t += 20000;
  OK(c, adb_node_set(c, "n", "j", "\"later\""));
  send_changes(a, c);
  send_changes(c, a);
  props_are(a, "n", "{\"j\":\"later\"}");
  props_are(c, "n", "{\"j\":\"later\"}");
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(fast);
  adb_close(c);
}

/* Overwrites this replica's stored floor behind ArenaDB's back. */
static void set_replica(const char *path, const char *column, long long value) {
  sqlite3 *s;
  cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
  char sql[96];
  snprintf(sql, sizeof sql, "UPDATE adb_replica SET %s = %lld WHERE idx = 1", column, value);
  cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
  sqlite3_close(s);
}

/* Sets column of the replica's row to value in a closed file, and asserts that check then
 * reports a problem that says so. */
static void check_reports(const char *column, long long value, const char *says) {
  int64_t t = T0;
  adb *db = open_at(0, &t, 0);
  OK(db, adb_node_create(db, "n", "P", NULL, NULL));
  OK(db, adb_check(db, NULL));
  OK(db, adb_close(db));
  set_replica(tmp_db_path(0), column, value);
  db = open_at(0, &t, 0);
  char *report = NULL;
  cr_assert_eq(adb_check(db, &report), ADB_CORRUPT);
  cr_assert_not_null(strstr(report, says), "%s", report);
  adb_free(report);
  adb_close(db);
}

Test(clock, check_reports_registers_past_the_floor) {
  check_reports("hlc", 1, "past the clock's floor");
}

/* Copies a closed database file. */
static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  cr_assert(in && out);
  char b[65536];
  size_t n;
  while ((n = fread(b, 1, sizeof b, in)) > 0) cr_assert_eq(fwrite(b, 1, n, out), n);
  fclose(in);
  cr_assert_eq(fclose(out), 0);
}

/* A peer that claims transactions of this replica's id beyond its count (here: a copy of its
 * file that wrote on, as a restored or copied file would) cannot move this replica's own count:
 * the replica takes a new id, its next transaction is the new id's first, and what the peer
 * sent merges as another replica's. Both then converge. */
Test(clock, a_peer_claiming_more_of_this_replica_gets_a_new_id_not_a_count) {
  int64_t t = T0;
  adb *a = open_at(0, &t, 0);
  OK(a, adb_node_create(a, "n", "P", "{\"k\":1}", NULL));
  OK(a, adb_close(a));
  copy_file(tmp_db_path(0), tmp_db_path(1));
  a = open_at(0, &t, 0);
  adb *twin = open_at(1, &t, 0);
  cr_assert_str_eq(adb_replica_id(twin), adb_replica_id(a));
  char old_id[33];
  snprintf(old_id, sizeof old_id, "%s", adb_replica_id(a));
  for (int i = 0; i < 3; i++) OK(twin, adb_node_set(twin, "n", "k", i ? "2" : "3"));
  send_changes(twin, a);
  cr_assert_str_neq(adb_replica_id(a), old_id);
  props_are(a, "n", "{\"k\":2}");
  OK(a, adb_node_set(a, "n", "m", "true"));
  char *vv;
  void *raw;
  size_t n;
  OK(a, adb_vv(a, &raw, &n));
  OK(a, adb_vv_json(a, raw, n, &vv));
  char want[120];
  snprintf(want, sizeof want, "\"%s\":4", old_id);
  cr_assert_not_null(strstr(vv, want), "%s", vv);
  snprintf(want, sizeof want, "\"%s\":1", adb_replica_id(a));
  cr_assert_not_null(strstr(vv, want), "%s", vv);
  adb_free(vv);
  adb_free(raw);
  send_changes(a, twin);
  send_changes(twin, a);
  char *x = dump_registers(a), *y = dump_registers(twin);
  cr_assert_str_eq(x, y);
  free(x);
  free(y);
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(twin);
}

/* A transaction count past 2^62 (which a merge refuses) is reported: the next write's number
 * would wrap around. */
Test(clock, check_reports_an_impossible_transaction_count) {
  check_reports("seq", INT64_MAX, "impossible transaction count");
}

/* A replica restored from a backup has forgotten its later writes; once a peer gives them back,
 * its clock is past them, though its wall clock is behind them. */
Test(clock, a_restored_replica_starts_past_its_own_writes_a_peer_gives_back) {
  int64_t t = T0, peer_t = T0;
  adb *a = open_at(0, &t, 0);
  OK(a, adb_node_create(a, "n", "P", "{\"k\":\"backed up\"}", NULL));
  OK(a, adb_close(a));
  char backup[128];
  snprintf(backup, sizeof backup, "%s.backup", tmp_db_path(0));
  copy_file(tmp_db_path(0), backup);
  a = open_at(0, &t, 0);
  t += 5000;
  OK(a, adb_node_set(a, "n", "k", "\"lost by the restore\""));
  adb *peer = open_at(1, &peer_t, 0);
  send_changes(a, peer);
  OK(a, adb_close(a));
  copy_file(backup, tmp_db_path(0));
  t -= 4000;
  a = open_at(0, &t, 0);
  OK(a, adb_check(a, NULL));
  char old_id[33];
  snprintf(old_id, sizeof old_id, "%s", adb_replica_id(a));
  send_changes(peer, a);
  /* The peer knew more of a's id than the restored file: a writes on under a new one. */
  cr_assert_str_neq(adb_replica_id(a), old_id);
  props_are(a, "n", "{\"k\":\"lost by the restore\"}");
  OK(a, adb_node_set(a, "n", "k", "\"after the restore\""));
  props_are(a, "n", "{\"k\":\"after the restore\"}");
  send_changes(a, peer);
  props_are(peer, "n", "{\"k\":\"after the restore\"}");
  OK(a, adb_check(a, NULL));
  adb_close(a);
  adb_close(peer);
}
