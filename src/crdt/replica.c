/* replica.c — the replicas a database knows, its version vector, and local sequence numbers. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crdt/crdt.h"
#include "store/store.h"
#include "util/buf.h"

static int reps_push(adb *db, const unsigned char rid[16], uint64_t seq) {
  if (db->nreps == db->capreps) {
    uint32_t cap = db->capreps ? db->capreps * 2 : 8;
    adb_replica_entry *r = realloc(db->reps, cap * sizeof *r);
    if (!r) return adb__err(db, ADB_NOMEM, "out of memory");
    db->reps = r;
    db->capreps = cap;
  }
  memcpy(db->reps[db->nreps].rid, rid, 16);
  db->reps[db->nreps].seq = seq;
  db->nreps++;
  return ADB_OK;
}

/* Reads which row of adb_replica is this replica's into db->self (1 unless renewed). */
static int self_load(adb *db) {
  sqlite3_stmt *st;
  int rc = store_prepare(db, "SELECT value FROM main.adb_meta WHERE key='self'", &st);
  if (rc != SQLITE_OK) return adb__sqlerr(db, rc);
  rc = store_step(db, st);
  db->self = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 1;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, rc);
}

int crdt_replicas_load(adb *db) {
  sqlite3_stmt *st;
  db->nreps = 0;
  int rc = store_load_db_id(db); /* a replica with no data may have joined a database since */
  if (rc || (rc = self_load(db))) return rc;
  rc = store_prepare(db, "SELECT idx, rid, seq, hlc FROM main.adb_replica ORDER BY idx", &st);
  if (rc != SQLITE_OK) return adb__sqlerr(db, rc);
  int err = ADB_OK;
  while (err == ADB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_int64(st, 0) != (int64_t)db->nreps + 1 ||
        sqlite3_column_bytes(st, 1) != 16) {
      err = adb__err(db, ADB_CORRUPT, "table adb_replica is damaged");
      break;
    }
    err = reps_push(db, sqlite3_column_blob(st, 1), (uint64_t)sqlite3_column_int64(st, 2));
    /* This replica's row holds the clock's floor, which another connection may have raised:
     * the clock starts at it on open and catches up with it on every reload. */
    if (db->nreps == db->self) {
      db->hlc_floor = (uint64_t)sqlite3_column_int64(st, 3);
      if (db->hlc < db->hlc_floor) db->hlc = db->hlc_floor;
    }
  }
  if (err == ADB_OK && rc != SQLITE_DONE) err = adb__sqlerr(db, rc);
  sqlite3_finalize(st);
  if (err == ADB_OK && (db->self == 0 || db->self > db->nreps))
    err = adb__err(db, ADB_CORRUPT, "the database has no replica id");
  if (err == ADB_OK) {
    ut_hex_encode(crdt_self(db)->rid, 16, db->rid_hex);
    db->reps_stale = 0;
  }
  return err;
}

void crdt_replicas_forget(adb *db) {
  db->reps_stale = 1;
  db->txn_seq = 0;
  /* Rows the indexes mirror may have been undone, or changed by another writer. */
  for (int i = 0; i < db->nindexes; i++) db->indexes[i]->forget(db);
}

int crdt_replicas_fresh(adb *db) { return db->reps_stale ? crdt_replicas_load(db) : ADB_OK; }

int crdt_replica_index(adb *db, const unsigned char rid[16], uint32_t *idx) {
  int rc = crdt_replicas_fresh(db);
  if (rc) return rc;
  for (uint32_t i = 0; i < db->nreps; i++) {
    if (memcmp(db->reps[i].rid, rid, 16) == 0) {
      *idx = i + 1;
      return ADB_OK;
    }
  }
  sqlite3_stmt *st = store_stmt(db, STMT_REPLICA_INSERT);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, db->nreps + 1);
  sqlite3_bind_blob(st, 2, rid, 16, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, 0);
  if ((rc = store_step(db, st)) != SQLITE_DONE) return adb__sqlerr(db, rc);
  if ((rc = reps_push(db, rid, 0))) return rc;
  *idx = db->nreps;
  return ADB_OK;
}

static int self_save(adb *db) {
  sqlite3_stmt *st = store_stmt(db, STMT_REPLICA_SAVE_SELF);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, (int64_t)crdt_self(db)->seq);
  sqlite3_bind_int64(st, 2, (int64_t)db->hlc_floor);
  sqlite3_bind_int64(st, 3, db->self);
  int rc = store_step(db, st);
  return rc == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, rc);
}

int crdt_replica_save_floor(adb *db, uint64_t floor) {
  assert(!db->reps_stale); /* self_save writes the cached sequence number too */
  uint64_t old = db->hlc_floor;
  db->hlc_floor = floor;
  int rc = self_save(db);
  if (rc) db->hlc_floor = old;
  return rc;
}

int crdt_txn_seq(adb *db, uint64_t *seq) {
  if (db->txn_seq == 0) {
    int rc = store_sync(db);
    if (rc) return rc;
    crdt_self(db)->seq++;
    if ((rc = self_save(db))) {
      crdt_replicas_forget(db);
      return rc;
    }
    db->txn_seq = crdt_self(db)->seq;
  }
  *seq = db->txn_seq;
  return ADB_OK;
}

int crdt_replica_advance(adb *db, uint32_t idx, uint64_t from, uint64_t to) {
  adb_replica_entry *r = &db->reps[idx - 1];
  if (idx == db->self || to <= r->seq || r->seq < from) return ADB_OK;
  r->seq = to;
  sqlite3_stmt *st = store_stmt(db, STMT_REPLICA_SET_SEQ);
  if (!st) return db->errcode;
  sqlite3_bind_int64(st, 1, idx);
  sqlite3_bind_int64(st, 2, (int64_t)to);
  int rc = store_step(db, st);
  return rc == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, rc);
}

int crdt_replica_renew(adb *db) {
  assert(!db->reps_stale);
  unsigned char rid[16];
  randombytes_buf(rid, sizeof rid);
  uint32_t idx;
  int rc = crdt_replica_index(db, rid, &idx);
  if (rc) return rc;
  sqlite3_stmt *st;
  int src = store_prepare(db, "INSERT OR REPLACE INTO main.adb_meta VALUES('self', ?1)", &st);
  if (src == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, idx);
    src = store_step(db, st);
    sqlite3_finalize(st);
  }
  if (src != SQLITE_DONE) return adb__sqlerr(db, src);
  db->self = idx;
  db->txn_seq = 0;
  ut_hex_encode(rid, 16, db->rid_hex);
  return self_save(db); /* the clock's floor moves to the new row */
}
