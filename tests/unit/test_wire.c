/* test_wire.c — change sets built by hand from docs/changeset.md: odd but valid sets merge,
 * and sets whose fields break the rules are refused without changing anything. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/buf.h"

static const unsigned char DB_ID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const unsigned char PEER[16] = {0xaa, 0xbb, 0xcc};

static void header(buf *b, uint64_t to) {
  buf_put(b, "ADBC", 4);
  buf_put_u8(b, 1);
  buf_put(b, DB_ID, 16);
  buf_put(b, PEER, 16);
  buf_put_varint(b, 1);
  buf_put(b, PEER, 16);
  buf_put_varint(b, 0);
  buf_put_varint(b, to);
}

static void reg(buf *b, int type, uint64_t epoch, uint64_t hlc, uint64_t rep, uint64_t seq) {
  buf_put_u8(b, (unsigned)type);
  buf_put_varint(b, epoch);
  buf_put_varint(b, hlc);
  buf_put_varint(b, rep);
  buf_put_varint(b, seq);
}

static void str(buf *b, const char *s) { buf_put_str(b, s, strlen(s)); }

static void node(buf *b, const char *id, const char *label, const char *key, const char *json) {
  buf_put_u8(b, 1);
  str(b, id);
  buf_put_varint(b, key ? 3 : 2);
  reg(b, 1, 1, 1000, 0, 1);
  reg(b, 2, 1, 1000, 0, 1);
  str(b, label);
  if (key) {
    reg(b, 4, 1, 1000, 0, 1);
    buf_put_u8(b, 1);
    str(b, key);
    str(b, json);
  }
}

static void seal(buf *b) {
  unsigned char h[16];
  crypto_generichash(h, 16, b->p, b->len, NULL, 0);
  buf_put(b, h, 16);
}

static adb *open_joined(int slot) {
  char hex[33];
  hex_encode(DB_ID, 16, hex);
  adb_options o = {.db_id = hex};
  return open_tmp(slot, &o);
}

Test(wire, an_edge_before_its_nodes_and_repeated_records_merge) {
  adb *db = open_joined(0);
  buf b;
  buf_init(&b);
  header(&b, 1);
  buf_put_u8(&b, 2); /* the edge first: its endpoints do not exist yet */
  str(&b, "e");
  buf_put_varint(&b, 3);
  reg(&b, 1, 1, 1000, 0, 1);
  reg(&b, 2, 1, 1000, 0, 1);
  str(&b, "R");
  reg(&b, 3, 1, 1000, 0, 1);
  str(&b, "a");
  str(&b, "b");
  node(&b, "a", "P", "k", "1");
  node(&b, "b", "P", NULL, NULL);
  node(&b, "a", "P", "k", "1"); /* again */
  buf_put_u8(&b, 0);
  seal(&b);
  adb_apply_stats st;
  OK(db, adb_apply(db, b.p, b.len, &st));
  cr_assert_eq(st.elements, 4);
  char *s = dump_state(db);
  cr_assert_str_eq(s, "a|P|{\"k\":1}\nb|P|{}\n--\ne|a|b|R|{}\n");
  free(s);
  OK(db, adb_check(db, NULL));
  buf_free(&b);
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
      {"empty key", 4, 1, 1000, 0, 1, "", "1", ADB_PROTOCOL},
      {"vector of strings (empty key)", 4, 1, 1000, 0, 1, "", "[1.0,\"x\"]", ADB_PROTOCOL},
      {"vector beyond float32", 4, 1, 1000, 0, 1, "", "[1e+39]", ADB_PROTOCOL},
      {"vector not canonical", 4, 1, 1000, 0, 1, "", "[1, 2]", ADB_PROTOCOL},
      {"control character in key", 4, 1, 1000, 0, 1, "a\tb", "1", ADB_PROTOCOL},
      {"unknown register type", 9, 1, 1000, 0, 1, "k", "1", ADB_PROTOCOL},
  };
  adb *db = open_joined(0);
  OK(db, adb_node_create(db, "keep", "P", "{\"x\":1}", NULL));
  char *before = dump_state(db);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    buf b;
    buf_init(&b);
    header(&b, 1);
    node(&b, "fine", "P", NULL, NULL); /* a good record first: it must not land either */
    buf_put_u8(&b, 1);
    str(&b, "n");
    buf_put_varint(&b, 1);
    reg(&b, cases[i].type, cases[i].epoch, cases[i].hlc, cases[i].rep, cases[i].seq);
    buf_put_u8(&b, 1);
    str(&b, cases[i].key);
    str(&b, cases[i].json);
    buf_put_u8(&b, 0);
    seal(&b);
    int rc = adb_apply(db, b.p, b.len, NULL);
    cr_assert_eq(rc, cases[i].want, "%s: got %d (%s)", cases[i].why, rc, adb_errmsg(db));
    buf_free(&b);
  }
  /* A newer format, and stray bytes after the end marker. */
  buf b;
  buf_init(&b);
  header(&b, 1);
  b.p[4] = 2;
  buf_put_u8(&b, 0);
  seal(&b);
  cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_FORMAT);
  buf_free(&b);
  buf_init(&b);
  header(&b, 1);
  buf_put_u8(&b, 0);
  buf_put_u8(&b, 0);
  seal(&b);
  cr_assert_eq(adb_apply(db, b.p, b.len, NULL), ADB_PROTOCOL);
  buf_free(&b);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  free(before);
  free(after);
  adb_close(db);
}
