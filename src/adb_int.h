/* adb_int.h — the database handle and the helpers every internal module shares. */
#ifndef ADB_INT_H
#define ADB_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "arenadb.h"

/* Element kinds; also the kind byte of change-set records. */
#define ADB_NODE 1
#define ADB_EDGE 2

/* The internal statements, prepared once per handle (store.c has their SQL). Statements that
 * exist per kind are laid out node first, then edge: STMT_X + kind - 1. */
enum {
  STMT_ELEM_BY_ID,     /* node, edge */
  STMT_ELEM_BY_ID_E,
  STMT_ELEM_BY_RID,
  STMT_ELEM_BY_RID_E,
  STMT_ELEM_INSERT,
  STMT_ELEM_INSERT_E,
  STMT_ELEM_UPDATE,
  STMT_ELEM_UPDATE_E,
  STMT_GET,            /* node, edge: the visible element by id */
  STMT_GET_E,
  STMT_NODE_LIVE,      /* row id of a live node by id */
  STMT_NODE_ID,        /* id of a node by row id */
  STMT_TAG_INSERT,
  STMT_TAG_DELETE,
  STMT_TAG_SCAN,
  STMT_REPLICA_INSERT,
  STMT_REPLICA_SET_SEQ,
  STMT_REPLICA_SAVE_SELF,
  STMT_DATA_VERSION,   /* changes when another connection commits to the file */
  STMT_SAVEPOINT,      /* the write scope inside a caller's transaction (store.c) */
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_EDGE_ID,        /* id of an edge by row id */
  STMT_ADJ_OUT,        /* out, in: a node's visible edges (label ?2, or any) */
  STMT_ADJ_IN,
  STMT_COUNT
};

typedef struct adb_replica_entry {
  unsigned char rid[16];
  uint64_t seq; /* contiguous: every transaction of this origin up to seq is merged */
} adb_replica_entry;

struct crdt_elem;

/* An index derived from the elements and kept beside them: the adjacency cache (graph/), the
 * vector index (vector/). The elements' layer tells each index of every element it saves, local
 * write or merge, inside the write's transaction (saved may fail the write), and when what the
 * index holds in memory may be stale: after a rollback, or another connection's commit (forget).
 * One fan-out point (crdt/elem.c, crdt/replica.c), so that a lower layer never names an upper
 * one. */
typedef struct adb_index {
  int (*saved)(adb *db, struct crdt_elem *e);
  void (*forget)(adb *db);
} adb_index;

#define ADB_MAX_INDEXES 4

/* State a part above the handle keeps on it, held without knowing its shape (SQLite's
 * sqlite3BtreeSchema is the model): made zeroed on its owner's first adb__slot call, freed with
 * the owner's destructor by adb_close before the SQLite connection closes (a destructor may
 * finalize statements). One id per owner. */
enum { ADB_SLOT_GRAPH, ADB_SLOT_VECTOR, ADB_SLOT_CYPHER, ADB_SLOT_SQL, ADB_SLOT_WATCH, ADB_NSLOTS };
typedef struct adb_slot {
  void *p;
  void (*xfree)(void *p);
} adb_slot;

struct adb {
  sqlite3 *sql;
  sqlite3_stmt *stmt[STMT_COUNT];
  int readonly;
  int64_t max_drift_ms;
  int64_t time_limit_ms; /* adb_set_time_limit: 0 for none */
  char *import_dir;      /* adb_set_import_dir: LOAD CSV reads under it (resolved); NULL: never */
  int query_only;        /* adb_set_query_only: statements and queries that write are refused */
  int64_t deadline;      /* monotonic ms when the running statement must stop; 0 while none runs */
  int64_t (*clock_ms)(void *ctx);
  void *clock_ctx;

  int errcode;
  char errmsg[512];

  unsigned char db_id[16];
  char db_id_hex[33];
  char rid_hex[33];

  /* Replicas known here, by local index; mirrors table adb_replica. */
  adb_replica_entry *reps;
  uint32_t nreps, capreps;
  uint32_t self; /* this replica's index: 1, or a later one after crdt_replica_renew */
  int reps_stale;   /* a rollback may have undone rows: re-read before use */
  int64_t data_version; /* SQLite's data_version when the caches were last known good */
  const struct store_hooks *store_hooks; /* what store tells the layers above (store/store.h) */
  uint64_t txn_seq; /* sequence number of the open local transaction, 0 when not yet taken */

  uint64_t hlc; /* hybrid logical clock: milliseconds << 16 | logical counter */
  uint64_t hlc_floor; /* the clock's floor as adb_replica holds it: every value issued or seen */
  int clock_used;     /* the open transaction ticked or observed the clock */
  int api_txn;        /* the open transaction is adb_begin's: adb_commit stores the clock */

  uint64_t id_ms;          /* id generator: time of the last id */
  unsigned char id_rnd[10]; /* and its random part, incremented within one millisecond */

  int internal;     /* > 0 while ArenaDB's own statements are prepared or run */
  int in_sql_write; /* > 0 while an SQL write on a view runs its CRDT functions */
  /* For adb_stmt_changes: the nodes and edges written through the views, ever, and the rows
   * of ArenaDB's tables those writes changed (view_rows_at: SQLite's count when one began). */
  int64_t view_writes, view_rows, view_rows_at;

  /* The indexes derived from the elements (adb_index), told of every save and every stale
   * moment; adb_open registers them. */
  const struct adb_index *indexes[ADB_MAX_INDEXES];
  int nindexes;

  adb_slot slots[ADB_NSLOTS]; /* adjacency cache, vector index, Cypher's procedures, SQL views,
                               * adb_watch */
};

/* Returns the state in slot id, first making it size zeroed bytes that xfree frees; NULL when
 * out of memory (ADB_NOMEM recorded). */
void *adb__slot(adb *db, int id, size_t size, void (*xfree)(void *p));

/* Returns the state in slot id, or NULL when none was made. */
void *adb__slot_peek(adb *db, int id);

/* Frees the state in slot id with its destructor; the next adb__slot makes it anew. */
void adb__slot_drop(adb *db, int id);

/* Records rc and a formatted explanation on db; returns rc so callers can `return adb__err(...)`.
 */
int adb__err(adb *db, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Translates an SQLite result into an ADB status, recording sqlite3_errmsg. */
int adb__sqlerr(adb *db, int sqlite_rc);

/* Current time in milliseconds, from the handle's clock. */
int64_t adb__now_ms(adb *db);
/* Milliseconds of a monotonic clock, to the microsecond: for measuring, never for dates. */
double adb__mono_ms(void);

/* Starts the time limit of a statement or query that begins now, unless one runs already
 * (a statement inside a query counts against the query's). Returns 1 when it started one, to
 * be passed to adb__deadline_end. */
int adb__deadline_start(adb *db);
void adb__deadline_end(adb *db, int started);

/* 1 when the running statement is past its time limit. */
int adb__past_deadline(adb *db);

#endif
