/* textreg_wire.c — text registers in change sets: which peers lack them, and their fields
 * written, read and checked (docs/changeset.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/textreg.h"

int crdt_textreg_lacks(const crdt_reg *r, const uint64_t *from, uint32_t nfrom) {
  if (r->tag.origin >= 1 && r->tag.origin <= nfrom && r->tag.seq > from[r->tag.origin - 1])
    return 1;
  for (size_t i = 0; i < r->text->nedits; i++) {
    const crdt_text_edit *x = &r->text->edits[i];
    if (x->origin >= 1 && x->origin <= nfrom && x->seq > from[x->origin - 1]) return 1;
  }
  return 0;
}

/* The text version a replica at from[] holds at least: per replica, its agent's count after
 * the newest of its transactions from[] covers, and the seed with any of them (a replica that
 * merged a transaction of this document holds the document, or one that replaces it). Writes
 * nothing to v when that is none. */
static void since_version(adb *db, const crdt_textreg *t, const uint64_t *from, uint32_t nfrom,
                          ut_buf *v) {
  uint64_t n = 0, seed = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass && !n) return;
    if (pass) {
      ut_buf_put(v, "TV\x01", 3); /* a version (docs/text.md) */
      ut_buf_put_varint(v, n + (seed > 0));
      if (seed) {
        ut_buf_put(v, crdt_text_seed_agent, 16);
        ut_buf_put_varint(v, seed);
      }
    }
    for (size_t i = 0; i < t->nedits;) {
      uint32_t o = t->edits[i].origin;
      uint64_t best = 0;
      for (; i < t->nedits && t->edits[i].origin == o; i++)
        if (o == 0) seed = t->edits[i].count;
        else if (o <= nfrom && t->edits[i].seq <= from[o - 1]) best = t->edits[i].count;
      if (o == 0 || !best) continue;
      if (!pass) n++;
      else {
        ut_buf_put(v, db->reps[o - 1].rid, 16);
        ut_buf_put_varint(v, best);
      }
    }
  }
}

int crdt_textreg_put(adb *db, ut_buf *b, const crdt_elem *e, crdt_reg *r, const uint64_t *from,
                     uint32_t nfrom) {
  int rc = crdt_textreg_doc(db, e, r);
  if (rc) return rc;
  ut_buf since;
  ut_buf_init(&since);
  since_version(db, r->text, from, nfrom, &since);
  unsigned char *ops = NULL;
  size_t n = 0;
  if (since.oom || crdt_text_encode(r->text->doc, since.p, since.len, &ops, &n)) {
    ut_buf_free(&since);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  int full = since.len == 0;
  ut_buf_free(&since);
  const crdt_textreg *t = r->text;
  uint64_t nsend = 0;
  /* Edits travel by change-set replica index + 1, which is the local index. */
#define SEND(x) \
  (full || ((x)->origin >= 1 && (x)->origin <= nfrom && (x)->seq > from[(x)->origin - 1]))
  for (size_t i = 0; i < t->nedits; i++) nsend += SEND(&t->edits[i]);
  ut_buf_put_str(b, r->key, strlen(r->key));
  ut_buf_put_varint(b, nsend);
  for (size_t i = 0; i < t->nedits; i++) {
    if (!SEND(&t->edits[i])) continue;
    ut_buf_put_varint(b, t->edits[i].origin);
    ut_buf_put_varint(b, t->edits[i].seq);
    ut_buf_put_varint(b, t->edits[i].count);
  }
#undef SEND
  ut_buf_put_str(b, (const char *)ops, n);
  free(ops);
  return ADB_OK;
}

int crdt_textreg_read(ut_rbuf *r, crdt_reg *g, size_t max_key, size_t max_ops) {
  size_t n;
  const char *k = ut_rbuf_str(r, &n, max_key);
  if (!k || !(g->key = strndup(k, n)) || strlen(g->key) != n) return -1;
  if (!(g->text = calloc(1, sizeof *g->text))) return -1;
  /* Origins are checked against the replica table later (crdt_textreg_check). */
  if (crdt_textreg_edits_get(r, g->text, UINT32_MAX - 1)) return -1;
  const char *ops = ut_rbuf_str(r, &n, max_ops);
  if (!ops) return -1;
  g->text->ops = (const unsigned char *)ops;
  g->text->nops = n;
  return 0;
}

int crdt_textreg_check(const crdt_reg *g, uint64_t nrep, char *why, size_t whylen) {
  const crdt_textreg *t = g->text;
  for (size_t i = 0; i < t->nedits; i++)
    if (t->edits[i].origin > nrep) {
      snprintf(why, whylen, "has an edit of an unknown replica");
      return -1;
    }
  /* A scratch replay checks the encoding; operations that build on ones it lacks are fine. */
  crdt_text *scratch;
  if (crdt_text_new(crdt_text_seed_agent, &scratch)) {
    snprintf(why, whylen, "could not be checked: out of memory");
    return -1;
  }
  int rc = crdt_text_merge(scratch, t->ops, t->nops);
  crdt_text_free(scratch);
  if (rc != ADB_OK && rc != ADB_NOTFOUND) {
    snprintf(why, whylen, "has malformed text operations");
    return -1;
  }
  return 0;
}

static int edit_cmp(const void *a, const void *b) {
  const crdt_text_edit *x = a, *y = b;
  if (x->origin != y->origin) return x->origin < y->origin ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

void crdt_textreg_map(crdt_reg *g, const uint32_t *idx) {
  crdt_textreg *t = g->text;
  for (size_t i = 0; i < t->nedits; i++)
    if (t->edits[i].origin) t->edits[i].origin = idx[t->edits[i].origin - 1];
  qsort(t->edits, t->nedits, sizeof *t->edits, edit_cmp);
  /* Two table entries may name one replica: keep one edit per (origin, seq). */
  size_t u = 0;
  for (size_t i = 0; i < t->nedits; i++) {
    if (u && !edit_cmp(&t->edits[u - 1], &t->edits[i])) {
      if (t->edits[i].count > t->edits[u - 1].count) t->edits[u - 1].count = t->edits[i].count;
    } else {
      t->edits[u++] = t->edits[i];
    }
  }
  t->nedits = u;
}
