/* test_text.c — the text CRDT: editing traces, convergence, non-interleaving, code points,
 * and rejection of malformed encoded operations. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "crdt/text.h"
/* The unit binary is built from the test sources alone, so the trace replayer that
 * build/arenadb-trace links is compiled in here. */
#include "tools/trace_replay.h"

#define TRACES "../shared/data/editing-traces/"

static crdt_text *new_doc(int agent) {
  unsigned char id[16] = {0};
  id[15] = (unsigned char)agent;
  crdt_text *t;
  cr_assert_eq(crdt_text_new(id, &t), ADB_OK);
  return t;
}

static char *text_of(const crdt_text *t) {
  char *s;
  cr_assert_eq(crdt_text_read(t, &s, NULL), ADB_OK);
  return s;
}

static void expect_text(const crdt_text *t, const char *want) {
  char *s = text_of(t);
  cr_assert_str_eq(s, want);
  free(s);
}

/* Everything observable about a document: its text, version and full encoding, end to end. */
typedef struct snap {
  unsigned char *p;
  size_t n;
} snap;

static snap snapshot(const crdt_text *t) {
  unsigned char *v, *e;
  size_t vn, en, tn;
  char *s;
  cr_assert_eq(crdt_text_read(t, &s, &tn), ADB_OK);
  cr_assert_eq(crdt_text_version(t, &v, &vn), ADB_OK);
  cr_assert_eq(crdt_text_encode(t, NULL, 0, &e, &en), ADB_OK);
  snap out = {malloc(tn + vn + en + 1), tn + vn + en};
  memcpy(out.p, s, tn);
  memcpy(out.p + tn, v, vn);
  memcpy(out.p + tn + vn, e, en);
  free(s);
  free(v);
  free(e);
  return out;
}

static void merge_ok(crdt_text *to, const crdt_text *from) {
  unsigned char *v, *d;
  size_t vn, dn;
  cr_assert_eq(crdt_text_version(to, &v, &vn), ADB_OK);
  cr_assert_eq(crdt_text_encode(from, v, vn, &d, &dn), ADB_OK);
  cr_assert_eq(crdt_text_merge(to, d, dn), ADB_OK);
  free(v);
  free(d);
}

/* ---- editing traces ---- */

static json_t *load_trace(const char *name) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "gzip -dc '%s%s'", TRACES, name);
  FILE *f = popen(cmd, "r");
  cr_assert_not_null(f);
  json_error_t err;
  json_t *root = json_loadf(f, 0, &err);
  pclose(f);
  cr_assert_not_null(root, "%s: %s", name, err.text);
  return root;
}

/* Replays a trace, checks endContent, then checks that an empty replica merging the full
 * encoding, and a replica holding part of the history merging the rest, both agree. */
static void check_trace(const char *name) {
  json_t *root = load_trace(name);
  char err[256] = "", msg[512] = "";
  crdt_text *doc = NULL;
  cr_assert_eq(trace_replay(root, &doc, err, sizeof err), ADB_OK, "%s: %s", name, err);
  cr_assert_eq(trace_compare(doc, root, msg, sizeof msg), -1, "%s: %s", name, msg);

  unsigned char *enc;
  size_t n;
  cr_assert_eq(crdt_text_encode(doc, NULL, 0, &enc, &n), ADB_OK);
  crdt_text *remote = new_doc(200);
  cr_assert_eq(crdt_text_merge(remote, enc, n), ADB_OK);
  cr_assert_eq(trace_compare(remote, root, msg, sizeof msg), -1, "%s merged: %s", name, msg);
  cr_assert_eq(crdt_text_merge(remote, enc, n), ADB_OK, "merging twice is harmless");
  cr_assert_eq(trace_compare(remote, root, msg, sizeof msg), -1, "%s twice: %s", name, msg);

  /* A replica that typed something of its own first merges the full history by ids. */
  crdt_text *busy = new_doc(201);
  cr_assert_eq(crdt_text_insert(busy, 0, "x", 1), ADB_OK);
  cr_assert_eq(crdt_text_merge(busy, enc, n), ADB_OK);
  cr_assert_eq(crdt_text_len(busy), crdt_text_len(doc) + 1);
  merge_ok(remote, busy);
  merge_ok(busy, remote);
  char *a = text_of(remote), *b = text_of(busy);
  cr_assert_str_eq(a, b);
  free(a);
  free(b);
  free(enc);
  crdt_text_free(doc);
  crdt_text_free(remote);
  crdt_text_free(busy);
  json_decref(root);
}

Test(text, trace_seph_blog1, .timeout = 60) { check_trace("sequential_traces/seph-blog1.json.gz"); }

Test(text, trace_friendsforever_flat, .timeout = 60) {
  check_trace("sequential_traces/friendsforever_flat.json.gz");
}

Test(text, trace_json_crdt_blog_post, .timeout = 60) {
  check_trace("sequential_traces/json-crdt-blog-post.json.gz");
}

Test(text, trace_friendsforever_concurrent, .timeout = 60) {
  check_trace("concurrent_traces/friendsforever.json.gz");
}

/* A concurrent trace whose agent 0 forks (two transactions with no order between them). */
Test(text, trace_with_a_forking_agent) {
  const char *src =
      "{\"kind\":\"concurrent\",\"endContent\":\"abc!\",\"numAgents\":2,\"txns\":["
      "{\"parents\":[],\"agent\":0,\"patches\":[[0,0,\"a\"]]},"
      "{\"parents\":[],\"agent\":0,\"patches\":[[0,0,\"b\"]]},"
      "{\"parents\":[0,1],\"agent\":1,\"patches\":[[2,0,\"c\"]]},"
      "{\"parents\":[2],\"agent\":0,\"patches\":[[3,0,\"!\"]]}]}";
  json_error_t jerr;
  json_t *root = json_loads(src, 0, &jerr);
  cr_assert_not_null(root, "%s", jerr.text);
  char err[256] = "", msg[512] = "";
  crdt_text *doc = NULL;
  cr_assert_eq(trace_replay(root, &doc, err, sizeof err), ADB_OK, "%s", err);
  cr_assert_eq(trace_compare(doc, root, msg, sizeof msg), -1, "%s", msg);
  crdt_text_free(doc);
  json_decref(root);
}

/* ---- local editing ---- */

Test(text, positions_count_code_points) {
  crdt_text *t = new_doc(1);
  const char *s = "h\xc3\xa9llo \xf0\x9f\x98\x80 w\xc3\xb6rld"; /* héllo 😀 wörld */
  cr_assert_eq(crdt_text_insert(t, 0, s, strlen(s)), ADB_OK);
  cr_assert_eq(crdt_text_len(t), 13);
  cr_assert_eq(crdt_text_bytes(t), strlen(s));
  cr_assert_eq(crdt_text_delete(t, 6, 1), ADB_OK); /* the emoji */
  expect_text(t, "h\xc3\xa9llo  w\xc3\xb6rld");
  cr_assert_eq(crdt_text_insert(t, 2, "\xe2\x82\xac", 3), ADB_OK); /* € after hé */
  expect_text(t, "h\xc3\xa9\xe2\x82\xacllo  w\xc3\xb6rld");
  cr_assert_eq(crdt_text_replace(t, 1, 2, "e", 1), ADB_OK);
  expect_text(t, "hello  w\xc3\xb6rld");
  cr_assert_eq(crdt_text_delete(t, 8, 1), ADB_OK);
  expect_text(t, "hello  wrld");
  crdt_text_free(t);
}

Test(text, bad_arguments_change_nothing) {
  crdt_text *t = new_doc(1);
  cr_assert_eq(crdt_text_insert(t, 0, "abc", 3), ADB_OK);
  cr_assert_eq(crdt_text_insert(t, 4, "x", 1), ADB_INVALID);
  cr_assert_eq(crdt_text_delete(t, 2, 2), ADB_INVALID);
  cr_assert_eq(crdt_text_insert(t, 1, "\xc3", 1), ADB_INVALID);         /* truncated */
  cr_assert_eq(crdt_text_insert(t, 1, "\xc0\xaf", 2), ADB_INVALID);     /* overlong */
  cr_assert_eq(crdt_text_insert(t, 1, "\xed\xa0\x80", 3), ADB_INVALID); /* surrogate */
  cr_assert_eq(crdt_text_replace(t, 1, 5, "x", 1), ADB_INVALID);
  cr_assert_eq(crdt_text_insert(t, 1, "", 0), ADB_OK);
  expect_text(t, "abc");
  cr_assert_eq(crdt_text_merge(t, NULL, 3), ADB_INVALID);
  crdt_text_free(t);
}

Test(text, typing_is_run_length_encoded) {
  crdt_text *t = new_doc(1);
  for (int i = 0; i < 10000; i++) cr_assert_eq(crdt_text_insert(t, (size_t)i, "a", 1), ADB_OK);
  for (int i = 0; i < 5000; i++) cr_assert_eq(crdt_text_delete(t, 9999 - (size_t)i, 1), ADB_OK);
  unsigned char *e;
  size_t n;
  cr_assert_eq(crdt_text_encode(t, NULL, 0, &e, &n), ADB_OK);
  /* Two runs (typing, backspacing) and the 5000 surviving bytes. */
  cr_assert_lt(n, 5000 + 100, "encoded %zu bytes", n);
  cr_assert_lt(crdt_text_mem(t), 64 * 1024, "holds %zu bytes", crdt_text_mem(t));
  free(e);
  crdt_text_free(t);
}

/* ---- concurrency ---- */

/* Two agents type a word each, one character at a time, at the same place concurrently. */
static void concurrent_words(int backwards) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  cr_assert_eq(crdt_text_insert(a, 0, "[]", 2), ADB_OK);
  merge_ok(b, a);
  const char *wa = "alpha", *wb = "bravo";
  for (size_t i = 0; i < 5; i++) {
    size_t at = backwards ? 1 : 1 + i;
    size_t k = backwards ? 4 - i : i;
    cr_assert_eq(crdt_text_insert(a, at, wa + k, 1), ADB_OK);
    cr_assert_eq(crdt_text_insert(b, at, wb + k, 1), ADB_OK);
  }
  merge_ok(a, b);
  merge_ok(b, a);
  char *sa = text_of(a), *sb = text_of(b);
  cr_assert_str_eq(sa, sb);
  cr_assert(!strcmp(sa, "[alphabravo]") || !strcmp(sa, "[bravoalpha]"), "interleaved: %s", sa);
  free(sa);
  free(sb);
  crdt_text_free(a);
  crdt_text_free(b);
}

Test(text, concurrent_typing_forward_does_not_interleave) { concurrent_words(0); }

Test(text, concurrent_typing_backward_does_not_interleave) { concurrent_words(1); }

Test(text, smaller_agent_goes_first_at_the_same_place) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  cr_assert_eq(crdt_text_insert(b, 0, "B", 1), ADB_OK);
  cr_assert_eq(crdt_text_insert(a, 0, "A", 1), ADB_OK);
  merge_ok(a, b);
  merge_ok(b, a);
  expect_text(a, "AB");
  expect_text(b, "AB");
  crdt_text_free(a);
  crdt_text_free(b);
}

/* A message between replicas: operations encoded for a receiver's version. */
typedef struct msg {
  unsigned char *p;
  size_t n;
} msg;

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

static void random_edit(crdt_text *t) {
  static const char *pieces[] = {"a", "bc", "d\xc3\xa9", "\xf0\x9f\x98\x80", "xyz", "\xe2\x82\xac"};
  size_t len = crdt_text_len(t);
  if (len > 0 && rnd(3) == 0) {
    size_t pos = rnd((uint32_t)len), k = 1 + rnd(len - pos < 4 ? (uint32_t)(len - pos) : 4);
    cr_assert_eq(crdt_text_delete(t, pos, k), ADB_OK);
  } else {
    const char *s = pieces[rnd(6)];
    cr_assert_eq(crdt_text_insert(t, rnd((uint32_t)len + 1), s, strlen(s)), ADB_OK);
  }
}

Test(text, random_concurrent_editing_converges, .timeout = 60) {
  enum { N = 4, ROUNDS = 300, MAXQ = 4096 };
  crdt_text *r[N];
  for (int i = 0; i < N; i++) r[i] = new_doc(i + 1);
  msg *queue[N];
  size_t nq[N] = {0};
  for (int i = 0; i < N; i++) queue[i] = calloc(MAXQ, sizeof(msg));
  for (int round = 0; round < ROUNDS; round++) {
    int who = (int)rnd(N);
    for (int e = 1 + (int)rnd(4); e > 0; e--) random_edit(r[who]);
    /* Send to a random peer the operations past some version: none (the full history), the
     * receiver's now, or another replica's (which may hold what the receiver lacks: the
     * message then waits). Messages may arrive after newer ones. */
    int to = (int)rnd(N);
    if (to == who || nq[to] + 2 > MAXQ) continue;
    unsigned char *v = NULL;
    size_t vn = 0;
    if (rnd(4)) cr_assert_eq(crdt_text_version(r[rnd(3) ? to : (int)rnd(N)], &v, &vn), ADB_OK);
    msg m;
    cr_assert_eq(crdt_text_encode(r[who], v, vn, &m.p, &m.n), ADB_OK);
    free(v);
    queue[to][nq[to]++] = m;
    if (rnd(3) == 0) { /* duplicated in transit */
      msg dup = {malloc(m.n), m.n};
      memcpy(dup.p, m.p, m.n);
      queue[to][nq[to]++] = dup;
    }
    /* Deliver some queued messages in random order; ones not yet applicable stay queued. */
    for (int k = (int)rnd(3); k > 0 && nq[to]; k--) {
      size_t pick = rnd((uint32_t)nq[to]);
      int rc = crdt_text_merge(r[to], queue[to][pick].p, queue[to][pick].n);
      cr_assert(rc == ADB_OK || rc == ADB_NOTFOUND, "merge -> %d", rc);
      if (rc == ADB_OK) {
        free(queue[to][pick].p);
        queue[to][pick] = queue[to][--nq[to]];
      }
    }
  }
  /* Drain what is still queued, then let everyone exchange with everyone. */
  for (int i = 0; i < N; i++) {
    for (size_t k = 0; k < nq[i]; k++) {
      int rc = crdt_text_merge(r[i], queue[i][k].p, queue[i][k].n);
      cr_assert(rc == ADB_OK || rc == ADB_NOTFOUND);
      free(queue[i][k].p);
    }
    free(queue[i]);
  }
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++)
        if (i != j) merge_ok(r[i], r[j]);
  char *first = text_of(r[0]);
  cr_assert_gt(strlen(first), 0);
  for (int i = 1; i < N; i++) {
    char *s = text_of(r[i]);
    cr_assert_str_eq(s, first, "replica %d differs", i);
    free(s);
  }
  /* A new replica merging one full encoding agrees too. */
  unsigned char *e;
  size_t n;
  cr_assert_eq(crdt_text_encode(r[2], NULL, 0, &e, &n), ADB_OK);
  crdt_text *fresh = new_doc(99);
  cr_assert_eq(crdt_text_merge(fresh, e, n), ADB_OK);
  expect_text(fresh, first);
  free(e);
  free(first);
  crdt_text_free(fresh);
  for (int i = 0; i < N; i++) crdt_text_free(r[i]);
}

/* A delta for a replica holding agents the sender never heard of is sent by ids, not by
 * positions, which only hold for an empty receiver. */
Test(text, delta_for_a_replica_with_unknown_agents) {
  crdt_text *a = new_doc(1), *b = new_doc(3), *c = new_doc(2);
  cr_assert_eq(crdt_text_insert(a, 0, "a", 1), ADB_OK);
  cr_assert_eq(crdt_text_insert(b, 0, "b", 1), ADB_OK);
  merge_ok(c, a);
  merge_ok(c, b);
  expect_text(c, "ab");
  crdt_text_free(a);
  crdt_text_free(b);
  crdt_text_free(c);
}

Test(text, operations_wait_for_their_dependencies) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  unsigned char *v0, *v1, *d1, *d2;
  size_t n0, n1, dn1, dn2;
  cr_assert_eq(crdt_text_version(a, &v0, &n0), ADB_OK);
  cr_assert_eq(crdt_text_insert(a, 0, "one", 3), ADB_OK);
  cr_assert_eq(crdt_text_version(a, &v1, &n1), ADB_OK);
  cr_assert_eq(crdt_text_insert(a, 3, " two", 4), ADB_OK);
  cr_assert_eq(crdt_text_encode(a, v0, n0, &d1, &dn1), ADB_OK); /* everything */
  cr_assert_eq(crdt_text_encode(a, v1, n1, &d2, &dn2), ADB_OK); /* " two" only */
  cr_assert_eq(crdt_text_merge(b, d2, dn2), ADB_NOTFOUND);
  expect_text(b, "");
  cr_assert_eq(crdt_text_merge(b, d1, dn1), ADB_OK);
  cr_assert_eq(crdt_text_merge(b, d2, dn2), ADB_OK);
  expect_text(b, "one two");
  free(v0);
  free(v1);
  free(d1);
  free(d2);
  crdt_text_free(a);
  crdt_text_free(b);
}

/* ---- malformed input ---- */

/* Merges bytes into t; when refused (or must_fail), the document must be unchanged. */
static void merge_bad(crdt_text *t, const unsigned char *p, size_t n, int must_fail) {
  snap before = snapshot(t);
  int rc = crdt_text_merge(t, p, n);
  if (must_fail) cr_assert_neq(rc, ADB_OK, "accepted %zu bytes", n);
  if (rc != ADB_OK) {
    cr_assert(rc == ADB_CORRUPT || rc == ADB_NOTFOUND, "-> %d", rc);
    snap after = snapshot(t);
    cr_assert(after.n == before.n && !memcmp(before.p, after.p, before.n),
              "a refused merge changed the document");
    free(after.p);
  }
  free(before.p);
}

/* Two encodings to damage: a full history (positional) and a delta (by ids), both for a
 * replica that holds part of the history. */
static void damaged_inputs(int full) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  cr_assert_eq(crdt_text_insert(a, 0, "hello w\xc3\xb6rld", 12), ADB_OK);
  merge_ok(b, a);
  unsigned char *v;
  size_t vn;
  cr_assert_eq(crdt_text_version(b, &v, &vn), ADB_OK);
  cr_assert_eq(crdt_text_delete(a, 2, 3), ADB_OK);
  cr_assert_eq(crdt_text_insert(a, 4, "\xf0\x9f\x98\x80!", 5), ADB_OK);
  cr_assert_eq(crdt_text_insert(b, 0, ">", 1), ADB_OK);
  merge_ok(a, b);
  cr_assert_eq(crdt_text_insert(a, 1, "xyz", 3), ADB_OK);
  unsigned char *e;
  size_t n;
  cr_assert_eq(crdt_text_encode(a, full ? NULL : v, full ? 0 : vn, &e, &n), ADB_OK);
  crdt_text *target = full ? new_doc(3) : b;
  for (size_t cut = 0; cut < n; cut++) merge_bad(target, e, cut, 1);
  unsigned char *bad = malloc(n);
  for (int trial = 0; trial < 3000; trial++) {
    memcpy(bad, e, n);
    for (int k = 1 + (int)rnd(3); k > 0; k--)
      bad[rnd((uint32_t)n)] ^= (unsigned char)(1 + rnd(255));
    crdt_text *scratch = full ? new_doc(3) : NULL;
    if (!scratch) {
      /* Damage against b's state, then discard whatever a successful merge did. */
      scratch = new_doc(2);
      merge_ok(scratch, b);
    }
    merge_bad(scratch, bad, n, 0);
    crdt_text_free(scratch);
  }
  unsigned char magic[] = {'X', 'X', 1, 0};
  cr_assert_eq(crdt_text_merge(target, magic, sizeof magic), ADB_CORRUPT);
  cr_assert_eq(crdt_text_merge(target, e, n), ADB_OK, "the undamaged bytes still merge");
  free(bad);
  free(e);
  free(v);
  if (full) crdt_text_free(target);
  crdt_text_free(a);
  crdt_text_free(b);
}

Test(text, damaged_full_encodings_are_refused_unchanged, .timeout = 60) { damaged_inputs(1); }

Test(text, damaged_deltas_are_refused_unchanged, .timeout = 60) { damaged_inputs(0); }

Test(text, references_to_missing_or_deleted_ids) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  cr_assert_eq(crdt_text_insert(a, 0, "ab", 2), ADB_OK);
  cr_assert_eq(crdt_text_delete(a, 0, 1), ADB_OK); /* seq 2 is a delete */
  merge_ok(b, a);
  /* By hand, a delta from agent 3: an insert whose left origin is (agent 1, seq 2), which is
   * a delete and names no character; then one whose origin (agent 1, seq 9) is not merged. */
  unsigned char id1[16] = {0}, id3[16] = {0};
  id1[15] = 1;
  id3[15] = 3;
  for (int seq = 2; seq <= 9; seq += 7) {
    unsigned char p[64];
    memcpy(p, "TX\x01\x00\x02", 5); /* magic, a delta, two agents */
    memcpy(p + 5, id1, 16);
    memcpy(p + 21, id3, 16);
    size_t n = 37;
    p[n++] = 1;                  /* one operation */
    p[n++] = 16;                 /* flags: an insert by id at the agent's next seq */
    p[n++] = 1;                  /* length */
    p[n++] = 1;                  /* agent index 1 (agent 3) */
    p[n++] = 2 + 0;              /* left origin: agent index 0 ... */
    p[n++] = (unsigned char)seq; /* ... seq */
    p[n++] = 0;                  /* no right origin */
    p[n++] = 1;                  /* the bytes: one */
    p[n++] = 'z';
    merge_bad(b, p, n, 1);
    cr_assert_eq(crdt_text_merge(b, p, n), seq == 2 ? ADB_CORRUPT : ADB_NOTFOUND);
  }
  expect_text(b, "b");
  crdt_text_free(a);
  crdt_text_free(b);
}

Test(text, deleted_bytes_are_dropped_and_edits_around_them_still_merge) {
  crdt_text *a = new_doc(1), *b = new_doc(2);
  char chunk[101];
  memset(chunk, 'x', 100);
  chunk[100] = 0;
  for (int i = 0; i < 200; i++) cr_assert_eq(crdt_text_insert(a, 0, chunk, 100), ADB_OK);
  cr_assert_eq(crdt_text_insert(a, 10000, "KEEP", 4), ADB_OK);
  merge_ok(b, a);
  size_t before = crdt_text_mem(a);
  /* a deletes nearly everything; b, concurrently, types inside what a deletes. */
  cr_assert_eq(crdt_text_delete(a, 0, 10000), ADB_OK);
  cr_assert_eq(crdt_text_delete(a, 4, 10000), ADB_OK);
  cr_assert_eq(crdt_text_insert(b, 5000, "mid", 3), ADB_OK);
  cr_assert_lt(crdt_text_mem(a) + 15000, before, "the 20,000 deleted bytes are mostly freed");
  expect_text(a, "KEEP");
  merge_ok(a, b);
  merge_ok(b, a);
  expect_text(a, "midKEEP");
  expect_text(b, "midKEEP");
  snap sa = snapshot(a);
  /* The whole history, deleted characters included, still replays on an empty replica. */
  crdt_text *c = new_doc(3);
  merge_ok(c, a);
  snap sc = snapshot(c);
  cr_assert(sa.n == sc.n && !memcmp(sa.p, sc.p, sa.n), "a and c differ");
  cr_assert_eq(crdt_text_insert(a, 3, "+", 1), ADB_OK);
  merge_ok(c, a);
  expect_text(c, "mid+KEEP");
  free(sa.p);
  free(sc.p);
  crdt_text_free(a);
  crdt_text_free(b);
  crdt_text_free(c);
}

/* Strings are UTF-8 (docs/text.md): an overlong form of any length is not, so inserting one is
 * ADB_INVALID and changes nothing, whatever the number of bytes it spends. Their shortest
 * forms are fine. */
Test(text, overlong_utf8_of_every_length_is_refused) {
  crdt_text *t = new_doc(1);
  cr_assert_eq(crdt_text_insert(t, 0, "ab", 2), ADB_OK);
  static const char *const overlong[] = {
      "\xc1\xbf",         /* U+007F in two bytes */
      "\xe0\x82\x80",     /* U+0080 in three bytes */
      "\xe0\x9f\xbf",     /* U+07FF in three bytes */
      "\xf0\x82\x82\xac", /* U+20AC in four bytes */
      "\xf0\x8f\xbf\xbf", /* U+FFFF in four bytes */
  };
  for (size_t i = 0; i < sizeof overlong / sizeof *overlong; i++)
    cr_assert_eq(crdt_text_insert(t, 1, overlong[i], strlen(overlong[i])), ADB_INVALID, "form %zu",
                 i);
  expect_text(t, "ab");
  cr_assert_eq(crdt_text_insert(t, 1, "\xc2\x80\xdf\xbf\xe2\x82\xac\xef\xbf\xbf", 10), ADB_OK);
  expect_text(t, "a\xc2\x80\xdf\xbf\xe2\x82\xac\xef\xbf\xbf" "b");
  cr_assert_eq(crdt_text_len(t), 6);
  crdt_text_free(t);
}
