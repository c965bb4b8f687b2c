/* test_wire.c — change sets built by hand from docs/changeset.md: odd but valid sets merge,
 * and sets whose fields break the rules are refused without changing anything. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "crdt/text.h"
#include "util/buf.h"

static const unsigned char DB_ID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const unsigned char PEER[16] = {0xaa, 0xbb, 0xcc};

static void header(ut_buf *b, uint64_t to) {
  ut_buf_put(b, "ADBC", 4);
  ut_buf_put_u8(b, 1);
  ut_buf_put(b, DB_ID, 16);
  ut_buf_put(b, PEER, 16);
  ut_buf_put_varint(b, 1);
  ut_buf_put(b, PEER, 16);
  ut_buf_put_varint(b, 0);
  ut_buf_put_varint(b, to);
}

static void reg(ut_buf *b, int type, uint64_t epoch, uint64_t hlc, uint64_t rep, uint64_t seq) {
  ut_buf_put_u8(b, (unsigned)type);
  ut_buf_put_varint(b, epoch);
  ut_buf_put_varint(b, hlc);
  ut_buf_put_varint(b, rep);
  ut_buf_put_varint(b, seq);
}

static void str(ut_buf *b, const char *s) { ut_buf_put_str(b, s, strlen(s)); }

static void node(ut_buf *b, const char *id, const char *label, const char *key, const char *json) {
  ut_buf_put_u8(b, 1);
  str(b, id);
  ut_buf_put_varint(b, key ? 3 : 2);
  reg(b, 1, 1, 1000, 0, 1);
  reg(b, 2, 1, 1000, 0, 1);
  str(b, label);
  if (key) {
    reg(b, 4, 1, 1000, 0, 1);
    ut_buf_put_u8(b, 1);
    str(b, key);
    str(b, json);
  }
}

static void seal(ut_buf *b) {
  unsigned char h[16];
  crypto_generichash(h, 16, b->p, b->len, NULL, 0);
  ut_buf_put(b, h, 16);
}

static adb *open_joined(int slot) {
  char hex[33];
  ut_hex_encode(DB_ID, 16, hex);
  adb_options o = {.db_id = hex};
  return open_tmp(slot, &o);
}

Test(wire, an_edge_before_its_nodes_and_repeated_records_merge) {
  adb *db = open_joined(0);
  ut_buf b;
  ut_buf_init(&b);
  header(&b, 1);
  ut_buf_put_u8(&b, 2); /* the edge first: its endpoints do not exist yet */
  str(&b, "e");
  ut_buf_put_varint(&b, 3);
  reg(&b, 1, 1, 1000, 0, 1);
  reg(&b, 2, 1, 1000, 0, 1);
  str(&b, "R");
  reg(&b, 3, 1, 1000, 0, 1);
  str(&b, "a");
  str(&b, "b");
  node(&b, "a", "P", "k", "1");
  node(&b, "b", "P", NULL, NULL);
  node(&b, "a", "P", "k", "1"); /* again */
  ut_buf_put_u8(&b, 0);
  seal(&b);
  adb_apply_stats st;
  OK(db, adb_apply(db, b.p, b.len, &st));
  cr_assert_eq(st.elements, 4);
  char *s = dump_state(db);
  cr_assert_str_eq(s, "a|P|{\"k\":1}\nb|P|{}\n--\ne|a|b|R|{}\n");
  free(s);
  OK(db, adb_check(db, NULL));
  ut_buf_free(&b);
  adb_close(db);
}

Test(wire, fields_that_break_the_rules_are_refused) {
  struct {
    const char *why;
    int type;
    uint64_t epoch, hlc, rep, seq;
    const char *key, *json;
    int want;
  } cases[] = {
      {"non-canonical JSON", 4, 1, 1000, 0, 1, "k", "{ \"b\":1, \"a\":2 }", ADB_PROTOCOL},
      {"invalid JSON", 4, 1, 1000, 0, 1, "k", "{", ADB_PROTOCOL},
      {"even causal length on a property", 4, 2, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
      {"zero causal length", 4, 0, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
      {"unknown replica", 4, 1, 1000, 7, 1, "k", "1", ADB_PROTOCOL},
      {"no clock", 4, 1, 0, 0, 1, "k", "1", ADB_PROTOCOL},
      {"no sequence number", 4, 1, 1000, 0, 0, "k", "1", ADB_PROTOCOL},
      {"causal length past 2^62", 4, ((uint64_t)1 << 62) + 1, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
      {"causal length stored as -1", 4, UINT64_MAX - 2, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
      {"the largest clock", 4, 1, UINT64_MAX, 0, 1, "k", "1", ADB_PROTOCOL},
      {"a clock ten years ahead", 4, 1, (uint64_t)(1700000000000LL + 315576000000LL) << 16, 0, 1,
       "k", "1", ADB_PROTOCOL},
      {"empty key", 4, 1, 1000, 0, 1, "", "1", ADB_PROTOCOL},
      {"vector of strings (empty key)", 4, 1, 1000, 0, 1, "", "[1.0,\"x\"]", ADB_PROTOCOL},
      {"vector beyond float32", 4, 1, 1000, 0, 1, "", "[1e+39]", ADB_PROTOCOL},
      {"vector not canonical", 4, 1, 1000, 0, 1, "", "[1, 2]", ADB_PROTOCOL},
      {"control character in key", 4, 1, 1000, 0, 1, "a\tb", "1", ADB_PROTOCOL},
      {"unknown register type", 9, 1, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
      {"a transaction number past 2^62", 4, 1, 1000, 0, ((uint64_t)1 << 62) + 1, "k", "1",
       ADB_PROTOCOL},
  };
  adb *db = open_joined(0);
  OK(db, adb_node_create(db, "keep", "P", "{\"x\":1}", NULL));
  char *before = dump_state(db);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ut_buf b;
    ut_buf_init(&b);
    header(&b, 1);
    node(&b, "fine", "P", NULL, NULL); /* a good record first: it must not land either */
    ut_buf_put_u8(&b, 1);
    str(&b, "n");
    ut_buf_put_varint(&b, 1);
    reg(&b, cases[i].type, cases[i].epoch, cases[i].hlc, cases[i].rep, cases[i].seq);
    ut_buf_put_u8(&b, 1);
    str(&b, cases[i].key);
    str(&b, cases[i].json);
    ut_buf_put_u8(&b, 0);
    seal(&b);
    int rc = adb_apply(db, b.p, b.len, NULL);
    cr_assert_eq(rc, cases[i].want, "%s: got %d (%s)", cases[i].why, rc, adb_errmsg(db));
    ut_buf_free(&b);
  }
  /* Transactions of the sender past 2^62: the next one would wrap around, or be stored
   * negative. */
  uint64_t past[] = {((uint64_t)1 << 62) + 1, UINT64_MAX};
  for (size_t i = 0; i < 2; i++) {
    ut_buf b;
    ut_buf_init(&b);
    header(&b, past[i]);
    node(&b, "fine", "P", NULL, NULL);
    ut_buf_put_u8(&b, 0);
    seal(&b);
    cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_PROTOCOL, "%s", adb_errmsg(db));
    ut_buf_free(&b);
  }
  /* A newer format, and stray bytes after the end marker. */
  ut_buf b;
  ut_buf_init(&b);
  header(&b, 1);
  b.p[4] = 2;
  ut_buf_put_u8(&b, 0);
  seal(&b);
  cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_FORMAT);
  ut_buf_free(&b);
  ut_buf_init(&b);
  header(&b, 1);
  ut_buf_put_u8(&b, 0);
  ut_buf_put_u8(&b, 0);
  seal(&b);
  cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_PROTOCOL);
  ut_buf_free(&b);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  free(before);
  free(after);
  adb_close(db);
}

/* Records whose label or endpoints registers break a rule, each in a set with a valid checksum
 * after a good record: every one is refused, nothing of the set lands, and the replica can still
 * export (a node holding endpoints could never be sent on again). */
Test(wire, label_and_endpoint_registers_that_break_the_rules_are_refused) {
  struct {
    const char *why;
    int kind, type;
    const char *a, *b; /* the label, or the source and target ids */
  } cases[] = {
      {"endpoints on a node", 1, 3, "a", "b"},
      {"an empty label", 1, 2, "", NULL},
      {"a label with a control character", 1, 2, "P\nQ", NULL},
      {"an edge label with a control character", 2, 2, "R\x01", NULL},
      {"an empty source id", 2, 3, "", "b"},
      {"an empty target id", 2, 3, "a", ""},
      {"a target id with a control character", 2, 3, "a", "b\x7f"},
  };
  adb *db = open_joined(0);
  OK(db, adb_node_create(db, "keep", "P", "{\"x\":1}", NULL));
  char *before = dump_state(db);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ut_buf b;
    ut_buf_init(&b);
    header(&b, 1);
    node(&b, "fine", "P", NULL, NULL);
    ut_buf_put_u8(&b, (unsigned)cases[i].kind);
    str(&b, "x");
    ut_buf_put_varint(&b, 2);
    reg(&b, 1, 1, 1000, 0, 1);
    reg(&b, cases[i].type, 1, 1000, 0, 1);
    str(&b, cases[i].a);
    if (cases[i].b) str(&b, cases[i].b);
    ut_buf_put_u8(&b, 0);
    seal(&b);
    int rc = adb_apply(db, b.p, b.len, NULL);
    cr_assert_eq(rc, ADB_PROTOCOL, "%s: got %d (%s)", cases[i].why, rc, adb_errmsg(db));
    ut_buf_free(&b);
  }
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  void *cs;
  size_t len;
  OK(db, adb_changes(db, NULL, 0, &cs, &len));
  free(cs);
  OK(db, adb_check(db, NULL));
  free(before);
  free(after);
  adb_close(db);
}

/* A text register (type 5) for node "n", after its existence: key, edits, operations. */
static void text_node(ut_buf *b, uint64_t epoch, const char *key, uint64_t nedits,
                      const uint64_t (*edits)[3], const unsigned char *ops, size_t nops) {
  ut_buf_put_u8(b, 1);
  str(b, "n");
  ut_buf_put_varint(b, 2);
  reg(b, 1, 1, 1000, 0, 1);
  reg(b, 5, epoch, 1000, 0, 1);
  str(b, key);
  ut_buf_put_varint(b, nedits);
  for (uint64_t i = 0; i < nedits; i++)
    for (int k = 0; k < 3; k++) ut_buf_put_varint(b, edits[i][k]);
  ut_buf_put_str(b, (const char *)ops, nops);
}

Test(wire, text_records_are_checked_field_by_field) {
  /* Real operations: "hi" typed by the sending replica. */
  crdt_text *t;
  cr_assert_eq(crdt_text_new(PEER, &t), ADB_OK);
  cr_assert_eq(crdt_text_insert(t, 0, "hi", 2), ADB_OK);
  unsigned char *ops;
  size_t nops;
  cr_assert_eq(crdt_text_encode(t, NULL, 0, &ops, &nops), ADB_OK);
  crdt_text_free(t);
  const uint64_t good[1][3] = {{1, 1, 2}}, unknown[1][3] = {{2, 1, 2}},
                 seed_seq[1][3] = {{0, 3, 2}}, no_seq[1][3] = {{1, 0, 2}};
  unsigned char flipped[64];
  cr_assert(nops <= sizeof flipped);
  memcpy(flipped, ops, nops);
  flipped[nops - 1] = 0xff; /* the visible characters are no longer UTF-8 */
  struct {
    const char *why;
    uint64_t epoch;
    const char *key;
    const uint64_t (*edits)[3];
    const unsigned char *ops;
    size_t nops;
  } cases[] = {
      {"malformed operations", 1, "body", good, flipped, nops},
      {"truncated operations", 1, "body", good, ops, nops - 2},
      {"no operations", 1, "body", good, ops, 0},
      {"an edit of an unknown replica", 1, "body", unknown, ops, nops},
      {"a seed with a sequence number", 1, "body", seed_seq, ops, nops},
      {"an edit without a sequence number", 1, "body", no_seq, ops, nops},
      {"an even causal length", 2, "body", good, ops, nops},
      {"an empty key", 1, "", good, ops, nops},
  };
  adb *db = open_joined(0);
  OK(db, adb_node_create(db, "keep", "P", "{\"x\":1}", NULL));
  char *before = dump_state(db);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ut_buf b;
    ut_buf_init(&b);
    header(&b, 1);
    node(&b, "fine", "P", NULL, NULL); /* a good record first: it must not land either */
    text_node(&b, cases[i].epoch, cases[i].key, 1, cases[i].edits, cases[i].ops, cases[i].nops);
    ut_buf_put_u8(&b, 0);
    seal(&b);
    int rc = adb_apply(db, b.p, b.len, NULL);
    cr_assert_eq(rc, ADB_PROTOCOL, "%s: got %d (%s)", cases[i].why, rc, adb_errmsg(db));
    ut_buf_free(&b);
  }
  /* A record cut inside its edits, and one whose operations run past the set's end. */
  for (int cut = 0; cut < 2; cut++) {
    ut_buf b;
    ut_buf_init(&b);
    header(&b, 1);
    text_node(&b, 1, "body", 1, good, ops, nops);
    b.len -= cut ? nops + 4 : 2;
    ut_buf_put_u8(&b, 0);
    seal(&b);
    cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_PROTOCOL);
    ut_buf_free(&b);
  }
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_text"), 0);
  /* The same record with good fields merges. */
  ut_buf b;
  ut_buf_init(&b);
  header(&b, 1);
  text_node(&b, 1, "body", 1, good, ops, nops);
  ut_buf_put_u8(&b, 0);
  seal(&b);
  OK(db, adb_apply(db, b.p, b.len, NULL));
  OK(db, adb_apply(db, b.p, b.len, NULL));
  char *s = NULL;
  OK(db, adb_text_get(db, "n", "body", &s));
  cr_assert_str_eq(s, "hi");
  adb_free(s);
  OK(db, adb_text_insert(db, "n", "body", 2, "!"));
  OK(db, adb_check(db, NULL));
  ut_buf_free(&b);
  free(ops);
  free(before);
  free(after);
  adb_close(db);
}

/* The empty change set: no replicas, no records (docs/changeset.md). */
static void empty_set(ut_buf *b) {
  ut_buf_init(b);
  ut_buf_put(b, "ADBC", 4);
  ut_buf_put_u8(b, 1);
  ut_buf_put(b, DB_ID, 16);
  ut_buf_put(b, PEER, 16);
  ut_buf_put_varint(b, 0); /* no replica */
  ut_buf_put_u8(b, 0);     /* no record */
  seal(b);
}

Test(wire, an_empty_change_set_is_a_valid_no_op) {
  adb *db = open_joined(0);
  OK(db, adb_node_create(db, "keep", "P", "{\"x\":1}", NULL));
  char *before = dump_state(db);
  void *vv0, *vv1;
  size_t n0, n1;
  OK(db, adb_vv(db, &vv0, &n0));
  ut_buf b;
  empty_set(&b);
  adb_apply_stats st = {1, 1, 1};
  OK(db, adb_apply(db, b.p, b.len, &st));
  cr_assert(st.elements == 0 && st.registers == 0 && st.changed == 0);
  OK(db, adb_apply(db, b.p, b.len, NULL)); /* and again */
  OK(db, adb_vv(db, &vv1, &n1));
  cr_assert(n0 == n1 && memcmp(vv0, vv1, n0) == 0, "the version vector moved");
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  /* A fresh replica joins its database, as with any set. */
  adb *fresh = open_tmp(1, NULL);
  OK(fresh, adb_apply(fresh, b.p, b.len, NULL));
  char hex[33];
  ut_hex_encode(DB_ID, 16, hex);
  cr_assert_str_eq(adb_db_id(fresh), hex);
  /* With no replica a record can name none. */
  ut_buf r;
  ut_buf_init(&r);
  ut_buf_put(&r, b.p, b.len - 17); /* up to the replica count */
  node(&r, "n", "P", NULL, NULL);
  ut_buf_put_u8(&r, 0);
  seal(&r);
  cr_assert_eq(adb_apply(db, r.p, r.len, NULL), ADB_PROTOCOL);
  ut_buf_free(&r);
  ut_buf_free(&b);
  free(vv0);
  free(vv1);
  free(before);
  free(after);
  adb_close(fresh);
  adb_close(db);
}
