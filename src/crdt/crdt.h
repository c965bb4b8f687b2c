/* crdt.h — replication state: hybrid logical clock, replicas and version vector entries,
 * and element state as a set of registers merged by one rule (docs/crdt.md). */
#ifndef ADB_CRDT_H
#define ADB_CRDT_H

#include <stddef.h>
#include <stdint.h>

#include "adb_int.h"

/* ---- Hybrid logical clock (hlc.c) ---- */

#define CRDT_HLC_LOGICAL_BITS 16

/* Sets *out to a clock value greater than every value this replica issued or observed, in this
 * process or any earlier one on the file. Runs inside a write transaction; returns ADB_OK, or the
 * store's error when a write through the views could not store the clock. */
int crdt_hlc_tick(adb *db, uint64_t *out);

/* The greatest clock value a register may carry now: max_drift_ms past local time. A later one
 * was written by a replica whose clock is wrong, and would win every later write. */
uint64_t crdt_hlc_bound(adb *db);

/* The register key no property name can take (ut_name_check refuses it): the vector index
 * keeps a node's vector under it, so that it replicates as a property without colliding with
 * one, and it stays out of the properties JSON. */
#define CRDT_KEY_RESERVED ""
static inline int crdt_key_reserved(const char *key) { return key && !key[0]; }

/* The greatest causal length a register may carry: far beyond any real number of deletes and
 * re-creates, and within SQLite's signed 64-bit integers. */
#define CRDT_MAX_CL ((uint64_t)1 << 62)

/* The greatest transaction number of a replica, for the same reasons: a peer claiming more would
 * make the replica's next number wrap around (its own) or be stored negative. */
#define CRDT_MAX_SEQ ((uint64_t)1 << 62)

/* Moves the clock past a remote value of a change set being merged (one within the bound). */
void crdt_hlc_observe(adb *db, uint64_t remote);

/* Stores the clock as this replica's floor when it has moved past the stored one, inside the
 * open write transaction. Every transaction that ticked or observed the clock calls it before it
 * commits (store_write_end, adb_commit), so the floor commits with the values issued under it,
 * and a reopened handle or another process on the file starts past them whatever its wall clock
 * says. Returns ADB_OK or the store's error. */
int crdt_hlc_save(adb *db);

/* ---- Replicas (replica.c) ---- */

/* Loads the database id and table adb_replica into the handle: at open, after a rollback, and
 * after another connection committed. */
int crdt_replicas_load(adb *db);

/* Marks the cached replica state as unknown after a rollback or another connection's commit:
 * it is re-read before next use, the next local write takes a fresh transaction sequence
 * number, and every derived index (adb_index) forgets what it holds. */
void crdt_replicas_forget(adb *db);

/* Re-reads the replica cache when a rollback made it stale. */
int crdt_replicas_fresh(adb *db);

/* The replica cache and the clock as store's hooks (store/store.h, hooks.c): forget, fresh, and
 * the clock's floor stored before every commit. adb_open installs them. */
extern const struct store_hooks crdt_store_hooks;

/* adb_watch (watch.c): the index that notes each saved element's id; delivering them to the
 * watcher once no transaction is open (what is noted then was committed); and dropping them
 * when a transaction rolls back. */
extern const adb_index crdt_watch_index;
void crdt_watch_flush(adb *db);
void crdt_watch_discard(adb *db);

/* Stores floor as the clock's floor for later opens and other connections, in the open write
 * transaction, on a current replica cache. Returns ADB_OK or the store's error. */
int crdt_replica_save_floor(adb *db, uint64_t floor);

/* Finds the local index of a replica id, adding the replica when unknown. */
int crdt_replica_index(adb *db, const unsigned char rid[16], uint32_t *idx);

/* Returns the sequence number of the open local transaction, taking the next one on first use. */
int crdt_txn_seq(adb *db, uint64_t *seq);

/* Records that transactions (from, to] of replica idx are merged: the version vector entry
 * advances when it reaches from, so it only ever covers a gap-free prefix. This replica's own
 * entry never moves here: crdt_replica_renew handles a peer that knows more of it. */
int crdt_replica_advance(adb *db, uint32_t idx, uint64_t from, uint64_t to);

/* This replica's own entry among the replicas: its id and its count of transactions. */
static inline adb_replica_entry *crdt_self(adb *db) { return &db->reps[db->self - 1]; }

/* Gives this replica a new random id, in the open write transaction, when a peer claims
 * transactions of its id beyond its count: its file was restored from an older copy (or copied
 * to make another replica), or the peer is not honest. The old id becomes another replica's,
 * so what the peer sends of it is merged as such, and no transaction number is used twice. */
int crdt_replica_renew(adb *db);

/* ---- Element state (elem.c) ---- */

/* Who wrote a register, and when: origin is a local replica index. */
typedef struct crdt_tag {
  uint64_t hlc;
  uint32_t origin;
  uint64_t seq;
} crdt_tag;

/* Register types, also their codes in change sets. */
#define REG_EXIST 1 /* causal length; epoch holds its value */
#define REG_LABEL 2
#define REG_ENDS 3 /* an edge's source and target node ids */
#define REG_PROP 4
#define REG_TEXT 5 /* a property holding collaborative text (textreg.c) */

typedef struct crdt_reg {
  int type;
  uint64_t epoch; /* the causal length the writer saw: only registers of the current one count */
  crdt_tag tag;
  char *key;   /* REG_PROP: the property name */
  char *value; /* LABEL: the label; PROP: canonical JSON or NULL when removed; ENDS: source id */
  char *value2; /* ENDS: target id */
  struct crdt_textreg *text; /* TEXT: its document and edit history (crdt/textreg.h) */
} crdt_reg;

typedef struct crdt_elem {
  int kind;
  int64_t rid; /* row id, 0 until saved */
  char *id;
  uint64_t cl; /* causal length: 0 never created, odd exists, even deleted */
  crdt_tag cl_tag;
  int has_label, has_ends;
  crdt_reg label, ends;
  int64_t src, dst; /* ENDS resolved to node row ids (0: not yet) */
  crdt_reg *props;  /* sorted by key */
  size_t nprops, capprops;
  /* (origin, newest seq) pairs as stored in adb_tag when loaded */
  crdt_tag *oldtags;
  size_t noldtags;
  int text_rows; /* rows of adb_text may belong to the element: saving checks them */
} crdt_elem;

/* Loads an element by id. Returns ADB_OK, or ADB_NOTFOUND with *e set up as a new element with
 * that id (cl 0), or an error. */
int crdt_elem_load(adb *db, int kind, const char *id, crdt_elem *e);

/* Sets up *e as a new element with that id without reading the database, for writers that
 * know the id to be new (a generated id, a merge into an empty replica). If it exists after
 * all, crdt_elem_save fails with CRDT_EXISTS and changes nothing; load it and merge again. */
int crdt_elem_new(adb *db, int kind, const char *id, crdt_elem *e);
#define CRDT_EXISTS (-100)

/* Loads an element by row id; ADB_NOTFOUND when there is no such row. */
int crdt_elem_load_rid(adb *db, int kind, int64_t rid, crdt_elem *e);

/* Merges one register into e. Returns 1 when e changed, 0 when the register lost or was known,
 * ADB_NOMEM. Strings are copied. */
int crdt_elem_merge(adb *db, crdt_elem *e, const crdt_reg *r);

/* Writes e back: its row (the visible projection and the register clocks) and its tags. */
int crdt_elem_save(adb *db, crdt_elem *e);

/* 1 when the element exists (odd causal length). */
static inline int crdt_elem_live(const crdt_elem *e) { return e->cl & 1; }

/* 1 when register r counts: it belongs to the element's current life. */
static inline int crdt_reg_visible(const crdt_elem *e, const crdt_reg *r) {
  return (e->cl & 1) && r->epoch == e->cl;
}

/* The property register named key, or NULL. */
crdt_reg *crdt_elem_prop(crdt_elem *e, const char *key);

/* Adds an empty property register for key, which must be absent; NULL when out of memory. */
crdt_reg *crdt_elem_prop_add(crdt_elem *e, const char *key);

/* Frees a register's strings and text, and zeroes it. */
void crdt_reg_clear(crdt_reg *r);

/* Resolves ENDS to node ids (for export): fills ends.value and ends.value2 from src and dst. */
int crdt_elem_ends_ids(adb *db, crdt_elem *e);

void crdt_elem_free(crdt_elem *e);

/* Orders two registers of one slot: by epoch, then clock, then origin replica id. */
int crdt_reg_cmp(adb *db, const crdt_reg *a, const crdt_reg *b);

#endif
