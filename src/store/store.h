/* store.h — the SQLite file: schema, format version, transactions, internal statements. */
#ifndef ADB_STORE_H
#define ADB_STORE_H

#include "adb_int.h"

#define STORE_APPLICATION_ID 0x41524442 /* "ARDB" in the SQLite header */
#define STORE_FORMAT 1                  /* the on-disk format this build reads and writes */

/* What the layers above store cache about the file (the replica table, the indexes derived
 * from the elements), told at the moments the cache and the file may part. adb_open sets
 * db->store_hooks once: the top wires the bottom to what sits above it, so store names no
 * layer above its own. */
typedef struct store_hooks {
  /* The file may differ from the cache: another connection committed, or a rollback undid
   * rows. Drop what was read. */
  void (*stale)(adb *db);
  /* A transaction is open and the cache was dropped if it had to be: reload it. An ADB status;
   * failing fails the begin. */
  int (*fresh)(adb *db);
  /* A write scope is about to commit: the last rows that belong with it. An ADB status;
   * failing rolls the scope back. */
  int (*commit)(adb *db);
  /* A transaction committed. */
  void (*committed)(adb *db);
} store_hooks;

/* Inside an open transaction: when SQLite's data_version moved since the last look (another
 * connection committed), tells the hooks the cache is stale; then has them reload it. Returns
 * an ADB status. */
int store_sync(adb *db);

/* Creates or checks the schema of a freshly opened connection. Fails with ADB_NOTADB or ADB_FORMAT
 * as adb_open documents. */
int store_init(adb *db, const adb_options *opt);

/* Prepares internal SQL (the authorizer lets it write internal tables); an SQLite status. */
int store_prepare(adb *db, const char *sql, sqlite3_stmt **st);

/* Returns the internal statement id, reset and with bindings cleared, or NULL on failure. */
sqlite3_stmt *store_stmt(adb *db, int id);

/* Steps an internal statement with the authorizer's internal mark set. */
int store_step(adb *db, sqlite3_stmt *st);

/* Runs internal SQL text with no result rows. */
int store_exec(adb *db, const char *sql);

/* A write scope: a transaction of its own in autocommit mode, a savepoint inside a transaction
 * the caller opened, nothing inside an SQL statement (which is its own scope). *scope says
 * which. store_write_end commits (rc == ADB_OK) or rolls back, and returns rc, or the commit's
 * failure; a rollback keeps the first error's message. */
#define STORE_SCOPE_NONE 0
#define STORE_SCOPE_TXN 1
#define STORE_SCOPE_SAVEPOINT 2
int store_write_begin(adb *db, int *scope);
int store_write_end(adb *db, int scope, int rc);

/* Reads the database id from adb_meta onto the handle. */
int store_load_db_id(adb *db);

/* A read scope: one read transaction (its own in autocommit mode) in which the replica cache is
 * current, for reads of replication state. store_read_end ends it, keeping any error recorded. */
int store_read_begin(adb *db, int *own);
void store_read_end(adb *db, int own);

/* Records the database id in adb_meta and on the handle. */
int store_set_db_id(adb *db, const unsigned char id[16]);

/* Forgets cached statements, e.g. before closing. */
void store_finalize_all(adb *db);

#endif
