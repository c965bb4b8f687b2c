/* test_session.c — the sync protocol state machine, two sessions wired back to back (no sockets):
 * hello, bounded acknowledged batches, live streaming, presence, and bad peers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "helpers.h"
#include "sync/session.h"
#include "util/buf.h"

static int64_t now = 1000;

/* Looks at, and may change, a frame on its way (from_b: b sent it); returns 1 to lose it. */
typedef int (*tamper_fn)(void *ctx, int from_b, unsigned char *p, size_t n);

/* Moves every queued frame from one session to the other, both ways, until both are quiet,
 * through tamper when it is not NULL. split feeds byte by byte, to check that frames may arrive
 * cut anywhere. */
static void shuttle_through(sync_session *a, sync_session *b, int split, tamper_fn tamper,
                            void *ctx) {
  for (int round = 0; round < 100000; round++) {
    int moved = 0;
    sync_session *pair[2][2] = {{a, b}, {b, a}};
    for (int k = 0; k < 2; k++) {
      unsigned char *p;
      size_t n;
      while (sync_session_out(pair[k][0], &p, &n)) {
        int lost = tamper && tamper(ctx, k, p, n);
        if (!lost && sync_session_state(pair[k][1]) != SYNC_S_CLOSED) {
          if (split)
            for (size_t i = 0; i < n; i++) sync_session_feed(pair[k][1], p + i, 1, now);
          else
            sync_session_feed(pair[k][1], p, n, now);
        }
        sync_session_out_pop(pair[k][0]);
        moved = 1;
      }
    }
    if (!moved) return;
  }
  cr_assert_fail("the sessions never went quiet");
}

static void shuttle(sync_session *a, sync_session *b, int split) {
  shuttle_through(a, b, split, NULL, NULL);
}

/* One transaction of n nodes with some padding, so that a delta needs many batches. */
static void padded_nodes(adb *db, int n) {
  OK(db, adb_begin(db));
  for (int i = 0; i < n; i++) {
    char id[32];
    snprintf(id, sizeof id, "n%03d", i);
    OK(db, adb_node_create(db, id, "P", "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                           NULL));
  }
  OK(db, adb_commit(db));
}

static sync_session *session(adb *db, int server, const char *token, int live, size_t batch) {
  sync_config c = {.server = server, .token = token, .live = live, .batch_bytes = batch,
                   .window = 2};
  sync_session *s;
  cr_assert_eq(sync_session_new(db, &c, &s), ADB_OK);
  return s;
}

static void assert_same(adb *a, adb *b) {
  char *x = dump_state(a), *y = dump_state(b);
  cr_assert_str_eq(x, y);
  free(x);
  free(y);
}

/* Two replicas of one database. */
static void pair_dbs(adb **a, adb **b) {
  *a = open_tmp(0, NULL);
  adb_options o = {.db_id = adb_db_id(*a)};
  *b = open_tmp(1, &o);
}

Test(session, initial_exchange_converges_both_ways) {
  adb *a, *b;
  pair_dbs(&a, &b);
  OK(a, adb_node_create(a, "x", "P", "{\"k\":1}", NULL));
  OK(b, adb_node_create(b, "y", "P", NULL, NULL));
  OK(b, adb_edge_create(b, "e", "y", "L", "y", NULL, NULL));
  sync_session *sa = session(a, 0, NULL, 0, 0), *sb = session(b, 1, NULL, 0, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 1);
  cr_assert(sync_session_initial_done(sa) && sync_session_initial_done(sb));
  cr_assert_eq(sync_session_state(sa), SYNC_S_READY);
  assert_same(a, b);
  cr_assert_eq(sync_session_stats(sa)->elements_in, 2);
  cr_assert_eq(sync_session_stats(sb)->elements_in, 1);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

Test(session, large_delta_goes_in_bounded_acknowledged_batches) {
  adb *a, *b;
  pair_dbs(&a, &b);
  padded_nodes(a, 400);
  sync_session *sa = session(a, 0, NULL, 0, 2048), *sb = session(b, 1, NULL, 0, 2048);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  cr_assert(sync_session_initial_done(sa));
  cr_assert_gt(sync_session_stats(sa)->batches_out, 10);
  cr_assert_eq(sync_session_stats(sb)->elements_in, 400);
  assert_same(a, b);
  /* The receiver's version vector now equals the sender's. */
  void *va, *vb;
  size_t la, lb;
  OK(a, adb_vv(a, &va, &la));
  OK(b, adb_vv(b, &vb, &lb));
  char *ja, *jb;
  OK(a, adb_vv_json(a, va, la, &ja));
  OK(b, adb_vv_json(b, vb, lb, &jb));
  cr_assert(strstr(jb, adb_replica_id(a)) != NULL);
  free(va), free(vb), free(ja), free(jb);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

/* What b's version vector says it has of replica a's transactions. */
static long long vv_entry(adb *b, adb *a) {
  void *vv;
  size_t len;
  char *json;
  OK(b, adb_vv(b, &vv, &len));
  OK(b, adb_vv_json(b, vv, len, &json));
  json_t *doc = json_loads(json, 0, NULL);
  cr_assert_not_null(doc, "%s", json);
  json_t *seq = json_object_get(json_object_get(doc, "vv"), adb_replica_id(a));
  long long n = seq ? json_integer_value(seq) : 0;
  json_decref(doc);
  free(json);
  free(vv);
  return n;
}

/* One transaction of 400 nodes goes in many batches; batch number `lost` never arrives. The
 * receiver must not apply what follows the gap as if it had it all: its version vector may claim
 * the transaction only with every node in hand, and a later session must complete it. */
/* Loses the batch numbered *ctx (counting a's batches from 1). */
static int lose_batch(void *ctx, int from_b, unsigned char *p, size_t n) {
  int *left = ctx;
  return !from_b && n > 4 && p[4] == SYNC_F_BATCH && --*left == 0;
}

Test(session, a_lost_batch_is_never_claimed_and_a_later_session_completes_the_transfer) {
  adb *a, *b;
  pair_dbs(&a, &b);
  padded_nodes(a, 400);
  for (int lost = 1; lost <= 3; lost++) {
    sync_session *sa = session(a, 0, NULL, 0, 2048), *sb = session(b, 1, NULL, 0, 2048);
    sync_session_start(sa, now);
    sync_session_start(sb, now);
    int left = lost + 1;
    shuttle_through(sa, sb, 0, lose_batch, &left);
    /* The receiver itself refuses the gap: it applied the batches before it and none after. */
    int rc = 0;
    const char *why = sync_session_reason(sb, &rc);
    cr_assert_eq(sync_session_state(sb), SYNC_S_CLOSED);
    cr_assert_eq(rc, ADB_PROTOCOL, "%s", why);
    cr_assert(strstr(why, "out of order"), "%s", why);
    cr_assert_eq(sync_session_stats(sb)->batches_in, (uint64_t)lost);
    long long have = sql_int(b, "SELECT count(*) FROM nodes");
    cr_assert(have < 400, "batch %d was dropped, yet all nodes arrived", lost + 1);
    cr_assert_eq(vv_entry(b, a), 0, "b claims a's transaction with %lld of 400 nodes", have);
    sync_session_free(sa);
    sync_session_free(sb);
  }
  sync_session *sa = session(a, 0, NULL, 0, 2048), *sb = session(b, 1, NULL, 0, 2048);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 400);
  cr_assert_eq(vv_entry(b, a), 1);
  assert_same(a, b);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

/* A receiver whose first acknowledgement names batch 2 acknowledges a batch out of turn: the
 * sender must close the session rather than believe batch 1 arrived, or it would never send
 * batch 1's changes again. */
/* Makes b's first acknowledgement name batch 2: its first byte is the batch number, a
 * one-byte varint here. */
static int skip_an_ack(void *ctx, int from_b, unsigned char *p, size_t n) {
  int *acks = ctx;
  if (from_b && n > 5 && p[4] == SYNC_F_ACK && ++*acks == 1) p[5] = 2;
  return 0;
}

Test(session, an_acknowledgement_out_of_turn_closes_the_senders_session) {
  adb *a, *b;
  pair_dbs(&a, &b);
  padded_nodes(a, 200);
  sync_session *sa = session(a, 0, NULL, 0, 2048), *sb = session(b, 1, NULL, 0, 2048);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  int acks = 0;
  shuttle_through(sa, sb, 0, skip_an_ack, &acks);
  int rc = 0;
  const char *why = sync_session_reason(sa, &rc);
  cr_assert_eq(sync_session_state(sa), SYNC_S_CLOSED);
  cr_assert_eq(rc, ADB_PROTOCOL, "%s", why);
  cr_assert(strstr(why, "acknowledgement"), "%s", why);
  cr_assert_eq(vv_entry(b, a), 0);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

Test(session, live_mode_streams_later_commits) {
  adb *a, *b;
  pair_dbs(&a, &b);
  sync_session *sa = session(a, 0, NULL, 1, 0), *sb = session(b, 1, NULL, 1, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  for (int i = 0; i < 5; i++) {
    char id[16];
    snprintf(id, sizeof id, "live%d", i);
    OK(a, adb_node_create(a, id, "P", NULL, NULL));
    sync_session_local_changed(sa, now);
  }
  shuttle(sa, sb, 0);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 5);
  OK(b, adb_node_set(b, "live0", "by", "\"b\""));
  sync_session_local_changed(sb, now);
  shuttle(sa, sb, 0);
  assert_same(a, b);
  cr_assert(sync_session_idle(sa) && sync_session_idle(sb));
  /* Nothing new: no batch is sent. */
  uint64_t before = sync_session_stats(sa)->batches_out;
  sync_session_local_changed(sa, now);
  shuttle(sa, sb, 0);
  cr_assert_eq(sync_session_stats(sa)->batches_out, before);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

/* Runs a hello exchange where the client is misconfigured; returns the server's status. */
static int rejected(adb *a, adb *b, const char *server_token, const char *client_token) {
  sync_session *sa = session(a, 0, client_token, 0, 0), *sb = session(b, 1, server_token, 0, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  int rc;
  sync_session_reason(sb, &rc);
  cr_assert_eq(sync_session_state(sa), SYNC_S_CLOSED);
  cr_assert_eq(sync_session_state(sb), SYNC_S_CLOSED);
  int crc;
  const char *why = sync_session_reason(sa, &crc);
  cr_assert_eq(crc, rc, "the client fails with the server's status: %s", why);
  sync_session_free(sa);
  sync_session_free(sb);
  return rc;
}

Test(session, wrong_token_is_refused_in_constant_time_and_nothing_applied) {
  adb *a, *b;
  pair_dbs(&a, &b);
  OK(a, adb_node_create(a, "x", "P", NULL, NULL));
  cr_assert_eq(rejected(a, b, "secret", "guess"), ADB_AUTH);
  cr_assert_eq(rejected(a, b, "secret", NULL), ADB_AUTH);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 0);
  adb_close(a);
  adb_close(b);
}

Test(session, wrong_database_is_refused) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  OK(a, adb_node_create(a, "x", "P", NULL, NULL));
  OK(b, adb_node_create(b, "y", "P", NULL, NULL));
  cr_assert_eq(rejected(a, b, NULL, NULL), ADB_CONFLICT);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 1);
  adb_close(a);
  adb_close(b);
}

Test(session, empty_replicas_join_the_servers_database) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL), *c = open_tmp(2, NULL);
  OK(c, adb_node_create(c, "only-on-client", "P", NULL, NULL));
  /* a (empty) joins b (empty): the client takes the server's id. */
  sync_session *sa = session(a, 0, NULL, 0, 0), *sb = session(b, 1, NULL, 0, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  cr_assert(sync_session_initial_done(sa) && sync_session_initial_done(sb));
  cr_assert_str_eq(adb_db_id(a), adb_db_id(b));
  sync_session_free(sa);
  sync_session_free(sb);
  /* an empty server takes the id of a client with data. */
  adb_close(b);
  b = open_tmp(3, NULL);
  sa = session(c, 0, NULL, 0, 0);
  sb = session(b, 1, NULL, 0, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  cr_assert(sync_session_initial_done(sa), "%s", sync_session_reason(sa, NULL));
  cr_assert_str_eq(adb_db_id(b), adb_db_id(c));
  assert_same(b, c);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
  adb_close(c);
}

static sync_session *server_after_hello(adb *b, adb *a) {
  sync_session *sb = session(b, 1, NULL, 0, 0), *sa = session(a, 0, NULL, 0, 0);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  unsigned char *p;
  size_t n;
  cr_assert(sync_session_out(sa, &p, &n));
  cr_assert_eq(sync_session_feed(sb, p, n, now), ADB_OK);
  sync_session_free(sa);
  return sb;
}

Test(session, unknown_protocol_version_and_oversized_frames_are_refused) {
  adb *a, *b;
  pair_dbs(&a, &b);
  /* A hello of version 99. */
  sync_session *sb = session(b, 1, NULL, 0, 0), *sa = session(a, 0, NULL, 0, 0);
  sync_session_start(sa, now);
  unsigned char *p;
  size_t n;
  cr_assert(sync_session_out(sa, &p, &n));
  p[9] = 99; /* 4 length, 1 type, 4 magic, then the version */
  cr_assert_eq(sync_session_feed(sb, p, n, now), ADB_FORMAT);
  cr_assert(strstr(sync_session_reason(sb, NULL), "version 99") != NULL);
  sync_session_free(sa);
  sync_session_free(sb);
  /* A frame claiming 4 GB is refused on its first four bytes. */
  sb = session(b, 1, NULL, 0, 0);
  cr_assert_eq(sync_session_feed(sb, "\xff\xff\xff\xff", 4, now), ADB_PROTOCOL);
  cr_assert(strstr(sync_session_reason(sb, NULL), "4294967295") != NULL);
  cr_assert(sync_session_out(sb, &p, &n) && p[4] == SYNC_F_ERROR, "the peer is told why");
  sync_session_free(sb);
  /* An empty frame, an unknown type. */
  sb = server_after_hello(b, a);
  cr_assert_eq(sync_session_feed(sb, "\0\0\0\0", 4, now), ADB_PROTOCOL);
  sync_session_free(sb);
  sb = server_after_hello(b, a);
  cr_assert_eq(sync_session_feed(sb, "\0\0\0\1\x63", 5, now), ADB_PROTOCOL);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

Test(session, a_tampered_batch_is_rejected_and_changes_nothing) {
  adb *a, *b;
  pair_dbs(&a, &b);
  OK(a, adb_node_create(a, "x", "Label", NULL, NULL));
  void *cs;
  size_t len;
  OK(a, adb_changes(a, NULL, 0, &cs, &len));
  ((unsigned char *)cs)[len - 20] ^= 0x40; /* inside the body: the digest no longer matches */
  ut_buf body;
  ut_buf_init(&body);
  ut_buf_put_varint(&body, 1);
  ut_buf_put_u8(&body, 0);
  ut_buf_put(&body, cs, len);
  size_t flen;
  unsigned char *f = sync_frame_build(SYNC_F_BATCH, body.p, body.len, &flen);
  sync_session *sb = server_after_hello(b, a);
  cr_assert_eq(sync_session_feed(sb, f, flen, now), ADB_CORRUPT);
  cr_assert(strstr(sync_session_reason(sb, NULL), "rejected") != NULL);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 0);
  sync_session_free(sb);
  /* An acknowledgement of a batch never sent. */
  sb = server_after_hello(b, a);
  unsigned char *g = sync_frame_build(SYNC_F_ACK, "\x09", 1, &flen);
  cr_assert_eq(sync_session_feed(sb, g, flen, now), ADB_PROTOCOL);
  sync_session_free(sb);
  free(g);
  free(f);
  free(cs);
  ut_buf_free(&body);
  adb_close(a);
  adb_close(b);
}

/* Loses a's final batch (the one that says it is the last: a one-byte batch number, then 1). */
static int lose_final_batch(void *ctx, int from_b, unsigned char *p, size_t n) {
  return !from_b && n > 6 && p[4] == SYNC_F_BATCH && p[6] == 1;
}

/* A stream that drops a frame without breaking: the final batch never arrives, so the receiver
 * sees no gap and the sender waits for its acknowledgement while pings still pass both ways.
 * The sender gives up after its timeout; a later session completes the transfer. */
Test(session, a_sender_whose_batch_is_never_acknowledged_gives_up_after_its_timeout) {
  adb *a, *b;
  pair_dbs(&a, &b);
  padded_nodes(a, 100);
  sync_session *sa = session(a, 0, NULL, 1, 2048), *sb = session(b, 1, NULL, 1, 2048);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle_through(sa, sb, 0, lose_final_batch, NULL);
  cr_assert_lt(sql_int(b, "SELECT count(*) FROM nodes"), 100, "the final batch was lost");
  int64_t t0 = now;
  while (sync_session_state(sa) != SYNC_S_CLOSED && now - t0 < 20000) {
    now += 500;
    sync_session_tick(sa, now);
    sync_session_tick(sb, now);
    shuttle(sa, sb, 0);
    if (now - t0 < 8000)
      cr_assert_neq(sync_session_state(sa), SYNC_S_CLOSED, "gave up early, at %lld ms",
                    (long long)(now - t0));
  }
  int rc = 0;
  const char *why = sync_session_reason(sa, &rc);
  cr_assert_eq(sync_session_state(sa), SYNC_S_CLOSED, "the sender still waits after 20 s");
  cr_assert_eq(rc, ADB_IO, "%s", why);
  cr_assert(strstr(why, "acknowledged no batch"), "%s", why);
  sync_session_free(sa);
  sync_session_free(sb);
  sa = session(a, 0, NULL, 0, 2048);
  sb = session(b, 1, NULL, 0, 2048);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  assert_same(a, b);
  sync_session_free(sa);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

Test(session, a_silent_peer_is_pinged_then_dropped) {
  adb *a, *b;
  pair_dbs(&a, &b);
  sync_session *sb = server_after_hello(b, a);
  unsigned char *p;
  size_t n;
  while (sync_session_out(sb, &p, &n)) sync_session_out_pop(sb);
  cr_assert_eq(sync_session_tick(sb, now + 2500), ADB_OK);
  cr_assert(sync_session_out(sb, &p, &n) && p[4] == SYNC_F_PING);
  sync_session_out_pop(sb);
  cr_assert_eq(sync_session_tick(sb, now + 9000), ADB_IO);
  cr_assert_eq(sync_session_state(sb), SYNC_S_CLOSED);
  sync_session_free(sb);
  adb_close(a);
  adb_close(b);
}

static int relayed;
static void on_presence(void *ctx, sync_session *s, const sync_presence_entry *e) { relayed++; }

Test(session, presence_is_last_writer_wins_expires_and_is_relayed) {
  sync_presence p;
  sync_presence_init(&p);
  unsigned char r1[16] = {1}, r2[16] = {2};
  sync_presence_entry e = {.key = "cursor", .value = "{\"x\":1}", .version = 5, .expires = 5000};
  memcpy(e.origin, r1, 16);
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), 1);
  e.value = "{\"x\":0}";
  e.version = 4;
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), 0, "an older write loses");
  e.version = 6;
  e.value = "{\"x\":2}";
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), 1);
  /* The same version again is known, whatever it carries: merging it must not report a change,
   * or a hub would relay it again and again around a cycle of hubs. */
  e.value = "{\"x\":3}";
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), 0, "a known version is not news");
  cr_assert_str_eq(p.e[0].value, "{\"x\":2}");
  e.value = "{\"x\":2}";
  memcpy(e.origin, r2, 16);
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), 1, "another replica's key is its own");
  cr_assert_eq(p.n, 2);
  cr_assert_str_eq(p.e[0].value, "{\"x\":2}");
  e.value = "not json";
  cr_assert_eq(sync_presence_merge(&p, &e, 1000), ADB_INVALID);
  cr_assert_eq(sync_presence_expire(&p, 4999), 0);
  cr_assert_eq(sync_presence_expire(&p, 5000), 2);
  cr_assert_eq(p.n, 0);
  sync_presence_free(&p);

  /* Through sessions: a's entry reaches b's table and b's relay hook. */
  adb *a, *b;
  pair_dbs(&a, &b);
  sync_presence pa, pb;
  sync_presence_init(&pa);
  sync_presence_init(&pb);
  sync_config ca = {.presence = &pa, .nodata = 1}, cb = {.server = 1, .presence = &pb,
                                                        .hooks = {.presence = on_presence}};
  sync_session *sa, *sb;
  cr_assert_eq(sync_session_new(a, &ca, &sa), ADB_OK);
  cr_assert_eq(sync_session_new(b, &cb, &sb), ADB_OK);
  sync_session_start(sa, now);
  sync_session_start(sb, now);
  shuttle(sa, sb, 0);
  unsigned char rid[16];
  ut_hex_decode(adb_replica_id(a), rid, 16);
  const sync_presence_entry *made;
  OK(a, sync_presence_set(&pa, rid, "status", "\"online\"", 2000, now, &made));
  sync_session_send_presence(sa, made, now);
  shuttle(sa, sb, 0);
  cr_assert_eq(relayed, 1);
  cr_assert_eq(pb.n, 1);
  cr_assert_str_eq(pb.e[0].value, "\"online\"");
  cr_assert_eq(sync_presence_expire(&pb, now + 2001), 1);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes"), 0, "presence is never stored");
  sync_session_free(sa);
  sync_session_free(sb);
  sync_presence_free(&pa);
  sync_presence_free(&pb);
  adb_close(a);
  adb_close(b);
}

Test(export, batches_cover_everything_and_only_the_last_advances) {
  adb *a, *b;
  pair_dbs(&a, &b);
  OK(a, adb_begin(a));
  for (int i = 0; i < 50; i++) {
    char id[16];
    snprintf(id, sizeof id, "n%02d", i);
    OK(a, adb_node_create(a, id, "P", NULL, NULL));
  }
  OK(a, adb_commit(a));
  void *vv;
  size_t vvlen;
  OK(b, adb_vv(b, &vv, &vvlen));
  adb_export *ex;
  OK(a, adb_export_begin(a, vv, vvlen, &ex));
  int last = 0, saw_last = 0, nb = 0, rc;
  void *cs;
  size_t len;
  while ((rc = adb_export_next(ex, 200, &cs, &len, &last)) == ADB_ROW) {
    OK(b, adb_apply(b, cs, len, NULL));
    free(cs);
    nb++;
    saw_last |= last;
    if (!last) cr_assert_eq(sql_int(b, "SELECT max(seq) FROM adb_replica WHERE idx > 1"), 0);
  }
  cr_assert_eq(rc, ADB_DONE);
  cr_assert(saw_last);
  cr_assert_gt(nb, 5);
  assert_same(a, b);
  cr_assert_eq(sql_int(b, "SELECT max(seq) FROM adb_replica WHERE idx > 1"),
               1); /* one transaction */
  adb_export_free(ex);
  free(vv);
  adb_close(a);
  adb_close(b);
}

Test(export, a_commit_during_an_export_is_left_for_the_next_one) {
  adb *a, *b;
  pair_dbs(&a, &b);
  OK(a, adb_begin(a));
  for (int i = 0; i < 30; i++) {
    char id[16];
    snprintf(id, sizeof id, "n%02d", i);
    OK(a, adb_node_create(a, id, "P", NULL, NULL));
  }
  OK(a, adb_commit(a));
  void *vv, *cs;
  size_t vvlen, len;
  OK(b, adb_vv(b, &vv, &vvlen));
  adb_export *ex;
  OK(a, adb_export_begin(a, vv, vvlen, &ex));
  free(vv);
  int last = 0, first = 1;
  while (adb_export_next(ex, 100, &cs, &len, &last) == ADB_ROW) {
    OK(b, adb_apply(b, cs, len, NULL));
    free(cs);
    if (first) { /* commits after the export began: a new node, and a change to a listed one */
      OK(a, adb_node_create(a, "late", "P", NULL, NULL));
      OK(a, adb_node_set(a, "n29", "k", "1"));
      first = 0;
    }
  }
  adb_export_free(ex);
  cr_assert_eq(sql_int(b, "SELECT count(*) FROM nodes WHERE id='late'"), 0);
  cr_assert_eq(sql_int(b, "SELECT max(seq) FROM adb_replica WHERE idx > 1"), 1,
               "the vector covers the snapshot only");
  OK(b, adb_vv(b, &vv, &vvlen));
  OK(a, adb_export_begin(a, vv, vvlen, &ex));
  free(vv);
  while (adb_export_next(ex, 1 << 20, &cs, &len, &last) == ADB_ROW) {
    OK(b, adb_apply(b, cs, len, NULL));
    free(cs);
  }
  adb_export_free(ex);
  assert_same(a, b);
  cr_assert_eq(sql_int(b, "SELECT max(seq) FROM adb_replica WHERE idx > 1"), 3);
  adb_close(a);
  adb_close(b);
}
