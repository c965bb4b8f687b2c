/* text.c — the text CRDT's document: runs in leaves, lookups by position and id, local edits. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "crdt/text_int.h"

/* ---- UTF-8 ---- */

static int utf8_cont(unsigned char c) { return (c & 0xc0) == 0x80; }

int64_t txt_utf8_count(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  int64_t cps = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t k;
    uint32_t min;
    if (c < 0x80) {
      i++;
      cps++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      k = 1, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
      k = 2, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
      k = 3, min = 0x10000;
    else
      return -1;
    if (n - i <= k) return -1;
    uint32_t cp = c & (0x3f >> k);
    for (size_t j = 1; j <= k; j++) {
      if (!utf8_cont(s[i + j])) return -1;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return -1;
    i += k + 1;
    cps++;
  }
  return cps;
}

uint32_t txt_utf8_prefix(const char *str, uint32_t blen, uint32_t k) {
  const unsigned char *s = (const unsigned char *)str;
  uint32_t i = 0;
  while (k && i < blen) {
    i++;
    while (i < blen && utf8_cont(s[i])) i++;
    k--;
  }
  return i;
}

/* ---- the document ---- */

static txt_leaf *leaf_new(void) {
  txt_leaf *l = malloc(sizeof *l);
  if (l) l->idx = l->n = 0, l->vis = 0;
  return l;
}

int txt_agent_index(crdt_text *t, const unsigned char id[16], uint32_t *idx) {
  for (uint32_t i = 0; i < t->nagents; i++)
    if (!memcmp(t->ag[i].id, id, 16)) return *idx = i, ADB_OK;
  if (t->nagents == t->capagents) {
    uint32_t cap = t->capagents ? t->capagents * 2 : 4;
    txt_agent *ag = realloc(t->ag, cap * sizeof *ag);
    if (!ag) return ADB_NOMEM;
    t->ag = ag;
    t->capagents = cap;
  }
  txt_agent *a = &t->ag[t->nagents];
  memset(a, 0, sizeof *a);
  memcpy(a->id, id, 16);
  *idx = t->nagents++;
  return ADB_OK;
}

int crdt_text_new(const unsigned char agent[16], crdt_text **out) {
  if (!agent || !out) return ADB_INVALID;
  crdt_text *t = calloc(1, sizeof *t);
  if (!t) return ADB_NOMEM;
  t->leaves = malloc(sizeof *t->leaves);
  if (t->leaves) t->leaves[0] = leaf_new();
  if (!t->leaves || !t->leaves[0] || txt_agent_index(t, agent, &t->self)) {
    if (t->leaves) free(t->leaves[0]);
    free(t->leaves);
    free(t->ag);
    free(t);
    return ADB_NOMEM;
  }
  t->nleaves = t->capleaves = 1;
  *out = t;
  return ADB_OK;
}

void crdt_text_free(crdt_text *t) {
  if (!t) return;
  for (uint32_t i = 0; i < t->nleaves; i++) free(t->leaves[i]);
  for (uint32_t i = 0; i < t->nagents; i++) {
    txt_map_free(&t->ag[i].map);
    free(t->ag[i].ops);
  }
  free(t->leaves);
  free(t->ag);
  free(t->text);
  free(t->log);
  free(t);
}

size_t crdt_text_len(const crdt_text *t) { return (size_t)t->vis; }

size_t crdt_text_bytes(const crdt_text *t) { return (size_t)t->vis_bytes; }

size_t crdt_text_mem(const crdt_text *t) {
  size_t m = sizeof *t + t->capleaves * sizeof *t->leaves + t->nleaves * sizeof(txt_leaf) +
             t->textcap + t->caplog * sizeof *t->log + t->capagents * sizeof *t->ag;
  for (uint32_t i = 0; i < t->nagents; i++)
    m += txt_map_mem(&t->ag[i].map) + t->ag[i].capops * sizeof *t->ag[i].ops;
  return m;
}

int txt_text_append(crdt_text *t, const char *s, size_t n, uint32_t *off) {
  if (t->textlen + n > UINT32_MAX) return ADB_INVALID;
  if (t->textlen + n > t->textcap) {
    size_t cap = t->textcap ? t->textcap : 256;
    while (cap < t->textlen + n) cap *= 2;
    char *p = realloc(t->text, cap);
    if (!p) return ADB_NOMEM;
    t->text = p;
    t->textcap = cap;
  }
  memcpy(t->text + t->textlen, s, n);
  *off = (uint32_t)t->textlen;
  t->textlen += n;
  return ADB_OK;
}

static int id_eq(txt_id a, txt_id b) { return a.agent == b.agent && a.seq == b.seq; }

/* Whether op continues log entry e: same kind and agent, next seqs, and for an insert typed
 * right after e's last character with the same right origin; for a delete, the next targets in
 * e's direction. Returns the direction of the joined delete (1 for an insert), 0 if not. */
static int op_continues(const txt_op *e, const txt_op *op) {
  if (e->kind != op->kind || e->agent != op->agent || e->seq + e->len != op->seq ||
      e->flags != op->flags)
    return 0;
  int positional = op->flags & TXT_POSITIONAL;
  if (op->kind == TXT_INS)
    return id_eq(op->ol, (txt_id){op->agent, op->seq - 1}) && id_eq(op->orr, e->orr) &&
           (!positional || op->pos == e->pos + e->len);
  if (e->target.agent != op->target.agent) return 0;
  int32_t dir = e->len == 1 ? (op->target.seq >= e->target.seq ? 1 : -1) : e->dir;
  if (op->len > 1 && op->dir != dir) return 0;
  /* Positionally, deleting forward stays at one index; backspacing moves left. */
  if (positional && op->pos != (dir > 0 ? e->pos : e->pos - op->len)) return 0;
  return op->target.seq == (uint32_t)(e->target.seq + (int64_t)dir * e->len) ? dir : 0;
}

int txt_log_append(crdt_text *t, const txt_op *op) {
  int dir = t->nlog ? op_continues(&t->log[t->nlog - 1], op) : 0;
  if (dir) {
    txt_op *e = &t->log[t->nlog - 1];
    if (e->kind == TXT_DEL) e->dir = dir;
    if (e->kind == TXT_DEL && dir < 0) e->pos = op->pos;
    e->len += op->len;
    return ADB_OK;
  }
  if (t->nlog == t->caplog) {
    size_t cap = t->caplog ? t->caplog * 2 : 64;
    txt_op *l = realloc(t->log, cap * sizeof *l);
    if (!l) return ADB_NOMEM;
    t->log = l;
    t->caplog = cap;
  }
  txt_agent *a = &t->ag[op->agent];
  if (a->nops == a->capops) {
    uint32_t cap = a->capops ? a->capops * 2 : 16;
    uint32_t *o = realloc(a->ops, cap * sizeof *o);
    if (!o) return ADB_NOMEM;
    a->ops = o;
    a->capops = cap;
  }
  if (t->nlog >= UINT32_MAX) return ADB_NOMEM;
  a->ops[a->nops++] = (uint32_t)t->nlog;
  t->log[t->nlog++] = *op;
  return ADB_OK;
}

/* ---- positions ---- */

int txt_pos_cmp(txt_pos a, txt_pos b) {
  if (a.leaf != b.leaf) return a.leaf < b.leaf ? -1 : 1;
  if (a.run != b.run) return a.run < b.run ? -1 : 1;
  return a.off < b.off ? -1 : a.off > b.off;
}

/* The first character at or after the start of leaf i, or the end. */
static txt_pos leaf_start(const crdt_text *t, uint32_t i) {
  while (i < t->nleaves && t->leaves[i]->n == 0) i++;
  return (txt_pos){i, 0, 0};
}

txt_pos txt_first(const crdt_text *t) { return leaf_start(t, 0); }

txt_pos txt_pos_next(const crdt_text *t, txt_pos p) {
  const txt_leaf *l = t->leaves[p.leaf];
  if (p.off + 1 < l->r[p.run].len) return (txt_pos){p.leaf, p.run, p.off + 1};
  if (p.run + 1 < l->n) return (txt_pos){p.leaf, p.run + 1, 0};
  return leaf_start(t, p.leaf + 1);
}

txt_id txt_id_at(const crdt_text *t, txt_pos p) {
  if (p.leaf >= t->nleaves) return (txt_id){TXT_NONE, 0};
  const txt_run *r = &t->leaves[p.leaf]->r[p.run];
  return (txt_id){r->agent, r->seq + p.off};
}

/* Finds id in leaf l; returns 0 or -1. */
static int locate_in(const txt_leaf *l, txt_id id, txt_pos *out) {
  for (uint32_t i = 0; i < l->n; i++) {
    const txt_run *r = &l->r[i];
    if (r->agent == id.agent && id.seq - r->seq < r->len) {
      *out = (txt_pos){l->idx, i, id.seq - r->seq};
      return 0;
    }
  }
  return -1;
}

/* Edits cluster, so the leaf of the last insert is tried before the id map. The map is
 * updated lazily: splitting a leaf moves runs only rightwards, into the new leaf after it, so
 * a character is in the leaf its map entry names or in one after it. Finding it further right
 * repairs the entry; the map is a cache, which is why a const document may change it. */
int txt_locate(const crdt_text *t, txt_id id, txt_pos *out) {
  if (id.agent >= t->nagents) return -1;
  if (t->hint && !locate_in(t->hint, id, out)) return 0;
  const txt_leaf *l = txt_map_get(&t->ag[id.agent].map, id.seq);
  if (!l) return -1;
  for (uint32_t i = l->idx; i < t->nleaves; i++) {
    if (locate_in(t->leaves[i], id, out)) continue;
    if (i != l->idx) {
      const txt_run *r = &t->leaves[i]->r[out->run];
      txt_map_set((txt_map *)&t->ag[id.agent].map, r->seq, r->seq + r->len, t->leaves[i]);
    }
    return 0;
  }
  return -1;
}

int txt_inserted(const crdt_text *t, uint32_t agent, uint32_t seq) {
  const txt_agent *a = &t->ag[agent];
  uint32_t lo = 0, hi = a->nops;
  while (lo < hi) { /* the first entry ending past seq */
    uint32_t mid = (lo + hi) / 2;
    const txt_op *e = &t->log[a->ops[mid]];
    if (e->seq + e->len <= seq)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == a->nops) return 0;
  const txt_op *e = &t->log[a->ops[lo]];
  return e->kind == TXT_INS && seq >= e->seq ? (int)(e->seq + e->len - seq) : 0;
}

/* The cursor nearest to leaf, or to visible index pos when leaf is TXT_NONE. */
static txt_cursor *nearest(crdt_text *t, uint32_t leaf, uint64_t pos) {
  txt_cursor *best = NULL;
  uint64_t bestd = UINT64_MAX;
  for (int k = 0; k < TXT_CURSORS; k++) {
    txt_cursor *c = &t->cur[k];
    if (c->leaf >= t->nleaves) *c = (txt_cursor){0, 0};
    uint64_t d = leaf != TXT_NONE ? (c->leaf > leaf ? c->leaf - leaf : leaf - c->leaf)
                 : c->start > pos ? c->start - pos
                                  : pos - c->start;
    if (d < bestd) best = c, bestd = d;
  }
  return best;
}

/* Finds the visible character at index pos (< t->vis), walking from the nearest cursor. */
static txt_pos find_visible(crdt_text *t, uint64_t pos) {
  txt_cursor *c = nearest(t, TXT_NONE, pos);
  while (pos < c->start) c->start -= t->leaves[--c->leaf]->vis;
  while (pos >= c->start + t->leaves[c->leaf]->vis) c->start += t->leaves[c->leaf++]->vis;
  const txt_leaf *l = t->leaves[c->leaf];
  uint64_t rem = pos - c->start;
  uint32_t i = 0;
  for (;; i++) {
    const txt_run *r = &l->r[i];
    if (r->flags & TXT_DELETED) continue;
    if (rem < r->len) break;
    rem -= r->len;
  }
  return (txt_pos){c->leaf, i, (uint32_t)rem};
}

/* ---- structure changes ---- */

/* Changes the visible length of leaf l, keeping the lookup cache right. */
static void vis_add(crdt_text *t, txt_leaf *l, int64_t cps, int64_t bytes) {
  l->vis += cps;
  t->vis += cps;
  t->vis_bytes += bytes;
  for (int k = 0; k < TXT_CURSORS; k++)
    if (l->idx < t->cur[k].leaf) t->cur[k].start += cps;
}

/* Moves the upper half of leaf i into a new leaf after it. */
static int split_leaf(crdt_text *t, uint32_t i) {
  if (t->nleaves == t->capleaves) {
    uint32_t cap = t->capleaves * 2;
    txt_leaf **ls = realloc(t->leaves, cap * sizeof *ls);
    if (!ls) return ADB_NOMEM;
    t->leaves = ls;
    t->capleaves = cap;
  }
  txt_leaf *l = t->leaves[i], *nl = leaf_new();
  if (!nl) return ADB_NOMEM;
  uint32_t half = l->n / 2;
  nl->n = l->n - half;
  memcpy(nl->r, l->r + half, nl->n * sizeof *l->r);
  l->n = half;
  for (uint32_t k = 0; k < nl->n; k++)
    if (!(nl->r[k].flags & TXT_DELETED)) nl->vis += nl->r[k].len;
  l->vis -= nl->vis;
  memmove(t->leaves + i + 2, t->leaves + i + 1, (t->nleaves - i - 1) * sizeof *t->leaves);
  t->leaves[i + 1] = nl;
  t->nleaves++;
  for (uint32_t k = i + 1; k < t->nleaves; k++) t->leaves[k]->idx = k;
  for (int k = 0; k < TXT_CURSORS; k++)
    if (i < t->cur[k].leaf) t->cur[k].leaf++;
  return ADB_OK;
}

/* Makes room for k more runs in p's leaf, splitting it and moving p along when full. */
static int ensure_room(crdt_text *t, txt_pos *p, uint32_t k) {
  txt_leaf *l = t->leaves[p->leaf];
  if (l->n + k <= TXT_LEAF_CAP) return ADB_OK;
  uint32_t half = l->n / 2;
  int rc = split_leaf(t, p->leaf);
  if (rc) return rc;
  if (p->run >= half) p->leaf++, p->run -= half;
  return ADB_OK;
}

/* Splits the run at p so that p starts a run (p.off becomes 0); the leaf has room. */
static void split_run(crdt_text *t, txt_pos *p) {
  if (p->off == 0) return;
  txt_leaf *l = t->leaves[p->leaf];
  txt_run *r = &l->r[p->run];
  memmove(r + 2, r + 1, (l->n - p->run - 1) * sizeof *r);
  l->n++;
  txt_run *right = r + 1;
  *right = *r;
  uint32_t bytes = (r->flags & TXT_NOCONTENT) ? 0
                   : r->blen == r->len        ? p->off
                                              : txt_utf8_prefix(t->text + r->off, r->blen, p->off);
  r->len = p->off;
  r->blen = bytes;
  right->seq += p->off;
  right->len -= p->off;
  right->ol = (txt_id){r->agent, right->seq - 1};
  right->off += bytes;
  right->blen -= bytes;
  p->run++;
  p->off = 0;
}

/* Whether run nr, placed right after p, can become part of p. */
static int run_extends(const txt_run *p, const txt_run *nr) {
  return p->agent == nr->agent && p->seq + p->len == nr->seq && p->flags == nr->flags &&
         id_eq(nr->ol, (txt_id){p->agent, p->seq + p->len - 1}) && id_eq(nr->orr, p->orr) &&
         ((p->flags & TXT_NOCONTENT) || p->off + p->blen == nr->off);
}

/* nr's characters are newer than any of its agent's, so its id map only grows at the end. */
int txt_insert_run(crdt_text *t, txt_pos at, const txt_run *nr) {
  if (at.leaf >= t->nleaves) at = (txt_pos){t->nleaves - 1, t->leaves[t->nleaves - 1]->n, 0};
  /* Prefer appending to the previous leaf, so that the new run can extend its last run. */
  if (at.off == 0 && at.run == 0 && at.leaf > 0)
    at = (txt_pos){at.leaf - 1, t->leaves[at.leaf - 1]->n, 0};
  int rc = ensure_room(t, &at, 2);
  if (rc) return rc;
  split_run(t, &at);
  txt_leaf *l = t->leaves[at.leaf];
  int64_t cps = (nr->flags & TXT_DELETED) ? 0 : nr->len;
  int64_t bytes = (nr->flags & TXT_DELETED) ? 0 : nr->blen;
  if (nr->flags == TXT_NOCONTENT) t->ghosts += nr->len;
  if (at.run > 0 && run_extends(&l->r[at.run - 1], nr)) {
    txt_run *p = &l->r[at.run - 1];
    p->len += nr->len;
    p->blen += nr->blen;
  } else {
    memmove(l->r + at.run + 1, l->r + at.run, (l->n - at.run) * sizeof *l->r);
    l->r[at.run] = *nr;
    l->n++;
  }
  vis_add(t, l, cps, bytes);
  t->hint = l;
  return txt_map_append(&t->ag[nr->agent].map, nr->seq, l) ? ADB_NOMEM : ADB_OK;
}

/* Joins run i of l with its neighbours in the leaf where one continues the other, so that
 * deleting typed text character by character leaves one tombstone run, not one per key. */
static void coalesce(txt_leaf *l, uint32_t i) {
  if (i + 1 < l->n && run_extends(&l->r[i], &l->r[i + 1])) {
    l->r[i].len += l->r[i + 1].len;
    l->r[i].blen += l->r[i + 1].blen;
    memmove(l->r + i + 1, l->r + i + 2, (l->n - i - 2) * sizeof *l->r);
    l->n--;
  }
  if (i > 0 && run_extends(&l->r[i - 1], &l->r[i])) {
    l->r[i - 1].len += l->r[i].len;
    l->r[i - 1].blen += l->r[i].blen;
    memmove(l->r + i, l->r + i + 1, (l->n - i - 1) * sizeof *l->r);
    l->n--;
  }
}

int txt_delete_in_run(crdt_text *t, txt_pos p, uint32_t n) {
  if (t->leaves[p.leaf]->r[p.run].flags & TXT_DELETED) return ADB_OK;
  int rc = ensure_room(t, &p, 2);
  if (rc) return rc;
  split_run(t, &p);
  txt_leaf *l = t->leaves[p.leaf];
  if (n < l->r[p.run].len) {
    txt_pos end = {p.leaf, p.run, n};
    split_run(t, &end);
  }
  txt_run *r = &l->r[p.run];
  r->flags |= TXT_DELETED;
  if (r->flags & TXT_NOCONTENT) t->ghosts -= r->len;
  vis_add(t, l, -(int64_t)r->len, -(int64_t)r->blen);
  coalesce(l, p.run);
  return ADB_OK;
}

uint64_t txt_vis_before(crdt_text *t, txt_pos p) {
  if (p.leaf >= t->nleaves) return t->vis;
  txt_cursor *c = nearest(t, p.leaf, 0);
  while (c->leaf > p.leaf) c->start -= t->leaves[--c->leaf]->vis;
  while (c->leaf < p.leaf) c->start += t->leaves[c->leaf++]->vis;
  const txt_leaf *l = t->leaves[p.leaf];
  uint64_t v = c->start;
  for (uint32_t i = 0; i < p.run; i++)
    if (!(l->r[i].flags & TXT_DELETED)) v += l->r[i].len;
  return p.run < l->n && !(l->r[p.run].flags & TXT_DELETED) ? v + p.off : v;
}

int txt_insert_at(crdt_text *t, uint64_t pos, txt_run *nr) {
  txt_pos at;
  nr->ol = (txt_id){TXT_NONE, 0};
  if (pos == 0) {
    at = leaf_start(t, 0);
  } else {
    txt_pos p = find_visible(t, pos - 1);
    nr->ol = txt_id_at(t, p);
    at = txt_pos_next(t, p);
  }
  nr->orr = txt_id_at(t, at);
  return txt_insert_run(t, at, nr);
}

int txt_delete_at(crdt_text *t, uint64_t pos, uint32_t max, txt_id *first, uint32_t *k) {
  txt_pos p = find_visible(t, pos);
  const txt_run *r = &t->leaves[p.leaf]->r[p.run];
  *k = r->len - p.off < max ? r->len - p.off : max;
  *first = (txt_id){r->agent, r->seq + p.off};
  return txt_delete_in_run(t, p, *k);
}

/* ---- local edits ---- */

int crdt_text_insert(crdt_text *t, size_t pos, const char *s, size_t n) {
  if (!t || (n && !s) || pos > t->vis) return ADB_INVALID;
  if (n == 0) return ADB_OK;
  int64_t cps = txt_utf8_count(s, n);
  if (cps < 0 || (uint64_t)t->ag[t->self].next + (uint64_t)cps >= UINT32_MAX) return ADB_INVALID;
  txt_run nr = {
      .agent = t->self, .seq = t->ag[t->self].next, .len = (uint32_t)cps, .blen = (uint32_t)n};
  int rc = txt_text_append(t, s, n, &nr.off);
  if (!rc) rc = txt_insert_at(t, pos, &nr);
  txt_op op = {.kind = TXT_INS,
               .agent = t->self,
               .seq = nr.seq,
               .len = nr.len,
               .ol = nr.ol,
               .orr = nr.orr,
               .flags = TXT_POSITIONAL,
               .pos = pos};
  if (!rc) rc = txt_log_append(t, &op);
  if (!rc) t->ag[t->self].next += nr.len;
  return rc;
}

/* Drops the bytes of deleted characters once they are most of the buffer (so at O(1) amortized
 * cost per byte): nothing reads them again, since encodings send deleted characters without
 * their bytes. Their runs become runs without content, like characters deleted before they
 * were sent. Without memory for the new buffer it keeps the old one. */
void txt_compact(crdt_text *t) {
  if (t->textlen <= 2 * t->vis_bytes + 4096) return;
  char *p = malloc(t->vis_bytes ? t->vis_bytes : 1);
  if (!p) return;
  uint32_t at = 0;
  for (uint32_t i = 0; i < t->nleaves; i++) {
    txt_leaf *l = t->leaves[i];
    for (uint32_t k = 0; k < l->n; k++) {
      txt_run *r = &l->r[k];
      if (r->flags & TXT_DELETED) {
        r->flags |= TXT_NOCONTENT;
        r->off = r->blen = 0;
        continue;
      }
      memcpy(p + at, t->text + r->off, r->blen);
      r->off = at;
      at += r->blen;
    }
  }
  free(t->text);
  t->text = p;
  t->textlen = at;
  t->textcap = t->vis_bytes ? t->vis_bytes : 1;
}

int crdt_text_delete(crdt_text *t, size_t pos, size_t len) {
  if (!t || pos > t->vis || len > t->vis - pos) return ADB_INVALID;
  if ((uint64_t)t->ag[t->self].next + len >= UINT32_MAX) return ADB_INVALID;
  while (len) {
    txt_op op = {.kind = TXT_DEL,
                 .agent = t->self,
                 .seq = t->ag[t->self].next,
                 .dir = 1,
                 .flags = TXT_POSITIONAL,
                 .pos = pos};
    int rc =
        txt_delete_at(t, pos, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len, &op.target, &op.len);
    if (!rc) rc = txt_log_append(t, &op);
    if (rc) return rc;
    t->ag[t->self].next += op.len;
    len -= op.len;
  }
  txt_compact(t);
  return ADB_OK;
}

int crdt_text_replace(crdt_text *t, size_t pos, size_t del, const char *s, size_t n) {
  if (!t || (n && !s) || pos > t->vis || del > t->vis - pos || txt_utf8_count(s, n) < 0)
    return ADB_INVALID;
  int rc = crdt_text_delete(t, pos, del);
  return rc ? rc : crdt_text_insert(t, pos, s, n);
}

void crdt_text_copy(const crdt_text *t, char *dst) {
  for (uint32_t i = 0; i < t->nleaves; i++) {
    const txt_leaf *l = t->leaves[i];
    for (uint32_t k = 0; k < l->n; k++) {
      const txt_run *r = &l->r[k];
      if (r->flags & TXT_DELETED) continue;
      memcpy(dst, t->text + r->off, r->blen);
      dst += r->blen;
    }
  }
}

int crdt_text_read(const crdt_text *t, char **out, size_t *n) {
  char *s = malloc(t->vis_bytes + 1);
  if (!s) return ADB_NOMEM;
  crdt_text_copy(t, s);
  s[t->vis_bytes] = 0;
  *out = s;
  if (n) *n = t->vis_bytes;
  return ADB_OK;
}
