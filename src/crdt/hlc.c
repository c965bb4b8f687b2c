/* hlc.c — the hybrid logical clock: wall-clock milliseconds with a logical counter. */
#include "crdt/crdt.h"

uint64_t crdt_hlc_tick(adb *db) {
  uint64_t wall = (uint64_t)adb__now_ms(db) << CRDT_HLC_LOGICAL_BITS;
  db->hlc = wall > db->hlc ? wall : db->hlc + 1;
  return db->hlc;
}

void crdt_hlc_observe(adb *db, uint64_t remote) {
  /* A peer's clock far ahead of ours would drag every later write of ours into its future;
   * believe it only up to the allowed drift. The change itself is still merged. */
  uint64_t bound = (uint64_t)(adb__now_ms(db) + db->max_drift_ms) << CRDT_HLC_LOGICAL_BITS;
  if (remote > bound) remote = bound;
  if (remote > db->hlc) db->hlc = remote;
}
