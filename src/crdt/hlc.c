/* hlc.c — the hybrid logical clock: wall-clock milliseconds with a logical counter. */
#include "crdt/crdt.h"

int crdt_hlc_tick(adb *db, uint64_t *out) {
  uint64_t wall = (uint64_t)adb__now_ms(db) << CRDT_HLC_LOGICAL_BITS;
  db->hlc = wall > db->hlc ? wall : db->hlc + 1;
  db->clock_used = 1;
  *out = db->hlc;
  /* A write through the views outside a transaction commits when its statement ends, with no
   * write scope of ours to store the clock at: store it now. */
  if (db->in_sql_write && sqlite3_get_autocommit(db->sql)) return crdt_hlc_save(db);
  return ADB_OK;
}

uint64_t crdt_hlc_bound(adb *db) {
  return (uint64_t)(adb__now_ms(db) + db->max_drift_ms) << CRDT_HLC_LOGICAL_BITS;
}

void crdt_hlc_observe(adb *db, uint64_t remote) {
  /* A merged change set holds no clock past crdt_hlc_bound (sync/changeset.c refuses it), so a
   * peer with a clock far ahead cannot drag later local writes into its future. */
  if (remote <= db->hlc) return;
  db->hlc = remote;
  db->clock_used = 1;
}

int crdt_hlc_save(adb *db) {
  int rc = crdt_replicas_fresh(db); /* a reload after a rollback may raise both */
  if (rc || db->hlc <= db->hlc_floor) return rc;
  return crdt_replica_save_floor(db, db->hlc);
}
