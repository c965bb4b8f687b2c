/* changeset.c — merging a change set: reading it, checking every field, then applying it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "graph/graph.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/buf.h"
#include "util/json.h"
#include "vector/vec.h"


#define CS_MAX_VALUE ((size_t)16 << 20) /* largest property value accepted, in bytes */

/* ---- Parsing: one reader, a validating pass and an applying pass ---- */

typedef struct cs_header {
  unsigned char db_id[16];
  uint64_t nrep;
  unsigned char (*rids)[16]; /* the replica table: nrep ids, with their (from, to] ranges */
  uint64_t *from, *to;
} cs_header;

typedef struct cs_record {
  int kind;
  char *id;
  size_t nregs, capregs;
  crdt_reg *regs; /* tag.origin holds the header index until applied */
} cs_record;

static void record_clear(cs_record *rec) {
  free(rec->id);
  rec->id = NULL;
  for (size_t i = 0; i < rec->nregs; i++) {
    free(rec->regs[i].key);
    free(rec->regs[i].value);
    free(rec->regs[i].value2);
    crdt_textreg_free(rec->regs[i].text);
  }
  rec->nregs = 0;
}

static char *read_str(ut_rbuf *r, size_t max, int *bad) {
  size_t n;
  const char *s = ut_rbuf_str(r, &n, max);
  if (!s) {
    *bad = 1;
    return NULL;
  }
  char *d = strndup(s, n);
  /* A NUL inside the bytes would shorten the copy: refuse it here. */
  if (!d || strlen(d) != n) *bad = 1;
  return d;
}

/* Reads one register; structural errors set r->bad or *bad. */
static void read_reg(ut_rbuf *r, crdt_reg *g, int *bad) {
  memset(g, 0, sizeof *g);
  g->type = (int)ut_rbuf_u8(r);
  g->epoch = ut_rbuf_varint(r);
  g->tag.hlc = ut_rbuf_varint(r);
  g->tag.origin = (uint32_t)ut_rbuf_varint(r);
  g->tag.seq = ut_rbuf_varint(r);
  switch (g->type) {
  case REG_EXIST: break;
  case REG_LABEL: g->value = read_str(r, UT_NAME_MAX, bad); break;
  case REG_ENDS:
    g->value = read_str(r, UT_NAME_MAX, bad);
    g->value2 = read_str(r, UT_NAME_MAX, bad);
    break;
  case REG_PROP: {
    unsigned has = ut_rbuf_u8(r);
    g->key = read_str(r, UT_NAME_MAX, bad);
    if (has == 1) g->value = read_str(r, CS_MAX_VALUE, bad);
    else if (has != 0) *bad = 1;
    break;
  }
  case REG_TEXT:
    if (crdt_textreg_read(r, g, UT_NAME_MAX, CS_MAX_VALUE)) *bad = 1;
    break;
  default: *bad = 1;
  }
}

/* Reads the next record into rec. Returns 1 for a record, 0 at the end marker, or an error. */
static int read_record(adb *db, ut_rbuf *r, cs_record *rec) {
  record_clear(rec);
  unsigned kind = ut_rbuf_u8(r);
  if (!r->bad && kind == 0) return 0;
  int bad = kind != ADB_NODE && kind != ADB_EDGE;
  rec->kind = (int)kind;
  rec->id = read_str(r, UT_NAME_MAX, &bad);
  uint64_t n = ut_rbuf_varint(r);
  if (r->bad || bad || n == 0 || n > r->len - r->pos)
    return adb__err(db, ADB_PROTOCOL, "change set record at byte %zu is malformed", r->pos);
  if (n > rec->capregs) {
    crdt_reg *g = realloc(rec->regs, n * sizeof *g);
    if (!g) return adb__err(db, ADB_NOMEM, "out of memory");
    rec->regs = g;
    rec->capregs = n;
  }
  for (uint64_t i = 0; i < n; i++) {
    read_reg(r, &rec->regs[i], &bad);
    rec->nregs = i + 1;
    if (r->bad || bad)
      return adb__err(db, ADB_PROTOCOL, "a register of '%s' at byte %zu is malformed",
                      rec->id ? rec->id : "?", r->pos);
  }
  return 1;
}

/* Checks one record's meaning: names, values, epochs, and replica references. */
static int validate_record(adb *db, const cs_header *h, const cs_record *rec) {
  if (ut_name_check(db, "id", rec->id)) return ADB_PROTOCOL;
  uint64_t bound = crdt_hlc_bound(db);
  for (size_t i = 0; i < rec->nregs; i++) {
    const crdt_reg *g = &rec->regs[i];
    const char *bad = NULL;
    char why[200];
    if (g->tag.origin >= h->nrep) bad = "names an unknown replica";
    else if (g->tag.hlc == 0 || g->tag.seq == 0) bad = "has no clock";
    else if (g->tag.seq > CRDT_MAX_SEQ) bad = "has a transaction number past 2^62";
    else if (g->tag.hlc > bound)
      bad =
          "has a clock more than max_drift_ms ahead of this machine's: its writer's clock is wrong";
    else if (g->epoch == 0 || g->epoch > CRDT_MAX_CL || (g->type != REG_EXIST && !(g->epoch & 1)))
      bad = "has an impossible causal length";
    else if (g->type == REG_ENDS && rec->kind != ADB_EDGE) bad = "gives endpoints to a node";
    else if (g->type == REG_LABEL && ut_name_check(db, "label", g->value)) bad = db->errmsg;
    else if (g->type == REG_ENDS && (ut_name_check(db, "source id", g->value) ||
                                     ut_name_check(db, "target id", g->value2)))
      bad = db->errmsg;
    else if (g->type == REG_PROP && crdt_key_reserved(g->key))
      bad = vec_wire_check(rec->kind, g->value, why, sizeof why);
    else if ((g->type == REG_PROP || g->type == REG_TEXT) &&
             ut_name_check(db, "property key", g->key))
      bad = db->errmsg;
    else if (g->type == REG_TEXT && crdt_textreg_check(g, h->nrep, why, sizeof why)) bad = why;
    else if (g->type == REG_PROP && g->value) {
      char *canon = ut_json_canon(g->value, strlen(g->value), 0, why, sizeof why);
      if (!canon) bad = why;
      else if (strcmp(canon, g->value) != 0) bad = "has a value not in canonical JSON form";
      free(canon);
    }
    if (bad) {
      char copy[sizeof db->errmsg];
      snprintf(copy, sizeof copy, "%.300s", bad);
      return adb__err(db, ADB_PROTOCOL, "change set: a register of %s '%s' %s",
                      graph_kind_name(rec->kind), rec->id, copy);
    }
  }
  return ADB_OK;
}

static int read_header(adb *db, ut_rbuf *r, cs_header *h) {
  memset(h, 0, sizeof *h);
  const unsigned char *id = ut_rbuf_bytes(r, 16);
  ut_rbuf_bytes(r, 16); /* the sender: informative only */
  h->nrep = ut_rbuf_varint(r);
  /* An empty table is valid: a set with nothing to say (no records) need name no replica. */
  if (r->bad || h->nrep > r->len / 18)
    return adb__err(db, ADB_PROTOCOL, "the change set's header is malformed");
  memcpy(h->db_id, id, 16);
  size_t n = h->nrep ? h->nrep : 1;
  h->rids = malloc(n * sizeof *h->rids);
  h->from = calloc(n, sizeof *h->from);
  h->to = calloc(n, sizeof *h->to);
  if (!h->rids || !h->from || !h->to) return adb__err(db, ADB_NOMEM, "out of memory");
  for (uint64_t i = 0; i < h->nrep && !r->bad; i++) {
    const unsigned char *rid = ut_rbuf_bytes(r, 16);
    h->from[i] = ut_rbuf_varint(r);
    h->to[i] = ut_rbuf_varint(r);
    if (rid) memcpy(h->rids[i], rid, 16);
  }
  if (r->bad) return adb__err(db, ADB_PROTOCOL, "the change set's replica table is malformed");
  for (uint64_t i = 0; i < h->nrep; i++)
    if (h->from[i] > h->to[i] || h->to[i] > CRDT_MAX_SEQ)
      return adb__err(db, ADB_PROTOCOL,
                      "the change set claims transactions %" PRIu64 " to %" PRIu64 " of a replica:"
                      " not a range, or past 2^62",
                      h->from[i], h->to[i]);
  return ADB_OK;
}

static void header_free(cs_header *h) {
  free(h->rids);
  free(h->from);
  free(h->to);
}

/* Pass 1: reads every record and checks it, writing nothing. */
static int validate_all(adb *db, ut_rbuf r, const cs_header *h, adb_apply_stats *stats) {
  cs_record rec = {0};
  int rc;
  while ((rc = read_record(db, &r, &rec)) == 1) {
    if ((rc = validate_record(db, h, &rec))) break;
    stats->elements++;
    stats->registers += rec.nregs;
  }
  if (rc == 0 && r.pos != r.len)
    rc = adb__err(db, ADB_PROTOCOL, "the change set has %zu stray bytes after its end",
                  r.len - r.pos);
  record_clear(&rec);
  free(rec.regs);
  return rc;
}

/* 1 when the replica holds no element at all. */
static int replica_is_empty(adb *db) {
  sqlite3_stmt *st;
  if (store_prepare(db, "SELECT 1 FROM main.adb_node UNION ALL SELECT 1 FROM main.adb_edge LIMIT 1",
                    &st))
    return 0;
  int empty = store_step(db, st) == SQLITE_DONE;
  sqlite3_finalize(st);
  return empty;
}

/* Merges one record's registers into its element, and saves it if anything changed. With
 * is_new the element is not looked up; CRDT_EXISTS says it existed after all. */
static int merge_record(adb *db, cs_record *rec, int is_new, adb_apply_stats *stats, int *lacks) {
  crdt_elem e;
  int rc = is_new ? crdt_elem_new(db, rec->kind, rec->id, &e)
                  : crdt_elem_load(db, rec->kind, rec->id, &e);
  if (rc == ADB_NOTFOUND) rc = ADB_OK;
  int changed = 0;
  for (size_t i = 0; i < rec->nregs && rc == ADB_OK; i++) {
    int m = crdt_elem_merge(db, &e, &rec->regs[i]);
    if (m == CRDT_TEXT_LACKS) *lacks = 1;
    else if (m == ADB_NOMEM) rc = adb__err(db, ADB_NOMEM, "out of memory");
    else if (m < 0) rc = m; /* a text register's error, recorded */
    changed += m > 0;
  }
  if (rc == ADB_OK && changed) rc = crdt_elem_save(db, &e);
  if (rc == ADB_OK) stats->changed += (uint64_t)changed;
  crdt_elem_free(&e);
  return rc;
}

/* The local index of the set's replica i (idx[i], 0 until known), adding it to this replica's
 * table. Only a replica that a register names, or whose transactions the set claims, is looked
 * up: one that wrote nothing (every fresh client lists itself) would otherwise stay in this
 * replica's version vector, and in every vector and set it sends, for ever. */
static int local_index(adb *db, const cs_header *h, uint32_t *idx, uint64_t i) {
  return idx[i] ? ADB_OK : crdt_replica_index(db, h->rids[i], &idx[i]);
}

/* Makes every replica the record's registers and text edits name known here. */
static int record_replicas(adb *db, const cs_header *h, uint32_t *idx, const cs_record *rec) {
  int rc = ADB_OK;
  for (size_t i = 0; i < rec->nregs && rc == ADB_OK; i++) {
    const crdt_reg *g = &rec->regs[i];
    rc = local_index(db, h, idx, g->tag.origin);
    for (size_t j = 0; g->type == REG_TEXT && j < g->text->nedits && rc == ADB_OK; j++)
      if (g->text->edits[j].origin) rc = local_index(db, h, idx, g->text->edits[j].origin - 1);
  }
  return rc;
}

/* Pass 2: merges every record; runs inside one write scope. */
static int apply_all(adb *db, ut_rbuf r, const cs_header *h, adb_apply_stats *stats) {
  uint32_t *idx = calloc(h->nrep ? h->nrep : 1, sizeof *idx);
  if (!idx) return adb__err(db, ADB_NOMEM, "out of memory");
  /* Into an empty replica every element is new: skip looking each one up. */
  int rc = ADB_OK, bulk = replica_is_empty(db), lacks = 0;
  cs_record rec = {0};
  while (rc == ADB_OK && (rc = read_record(db, &r, &rec)) == 1) {
    if ((rc = record_replicas(db, h, idx, &rec))) break;
    for (size_t i = 0; i < rec.nregs; i++) {
      rec.regs[i].tag.origin = idx[rec.regs[i].tag.origin];
      if (rec.regs[i].type == REG_TEXT) crdt_textreg_map(&rec.regs[i], idx);
      crdt_hlc_observe(db, rec.regs[i].tag.hlc);
    }
    rc = merge_record(db, &rec, bulk, stats, &lacks);
    if (rc == CRDT_EXISTS) rc = merge_record(db, &rec, 0, stats, &lacks);
  }
  /* Text operations that build on ones this replica lacks were left out (a set made for
   * another replica's version vector): claim none of the set's transactions, so that the next
   * exchange sends them again from what this replica has. */
  for (uint64_t i = 0; rc == ADB_OK && !lacks && i < h->nrep; i++)
    if (h->to[i] > h->from[i] && (rc = local_index(db, h, idx, i)) == ADB_OK)
      rc = crdt_replica_advance(db, idx[i], h->from[i], h->to[i]);
  record_clear(&rec);
  free(rec.regs);
  free(idx);
  return rc;
}

/* Checks the set is of this database; a replica that has neither written nor merged anything
 * joins the set's database. Runs inside the apply's write scope, on a current cache. */
static int check_database(adb *db, const cs_header *h) {
  if (memcmp(h->db_id, db->db_id, 16) == 0) return ADB_OK;
  if (db->nreps == 1 && db->reps[0].seq == 0) return store_set_db_id(db, h->db_id);
  char hex[33];
  ut_hex_encode(h->db_id, 16, hex);
  return adb__err(db, ADB_CONFLICT,
                  "the change set is of database %s, this is database %s (to make a replica"
                  " of %s, create an empty one with that database id)",
                  hex, db->db_id_hex, hex);
}

/* A set that claims transactions of this replica's id beyond its count: this replica takes a
 * new id (crdt_replica_renew), and the set's transactions of the old one merge as another's. */
static int check_own_claims(adb *db, const cs_header *h) {
  const adb_replica_entry *me = crdt_self(db);
  for (uint64_t i = 0; i < h->nrep; i++)
    if (memcmp(h->rids[i], me->rid, 16) == 0 && h->to[i] > me->seq) return crdt_replica_renew(db);
  return ADB_OK;
}

/* Pass 1 of adb_apply and all of sync_changes_check: the frame, the header into *h (free it
 * with header_free whatever this returns), and every record; *r is left at the first record. */
static int check_all(adb *db, const void *changes, size_t len, ut_rbuf *r, cs_header *h,
                     adb_apply_stats *stats) {
  memset(h, 0, sizeof *h);
  memset(stats, 0, sizeof *stats);
  int rc = sync_check_frame(db, changes, len, SYNC_CS_MAGIC, "change set");
  if (rc) return rc;
  ut_rbuf_init(r, (const unsigned char *)changes + SYNC_HEADER_BYTES,
            len - SYNC_HEADER_BYTES - SYNC_HASH_BYTES);
  rc = read_header(db, r, h);
  return rc ? rc : validate_all(db, *r, h, stats);
}

int sync_changes_check(adb *db, const void *changes, size_t len, adb_apply_stats *stats) {
  ut_rbuf r;
  cs_header h;
  int rc = check_all(db, changes, len, &r, &h, stats);
  header_free(&h);
  return rc;
}

int adb_apply(adb *db, const void *changes, size_t len, adb_apply_stats *stats) {
  if (!db) return ADB_MISUSE;
  adb_apply_stats local = {0};
  if (!stats) stats = &local;
  ut_rbuf r;
  cs_header h;
  int rc = check_all(db, changes, len, &r, &h, stats);
  int scope;
  if (rc == ADB_OK && (rc = store_write_begin(db, &scope)) == ADB_OK) {
    rc = check_database(db, &h);
    if (rc == ADB_OK) rc = check_own_claims(db, &h);
    if (rc == ADB_OK) rc = apply_all(db, r, &h, stats);
    rc = store_write_end(db, scope, rc);
  }
  header_free(&h);
  return rc;
}

/* Sends dst what it lacks: dst's version vector, src's changes, and dst merges them. */
static int sync_one_way(adb *src, adb *dst) {
  void *vv = NULL, *cs = NULL;
  size_t vvlen, cslen;
  int rc = adb_vv(dst, &vv, &vvlen);
  if (rc == ADB_OK && (rc = adb_changes(src, vv, vvlen, &cs, &cslen)))
    adb__err(dst, rc, "%s", adb_errmsg(src));
  if (rc == ADB_OK) rc = adb_apply(dst, cs, cslen, NULL);
  free(vv);
  free(cs);
  return rc;
}

int adb_sync_local(adb *a, adb *b) {
  if (!a || !b) return ADB_MISUSE;
  /* A replica with no data yet joins the other's database, so it must receive first. */
  int b_first = a->nreps == 1 && a->reps[0].seq == 0;
  adb *first = b_first ? b : a, *second = b_first ? a : b;
  int rc = sync_one_way(first, second);
  if (rc == ADB_OK) rc = sync_one_way(second, first);
  if (rc && a->errcode != rc) adb__err(a, rc, "%s", adb_errmsg(b));
  return rc;
}
