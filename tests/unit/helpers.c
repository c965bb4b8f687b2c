/* helpers.c — temporary databases, state dumps and Cypher results for the unit tests. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "util/buf.h"

const char *tmp_db_path(int slot) {
  static char dir[64];
  static char paths[16][96];
  if (!dir[0]) {
    strcpy(dir, "/tmp/adbtest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
  }
  snprintf(paths[slot], sizeof paths[slot], "%s/db%d.adb", dir, slot);
  return paths[slot];
}

adb *open_tmp(int slot, const adb_options *opt) {
  adb *db;
  int rc = adb_open(tmp_db_path(slot), opt, &db);
  cr_assert_eq(rc, ADB_OK, "open: %s", adb_errmsg(db));
  return db;
}

static void dump_query(adb *db, const char *sql, ut_buf *b) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  int rc;
  while ((rc = adb_step(st)) == ADB_ROW) {
    for (int i = 0; i < adb_column_count(st); i++) {
      const char *v = adb_column_text(st, i);
      if (i) ut_buf_put_u8(b, '|');
      ut_buf_puts(b, v ? v : "NULL");
    }
    ut_buf_put_u8(b, '\n');
  }
  cr_assert_eq(rc, ADB_DONE, "%s", adb_errmsg(db));
  adb_finalize(st);
}

char *dump_state(adb *db) {
  ut_buf b;
  ut_buf_init(&b);
  dump_query(db, "SELECT id, label, properties FROM nodes ORDER BY id", &b);
  ut_buf_puts(&b, "--\n");
  dump_query(db,
             "SELECT id, source_node_id, target_node_id, label, properties FROM edges ORDER BY id",
             &b);
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

/* Appends one register's slot, causal length, clock and writer to b. */
static void put_reg(adb *db, ut_buf *b, const char *slot, uint64_t epoch, const crdt_tag *t) {
  char rid[33], line[160];
  ut_hex_encode(db->reps[t->origin - 1].rid, 16, rid);
  snprintf(line, sizeof line, " %s@%llu:%llu/%s/%llu", slot, (unsigned long long)epoch,
           (unsigned long long)t->hlc, rid, (unsigned long long)t->seq);
  ut_buf_puts(b, line);
}

static void dump_kind(adb *db, int kind, ut_buf *b) {
  sqlite3_stmt *st;
  cr_assert_eq(sqlite3_prepare_v2(db->sql,
                                  kind == ADB_NODE ? "SELECT rid FROM adb_node ORDER BY id"
                                                   : "SELECT rid FROM adb_edge ORDER BY id",
                                  -1, &st, NULL),
               SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    crdt_elem e;
    OK(db, crdt_elem_load_rid(db, kind, sqlite3_column_int64(st, 0), &e));
    ut_buf_puts(b, kind == ADB_NODE ? "node " : "edge ");
    ut_buf_puts(b, e.id);
    put_reg(db, b, "exists", e.cl, &e.cl_tag);
    if (e.has_label) {
      put_reg(db, b, "label", e.label.epoch, &e.label.tag);
      ut_buf_puts(b, e.label.value ? e.label.value : "-");
    }
    if (e.has_ends) put_reg(db, b, "ends", e.ends.epoch, &e.ends.tag);
    for (size_t i = 0; i < e.nprops; i++) {
      crdt_reg *r = &e.props[i];
      put_reg(db, b, r->key, r->epoch, &r->tag);
      ut_buf_puts(b, r->text ? "(text)" : r->value ? r->value : "(removed)");
    }
    ut_buf_put_u8(b, '\n');
    crdt_elem_free(&e);
  }
  sqlite3_finalize(st);
}

char *dump_registers(adb *db) {
  OK(db, crdt_replicas_fresh(db));
  ut_buf b;
  ut_buf_init(&b);
  dump_kind(db, ADB_NODE, &b);
  dump_kind(db, ADB_EDGE, &b);
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

long long sql_int(adb *db, const char *sql) {
  adb_stmt *st;
  OK(db, adb_prepare(db, sql, &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW, "%s: %s", sql, adb_errmsg(db));
  long long v = adb_column_int(st, 0);
  adb_finalize(st);
  return v;
}

void send_changes(adb *from, adb *to) {
  void *vv, *cs;
  size_t vvlen, cslen;
  OK(to, adb_vv(to, &vv, &vvlen));
  OK(from, adb_changes(from, vv, vvlen, &cs, &cslen));
  OK(to, adb_apply(to, cs, cslen, NULL));
  free(vv);
  free(cs);
}

/* Appends text to the growing string *out of length *len and capacity *cap. */
static void put(char **out, size_t *len, size_t *cap, const char *text) {
  size_t n = strlen(text);
  while (*len + n + 1 > *cap) *out = realloc(*out, *cap *= 2);
  memcpy(*out + *len, text, n + 1);
  *len += n;
}

/* Appends one line of r's column names (names set) or current values to the string *out. */
static void put_line(adb_cypher *r, int names, char **out, size_t *len, size_t *cap) {
  for (int i = 0; i < adb_cypher_columns(r); i++) {
    if (i) put(out, len, cap, "|");
    put(out, len, cap,
        names ? adb_cypher_column_name(r, i) : adb_cypher_text(r, i, ADB_CYPHER_TCK));
  }
  put(out, len, cap, "\n");
}

char *cypher_rows(adb *db, const char *q, const char *params, int header) {
  adb_cypher *r;
  int rc = adb_cypher_run(db, q, params, &r);
  cr_assert_eq(rc, ADB_OK, "%s: %s", q, adb_errmsg(db));
  size_t cap = 4096, len = 0;
  char *out = calloc(1, cap);
  if (header) put_line(r, 1, &out, &len, &cap);
  while (adb_cypher_next(r) == ADB_ROW) put_line(r, 0, &out, &len, &cap);
  adb_cypher_free(r);
  return out;
}

char *cypher_value(adb *db, const char *expr) {
  size_t n = strlen(expr) + 8;
  char *q = malloc(n);
  snprintf(q, n, "RETURN %s", expr);
  char *out = cypher_rows(db, q, NULL, 0);
  char *nl = strchr(out, '\n');
  cr_assert(nl && !nl[1], "%s gives one value, not '%s'", q, out);
  *nl = 0;
  free(q);
  return out;
}

void cypher_refused(adb *db, const char *q, const char *params, const char *type,
                    const char *detail, const char *part) {
  adb_cypher *r;
  cr_assert_lt(adb_cypher_run(db, q, params, &r), 0, "%s should fail", q);
  const char *t, *ph, *d, *m;
  cr_assert_eq(adb_cypher_error(r, &t, &ph, &d, &m), ADB_OK);
  cr_assert_str_eq(t, type, "%s: %s %s", q, t, m);
  if (detail) cr_assert_str_eq(d, detail, "%s: %s %s", q, d, m);
  if (part) cr_assert(strstr(m, part), "%s: %s", q, m);
  cr_assert(strlen(m) > 0, "%s: an error without a message", q);
  adb_cypher_free(r);
}
