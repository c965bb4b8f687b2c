/* check.c — integrity check: SQLite's own, then ArenaDB's invariants on every element. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "store/store.h"
#include "util/buf.h"

/* Runs a query whose rows are problems (one text column each), appending them to report. */
static int collect(adb *db, const char *sql, buf *report, int *problems) {
  sqlite3_stmt *st;
  int src = store_prepare(db, sql, &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  while ((src = store_step(db, st)) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 0);
    if (line && strcmp(line, "ok") == 0) continue;
    buf_puts(report, line ? line : "(null)");
    buf_put_u8(report, '\n');
    (*problems)++;
  }
  sqlite3_finalize(st);
  return src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
}

/* Raises *newest to the clock of every register of e that this replica wrote. */
static void own_clock(const crdt_elem *e, uint64_t *newest) {
  const crdt_tag *tags[3] = {&e->cl_tag, e->has_label ? &e->label.tag : NULL,
                             e->has_ends ? &e->ends.tag : NULL};
  for (size_t i = 0; i < 3; i++)
    if (tags[i] && tags[i]->origin == 1 && tags[i]->hlc > *newest) *newest = tags[i]->hlc;
  for (size_t i = 0; i < e->nprops; i++)
    if (e->props[i].tag.origin == 1 && e->props[i].tag.hlc > *newest) *newest = e->props[i].tag.hlc;
}

/* Loads every element, which decodes its registers and cross-checks them with its columns, and
 * raises *newest to the newest clock this replica wrote. */
static int check_elements(adb *db, int kind, buf *report, int *problems, uint64_t *newest) {
  sqlite3_stmt *st;
  const char *sql = kind == ADB_NODE ? "SELECT rid FROM adb_node" : "SELECT rid FROM adb_edge";
  int src = store_prepare(db, sql, &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  while ((src = store_step(db, st)) == SQLITE_ROW) {
    crdt_elem e;
    int rc = crdt_elem_load_rid(db, kind, sqlite3_column_int64(st, 0), &e);
    if (rc == ADB_OK) rc = crdt_textreg_verify(db, &e);
    if (rc == ADB_OK) own_clock(&e, newest);
    if (rc == ADB_CORRUPT) {
      buf_puts(report, db->errmsg);
      buf_put_u8(report, '\n');
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

/* Reports a stored clock floor below a clock this replica wrote: its next write after a restart
 * could then lose to an older one of its own. */
static int check_floor(adb *db, uint64_t newest, buf *report, int *problems) {
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT hlc FROM adb_replica WHERE idx = 1", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  src = store_step(db, st);
  uint64_t floor = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (src != SQLITE_ROW) return src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
  if (newest > floor) {
    char line[160];
    snprintf(line, sizeof line, "the clock's floor (%llu) is below this replica's newest write (%llu)\n",
             (unsigned long long)floor, (unsigned long long)newest);
    buf_puts(report, line);
    (*problems)++;
  }
  return ADB_OK;
}

int adb_check(adb *db, char **report_out) {
  if (!db) return ADB_MISUSE;
  if (report_out) *report_out = NULL;
  int rc = crdt_replicas_fresh(db);
  if (rc) return rc;
  buf report;
  buf_init(&report);
  int problems = 0;
  const char *queries[] = {
      "PRAGMA integrity_check",
      "SELECT 'node ' || id || ': properties are not a JSON object' FROM adb_node"
      "  WHERE json_valid(props) = 0 OR json_type(props) != 'object'",
      "SELECT 'edge ' || id || ': properties are not a JSON object' FROM adb_edge"
      "  WHERE json_valid(props) = 0 OR json_type(props) != 'object'",
      "SELECT 'edge ' || e.id || ': an endpoint row is missing' FROM adb_edge e"
      "  WHERE e.cl & 1 AND e.src IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM adb_node n"
      "  WHERE n.rid = e.src) OR NOT EXISTS (SELECT 1 FROM adb_node n WHERE n.rid = e.dst))",
      "SELECT 'tag of a missing element: ' || kind || '/' || elem FROM adb_tag t"
      "  WHERE NOT EXISTS (SELECT 1 FROM adb_node n WHERE t.kind = 1 AND n.rid = t.elem)"
      "  AND NOT EXISTS (SELECT 1 FROM adb_edge e WHERE t.kind = 2 AND e.rid = t.elem)",
  };
  for (size_t i = 0; rc == ADB_OK && i < sizeof queries / sizeof *queries; i++)
    rc = collect(db, queries[i], &report, &problems);
  uint64_t newest = 0;
  if (rc == ADB_OK) rc = check_elements(db, ADB_NODE, &report, &problems, &newest);
  if (rc == ADB_OK) rc = check_elements(db, ADB_EDGE, &report, &problems, &newest);
  if (rc == ADB_OK) rc = check_floor(db, newest, &report, &problems);
  if (rc == ADB_OK && problems)
    rc = adb__err(db, ADB_CORRUPT, "the integrity check found %d problem%s", problems,
                  problems == 1 ? "" : "s");
  buf_put_u8(&report, 0);
  if (report_out && problems) *report_out = (char *)buf_take(&report, NULL);
  buf_free(&report);
  return rc;
}
