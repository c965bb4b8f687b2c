/* list.c — iterating over nodes and edges, optionally filtered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "store/store.h"

struct adb_iter {
  adb *db;
  sqlite3_stmt *st;
  int kind;
  int after; /* the parameter of the lower bound on ids: '' until adb_iter_after sets it */
  int started;
};

#define EDGE_ROWS                                                                                \
  "SELECT e.id, e.label, e.props, s.id, d.id FROM main.adb_edge e"                             \
  " JOIN main.adb_node s ON s.rid=e.src JOIN main.adb_node d ON d.rid=e.dst"                   \
  " WHERE e.cl&1 AND s.cl&1 AND d.cl&1"

/* Opens a listing: where (a SELECT of element rows up to its WHERE conditions) with nbinds
 * texts bound to ?1.., then a lower bound on ids (adb_iter_after; '' until set) and the order
 * by id. */
static int iter_open(adb *db, int kind, const char *where, const char *const *binds, int nbinds,
                     adb_iter **out) {
  *out = NULL;
  char sql[1024];
  const char *id = kind == ADB_NODE ? "id" : "e.id";
  snprintf(sql, sizeof sql, "%s AND %s>?%d ORDER BY %s", where, id, nbinds + 1, id);
  adb_iter *it = calloc(1, sizeof *it);
  if (!it) return adb__err(db, ADB_NOMEM, "out of memory");
  it->db = db;
  it->kind = kind;
  int rc = store_prepare(db, sql, &it->st);
  if (rc != SQLITE_OK) {
    free(it);
    return adb__sqlerr(db, rc);
  }
  for (int i = 0; i < nbinds; i++) sqlite3_bind_text(it->st, i + 1, binds[i], -1, SQLITE_STATIC);
  it->after = nbinds + 1;
  sqlite3_bind_text(it->st, it->after, "", 0, SQLITE_STATIC); /* every id is past '' */
  *out = it;
  return ADB_OK;
}

int adb_node_list(adb *db, const char *label, adb_iter **out) {
  if (!db || !out) return ADB_MISUSE;
  const char *where = label ? "SELECT id, label, props FROM main.adb_node WHERE label=?1 AND cl&1"
                            : "SELECT id, label, props FROM main.adb_node WHERE cl&1";
  return iter_open(db, ADB_NODE, where, &label, label ? 1 : 0, out);
}

int adb_edge_list(adb *db, const char *source, const char *target, const char *label,
                  adb_iter **out) {
  if (!db || !out) return ADB_MISUSE;
  char where[512] = EDGE_ROWS;
  const char *binds[3];
  int n = 0;
  const char *filter[3] = {source, target, label};
  const char *cond[3] = {" AND s.id=?%d", " AND d.id=?%d", " AND e.label=?%d"};
  for (int k = 0; k < 3; k++) {
    if (!filter[k]) continue;
    binds[n++] = filter[k];
    char c[32];
    snprintf(c, sizeof c, cond[k], n);
    strcat(where, c);
  }
  return iter_open(db, ADB_EDGE, where, binds, n, out);
}

int adb_edge_list_of(adb *db, const char *node, const char *label, adb_iter **out) {
  if (!db || !node || !out) return ADB_MISUSE;
  /* Two lookups on the node's row id, one per adjacency index (adb_edge_src, adb_edge_dst). */
#define TOUCHING                                                                                 \
  " AND (e.src=(SELECT rid FROM main.adb_node WHERE id=?1)"                                    \
  " OR e.dst=(SELECT rid FROM main.adb_node WHERE id=?1))"
  const char *binds[2] = {node, label};
  return iter_open(db, ADB_EDGE, label ? EDGE_ROWS TOUCHING " AND e.label=?2" : EDGE_ROWS TOUCHING,
                   binds, label ? 2 : 1, out);
#undef TOUCHING
}

int adb_iter_after(adb_iter *it, const char *id) {
  if (!it || !id) return ADB_MISUSE;
  if (it->started)
    return adb__err(it->db, ADB_MISUSE, "adb_iter_after comes before the first adb_iter_next");
  int rc = sqlite3_bind_text(it->st, it->after, id, -1, SQLITE_TRANSIENT);
  return rc == SQLITE_OK ? ADB_OK : adb__sqlerr(it->db, rc);
}

int adb_iter_next(adb_iter *it, adb_element *out) {
  if (!it || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  it->started = 1;
  it->db->internal++;
  int rc = sqlite3_step(it->st);
  it->db->internal--;
  if (rc == SQLITE_DONE) return ADB_DONE;
  if (rc != SQLITE_ROW) return adb__sqlerr(it->db, rc);
  rc = graph_element_from_row(it->st, it->kind, out);
  return rc ? adb__err(it->db, rc, "out of memory") : ADB_ROW;
}

void adb_iter_free(adb_iter *it) {
  if (!it) return;
  sqlite3_finalize(it->st);
  free(it);
}
