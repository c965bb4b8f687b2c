/* text_merge.c — applying remote text operations: where a concurrent insert goes, and deletes. */
#include <string.h>

#include "arenadb.h"
#include "crdt/text_int.h"

/* A character's left origin as a place in the document; none sorts before every place. */
typedef struct origin {
  int none;
  txt_pos p;
} origin;

static int origin_cmp(origin a, origin b) {
  if (a.none || b.none) return a.none == b.none ? 0 : a.none ? -1 : 1;
  return txt_pos_cmp(a.p, b.p);
}

static txt_pos end_of(const crdt_text *t) { return (txt_pos){t->nleaves, 0, 0}; }

/* The place of a right origin; none is the end of the document. */
static txt_pos right_place(const crdt_text *t, txt_id id) {
  txt_pos p = end_of(t);
  if (id.agent != TXT_NONE) txt_locate(t, id, &p);
  return p;
}

/* The left origin of the character at p: its predecessor inside a run, else the run's. */
static origin left_origin(const crdt_text *t, txt_pos p) {
  if (p.off > 0) return (origin){0, {p.leaf, p.run, p.off - 1}};
  txt_id ol = t->leaves[p.leaf]->r[p.run].ol;
  origin o = {1, {0, 0, 0}};
  if (ol.agent != TXT_NONE) o.none = txt_locate(t, ol, &o.p) != 0;
  return o;
}

/* The first character after the run holding p. */
static txt_pos next_run(const crdt_text *t, txt_pos p) {
  const txt_leaf *l = t->leaves[p.leaf];
  txt_pos q = {p.leaf, p.run, l->r[p.run].len - 1};
  return txt_pos_next(t, q);
}

/* Where a new character with left origin `left` and right origin at `right` goes, scanning the
 * characters between them (the YjsMod / FugueMax rule, docs/text.md). Only a run's first
 * character visited can stop the scan: every later one has its predecessor as left origin,
 * which lies past `left`. */
static txt_pos find_place(const crdt_text *t, origin left, txt_pos right, uint32_t agent) {
  txt_pos i = left.none ? txt_first(t) : txt_pos_next(t, left.p);
  txt_pos dest = i;
  int scanning = 0;
  for (;;) {
    if (!scanning) dest = i;
    if (i.leaf >= t->nleaves || txt_pos_cmp(i, right) == 0) break;
    const txt_run *r = &t->leaves[i.leaf]->r[i.run];
    int c = origin_cmp(left_origin(t, i), left);
    if (c < 0) break;
    if (c == 0) {
      int rc = txt_pos_cmp(right_place(t, r->orr), right);
      if (rc < 0) {
        scanning = 1;
      } else if (rc == 0 && memcmp(t->ag[agent].id, t->ag[r->agent].id, 16) < 0) {
        break;
      } else {
        scanning = 0;
      }
    }
    if (right.leaf == i.leaf && right.run == i.run && right.off > i.off)
      i = right;
    else
      i = next_run(t, i);
  }
  return dest;
}

/* Whether a local insert at `at` would have made these origins: at is right after a visible
 * left origin (or first when there is none), and the right origin is what is at `at`. */
static int by_local_rule(const crdt_text *t, origin left, txt_pos at, txt_id orr) {
  txt_id here = txt_id_at(t, at);
  if (here.agent != orr.agent || (orr.agent != TXT_NONE && here.seq != orr.seq)) return 0;
  if (left.none) return txt_pos_cmp(at, txt_first(t)) == 0;
  const txt_run *r = &t->leaves[left.p.leaf]->r[left.p.run];
  return !(r->flags & TXT_DELETED) && txt_pos_cmp(at, txt_pos_next(t, left.p)) == 0;
}

int txt_integrate_insert(crdt_text *t, const txt_op *op, uint32_t flags, uint32_t off,
                         uint32_t blen, int64_t *vpos) {
  origin left = {1, {0, 0, 0}};
  if (op->ol.agent != TXT_NONE && txt_locate(t, op->ol, &left.p)) return ADB_CORRUPT;
  if (op->ol.agent != TXT_NONE) left.none = 0;
  txt_pos right = end_of(t);
  if (op->orr.agent != TXT_NONE && txt_locate(t, op->orr, &right)) return ADB_CORRUPT;
  txt_pos at = find_place(t, left, right, op->agent);
  *vpos = by_local_rule(t, left, at, op->orr) ? (int64_t)txt_vis_before(t, at) : -1;
  txt_run nr = {op->agent, op->seq, op->len, flags, op->ol, op->orr, off, blen};
  return txt_insert_run(t, at, &nr);
}

int txt_apply_delete(crdt_text *t, const txt_op *op, int64_t *vpos) {
  uint32_t lo = op->dir > 0 ? op->target.seq : op->target.seq - (op->len - 1);
  uint32_t left = op->len;
  int64_t first = -2;
  while (left) {
    txt_pos p;
    if (txt_locate(t, (txt_id){op->target.agent, lo}, &p)) return ADB_CORRUPT;
    const txt_run *r = &t->leaves[p.leaf]->r[p.run];
    uint32_t k = r->len - p.off < left ? r->len - p.off : left;
    /* Positional while every piece is visible where the first one was. */
    int64_t at = r->flags & TXT_DELETED ? -1 : (int64_t)txt_vis_before(t, p);
    first = first == -2 || first == at ? at : -1;
    int rc = txt_delete_in_run(t, p, k);
    if (rc) return rc;
    lo += k;
    left -= k;
  }
  *vpos = first;
  return ADB_OK;
}
