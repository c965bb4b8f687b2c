/* check.c — integrity check: SQLite's own, then ArenaDB's invariants on every element. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "graph/graph.h"
#include "store/store.h"
#include "util/buf.h"

/* Runs a query whose rows are problems (one text column each), appending them to report. */
static int collect(adb *db, const char *sql, ut_buf *report, int *problems) {
  sqlite3_stmt *st;
  int src = store_prepare(db, sql, &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  while ((src = store_step(db, st)) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 0);
    if (line && strcmp(line, "ok") == 0) continue;
    ut_buf_puts(report, line ? line : "(null)");
    ut_buf_put_u8(report, '\n');
    (*problems)++;
  }
  sqlite3_finalize(st);
  return src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
}

/* Appends one line to the report. */
static void problem(ut_buf *report, int *problems, const char *line) {
  ut_buf_puts(report, line);
  ut_buf_put_u8(report, '\n');
  (*problems)++;
}

/* Checks one register: a causal length no replica could reach, or a clock past every clock this
 * replica issued or merged (its stored floor), which only a broken or hostile writer makes and
 * which would win over every later write. */
static void check_reg(const crdt_elem *e, const char *slot, uint64_t epoch, const crdt_tag *t,
                      uint64_t floor, ut_buf *report, int *problems) {
  char line[300];
  if (epoch > CRDT_MAX_CL) {
    snprintf(line, sizeof line, "%s %.100s: the %s register has an impossible causal length",
             graph_kind_name(e->kind), e->id, slot);
    problem(report, problems, line);
  }
  if (t->seq > CRDT_MAX_SEQ) {
    snprintf(line, sizeof line, "%s %.100s: the %s register has an impossible transaction number",
             graph_kind_name(e->kind), e->id, slot);
    problem(report, problems, line);
  }
  if (t->hlc > floor) {
    snprintf(line, sizeof line, "%s %.100s: the %s register's clock (%llu) is past the clock's "
             "floor (%llu)", graph_kind_name(e->kind), e->id, slot, (unsigned long long)t->hlc,
             (unsigned long long)floor);
    problem(report, problems, line);
  }
}

static void check_regs(const crdt_elem *e, uint64_t floor, ut_buf *report, int *problems) {
  check_reg(e, "existence", e->cl, &e->cl_tag, floor, report, problems);
  if (e->has_label) check_reg(e, "label", e->label.epoch, &e->label.tag, floor, report, problems);
  if (e->has_ends) check_reg(e, "endpoints", e->ends.epoch, &e->ends.tag, floor, report, problems);
  for (size_t i = 0; i < e->nprops; i++)
    check_reg(e, e->props[i].key, e->props[i].epoch, &e->props[i].tag, floor, report, problems);
}

/* Loads every element, which decodes its registers and cross-checks them with its columns, and
 * checks each register against floor, the stored floor of the clock. */
static int check_elements(adb *db, int kind, uint64_t floor, ut_buf *report, int *problems) {
  sqlite3_stmt *st;
  const char *sql =
      kind == ADB_NODE ? "SELECT rid FROM main.adb_node" : "SELECT rid FROM main.adb_edge";
  int src = store_prepare(db, sql, &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  while ((src = store_step(db, st)) == SQLITE_ROW) {
    crdt_elem e;
    int rc = crdt_elem_load_rid(db, kind, sqlite3_column_int64(st, 0), &e);
    if (rc == ADB_OK) rc = crdt_textreg_verify(db, &e);
    if (rc == ADB_OK) check_regs(&e, floor, report, problems);
    if (rc == ADB_CORRUPT) {
      ut_buf_puts(report, db->errmsg);
      ut_buf_put_u8(report, '\n');
      (*problems)++;
    } else if (rc) {
      crdt_elem_free(&e);
      sqlite3_finalize(st);
      return rc;
    }
    crdt_elem_free(&e);
  }
  sqlite3_finalize(st);
  return src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
}

/* Reads this replica's stored clock floor into *floor. */
static int read_floor(adb *db, uint64_t *floor) {
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT hlc FROM main.adb_replica WHERE idx = ?1", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  sqlite3_bind_int64(st, 1, db->self);
  src = store_step(db, st);
  *floor = src == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, src);
}

int adb_check(adb *db, char **report_out) {
  if (!db) return ADB_MISUSE;
  if (report_out) *report_out = NULL;
  int rc = crdt_replicas_fresh(db);
  if (rc) return rc;
  ut_buf report;
  ut_buf_init(&report);
  int problems = 0;
  const char *queries[] = {
      "PRAGMA integrity_check",
      "SELECT 'node ' || id || ': properties are not a JSON object' FROM main.adb_node"
      "  WHERE json_valid(props) = 0 OR json_type(props) != 'object'",
      "SELECT 'edge ' || id || ': properties are not a JSON object' FROM main.adb_edge"
      "  WHERE json_valid(props) = 0 OR json_type(props) != 'object'",
      "SELECT 'edge ' || e.id || ': an endpoint row is missing' FROM main.adb_edge e"
      "  WHERE e.cl & 1 AND e.src IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM main.adb_node n"
      "  WHERE n.rid = e.src) OR NOT EXISTS (SELECT 1 FROM main.adb_node n WHERE n.rid = e.dst))",
      /* 2^62: CRDT_MAX_SEQ. A merge refuses more; a number past it would wrap around. */
      "SELECT 'replica ' || lower(hex(rid)) || ': an impossible transaction count (' || seq || ')'"
      "  FROM main.adb_replica WHERE seq < 0 OR seq > 4611686018427387904",
      "SELECT 'tag of a missing element: ' || kind || '/' || elem FROM main.adb_tag t"
      "  WHERE NOT EXISTS (SELECT 1 FROM main.adb_node n WHERE t.kind = 1 AND n.rid = t.elem)"
      "  AND NOT EXISTS (SELECT 1 FROM main.adb_edge e WHERE t.kind = 2 AND e.rid = t.elem)",
  };
  for (size_t i = 0; rc == ADB_OK && i < sizeof queries / sizeof *queries; i++)
    rc = collect(db, queries[i], &report, &problems);
  uint64_t floor = 0;
  if (rc == ADB_OK) rc = read_floor(db, &floor);
  if (rc == ADB_OK) rc = check_elements(db, ADB_NODE, floor, &report, &problems);
  if (rc == ADB_OK) rc = check_elements(db, ADB_EDGE, floor, &report, &problems);
  if (rc == ADB_OK && problems)
    rc = adb__err(db, ADB_CORRUPT, "the integrity check found %d problem%s", problems,
                  problems == 1 ? "" : "s");
  ut_buf_put_u8(&report, 0);
  if (report_out && problems) *report_out = (char *)ut_buf_take(&report, NULL);
  ut_buf_free(&report);
  return rc;
}
