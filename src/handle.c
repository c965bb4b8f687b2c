/* handle.c — the top of the library: opening and closing a database, its settings, and
 * transactions. */
#include <assert.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include <sodium.h>

#include "crdt/crdt.h"
#include "graph/graph.h"
#include "query/sql/sqlbridge.h"
#include "store/store.h"
#include "util/buf.h"
#include "vector/vec.h"

/* SQLite calls this every few thousand virtual machine steps; non-zero interrupts the statement. */
static int on_progress(void *p) { return adb__past_deadline(p); }

int adb_set_query_only(adb *db, int on) {
  if (!db) return ADB_MISUSE;
  db->query_only = on != 0;
  return ADB_OK;
}

int adb_set_time_limit(adb *db, int64_t ms) {
  if (!db || ms < 0) return ADB_MISUSE;
  db->time_limit_ms = ms;
  sqlite3_progress_handler(db->sql, ms ? 4096 : 0, ms ? on_progress : NULL, db);
  return ADB_OK;
}

int adb_set_import_dir(adb *db, const char *dir) {
  if (!db) return ADB_MISUSE;
  char *real = NULL;
  struct stat st;
  if (dir && (!(real = realpath(dir, NULL)) || stat(real, &st) || !S_ISDIR(st.st_mode))) {
    free(real);
    return adb__err(db, ADB_NOTFOUND, "the import directory '%s' is not an existing directory",
                    dir);
  }
  free(db->import_dir);
  db->import_dir = real;
  return ADB_OK;
}

static int on_commit(void *p) {
  adb *db = p;
  /* Every path to a commit stores the clock first (crdt_hlc_save). */
  assert(!db->clock_used || db->hlc <= db->hlc_floor);
  db->txn_seq = 0;
  db->clock_used = db->api_txn = 0;
  return 0;
}

static void on_rollback(void *p) {
  adb *db = p;
  db->clock_used = db->api_txn = 0;
  crdt_replicas_forget(db);
  crdt_watch_discard(db);
}

int adb_open(const char *path, const adb_options *opt, adb **out) {
  if (!out) return ADB_MISUSE;
  *out = NULL;
  if (sodium_init() < 0) return ADB_ERROR;
  adb *db = calloc(1, sizeof *db);
  if (!db) return ADB_NOMEM;
  *out = db;
  adb_options none = {0};
  if (!opt) opt = &none;
  db->store_hooks = &crdt_store_hooks;
  db->indexes[db->nindexes++] = &graph_cache_index;
  db->indexes[db->nindexes++] = &vec_index;
  db->indexes[db->nindexes++] = &crdt_watch_index;
  db->readonly = opt->readonly;
  db->max_drift_ms = opt->max_drift_ms > 0 ? opt->max_drift_ms : 60000;
  db->clock_ms = opt->clock_ms;
  db->clock_ctx = opt->clock_ctx;
  if (!path) return adb__err(db, ADB_MISUSE, "no database path given");
  unsigned char want_id[16];
  if (opt->db_id && ut_hex_decode(opt->db_id, want_id, 16))
    return adb__err(db, ADB_INVALID, "database id '%s' is not 32 hex digits", opt->db_id);

  int flags = opt->readonly ? SQLITE_OPEN_READONLY
                            : SQLITE_OPEN_READWRITE | (opt->no_create ? 0 : SQLITE_OPEN_CREATE);
  int src = sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (src != SQLITE_OK) {
    int rc = src == SQLITE_CANTOPEN && (opt->no_create || opt->readonly) ? ADB_NOTFOUND : ADB_IO;
    return adb__err(db, rc, "cannot open '%s': %s", path,
                    db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(src));
  }
  sqlite3_extended_result_codes(db->sql, 1);
  /* SQL from applications may not write the schema table or shadow tables directly, nor have
   * the schema run functions with side effects. */
  sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  sqlite3_busy_timeout(db->sql, 5000);
  sqlite3_commit_hook(db->sql, on_commit, db);
  sqlite3_rollback_hook(db->sql, on_rollback, db);

  int rc = store_init(db, opt);
  if (rc == ADB_OK) rc = crdt_replicas_load(db);
  if (rc == ADB_OK && opt->db_id && memcmp(want_id, db->db_id, 16) != 0)
    rc = adb__err(db, ADB_CONFLICT, "the database exists already, with id %s, not %s",
                  db->db_id_hex, opt->db_id);
  if (rc == ADB_OK)
    rc = store_exec(db, opt->synchronous == ADB_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL"
                                                            : "PRAGMA synchronous=FULL");
  /* SQLite's default 2 MiB page cache makes a large transaction spill to the WAL again and
   * again; reads through a memory map skip a system call per page. */
  if (rc == ADB_OK) rc = store_exec(db, "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824");
  if (rc == ADB_OK) rc = sqlb_install(db);
  if (rc == ADB_OK) db->errcode = ADB_OK;
  return rc;
}

int adb_close(adb *db) {
  if (!db) return ADB_OK;
  int rc = ADB_OK;
  if (db->sql) {
    store_finalize_all(db);
    for (int i = 0; i < ADB_NSLOTS; i++) adb__slot_drop(db, i);
    if (!sqlite3_get_autocommit(db->sql)) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    if (sqlite3_close(db->sql) != SQLITE_OK) {
      rc = ADB_BUSY;
      sqlite3_close_v2(db->sql);
    }
  }
  free(db->reps);
  free(db->import_dir);
  free(db);
  return rc;
}

void adb_free(void *p) { free(p); }

const char *adb_replica_id(adb *db) { return db->rid_hex; }

const char *adb_db_id(adb *db) { return db->db_id_hex; }

int adb_begin(adb *db) {
  if (!db) return ADB_MISUSE;
  if (db->readonly) return adb__err(db, ADB_READONLY, "the database was opened read-only");
  if (!sqlite3_get_autocommit(db->sql))
    return adb__err(db, ADB_MISUSE, "a transaction is open already: transactions do not nest");
  int rc = store_exec(db, "BEGIN IMMEDIATE");
  if (rc == ADB_OK && (rc = store_sync(db))) store_write_end(db, STORE_SCOPE_TXN, rc);
  db->api_txn = rc == ADB_OK;
  return rc;
}

int adb_commit(adb *db) {
  if (!db) return ADB_MISUSE;
  if (sqlite3_get_autocommit(db->sql)) return adb__err(db, ADB_MISUSE, "no transaction is open");
  int rc = crdt_hlc_save(db);
  if (rc == ADB_OK) rc = store_exec(db, "COMMIT");
  if (rc)
    store_write_end(db, STORE_SCOPE_TXN, rc); /* roll back, keeping the error */
  else
    crdt_watch_flush(db);
  return rc;
}

int adb_rollback(adb *db) {
  if (!db) return ADB_MISUSE;
  if (sqlite3_get_autocommit(db->sql)) return adb__err(db, ADB_MISUSE, "no transaction is open");
  int rc = store_exec(db, "ROLLBACK");
  crdt_replicas_forget(db);
  return rc;
}
