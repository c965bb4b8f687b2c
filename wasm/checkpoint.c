/* checkpoint.c — WAL checkpoints in the worker's idle time instead of inside a commit. */
/*
 * SQLite copies the WAL back into the database file when a commit leaves the WAL over its
 * auto-checkpoint size: that one commit then writes and flushes the pages of a few hundred
 * others, and becomes the slowest write of a hundred. The browser build raises the
 * auto-checkpoint size (wasm.mk), and replica.mjs calls adb_wasm_checkpoint once its worker has
 * been quiet for a moment after a commit; SQLite's own checkpoint remains the backstop for a
 * replica that never rests. Part of the WebAssembly build only.
 */
#include <sqlite3.h>

#include "adb_int.h"
#include "store/store.h"

int adb_wasm_checkpoint(adb *db);

/* Copies the WAL into the database file, so that the next commit starts it anew. Returns ADB_OK
 * (also when a transaction is open: its commit asks again) or the failure; a checkpoint that
 * fails loses nothing, the WAL keeps every commit until the next one succeeds. */
int adb_wasm_checkpoint(adb *db) {
  if (!sqlite3_get_autocommit(db->sql)) return ADB_OK;
  return store_exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
}
