/* test_text_prop_converge.c — randomized convergence of text properties: replicas type, delete
 * and replace in shared texts, overwrite them with plain values, delete and re-create their
 * nodes, inside and outside transactions; change sets made for the receiver's version vector
 * (or for everything) arrive late, out of order, twice or never. After healing, every replica
 * must hold the same state and answer SQL identically, and the texts must still be readable
 * through the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define NREP 3
#define NNODE 2
#define NQUEUE 48

static adb *db[NREP];
static long long now_ms = 1700000000000LL;

static int64_t test_clock(void *ctx) {
  (void)ctx;
  return now_ms;
}

static const char *const pieces[] = {"a", "bc", "déf", "🌍", " ", "xyz", "ñ", "Q"};

static void node_id(int n, char out[16]) { snprintf(out, 16, "n%d", n); }

/* Length in code points of the text under key, or -1 when it is not text or absent. */
static long text_len(adb *d, const char *id, const char *key) {
  char *s = NULL;
  if (adb_text_get(d, id, key, &s) != ADB_OK) return -1;
  long n = 0;
  for (const char *p = s; *p; p++) n += ((unsigned char)*p & 0xc0) != 0x80;
  adb_free(s);
  return n;
}

/* One random write; failures that the rules allow (a deleted node, a non-string value) are
 * checked to be the documented ones. */
static void write_once(int r) {
  now_ms += 1 + rand() % 3;
  adb *d = db[r];
  char id[16];
  node_id(rand() % NNODE, id);
  const char *key = rand() % 4 ? "body" : "title";
  int pick = rand() % 100, rc;
  long len = text_len(d, id, key);
  size_t pos = len > 0 ? (size_t)(rand() % (len + 1)) : 0;
  size_t del = len > 0 && (long)pos < len ? (size_t)(1 + rand() % (len - (long)pos)) : 0;
  if (del > 3) del = 1 + rand() % 3;
  const char *piece = pieces[rand() % (sizeof pieces / sizeof *pieces)];
  if (pick < 50) {
    rc = adb_text_insert(d, id, key, pos, piece);
  } else if (pick < 65) {
    rc = del ? adb_text_delete(d, id, key, pos, del) : adb_text_insert(d, id, key, pos, piece);
  } else if (pick < 75) {
    rc = adb_text_replace(d, id, key, pos, del, piece);
  } else if (pick < 80) {
    char json[32];
    if (rand() % 2) snprintf(json, sizeof json, "\"%s\"", piece);
    else snprintf(json, sizeof json, "%d", rand() % 100);
    rc = adb_node_set(d, id, key, json);
  } else if (pick < 82) {
    rc = adb_node_unset(d, id, key);
  } else if (pick < 84) {
    rc = adb_node_delete(d, id);
  } else {
    rc = adb_node_create(d, id, "Doc", NULL, NULL);
    if (rc == ADB_CONFLICT) rc = ADB_OK;
  }
  if (rc == ADB_NOTFOUND || (rc == ADB_INVALID && len < 0)) rc = ADB_OK;
  OK(d, rc);
}

static void transaction(int r) {
  OK(db[r], adb_begin(db[r]));
  int n = 2 + rand() % 3;
  for (int i = 0; i < n; i++) write_once(r);
  if (rand() % 4 == 0) OK(db[r], adb_rollback(db[r]));
  else OK(db[r], adb_commit(db[r]));
}

typedef struct msg {
  int to;
  void *cs;
  size_t len;
} msg;

static msg queue[NQUEUE];
static int nqueue;

static void export_to(int s, int t, int full) {
  if (nqueue == NQUEUE) return;
  void *vv = NULL;
  size_t vvlen = 0;
  msg *m = &queue[nqueue++];
  if (!full) OK(db[t], adb_vv(db[t], &vv, &vvlen));
  OK(db[s], adb_changes(db[s], vv, vvlen, &m->cs, &m->len));
  free(vv);
  m->to = t;
}

static void drop(int i) {
  free(queue[i].cs);
  queue[i] = queue[--nqueue];
}

/* Delivers message i, now and then to a replica it was not made for: text operations that
 * build on ones that replica lacks are then left out, and claimed by no version vector. */
static void deliver(int i) {
  if (rand() % 10 == 0) queue[i].to = rand() % NREP;
  OK(db[queue[i].to], adb_apply(db[queue[i].to], queue[i].cs, queue[i].len, NULL));
  if (rand() % 3) drop(i);
}

/* Every answer a reader may see: the dump, and the texts through SQL. */
static char *answers(adb *d) {
  char *state = dump_state(d);
  adb_stmt *st;
  OK(d, adb_prepare(d,
                    "SELECT group_concat(id || '=' || coalesce(json_extract(properties,'$.body'),"
                    " '-') || '|' || coalesce(json_extract(properties,'$.title'), '-'), ';')"
                    " FROM (SELECT * FROM nodes ORDER BY id)",
                    &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW);
  const char *t = adb_column_text(st, 0);
  size_t n = strlen(state) + (t ? strlen(t) : 0) + 2;
  char *out = malloc(n);
  snprintf(out, n, "%s\n%s", state, t ? t : "");
  adb_finalize(st);
  free(state);
  return out;
}

static void run(unsigned seed, int steps) {
  srand(seed);
  adb_options opt = {.clock_ms = test_clock, .db_id = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"};
  for (int r = 0; r < NREP; r++) db[r] = open_tmp(r, &opt);
  for (int n = 0; n < NNODE; n++) {
    char id[16];
    node_id(n, id);
    OK(db[0], adb_node_create(db[0], id, "Doc", NULL, NULL));
  }
  for (int r = 1; r < NREP; r++) send_changes(db[0], db[r]);
  for (int step = 0; step < steps; step++) {
    int r = rand() % NREP, pick = rand() % 100;
    if (pick < 50) write_once(r);
    else if (pick < 58) transaction(r);
    else if (pick < 78) export_to(r, (r + 1 + rand() % (NREP - 1)) % NREP, rand() % 5 == 0);
    else if (pick < 97 && nqueue) deliver(rand() % nqueue);
    else if (nqueue) drop(rand() % nqueue);
  }
  while (nqueue) {
    OK(db[queue[0].to], adb_apply(db[queue[0].to], queue[0].cs, queue[0].len, NULL));
    drop(0);
  }
  for (int round = 0; round < 2; round++)
    for (int s = 0; s < NREP; s++)
      for (int t = 0; t < NREP; t++)
        if (s != t) send_changes(db[s], db[t]);
  char *first = answers(db[0]);
  for (int r = 0; r < NREP; r++) {
    char *a = answers(db[r]);
    cr_assert_str_eq(a, first, "seed %u: replica %d differs from replica 0", seed, r);
    free(a);
    OK(db[r], adb_check(db[r], NULL));
    adb_close(db[r]);
  }
  cr_assert(strstr(first, "body"), "the run left some text: %s", first);
  if (getenv("TEXT_CONVERGE_SHOW")) cr_log_info("%s", first);
  free(first);
}

Test(text_prop_converge, three_replicas_seed_1, .timeout = 300) { run(1, 1500); }
Test(text_prop_converge, three_replicas_seed_2, .timeout = 300) { run(2, 1500); }
Test(text_prop_converge, three_replicas_seed_3, .timeout = 300) { run(3, 1500); }
