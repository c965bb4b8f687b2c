/* textreg.c — text registers: merging, local edits, and storage in adb_text and the element's
 * meta (docs/crdt.md, "Text properties"). Their change-set form is in textreg_wire.c. */
#include "crdt/textreg.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/json.h"

/* The agent of a conversion's seed: no replica has this id, and every replica that converts
 * the same plain value makes the same seed operations, which therefore merge as one. */
const unsigned char crdt_text_seed_agent[16] = {0};

void crdt_textreg_free(crdt_textreg *t) {
  if (!t) return;
  free(t->edits);
  crdt_text_free(t->doc);
  free(t);
}

/* ---- Edits ---- */

/* Records (origin, seq, count), keeping the larger count of an entry already there. Returns 1
 * when the edits changed, 0 when not, ADB_NOMEM. */
static int edits_put(crdt_textreg *t, uint32_t origin, uint64_t seq, uint64_t count) {
  size_t lo = 0, hi = t->nedits;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const crdt_text_edit *m = &t->edits[mid];
    if (m->origin < origin || (m->origin == origin && m->seq < seq)) lo = mid + 1;
    else hi = mid;
  }
  if (lo < t->nedits && t->edits[lo].origin == origin && t->edits[lo].seq == seq) {
    if (t->edits[lo].count >= count) return 0;
    t->edits[lo].count = count;
    return 1;
  }
  if (t->nedits == t->capedits) {
    size_t cap = t->capedits ? t->capedits * 2 : 4;
    crdt_text_edit *p = realloc(t->edits, cap * sizeof *p);
    if (!p) return ADB_NOMEM;
    t->edits = p;
    t->capedits = cap;
  }
  memmove(t->edits + lo + 1, t->edits + lo, (t->nedits - lo) * sizeof *t->edits);
  t->edits[lo] = (crdt_text_edit){origin, seq, count};
  t->nedits++;
  return 1;
}

/* Thins the edits of each origin: the newest EDITS_KEEP stay, and of the older ones every
 * other goes whenever an origin has more than twice that. Any subset of the edits is correct
 * (a peer is then sent a few operations it has, which merging skips); thinning keeps a long
 * editing session's edits logarithmic in its transactions, rather than one per keystroke. */
#define EDITS_KEEP 16

static void edits_thin(crdt_textreg *t) {
  size_t out = 0;
  for (size_t i = 0; i < t->nedits;) {
    size_t j = i;
    while (j < t->nedits && t->edits[j].origin == t->edits[i].origin) j++;
    size_t m = j - i, older = m > 2 * EDITS_KEEP ? m - EDITS_KEEP : 0;
    for (size_t k = 0; k < m; k++)
      if (k >= older || k % 2 == 1) t->edits[out++] = t->edits[i + k];
    i = j;
  }
  t->nedits = out;
}

/* How many operations of agent id the document holds (from its encoded version). */
static uint64_t agent_ops(const crdt_text *doc, const unsigned char id[16], int *oom) {
  unsigned char *v;
  size_t n;
  if (crdt_text_version(doc, &v, &n)) {
    *oom = 1;
    return 0;
  }
  ut_rbuf r;
  ut_rbuf_init(&r, v, n);
  ut_rbuf_bytes(&r, 3); /* "TV" 1 (docs/text.md) */
  uint64_t count = ut_rbuf_varint(&r), found = 0;
  for (uint64_t i = 0; i < count && !r.bad; i++) {
    const unsigned char *a = ut_rbuf_bytes(&r, 16);
    uint64_t ops = ut_rbuf_varint(&r);
    if (a && !memcmp(a, id, 16)) found = ops;
  }
  free(v);
  return found;
}

/* ---- The document and the visible value ---- */

/* The register's value: its text as a JSON string. */
static int set_value(adb *db, crdt_reg *r) {
  char *s;
  size_t n;
  if (crdt_text_read(r->text->doc, &s, &n)) return adb__err(db, ADB_NOMEM, "out of memory");
  ut_buf b;
  ut_buf_init(&b);
  ut_json_put_string(&b, s, n);
  ut_buf_put_u8(&b, 0);
  free(s);
  char *v = (char *)ut_buf_take(&b, NULL);
  if (!v) return adb__err(db, ADB_NOMEM, "out of memory");
  free(r->value);
  r->value = v;
  return ADB_OK;
}

static int doc_new(adb *db, crdt_text **out) {
  return crdt_text_new(crdt_self(db)->rid, out) ? adb__err(db, ADB_NOMEM, "out of memory") : ADB_OK;
}

int crdt_textreg_doc(adb *db, const crdt_elem *e, crdt_reg *r) {
  if (r->text->doc) return ADB_OK;
  if (!e->rid) return adb__err(db, ADB_CORRUPT, "the text '%s' of '%s' is missing", r->key, e->id);
  sqlite3_stmt *st;
  int src = store_prepare(
      db, "SELECT state FROM main.adb_text WHERE kind=?1 AND elem=?2 AND key=?3", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  sqlite3_bind_int(st, 1, e->kind);
  sqlite3_bind_int64(st, 2, e->rid);
  sqlite3_bind_text(st, 3, r->key, -1, SQLITE_STATIC);
  src = store_step(db, st);
  int rc = src == SQLITE_ROW ? doc_new(db, &r->text->doc) : ADB_OK;
  if (src == SQLITE_ROW && rc == ADB_OK) {
    rc = crdt_text_merge(r->text->doc, sqlite3_column_blob(st, 0),
                         (size_t)sqlite3_column_bytes(st, 0));
    if (rc == ADB_NOMEM) adb__err(db, rc, "out of memory");
    else if (rc) rc = adb__err(db, ADB_CORRUPT, "the text '%s' of '%s' is damaged", r->key, e->id);
  } else if (src == SQLITE_DONE) {
    rc = adb__err(db, ADB_CORRUPT, "the text '%s' of '%s' is missing", r->key, e->id);
  } else if (src != SQLITE_ROW) {
    rc = adb__sqlerr(db, src);
  }
  sqlite3_finalize(st);
  if (rc) {
    crdt_text_free(r->text->doc);
    r->text->doc = NULL;
  }
  return rc;
}

/* Puts the new register *fresh into e's slot for its key (slot: the current one or NULL). */
static int install(crdt_elem *e, crdt_reg *slot, crdt_reg *fresh) {
  if (!slot) {
    slot = crdt_elem_prop_add(e, fresh->key);
    if (!slot) return ADB_NOMEM;
  }
  crdt_reg_clear(slot);
  *slot = *fresh;
  memset(fresh, 0, sizeof *fresh);
  return ADB_OK;
}

/* Orders a register against a slot's: by tag, and at an equal tag text beats a plain value
 * (the text was converted from it). */
static int slot_cmp(adb *db, const crdt_reg *a, const crdt_reg *b) {
  int c = crdt_reg_cmp(db, a, b);
  if (c == 0 && a->type != b->type) c = a->type == REG_TEXT ? 1 : -1;
  return c;
}

/* ---- Merging a change set's register ---- */

/* Merges encoded operations into doc; maps the text CRDT's failures to this layer's. */
static int merge_ops(adb *db, const crdt_elem *e, const crdt_reg *r, crdt_text *doc) {
  int rc = crdt_text_merge(doc, r->text->ops, r->text->nops);
  if (rc == ADB_NOTFOUND) return CRDT_TEXT_LACKS;
  if (rc == ADB_NOMEM) return adb__err(db, rc, "out of memory");
  if (rc)
    return adb__err(db, ADB_PROTOCOL,
                    "change set: the text '%s' of %s '%s' is malformed or contradicts this"
                    " replica's",
                    r->key, e->kind == ADB_NODE ? "node" : "edge", e->id);
  return ADB_OK;
}

static int merge_edits(adb *db, crdt_textreg *t, const crdt_textreg *in) {
  int changed = 0;
  for (size_t i = 0; i < in->nedits; i++) {
    int m = edits_put(t, in->edits[i].origin, in->edits[i].seq, in->edits[i].count);
    if (m < 0) return adb__err(db, ADB_NOMEM, "out of memory");
    changed |= m;
  }
  edits_thin(t);
  return changed;
}

/* Two registers of one document: merges the operations and the edits. */
static int merge_same(adb *db, crdt_elem *e, crdt_reg *slot, const crdt_reg *r) {
  int rc = crdt_textreg_doc(db, e, slot);
  if (rc) return rc;
  int oom = 0;
  size_t before = crdt_text_len(slot->text->doc);
  unsigned char *v0 = NULL, *v1 = NULL;
  size_t n0 = 0, n1 = 0;
  if (crdt_text_version(slot->text->doc, &v0, &n0)) oom = 1;
  rc = oom ? adb__err(db, ADB_NOMEM, "out of memory") : merge_ops(db, e, r, slot->text->doc);
  if (rc == ADB_OK && crdt_text_version(slot->text->doc, &v1, &n1))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  int changed = rc == ADB_OK && (n0 != n1 || memcmp(v0, v1, n0) != 0 ||
                                 before != crdt_text_len(slot->text->doc));
  free(v0);
  free(v1);
  if (rc) return rc;
  if (changed) {
    slot->text->dirty = 1;
    if ((rc = set_value(db, slot))) return rc;
  }
  int m = merge_edits(db, slot->text, r->text);
  return m < 0 ? m : changed | m;
}

int crdt_textreg_merge(adb *db, crdt_elem *e, const crdt_reg *r) {
  crdt_reg *slot = crdt_elem_prop(e, r->key);
  int c = slot ? slot_cmp(db, r, slot) : 1;
  if (c < 0) return 0;
  if (c == 0) return merge_same(db, e, slot, r);
  /* A new document replaces what the slot held. */
  crdt_reg fresh = {.type = REG_TEXT, .epoch = r->epoch, .tag = r->tag};
  int rc = ADB_OK;
  if (!(fresh.key = strdup(r->key)) || !(fresh.text = calloc(1, sizeof *fresh.text)))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  if (rc == ADB_OK) rc = doc_new(db, &fresh.text->doc);
  if (rc == ADB_OK) rc = merge_ops(db, e, r, fresh.text->doc);
  if (rc == ADB_OK) rc = set_value(db, &fresh);
  if (rc == ADB_OK && (rc = merge_edits(db, fresh.text, r->text)) > 0) rc = ADB_OK;
  if (rc == ADB_OK) {
    fresh.text->dirty = 1;
    if (install(e, slot, &fresh)) rc = adb__err(db, ADB_NOMEM, "out of memory");
  }
  crdt_reg_clear(&fresh);
  return rc ? rc : 1;
}

/* ---- Local edits ---- */

static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

/* Starts a new document for key in *fresh: empty, or holding the plain string of slot as the
 * seed. Its tag is the slot's (or the existence's, for a key without a register), so that
 * replicas converting the same value make one document, and a later plain write replaces it. */
static int text_new(adb *db, crdt_elem *e, crdt_reg *slot, const char *key, crdt_reg *fresh) {
  memset(fresh, 0, sizeof *fresh);
  fresh->type = REG_TEXT;
  fresh->epoch = e->cl;
  fresh->tag = slot ? slot->tag : e->cl_tag;
  json_t *v = NULL;
  if (slot && slot->value) {
    char why[160];
    if (ut_json_parse(slot->value, strlen(slot->value), &v, why, sizeof why))
      return adb__err(db, ADB_CORRUPT, "the value of '%s' of '%s' is damaged", key, e->id);
    if (!json_is_string(v)) {
      int rc = adb__err(db, ADB_INVALID,
                        "property '%s' of '%s' holds %s, not text: set it to a string first", key,
                        e->id, json_kind(v));
      json_decref(v);
      return rc;
    }
  }
  int rc = ADB_OK;
  if (!(fresh->key = strdup(key)) || !(fresh->text = calloc(1, sizeof *fresh->text)))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  if (rc == ADB_OK) rc = doc_new(db, &fresh->text->doc);
  if (rc == ADB_OK && v && json_string_length(v) > 0) {
    crdt_text *seed = NULL;
    unsigned char *ops = NULL;
    size_t n;
    int oom = 0;
    rc = crdt_text_new(crdt_text_seed_agent, &seed);
    if (rc == ADB_OK) rc = crdt_text_insert(seed, 0, json_string_value(v), json_string_length(v));
    if (rc == ADB_OK) rc = crdt_text_encode(seed, NULL, 0, &ops, &n);
    if (rc == ADB_OK) rc = crdt_text_merge(fresh->text->doc, ops, n);
    uint64_t count = rc == ADB_OK ? agent_ops(seed, crdt_text_seed_agent, &oom) : 0;
    if (rc == ADB_OK && (oom || edits_put(fresh->text, 0, 0, count) < 0)) rc = ADB_NOMEM;
    free(ops);
    crdt_text_free(seed);
    if (rc) rc = adb__err(db, rc == ADB_NOMEM ? ADB_NOMEM : ADB_CORRUPT,
                          "cannot turn '%s' of '%s' into text", key, e->id);
  }
  json_decref(v);
  return rc;
}

int crdt_textreg_edit(adb *db, crdt_elem *e, const char *key, const crdt_tag *tag, size_t pos,
                      size_t del, const char *s) {
  size_t n = strlen(s);
  if (!ut_utf8_valid(s, n))
    return adb__err(db, ADB_INVALID, "the text to insert is not valid UTF-8");
  crdt_reg *slot = crdt_elem_prop(e, key);
  if (slot && slot->epoch > e->cl)
    return adb__err(db, ADB_CONFLICT,
                    "'%s' of '%s' was written in a later life of the element: sync first", key,
                    e->id);
  crdt_reg fresh = {0}, *r = slot;
  int rc;
  if (slot && slot->type == REG_TEXT) {
    rc = crdt_textreg_doc(db, e, slot);
  } else {
    rc = text_new(db, e, slot, key, &fresh);
    r = &fresh;
  }
  size_t len = rc == ADB_OK ? crdt_text_len(r->text->doc) : 0;
  if (rc == ADB_OK && (pos > len || del > len - pos))
    rc = adb__err(db, ADB_INVALID,
                  "position %zu%s is past the end of '%s', which has %zu characters", pos + del,
                  del ? " (the end of the deleted range)" : "", key, len);
  int empty = del == 0 && n == 0;
  if (rc == ADB_OK && !empty && crdt_text_replace(r->text->doc, pos, del, s, n))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  int oom = 0;
  uint64_t count = rc == ADB_OK ? agent_ops(r->text->doc, crdt_self(db)->rid, &oom) : 0;
  if (rc == ADB_OK && !empty && (oom || edits_put(r->text, db->self, tag->seq, count) < 0))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  if (rc == ADB_OK && !empty) {
    edits_thin(r->text);
    r->text->dirty = 1;
    rc = set_value(db, r);
  }
  if (rc == ADB_OK && !empty && r == &fresh && install(e, slot, &fresh))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  crdt_reg_clear(&fresh);
  return rc ? rc : !empty;
}

/* ---- Storage ---- */

int crdt_textreg_verify(adb *db, crdt_elem *e) {
  for (size_t i = 0; i < e->nprops; i++) {
    crdt_reg *r = &e->props[i];
    if (r->type != REG_TEXT || !r->value) continue;
    int rc = crdt_textreg_doc(db, e, r);
    if (rc) return rc;
    char *shown = r->value;
    r->value = NULL;
    rc = set_value(db, r);
    int same = rc == ADB_OK && strcmp(shown, r->value) == 0;
    free(r->value);
    r->value = shown;
    if (rc) return rc;
    if (!same)
      return adb__err(db, ADB_CORRUPT, "the text '%s' of '%s' differs from its shown value",
                      r->key, e->id);
  }
  return ADB_OK;
}

static int row_put(adb *db, const crdt_elem *e, crdt_reg *r) {
  unsigned char *state;
  size_t n;
  if (crdt_text_encode(r->text->doc, NULL, 0, &state, &n))
    return adb__err(db, ADB_NOMEM, "out of memory");
  sqlite3_stmt *st;
  int src = store_prepare(
      db, "INSERT OR REPLACE INTO main.adb_text(kind, elem, key, state) VALUES(?1,?2,?3,?4)", &st);
  if (src == SQLITE_OK) {
    sqlite3_bind_int(st, 1, e->kind);
    sqlite3_bind_int64(st, 2, e->rid);
    sqlite3_bind_text(st, 3, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, state, (int)n, SQLITE_STATIC);
    src = store_step(db, st);
    src = src == SQLITE_DONE ? SQLITE_OK : src;
  }
  sqlite3_finalize(st);
  free(state);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  r->text->dirty = 0;
  return ADB_OK;
}

/* Deletes the rows of e's keys that hold no text any more (replaced, removed, or pruned). */
static int rows_prune(adb *db, const crdt_elem *e) {
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT key FROM main.adb_text WHERE kind=?1 AND elem=?2", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  sqlite3_bind_int(st, 1, e->kind);
  sqlite3_bind_int64(st, 2, e->rid);
  ut_buf gone; /* the keys to delete, each NUL-terminated: not deleted under the open cursor */
  ut_buf_init(&gone);
  size_t ngone = 0;
  while ((src = store_step(db, st)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(st, 0);
    crdt_reg *r = crdt_elem_prop((crdt_elem *)e, key);
    if (r && r->type == REG_TEXT) continue;
    ut_buf_put(&gone, key, strlen(key) + 1);
    ngone++;
  }
  sqlite3_finalize(st);
  int rc = src == SQLITE_DONE ? ADB_OK : adb__sqlerr(db, src);
  if (rc == ADB_OK && gone.oom) rc = adb__err(db, ADB_NOMEM, "out of memory");
  if (rc == ADB_OK && ngone) {
    src = store_prepare(db, "DELETE FROM main.adb_text WHERE kind=?1 AND elem=?2 AND key=?3", &st);
    const char *key = (const char *)gone.p;
    for (size_t i = 0; src == SQLITE_OK && i < ngone; i++, key += strlen(key) + 1) {
      sqlite3_reset(st);
      sqlite3_bind_int(st, 1, e->kind);
      sqlite3_bind_int64(st, 2, e->rid);
      sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
      src = store_step(db, st);
      src = src == SQLITE_DONE ? SQLITE_OK : src;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK) rc = adb__sqlerr(db, src);
  }
  ut_buf_free(&gone);
  return rc;
}

int crdt_textreg_save(adb *db, crdt_elem *e) {
  int any = 0;
  for (size_t i = 0; i < e->nprops; i++) {
    crdt_reg *r = &e->props[i];
    if (r->type != REG_TEXT) continue;
    any = 1;
    if (!r->text->dirty) continue;
    int rc = row_put(db, e, r);
    if (rc) return rc;
  }
  int rc = e->text_rows ? rows_prune(db, e) : ADB_OK;
  if (rc == ADB_OK) e->text_rows = any;
  return rc;
}

void crdt_textreg_meta_put(ut_buf *b, const crdt_textreg *t) {
  ut_buf_put_varint(b, t->nedits);
  for (size_t i = 0; i < t->nedits; i++) {
    ut_buf_put_varint(b, t->edits[i].origin);
    ut_buf_put_varint(b, t->edits[i].seq);
    ut_buf_put_varint(b, t->edits[i].count);
  }
}

int crdt_textreg_edits_get(ut_rbuf *r, crdt_textreg *t, uint64_t max_origin) {
  uint64_t n = ut_rbuf_varint(r);
  if (r->bad || n > (r->len - r->pos) / 3) return -1;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t origin = ut_rbuf_varint(r), seq = ut_rbuf_varint(r), count = ut_rbuf_varint(r);
    if (r->bad || origin > max_origin || (origin == 0) != (seq == 0) || count >= UINT32_MAX)
      return -1;
    if (edits_put(t, (uint32_t)origin, seq, count) < 0) return -1;
  }
  return 0;
}

int crdt_textreg_meta_get(ut_rbuf *r, crdt_reg *reg, uint32_t nreps) {
  if (!(reg->text = calloc(1, sizeof *reg->text))) return -1;
  return crdt_textreg_edits_get(r, reg->text, nreps);
}
