/* export.c — change sets: everything a peer lacks, whole or in bounded batches.
 *
 * adb_changes builds one change set holding everything a peer lacks; a network peer wants the
 * same content in batches of bounded size, each applicable on its own, so that a large initial
 * sync streams with flow control and an interrupted one resumes where it stopped. The element
 * list is taken once, at adb_export_begin; each batch is then read in its own short read
 * transaction, carrying the current state of its elements (state-based registers, so a newer
 * state is always a valid answer). Only the last batch advances the receiver's version vector,
 * to the snapshot taken at the beginning; the others declare (from, from] for every replica. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/buf.h"

typedef struct ex_ref {
  int kind;
  int64_t rid;
} ex_ref;

struct adb_export {
  adb *db;
  sync_vv from;      /* the receiver's version vector (may be empty: everything) */
  sync_vv snap;      /* this replica's version vector when the export began */
  ex_ref *refs;      /* elements holding a register the receiver lacks, sorted, unique */
  size_t nrefs, next;
  int done;          /* the final batch was produced */
};

static int ref_cmp(const void *a, const void *b) {
  const ex_ref *x = a, *y = b;
  if (x->kind != y->kind) return x->kind - y->kind;
  return (x->rid > y->rid) - (x->rid < y->rid);
}

int adb_data_version(adb *db, int64_t *out) {
  if (!db || !out) return ADB_MISUSE;
  sqlite3_stmt *st;
  int src = store_prepare(db, "PRAGMA data_version", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  src = sqlite3_step(st);
  *out = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, src);
}

void adb_export_free(adb_export *ex) {
  if (!ex) return;
  sync_vv_free(&ex->from);
  sync_vv_free(&ex->snap);
  free(ex->refs);
  free(ex);
}

static int collect(adb *db, adb_export *ex) {
  size_t cap = 256;
  ex->refs = malloc(cap * sizeof *ex->refs);
  if (!ex->refs) return adb__err(db, ADB_NOMEM, "out of memory");
  for (uint32_t i = 0; i < db->nreps; i++) {
    sqlite3_stmt *st = store_stmt(db, STMT_TAG_SCAN);
    if (!st) return db->errcode;
    sqlite3_bind_int64(st, 1, i + 1);
    sqlite3_bind_int64(st, 2, (int64_t)sync_vv_get(&ex->from, db->reps[i].rid));
    int src;
    while ((src = store_step(db, st)) == SQLITE_ROW) {
      if (ex->nrefs == cap) {
        ex_ref *r = realloc(ex->refs, (cap *= 2) * sizeof *r);
        if (!r) {
          sqlite3_reset(st);
          return adb__err(db, ADB_NOMEM, "out of memory");
        }
        ex->refs = r;
      }
      ex->refs[ex->nrefs].kind = sqlite3_column_int(st, 0);
      ex->refs[ex->nrefs].rid = sqlite3_column_int64(st, 1);
      ex->nrefs++;
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) return adb__sqlerr(db, src);
  }
  qsort(ex->refs, ex->nrefs, sizeof *ex->refs, ref_cmp);
  size_t u = 0;
  for (size_t i = 0; i < ex->nrefs; i++)
    if (u == 0 || ref_cmp(&ex->refs[u - 1], &ex->refs[i]) != 0) ex->refs[u++] = ex->refs[i];
  ex->nrefs = u;
  return ADB_OK;
}

int adb_export_begin(adb *db, const void *vv, size_t vv_len, adb_export **out) {
  if (!db || !out) return ADB_MISUSE;
  *out = NULL;
  adb_export *ex = calloc(1, sizeof *ex);
  if (!ex) return adb__err(db, ADB_NOMEM, "out of memory");
  ex->db = db;
  int own, rc = store_read_begin(db, &own);
  if (rc == ADB_OK && vv) {
    rc = sync_vv_decode(db, vv, vv_len, &ex->from);
    int covers = 0;
    for (size_t i = 0; rc == ADB_OK && i < ex->from.n; i++) covers |= ex->from.e[i].seq > 0;
    if (rc == ADB_OK && covers && memcmp(ex->from.db_id, db->db_id, 16) != 0) {
      char hex[33];
      ut_hex_encode(ex->from.db_id, 16, hex);
      rc = adb__err(db, ADB_CONFLICT,
                    "the version vector is of database %s, this is database %s: only replicas"
                    " of one database sync",
                    hex, db->db_id_hex);
    }
  }
  if (rc == ADB_OK) {
    memcpy(ex->snap.db_id, db->db_id, 16);
    ex->snap.e = calloc(db->nreps, sizeof *ex->snap.e);
    if (!ex->snap.e) rc = adb__err(db, ADB_NOMEM, "out of memory");
    for (uint32_t i = 0; rc == ADB_OK && i < db->nreps; i++) {
      memcpy(ex->snap.e[i].rid, db->reps[i].rid, 16);
      ex->snap.e[i].seq = db->reps[i].seq;
      ex->snap.n++;
    }
  }
  if (rc == ADB_OK) rc = collect(db, ex);
  store_read_end(db, own);
  if (rc) {
    adb_export_free(ex);
    return rc;
  }
  *out = ex;
  return ADB_OK;
}

size_t adb_export_remaining(const adb_export *ex) { return ex ? ex->nrefs - ex->next : 0; }

static void put_reg(ut_buf *b, const crdt_reg *r) {
  ut_buf_put_u8(b, (unsigned)r->type);
  ut_buf_put_varint(b, r->epoch);
  ut_buf_put_varint(b, r->tag.hlc);
  ut_buf_put_varint(b, r->tag.origin - 1);
  ut_buf_put_varint(b, r->tag.seq);
  switch (r->type) {
  case REG_LABEL: ut_buf_put_str(b, r->value, strlen(r->value)); break;
  case REG_ENDS:
    ut_buf_put_str(b, r->value, strlen(r->value));
    ut_buf_put_str(b, r->value2, strlen(r->value2));
    break;
  case REG_PROP:
    ut_buf_put_u8(b, r->value != NULL);
    ut_buf_put_str(b, r->key, strlen(r->key));
    if (r->value) ut_buf_put_str(b, r->value, strlen(r->value));
    break;
  }
}

/* Appends the element's registers that a replica at from[] lacks (same as adb_changes); fails
 * only when a text document cannot be read. */
static int put_element(adb *db, ut_buf *b, crdt_elem *e, const uint64_t *from, uint32_t nfrom) {
  const crdt_reg *regs[3];
  crdt_reg exist = {.type = REG_EXIST, .epoch = e->cl, .tag = e->cl_tag};
  size_t n = 0, nfixed = 0;
#define LACKS(r)                                                                                   \
  ((r)->tag.origin >= 1 && (r)->tag.origin <= nfrom && (r)->tag.seq > from[(r)->tag.origin - 1])
  if (e->cl) regs[nfixed++] = &exist;
  if (e->has_label) regs[nfixed++] = &e->label;
  if (e->has_ends) regs[nfixed++] = &e->ends;
  for (size_t i = 0; i < nfixed; i++) n += LACKS(regs[i]);
#define PROP_LACKS(r) ((r)->type == REG_TEXT ? crdt_textreg_lacks(r, from, nfrom) : LACKS(r))
  for (size_t i = 0; i < e->nprops; i++) n += PROP_LACKS(&e->props[i]);
  if (!n) return ADB_OK;
  ut_buf_put_u8(b, (unsigned)e->kind);
  ut_buf_put_str(b, e->id, strlen(e->id));
  ut_buf_put_varint(b, n);
  for (size_t i = 0; i < nfixed; i++)
    if (LACKS(regs[i])) put_reg(b, regs[i]);
  for (size_t i = 0; i < e->nprops; i++) {
    if (!PROP_LACKS(&e->props[i])) continue;
    put_reg(b, &e->props[i]);
    if (e->props[i].type != REG_TEXT) continue;
    int rc = crdt_textreg_put(db, b, e, &e->props[i], from, nfrom);
    if (rc) return rc;
  }
#undef PROP_LACKS
#undef LACKS
  return ADB_OK;
}

int adb_export_next(adb_export *ex, size_t max_bytes, void **out, size_t *out_len, int *last) {
  if (!ex || !out || !out_len) return ADB_MISUSE;
  *out = NULL;
  *out_len = 0;
  if (last) *last = 0;
  if (ex->done) return ADB_DONE;
  adb *db = ex->db;
  int own, rc = store_read_begin(db, &own);
  uint64_t *from = NULL;
  ut_buf recs, b;
  ut_buf_init(&recs);
  ut_buf_init(&b);
  if (rc == ADB_OK) {
    from = calloc(db->nreps ? db->nreps : 1, sizeof *from);
    if (!from) rc = adb__err(db, ADB_NOMEM, "out of memory");
  }
  for (uint32_t i = 0; rc == ADB_OK && i < db->nreps; i++)
    from[i] = sync_vv_get(&ex->from, db->reps[i].rid);
  while (rc == ADB_OK && ex->next < ex->nrefs && (recs.len == 0 || recs.len < max_bytes)) {
    crdt_elem e;
    ex_ref *r = &ex->refs[ex->next];
    int lrc = crdt_elem_load_rid(db, r->kind, r->rid, &e);
    if (lrc == ADB_OK) lrc = crdt_elem_ends_ids(db, &e);
    if (lrc == ADB_OK) lrc = put_element(db, &recs, &e, from, db->nreps);
    crdt_elem_free(&e);
    if (lrc != ADB_OK && lrc != ADB_NOTFOUND) rc = lrc;
    else ex->next++;
  }
  int fin = ex->next == ex->nrefs;
  if (rc == ADB_OK) {
    ut_buf_put(&b, SYNC_CS_MAGIC, 4);
    ut_buf_put_u8(&b, SYNC_FORMAT);
    ut_buf_put(&b, db->db_id, 16);
    ut_buf_put(&b, crdt_self(db)->rid, 16);
    ut_buf_put_varint(&b, db->nreps);
    for (uint32_t i = 0; i < db->nreps; i++) {
      uint64_t to = fin ? sync_vv_get(&ex->snap, db->reps[i].rid) : 0;
      ut_buf_put(&b, db->reps[i].rid, 16);
      ut_buf_put_varint(&b, from[i]);
      ut_buf_put_varint(&b, to > from[i] ? to : from[i]);
    }
    ut_buf_put(&b, recs.p, recs.len);
    ut_buf_put_u8(&b, 0);
    sync_seal(&b);
    if (b.oom || recs.oom) rc = adb__err(db, ADB_NOMEM, "out of memory");
  }
  store_read_end(db, own);
  free(from);
  ut_buf_free(&recs);
  if (rc) {
    ut_buf_free(&b);
    return rc;
  }
  ex->done = fin;
  if (last) *last = fin;
  *out = ut_buf_take(&b, out_len);
  return ADB_ROW;
}

int adb_changes(adb *db, const void *vv, size_t vv_len, void **out, size_t *out_len) {
  if (!db || !out || !out_len) return ADB_MISUSE;
  *out = NULL;
  *out_len = 0;
  /* One read transaction around both steps: the set is one consistent snapshot. */
  int own, rc = store_read_begin(db, &own);
  adb_export *ex = NULL;
  if (rc == ADB_OK) rc = adb_export_begin(db, vv, vv_len, &ex);
  if (rc == ADB_OK) rc = adb_export_next(ex, SIZE_MAX, out, out_len, NULL);
  store_read_end(db, own);
  adb_export_free(ex);
  return rc == ADB_ROW ? ADB_OK : rc;
}
