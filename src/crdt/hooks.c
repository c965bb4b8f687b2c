/* hooks.c — what store does for crdt at a transaction's edges (store_hooks, store/store.h):
 * forget the replica cache when the file may have changed, reload it, and store the clock's
 * floor before a commit, and tell adb_watch what a commit saved. */
#include "crdt/crdt.h"
#include "store/store.h"

const store_hooks crdt_store_hooks = {.stale = crdt_replicas_forget,
                                      .fresh = crdt_replicas_fresh,
                                      .commit = crdt_hlc_save,
                                      .committed = crdt_watch_flush};
