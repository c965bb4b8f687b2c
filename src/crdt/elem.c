/* elem.c — element state: its registers, the one merge rule, and the row that stores them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"

/* ---- Registers ---- */

int crdt_reg_cmp(adb *db, const crdt_reg *a, const crdt_reg *b) {
  if (a->epoch != b->epoch) return a->epoch < b->epoch ? -1 : 1;
  if (a->tag.hlc != b->tag.hlc) return a->tag.hlc < b->tag.hlc ? -1 : 1;
  if (a->tag.origin == b->tag.origin) return 0;
  /* Local indexes differ between replicas; the replica ids do not. */
  return memcmp(db->reps[a->tag.origin - 1].rid, db->reps[b->tag.origin - 1].rid, 16);
}

void crdt_reg_clear(crdt_reg *r) {
  crdt_textreg_free(r->text);
  free(r->key);
  free(r->value);
  free(r->value2);
  memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s, int *oom) {
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) *oom = 1;
  return d;
}

/* Replaces dst with a copy of src. */
static int reg_assign(crdt_reg *dst, const crdt_reg *src) {
  int oom = 0;
  crdt_reg r = *src;
  r.text = NULL;
  r.key = dup_or_null(src->key, &oom);
  r.value = dup_or_null(src->value, &oom);
  r.value2 = dup_or_null(src->value2, &oom);
  if (oom) {
    crdt_reg_clear(&r);
    return ADB_NOMEM;
  }
  crdt_reg_clear(dst);
  *dst = r;
  return ADB_OK;
}

/* Binary search for key; returns its index or, negated minus one, where it would go. */
static long prop_find(const crdt_elem *e, const char *key) {
  size_t lo = 0, hi = e->nprops;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(e->props[mid].key, key);
    if (c == 0) return (long)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -(long)lo - 1;
}

crdt_reg *crdt_elem_prop(crdt_elem *e, const char *key) {
  long i = prop_find(e, key);
  return i >= 0 ? &e->props[i] : NULL;
}

static crdt_reg *prop_insert(crdt_elem *e, size_t at);

crdt_reg *crdt_elem_prop_add(crdt_elem *e, const char *key) {
  char *k = strdup(key);
  crdt_reg *r = k ? prop_insert(e, (size_t)(-prop_find(e, key) - 1)) : NULL;
  if (!r) {
    free(k);
    return NULL;
  }
  r->type = REG_PROP;
  r->key = k;
  return r;
}

static crdt_reg *prop_insert(crdt_elem *e, size_t at) {
  if (e->nprops == e->capprops) {
    size_t cap = e->capprops ? e->capprops * 2 : 8;
    crdt_reg *p = realloc(e->props, cap * sizeof *p);
    if (!p) return NULL;
    e->props = p;
    e->capprops = cap;
  }
  memmove(e->props + at + 1, e->props + at, (e->nprops - at) * sizeof *e->props);
  e->nprops++;
  memset(&e->props[at], 0, sizeof *e->props);
  return &e->props[at];
}

/* Drops every register of an earlier life: after a delete or re-create they can never count
 * again, so keeping them would only grow the file. */
static void prune(crdt_elem *e) {
  if (e->has_label && e->label.epoch < e->cl) {
    crdt_reg_clear(&e->label);
    e->has_label = 0;
  }
  if (e->has_ends && e->ends.epoch < e->cl) {
    crdt_reg_clear(&e->ends);
    e->has_ends = 0;
    e->src = e->dst = 0;
  }
  size_t out = 0;
  for (size_t i = 0; i < e->nprops; i++) {
    if (e->props[i].epoch < e->cl) crdt_reg_clear(&e->props[i]);
    else e->props[out++] = e->props[i];
  }
  e->nprops = out;
}

int crdt_elem_merge(adb *db, crdt_elem *e, const crdt_reg *r) {
  if (r->type == REG_EXIST) {
    crdt_reg cur = {.type = REG_EXIST, .epoch = e->cl, .tag = e->cl_tag};
    if (e->cl && crdt_reg_cmp(db, r, &cur) <= 0) return 0;
    e->cl = r->epoch;
    e->cl_tag = r->tag;
    prune(e);
    return 1;
  }
  if (r->epoch < e->cl) return 0;
  if (r->type == REG_TEXT) return crdt_textreg_merge(db, e, r);
  crdt_reg *slot;
  if (r->type == REG_LABEL || r->type == REG_ENDS) {
    int *has = r->type == REG_LABEL ? &e->has_label : &e->has_ends;
    slot = r->type == REG_LABEL ? &e->label : &e->ends;
    if (*has && crdt_reg_cmp(db, r, slot) <= 0) return 0;
    if (reg_assign(slot, r)) return ADB_NOMEM;
    *has = 1;
    if (r->type == REG_ENDS) e->src = e->dst = 0;
    return 1;
  }
  long i = prop_find(e, r->key);
  if (i >= 0) {
    slot = &e->props[i];
    if (crdt_reg_cmp(db, r, slot) <= 0) return 0;
  } else {
    slot = prop_insert(e, (size_t)(-i - 1));
    if (!slot) return ADB_NOMEM;
  }
  if (reg_assign(slot, r)) return ADB_NOMEM;
  return 1;
}

/* ---- Tags: per origin, the newest transaction whose register the element holds ---- */

static int tags_add(crdt_tag *tags, int n, const crdt_tag *t) {
  for (int i = 0; i < n; i++) {
    if (tags[i].origin == t->origin) {
      if (t->seq > tags[i].seq) tags[i].seq = t->seq;
      return n;
    }
  }
  tags[n].origin = t->origin;
  tags[n].seq = t->seq;
  return n + 1;
}

/* Collects the element's tags into a new array (one entry per origin); returns its length, or
 * -1 when out of memory. */
static long elem_tags(const crdt_elem *e, crdt_tag **out) {
  size_t max = e->nprops + 3;
  for (size_t i = 0; i < e->nprops; i++)
    if (e->props[i].text) max += e->props[i].text->nedits;
  crdt_tag *t = malloc(max * sizeof *t);
  if (!t) return -1;
  int n = 0;
  if (e->cl) n = tags_add(t, n, &e->cl_tag);
  if (e->has_label) n = tags_add(t, n, &e->label.tag);
  if (e->has_ends) n = tags_add(t, n, &e->ends.tag);
  for (size_t i = 0; i < e->nprops; i++) {
    n = tags_add(t, n, &e->props[i].tag);
    const crdt_textreg *x = e->props[i].text;
    for (size_t j = 0; x && j < x->nedits; j++) {
      crdt_tag edit = {.origin = x->edits[j].origin, .seq = x->edits[j].seq};
      if (edit.origin) n = tags_add(t, n, &edit);
    }
  }
  *out = t;
  return n;
}

static int tag_in(const crdt_tag *tags, size_t n, const crdt_tag *t) {
  for (size_t i = 0; i < n; i++)
    if (tags[i].origin == t->origin && tags[i].seq == t->seq) return 1;
  return 0;
}

static int tags_store(adb *db, crdt_elem *e) {
  crdt_tag *now;
  long n = elem_tags(e, &now);
  if (n < 0) return adb__err(db, ADB_NOMEM, "out of memory");
  int rc = ADB_OK;
  for (int pass = 0; pass < 2 && rc == ADB_OK; pass++) {
    /* pass 0 deletes stale rows, pass 1 inserts new ones */
    const crdt_tag *from = pass ? now : e->oldtags, *other = pass ? e->oldtags : now;
    size_t nfrom = pass ? (size_t)n : e->noldtags, nother = pass ? e->noldtags : (size_t)n;
    for (size_t i = 0; i < nfrom && rc == ADB_OK; i++) {
      if (tag_in(other, nother, &from[i])) continue;
      sqlite3_stmt *st = store_stmt(db, pass ? STMT_TAG_INSERT : STMT_TAG_DELETE);
      if (!st) {
        rc = db->errcode;
        break;
      }
      sqlite3_bind_int64(st, 1, from[i].origin);
      sqlite3_bind_int64(st, 2, (int64_t)from[i].seq);
      sqlite3_bind_int(st, 3, e->kind);
      sqlite3_bind_int64(st, 4, e->rid);
      int src = store_step(db, st);
      if (src != SQLITE_DONE) rc = adb__sqlerr(db, src);
    }
  }
  if (rc == ADB_OK) {
    free(e->oldtags);
    e->oldtags = now;
    e->noldtags = (size_t)n;
  } else {
    free(now);
  }
  return rc;
}

/* ---- The row: visible projection in columns, register clocks in meta ---- */

/* Register values that do not count now (removed, or of a life not yet reached) are kept inline
 * in meta; values that count live only in the projection columns. */
#define VAL_COLUMN 0
#define VAL_NONE 1
#define VAL_INLINE 2
#define VAL_TEXT 3 /* added to VAL_COLUMN or VAL_INLINE for a text register, whose edits follow */

/* Most registers were written together with the element's existence, so a tag equal to the
 * existence tag is one byte: a clock of 0, which no real write has. */
static void put_tag(ut_buf *b, const crdt_tag *t, const crdt_tag *exist) {
  if (exist && t->hlc == exist->hlc && t->origin == exist->origin && t->seq == exist->seq) {
    ut_buf_put_u8(b, 0);
    return;
  }
  ut_buf_put_varint(b, t->hlc);
  ut_buf_put_varint(b, t->origin);
  ut_buf_put_varint(b, t->seq);
}

static void put_opt(ut_buf *b, const char *s) {
  if (s) ut_buf_put_str(b, s, strlen(s));
}

static void meta_encode(const crdt_elem *e, ut_buf *b) {
  ut_buf_put_varint(b, e->cl);
  if (e->cl) put_tag(b, &e->cl_tag, NULL);
  const crdt_tag *exist = e->cl ? &e->cl_tag : NULL;
  ut_buf_put_u8(b, (e->has_label ? 1 : 0) | (e->has_ends ? 2 : 0));
  const crdt_reg *pair[2] = {e->has_label ? &e->label : NULL, e->has_ends ? &e->ends : NULL};
  for (int k = 0; k < 2; k++) {
    const crdt_reg *r = pair[k];
    if (!r) continue;
    ut_buf_put_varint(b, r->epoch);
    put_tag(b, &r->tag, exist);
    int inl = !crdt_reg_visible(e, r);
    ut_buf_put_u8(b, inl ? VAL_INLINE : VAL_COLUMN);
    if (inl) {
      put_opt(b, r->value);
      if (k == 1) put_opt(b, r->value2);
    }
  }
  ut_buf_put_varint(b, e->nprops);
  for (size_t i = 0; i < e->nprops; i++) {
    const crdt_reg *r = &e->props[i];
    ut_buf_put_str(b, r->key, strlen(r->key));
    ut_buf_put_varint(b, r->epoch);
    put_tag(b, &r->tag, exist);
    int how = !r->value                                    ? VAL_NONE
              : crdt_reg_visible(e, r) && !crdt_key_reserved(r->key) ? VAL_COLUMN
                                                               : VAL_INLINE;
    ut_buf_put_u8(b, how + (r->type == REG_TEXT ? VAL_TEXT : 0));
    if (how == VAL_INLINE) put_opt(b, r->value);
    if (r->type == REG_TEXT) crdt_textreg_meta_put(b, r->text);
  }
}

static char *rstr(ut_rbuf *r, int *bad) {
  size_t n;
  const char *s = ut_rbuf_str(r, &n, (size_t)1 << 30);
  char *d = s ? strndup(s, n) : NULL;
  if (!d) *bad = 1;
  return d;
}

static void get_tag(ut_rbuf *r, crdt_tag *t, const crdt_tag *exist) {
  t->hlc = ut_rbuf_varint(r);
  if (t->hlc == 0 && exist) {
    *t = *exist;
    return;
  }
  t->origin = (uint32_t)ut_rbuf_varint(r);
  t->seq = ut_rbuf_varint(r);
}

/* Parses meta into e (whose id, kind and cl columns are set). Column values are filled later. */
static int meta_decode(adb *db, crdt_elem *e, const void *p, size_t n, int *col_label,
                       int *col_ends) {
  ut_rbuf r;
  int bad = 0;
  ut_rbuf_init(&r, p, n);
  e->cl = ut_rbuf_varint(&r);
  if (e->cl) get_tag(&r, &e->cl_tag, NULL);
  const crdt_tag *exist = e->cl ? &e->cl_tag : NULL;
  unsigned flags = ut_rbuf_u8(&r);
  e->has_label = flags & 1;
  e->has_ends = flags & 2;
  crdt_reg *pair[2] = {e->has_label ? &e->label : NULL, e->has_ends ? &e->ends : NULL};
  int *col[2] = {col_label, col_ends};
  for (int k = 0; k < 2; k++) {
    crdt_reg *reg = pair[k];
    *col[k] = 0;
    if (!reg) continue;
    reg->type = k ? REG_ENDS : REG_LABEL;
    reg->epoch = ut_rbuf_varint(&r);
    get_tag(&r, &reg->tag, exist);
    unsigned how = ut_rbuf_u8(&r);
    if (how == VAL_INLINE) {
      reg->value = rstr(&r, &bad);
      if (k == 1) reg->value2 = rstr(&r, &bad);
    } else {
      *col[k] = 1;
    }
  }
  uint64_t np = ut_rbuf_varint(&r);
  if (!r.bad && np > n) bad = 1;
  for (uint64_t i = 0; i < np && !r.bad && !bad; i++) {
    crdt_reg *reg = prop_insert(e, e->nprops);
    if (!reg) return adb__err(db, ADB_NOMEM, "out of memory");
    reg->type = REG_PROP;
    reg->key = rstr(&r, &bad);
    reg->epoch = ut_rbuf_varint(&r);
    get_tag(&r, &reg->tag, exist);
    unsigned how = ut_rbuf_u8(&r);
    if (how >= VAL_TEXT) {
      reg->type = REG_TEXT;
      how -= VAL_TEXT;
      e->text_rows = 1;
      if (how == VAL_NONE) bad = 1;
    }
    if (how == VAL_INLINE) reg->value = rstr(&r, &bad);
    /* VAL_COLUMN values are filled from the props column; mark them with an empty string. */
    else if (how == VAL_COLUMN) reg->value = strdup("");
    if (how > VAL_INLINE) bad = 1;
    if (reg->type == REG_TEXT && crdt_textreg_meta_get(&r, reg, db->nreps)) bad = 1;
  }
  int origins_ok = 1;
  const crdt_tag *all[3] = {e->cl ? &e->cl_tag : NULL, e->has_label ? &e->label.tag : NULL,
                            e->has_ends ? &e->ends.tag : NULL};
  for (int k = 0; k < 3; k++)
    if (all[k] && (all[k]->origin == 0 || all[k]->origin > db->nreps)) origins_ok = 0;
  for (size_t i = 0; i < e->nprops; i++)
    if (e->props[i].tag.origin == 0 || e->props[i].tag.origin > db->nreps) origins_ok = 0;
  if (r.bad || bad || r.pos != r.len || !origins_ok)
    return adb__err(db, ADB_CORRUPT, "the stored state of '%s' is damaged", e->id);
  return ADB_OK;
}

static int fill_props(adb *db, crdt_elem *e, const char *text) {
  json_t *obj = NULL;
  char why[160];
  for (size_t i = 0; i < e->nprops; i++) {
    crdt_reg *r = &e->props[i];
    if (!r->value || r->value[0]) continue; /* not a column value */
    if (!obj && (ut_json_parse(text, strlen(text), &obj, why, sizeof why) || !json_is_object(obj)))
      return json_decref(obj),
             adb__err(db, ADB_CORRUPT, "the properties of '%s' are damaged", e->id);
    json_t *v = json_object_get(obj, r->key);
    if (!v) {
      json_decref(obj);
      return adb__err(db, ADB_CORRUPT, "property '%s' of '%s' is missing", r->key, e->id);
    }
    free(r->value);
    r->value = ut_json_text(v);
    if (!r->value) {
      json_decref(obj);
      return adb__err(db, ADB_NOMEM, "out of memory");
    }
  }
  json_decref(obj);
  return ADB_OK;
}

static int tags_snapshot(adb *db, crdt_elem *e) {
  long n = elem_tags(e, &e->oldtags);
  if (n < 0) return adb__err(db, ADB_NOMEM, "out of memory");
  e->noldtags = (size_t)n;
  return ADB_OK;
}

/* Reads the row the statement is on (columns: rid, id, cl, label, props, meta[, src, dst]). */
static int elem_from_row(adb *db, sqlite3_stmt *st, int kind, crdt_elem *e) {
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->rid = sqlite3_column_int64(st, 0);
  e->id = strdup((const char *)sqlite3_column_text(st, 1));
  if (!e->id) return adb__err(db, ADB_NOMEM, "out of memory");
  int col_label, col_ends;
  int rc = meta_decode(db, e, sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5),
                       &col_label, &col_ends);
  if (rc) return rc;
  if (col_label) {
    const char *l = (const char *)sqlite3_column_text(st, 3);
    if (!l) return adb__err(db, ADB_CORRUPT, "the label of '%s' is missing", e->id);
    if (!(e->label.value = strdup(l))) return adb__err(db, ADB_NOMEM, "out of memory");
  }
  if (col_ends) {
    e->src = sqlite3_column_int64(st, 6);
    e->dst = sqlite3_column_int64(st, 7);
  }
  if ((rc = fill_props(db, e, (const char *)sqlite3_column_text(st, 4)))) return rc;
  return tags_snapshot(db, e);
}

static int elem_load(adb *db, int kind, int stmt, const char *id, int64_t rid, crdt_elem *e) {
  int rc = crdt_replicas_fresh(db);
  if (rc) return rc;
  sqlite3_stmt *st = store_stmt(db, stmt + kind - 1);
  if (!st) return db->errcode;
  if (id) sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  else sqlite3_bind_int64(st, 1, rid);
  int src = store_step(db, st);
  if (src == SQLITE_ROW) {
    rc = elem_from_row(db, st, kind, e);
    sqlite3_reset(st);
    if (rc) crdt_elem_free(e);
    return rc;
  }
  sqlite3_reset(st);
  memset(e, 0, sizeof *e);
  e->kind = kind;
  if (src != SQLITE_DONE) return adb__sqlerr(db, src);
  if (id && !(e->id = strdup(id))) return adb__err(db, ADB_NOMEM, "out of memory");
  return ADB_NOTFOUND;
}

int crdt_elem_load(adb *db, int kind, const char *id, crdt_elem *e) {
  return elem_load(db, kind, STMT_ELEM_BY_ID, id, 0, e);
}

int crdt_elem_new(adb *db, int kind, const char *id, crdt_elem *e) {
  memset(e, 0, sizeof *e);
  e->kind = kind;
  if (!(e->id = strdup(id))) return adb__err(db, ADB_NOMEM, "out of memory");
  return crdt_replicas_fresh(db);
}

int crdt_elem_load_rid(adb *db, int kind, int64_t rid, crdt_elem *e) {
  return elem_load(db, kind, STMT_ELEM_BY_RID, NULL, rid, e);
}

/* Finds the row of node id, adding an empty placeholder row (never created) when there is none,
 * so that an edge can name an endpoint whose creation has not arrived yet. */
static int node_rid(adb *db, const char *id, int64_t *rid) {
  crdt_elem n;
  int rc = crdt_elem_load(db, ADB_NODE, id, &n);
  if (rc == ADB_NOTFOUND) rc = crdt_elem_save(db, &n);
  *rid = n.rid;
  crdt_elem_free(&n);
  return rc;
}

int crdt_elem_ends_ids(adb *db, crdt_elem *e) {
  if (!e->has_ends || e->ends.value) return ADB_OK;
  int64_t rids[2] = {e->src, e->dst};
  char **out[2] = {&e->ends.value, &e->ends.value2};
  for (int k = 0; k < 2; k++) {
    sqlite3_stmt *st = store_stmt(db, STMT_NODE_ID);
    if (!st) return db->errcode;
    sqlite3_bind_int64(st, 1, rids[k]);
    int rc = store_step(db, st);
    if (rc != SQLITE_ROW) {
      sqlite3_reset(st);
      return rc == SQLITE_DONE ? adb__err(db, ADB_CORRUPT, "an endpoint of '%s' is missing", e->id)
                               : adb__sqlerr(db, rc);
    }
    *out[k] = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (!*out[k]) return adb__err(db, ADB_NOMEM, "out of memory");
  }
  return ADB_OK;
}

static char *props_text(const crdt_elem *e) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put_u8(&b, '{');
  int first = 1;
  for (size_t i = 0; i < e->nprops; i++) {
    const crdt_reg *r = &e->props[i];
    if (!r->value || !crdt_reg_visible(e, r) || crdt_key_reserved(r->key)) continue; /* vector */
    if (!first) ut_buf_put_u8(&b, ',');
    first = 0;
    ut_json_put_string(&b, r->key, strlen(r->key));
    ut_buf_put_u8(&b, ':');
    ut_buf_puts(&b, r->value);
  }
  ut_buf_puts(&b, "}");
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

int crdt_elem_save(adb *db, crdt_elem *e) {
  int ends_visible = e->has_ends && crdt_reg_visible(e, &e->ends);
  if (ends_visible && (!e->src || !e->dst)) {
    int rc = node_rid(db, e->ends.value, &e->src);
    if (rc == ADB_OK) rc = node_rid(db, e->ends.value2, &e->dst);
    if (rc) return rc;
  }
  char *props = props_text(e);
  ut_buf meta;
  ut_buf_init(&meta);
  meta_encode(e, &meta);
  if (!props || meta.oom) {
    free(props);
    ut_buf_free(&meta);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  int insert = e->rid == 0;
  sqlite3_stmt *st = store_stmt(db, (insert ? STMT_ELEM_INSERT : STMT_ELEM_UPDATE) + e->kind - 1);
  int rc = st ? ADB_OK : db->errcode;
  if (st) {
    if (insert) sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 1, e->rid);
    sqlite3_bind_int64(st, 2, (int64_t)e->cl);
    if (e->has_label && crdt_reg_visible(e, &e->label))
      sqlite3_bind_text(st, 3, e->label.value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, props, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, meta.p, (int)meta.len, SQLITE_STATIC);
    if (ends_visible) {
      sqlite3_bind_int64(st, 6, e->src);
      sqlite3_bind_int64(st, 7, e->dst);
    }
    int src = store_step(db, st);
    sqlite3_reset(st);
    if (src == SQLITE_CONSTRAINT_UNIQUE && insert) rc = CRDT_EXISTS;
    else if (src != SQLITE_DONE) rc = adb__sqlerr(db, src);
    else if (insert) e->rid = sqlite3_last_insert_rowid(db->sql);
  }
  free(props);
  ut_buf_free(&meta);
  if (rc == ADB_OK) rc = crdt_textreg_save(db, e);
  if (rc == ADB_OK) rc = tags_store(db, e);
  for (int i = 0; rc == ADB_OK && i < db->nindexes; i++) rc = db->indexes[i]->saved(db, e);
  return rc;
}

void crdt_elem_free(crdt_elem *e) {
  free(e->id);
  crdt_reg_clear(&e->label);
  crdt_reg_clear(&e->ends);
  for (size_t i = 0; i < e->nprops; i++) crdt_reg_clear(&e->props[i]);
  free(e->props);
  free(e->oldtags);
  memset(e, 0, sizeof *e);
}
