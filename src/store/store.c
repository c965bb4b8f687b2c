/* store.c — the SQLite file: schema, format version, transactions and internal statements. */
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"

static const char *const schema_sql =
    "CREATE TABLE adb_meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    /* Every replica whose changes reached this file; idx 1 is this replica, unless adb_meta's
     * 'self' names another (crdt_replica_renew). seq is the version vector entry; hlc (this
     * replica only) is a floor for the clock after a restart. */
    "CREATE TABLE adb_replica(idx INTEGER PRIMARY KEY, rid BLOB NOT NULL UNIQUE,"
    "  seq INTEGER NOT NULL, hlc INTEGER NOT NULL DEFAULT 0);"
    /* Elements: cl is the causal length (odd: exists); label and props are the visible
     * projection of the registers; meta holds the registers' clocks (crdt/elem.c). */
    "CREATE TABLE adb_node(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  cl INTEGER NOT NULL, label TEXT, props TEXT NOT NULL, meta BLOB NOT NULL);"
    "CREATE INDEX adb_node_label ON adb_node(label);"
    "CREATE TABLE adb_edge(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  cl INTEGER NOT NULL, label TEXT, props TEXT NOT NULL, meta BLOB NOT NULL,"
    "  src INTEGER, dst INTEGER);"
    /* Adjacency: covering, so that a traversal step reads the index and never the row. */
    "CREATE INDEX adb_edge_src ON adb_edge(src, label, cl, dst);"
    "CREATE INDEX adb_edge_dst ON adb_edge(dst, label, cl, src);"
    /* For each element and each origin replica, the newest transaction of that origin whose
     * register the element still holds: what a change set for a version vector must carry. */
    "CREATE TABLE adb_tag(origin INTEGER NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL,"
    "  elem INTEGER NOT NULL, PRIMARY KEY(origin, seq, kind, elem)) WITHOUT ROWID;"
    /* Text properties: each document's whole encoded history (crdt/textreg.c). */
    "CREATE TABLE adb_text(kind INTEGER NOT NULL, elem INTEGER NOT NULL, key TEXT NOT NULL,"
    "  state BLOB NOT NULL, PRIMARY KEY(kind, elem, key)) WITHOUT ROWID;";

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_ELEM_BY_ID] = "SELECT rid, id, cl, label, props, meta FROM main.adb_node WHERE id=?1",
    [STMT_ELEM_BY_ID_E] =
        "SELECT rid, id, cl, label, props, meta, src, dst FROM main.adb_edge WHERE id=?1",
    [STMT_ELEM_BY_RID] = "SELECT rid, id, cl, label, props, meta FROM main.adb_node WHERE rid=?1",
    [STMT_ELEM_BY_RID_E] =
        "SELECT rid, id, cl, label, props, meta, src, dst FROM main.adb_edge WHERE rid=?1",
    [STMT_ELEM_INSERT] =
        "INSERT INTO main.adb_node(id, cl, label, props, meta) VALUES(?1,?2,?3,?4,?5)",
    [STMT_ELEM_INSERT_E] = "INSERT INTO main.adb_edge(id, cl, label, props, meta, src, dst)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [STMT_ELEM_UPDATE] = "UPDATE main.adb_node SET cl=?2, label=?3, props=?4, meta=?5 WHERE rid=?1",
    [STMT_ELEM_UPDATE_E] =
        "UPDATE main.adb_edge SET cl=?2, label=?3, props=?4, meta=?5, src=?6, dst=?7 WHERE rid=?1",
    [STMT_GET] = "SELECT id, label, props FROM main.adb_node WHERE id=?1 AND cl&1",
    [STMT_GET_E] = "SELECT e.id, e.label, e.props, s.id, d.id FROM main.adb_edge e"
                   " JOIN main.adb_node s ON s.rid=e.src JOIN main.adb_node d ON d.rid=e.dst"
                   " WHERE e.id=?1 AND e.cl&1 AND s.cl&1 AND d.cl&1",
    [STMT_NODE_LIVE] = "SELECT rid FROM main.adb_node WHERE id=?1 AND cl&1",
    [STMT_NODE_ID] = "SELECT id FROM main.adb_node WHERE rid=?1",
    [STMT_TAG_INSERT] =
        "INSERT OR IGNORE INTO main.adb_tag(origin, seq, kind, elem) VALUES(?1,?2,?3,?4)",
    [STMT_TAG_DELETE] =
        "DELETE FROM main.adb_tag WHERE origin=?1 AND seq=?2 AND kind=?3 AND elem=?4",
    [STMT_TAG_SCAN] = "SELECT kind, elem FROM main.adb_tag WHERE origin=?1 AND seq>?2",
    [STMT_REPLICA_INSERT] = "INSERT INTO main.adb_replica(idx, rid, seq) VALUES(?1,?2,?3)",
    [STMT_REPLICA_SET_SEQ] = "UPDATE main.adb_replica SET seq=?2 WHERE idx=?1",
    [STMT_REPLICA_SAVE_SELF] = "UPDATE main.adb_replica SET seq=?1, hlc=?2 WHERE idx=?3",
    [STMT_DATA_VERSION] = "PRAGMA data_version",
    [STMT_SAVEPOINT] = "SAVEPOINT adb_write",
    [STMT_RELEASE] = "RELEASE adb_write",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO adb_write",
    [STMT_EDGE_ID] = "SELECT id FROM main.adb_edge WHERE rid=?1",
    /* Ordered as the adjacency cache's lists, so a walk gives the same hops either way. */
    [STMT_ADJ_OUT] =
        "SELECT e.rid, e.dst, e.label FROM main.adb_edge e JOIN main.adb_node n ON n.rid=e.dst"
        " WHERE e.src=?1 AND e.cl&1 AND n.cl&1 AND (?2 IS NULL OR e.label=?2)"
        " ORDER BY e.dst, e.rid",
    [STMT_ADJ_IN] =
        "SELECT e.rid, e.src, e.label FROM main.adb_edge e JOIN main.adb_node n ON n.rid=e.src"
        " WHERE e.dst=?1 AND e.cl&1 AND n.cl&1 AND (?2 IS NULL OR e.label=?2)"
        " ORDER BY e.src, e.rid",
};

int store_prepare(adb *db, const char *sql, sqlite3_stmt **st) {
  db->internal++;
  int rc = sqlite3_prepare_v2(db->sql, sql, -1, st, NULL);
  db->internal--;
  return rc;
}

sqlite3_stmt *store_stmt(adb *db, int id) {
  sqlite3_stmt *st = db->stmt[id];
  if (!st) {
    db->internal++;
    int rc = sqlite3_prepare_v3(db->sql, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    db->internal--;
    if (rc != SQLITE_OK) {
      adb__sqlerr(db, rc);
      return NULL;
    }
    db->stmt[id] = st;
  } else {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  return st;
}

int store_step(adb *db, sqlite3_stmt *st) {
  db->internal++;
  int rc = sqlite3_step(st);
  db->internal--;
  return rc;
}

int store_exec(adb *db, const char *sql) {
  db->internal++;
  int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
  db->internal--;
  return rc == SQLITE_OK ? ADB_OK : adb__sqlerr(db, rc);
}

void store_finalize_all(adb *db) {
  for (int i = 0; i < STMT_COUNT; i++) {
    sqlite3_finalize(db->stmt[i]);
    db->stmt[i] = NULL;
  }
}

/* Runs a cached statement that returns no rows. */
static int run_cached(adb *db, int id) {
  sqlite3_stmt *st = store_stmt(db, id);
  if (!st) return db->errcode;
  int rc = store_step(db, st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, rc);
}

int store_sync(adb *db) {
  sqlite3_stmt *st = store_stmt(db, STMT_DATA_VERSION);
  if (!st) return db->errcode;
  int rc = store_step(db, st);
  int64_t version = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return adb__sqlerr(db, rc);
  if (version != db->data_version) {
    db->data_version = version;
    db->store_hooks->stale(db);
  }
  return db->store_hooks->fresh(db);
}

int store_write_begin(adb *db, int *scope) {
  *scope = STORE_SCOPE_NONE;
  if (db->readonly) return adb__err(db, ADB_READONLY, "the database was opened read-only");
  if (db->in_sql_write) return ADB_OK; /* the SQL statement that called us is the scope */
  int own = sqlite3_get_autocommit(db->sql);
  int rc = own ? store_exec(db, "BEGIN IMMEDIATE") : run_cached(db, STMT_SAVEPOINT);
  if (rc == ADB_OK) *scope = own ? STORE_SCOPE_TXN : STORE_SCOPE_SAVEPOINT;
  if (rc == ADB_OK && own && (rc = store_sync(db)) != ADB_OK) {
    store_write_end(db, *scope, rc);
    *scope = STORE_SCOPE_NONE;
  }
  return rc;
}

int store_write_end(adb *db, int scope, int rc) {
  if (scope == STORE_SCOPE_NONE) return rc;
  if (rc == ADB_OK) {
    /* The clock's floor commits with the writes that used it; adb_begin's transaction stores it
     * once, at adb_commit. */
    int crc = scope == STORE_SCOPE_TXN || !db->api_txn ? db->store_hooks->commit(db) : ADB_OK;
    if (crc == ADB_OK)
      crc = scope == STORE_SCOPE_TXN ? store_exec(db, "COMMIT") : run_cached(db, STMT_RELEASE);
    if (crc == ADB_OK && scope == STORE_SCOPE_TXN) db->store_hooks->committed(db);
    if (crc == ADB_OK) return ADB_OK;
    rc = crc;
  }
  /* Keep the first error's message: the rollback's own outcome does not change it. */
  char msg[sizeof db->errmsg];
  memcpy(msg, db->errmsg, sizeof msg);
  if (scope == STORE_SCOPE_TXN) {
    db->internal++;
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    db->internal--;
  } else if (run_cached(db, STMT_ROLLBACK_TO) == ADB_OK) {
    run_cached(db, STMT_RELEASE);
  }
  memcpy(db->errmsg, msg, sizeof msg);
  db->errcode = rc;
  db->store_hooks->stale(db);
  return rc;
}

int store_read_begin(adb *db, int *own) {
  *own = sqlite3_get_autocommit(db->sql);
  int rc = *own ? store_exec(db, "BEGIN") : ADB_OK;
  if (rc == ADB_OK && (rc = store_sync(db)) != ADB_OK) store_read_end(db, *own);
  return rc;
}

void store_read_end(adb *db, int own) {
  if (!own) return;
  char msg[sizeof db->errmsg];
  int code = db->errcode;
  memcpy(msg, db->errmsg, sizeof msg);
  store_exec(db, "COMMIT");
  memcpy(db->errmsg, msg, sizeof msg);
  db->errcode = code;
}

/* Reads one integer from a PRAGMA; returns the SQLite status. */
static int pragma_int(adb *db, const char *sql, int64_t *out) {
  sqlite3_stmt *st;
  int rc = store_prepare(db, sql, &st);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(st, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return rc;
}

static int meta_put(adb *db, const char *key, const void *blob, int n) {
  sqlite3_stmt *st;
  int rc = store_prepare(db, "INSERT OR REPLACE INTO main.adb_meta VALUES(?1, ?2)", &st);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blob, n, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? ADB_OK : adb__sqlerr(db, rc);
}

int store_set_db_id(adb *db, const unsigned char id[16]) {
  int rc = meta_put(db, "db_id", id, 16);
  if (rc == ADB_OK) {
    memcpy(db->db_id, id, 16);
    ut_hex_encode(id, 16, db->db_id_hex);
  }
  return rc;
}

static int schema_create(adb *db, const adb_options *opt) {
  unsigned char db_id[16], rid[16];
  /* adb_open checked a given id's form before creating the file. */
  if (!opt || !opt->db_id || ut_hex_decode(opt->db_id, db_id, 16))
    randombytes_buf(db_id, sizeof db_id);
  randombytes_buf(rid, sizeof rid);
  int rc = store_exec(db, "BEGIN IMMEDIATE");
  if (rc) return rc;
  /* Another process may have created the schema since we looked: then it is theirs. */
  int64_t objects = 0;
  if (pragma_int(db, "SELECT count(*) FROM sqlite_schema", &objects) != SQLITE_OK || objects > 0)
    return store_write_end(db, STORE_SCOPE_TXN, ADB_OK);
  rc = store_exec(db, schema_sql);
  if (rc == ADB_OK) rc = store_set_db_id(db, db_id);
  if (rc == ADB_OK) {
    sqlite3_stmt *st;
    int src =
        store_prepare(db, "INSERT INTO main.adb_replica(idx, rid, seq) VALUES(1, ?1, 0)", &st);
    if (src == SQLITE_OK) {
      sqlite3_bind_blob(st, 1, rid, 16, SQLITE_STATIC);
      src = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db->sql);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK) rc = adb__sqlerr(db, src);
  }
  if (rc == ADB_OK) {
    char pragmas[96];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d",
             STORE_APPLICATION_ID, STORE_FORMAT);
    rc = store_exec(db, pragmas);
  }
  return store_write_end(db, STORE_SCOPE_TXN, rc);
}

int store_load_db_id(adb *db) {
  sqlite3_stmt *st;
  int rc = store_prepare(db, "SELECT value FROM main.adb_meta WHERE key='db_id'", &st);
  if (rc == SQLITE_OK && store_step(db, st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16) {
    memcpy(db->db_id, sqlite3_column_blob(st, 0), 16);
    ut_hex_encode(db->db_id, 16, db->db_id_hex);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_OK) {
    rc = SQLITE_CORRUPT;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? ADB_OK
                         : adb__err(db, ADB_CORRUPT, "the database has no valid id in adb_meta");
}

/* Reads what identifies the file: its application id, format version and number of objects. */
static int identify(adb *db, int64_t *app_id, int64_t *version, int64_t *objects) {
  int rc = pragma_int(db, "PRAGMA application_id", app_id);
  if (rc == SQLITE_OK) rc = pragma_int(db, "PRAGMA user_version", version);
  if (rc == SQLITE_OK) rc = pragma_int(db, "SELECT count(*) FROM sqlite_schema", objects);
  if (rc == SQLITE_NOTADB)
    return adb__err(db, ADB_NOTADB, "the file is not a database (not even an SQLite file)");
  return rc == SQLITE_OK ? ADB_OK : adb__sqlerr(db, rc);
}

int store_init(adb *db, const adb_options *opt) {
  int64_t app_id = 0, version = 0, objects = 0;
  int rc = identify(db, &app_id, &version, &objects);
  if (rc) return rc;
  if (app_id == 0 && objects == 0) {
    if (opt->no_create)
      return adb__err(db, ADB_NOTADB, "the file is empty: it is not an ArenaDB database (make "
                                      "one with init)");
    if (db->readonly) return adb__err(db, ADB_READONLY, "cannot create a database read-only");
    rc = store_exec(db, "PRAGMA journal_mode=WAL");
    if (rc == ADB_OK) rc = schema_create(db, opt);
    if (rc == ADB_OK) rc = identify(db, &app_id, &version, &objects);
    if (rc) return rc;
  }
  if (app_id != STORE_APPLICATION_ID) {
    return adb__err(db, ADB_NOTADB, "the file is an SQLite database, but not an ArenaDB one");
  } else if (version > STORE_FORMAT) {
    return adb__err(db, ADB_FORMAT,
                    "the database has format version %lld, and this ArenaDB reads up to %d:"
                    " upgrade ArenaDB to open it",
                    (long long)version, STORE_FORMAT);
  } else if (!db->readonly) {
    rc = store_exec(db, "PRAGMA journal_mode=WAL");
  }
  return rc;
}
