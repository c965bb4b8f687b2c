/* text_encode.c — the text CRDT's binary forms: versions, and encoding operations. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "crdt/text_int.h"
#include "crdt/text_wire.h"
#include "util/buf.h"

static int take(ut_buf *b, unsigned char **out, size_t *n) {
  size_t len;
  unsigned char *p = ut_buf_take(b, &len);
  if (!p) return ADB_NOMEM;
  *out = p;
  if (n) *n = len;
  return ADB_OK;
}

int crdt_text_version(const crdt_text *t, unsigned char **out, size_t *n) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put(&b, VERSION_MAGIC, sizeof VERSION_MAGIC);
  uint32_t known = 0;
  for (uint32_t i = 0; i < t->nagents; i++) known += t->ag[i].next > 0;
  ut_buf_put_varint(&b, known);
  for (uint32_t i = 0; i < t->nagents; i++) {
    if (!t->ag[i].next) continue;
    ut_buf_put(&b, t->ag[i].id, 16);
    ut_buf_put_varint(&b, t->ag[i].next);
  }
  return take(&b, out, n);
}

/* Decodes a version into since[agent index of t] (agents t does not know are irrelevant);
 * *empty says whether it holds no operation at all, of any agent. */
static int decode_version(const crdt_text *t, const unsigned char *p, size_t n, uint32_t *since,
                          int *empty) {
  memset(since, 0, t->nagents * sizeof *since);
  *empty = 1;
  if (!p || n == 0) return ADB_OK;
  ut_rbuf r;
  ut_rbuf_init(&r, p, n);
  const unsigned char *magic = ut_rbuf_bytes(&r, sizeof VERSION_MAGIC);
  if (!magic || memcmp(magic, VERSION_MAGIC, sizeof VERSION_MAGIC)) return ADB_CORRUPT;
  uint64_t count = ut_rbuf_varint(&r);
  for (uint64_t i = 0; i < count && !r.bad; i++) {
    const unsigned char *id = ut_rbuf_bytes(&r, 16);
    uint64_t v = ut_rbuf_varint(&r);
    if (r.bad || v >= UINT32_MAX) return ADB_CORRUPT;
    if (v) *empty = 0;
    for (uint32_t a = 0; a < t->nagents; a++)
      if (!memcmp(t->ag[a].id, id, 16)) since[a] = (uint32_t)v;
  }
  return r.bad || r.pos != r.len ? ADB_CORRUPT : ADB_OK;
}

/* ---- encoding ---- */

/* Appends to segs the segments of inserted characters (agent, seq .. seq+len-1) as they are
 * now: runs of still-visible characters, whose bytes go to content, and runs of deleted ones,
 * sent without bytes. Returns the number of segments, negated when some are deleted. */
static int64_t put_segments(const crdt_text *t, uint32_t agent, uint32_t seq, uint32_t len,
                            ut_buf *segs, ut_buf *content) {
  int64_t nseg = 0;
  uint64_t seglen = 0;
  int segdel = -1, anydel = 0;
  while (len) {
    txt_pos p;
    txt_locate(t, (txt_id){agent, seq}, &p);
    const txt_run *r = &t->leaves[p.leaf]->r[p.run];
    uint32_t k = r->len - p.off < len ? r->len - p.off : len;
    int del = (r->flags & TXT_DELETED) != 0;
    if (!del) {
      const char *s = t->text + r->off;
      uint32_t from = r->blen == r->len ? p.off : txt_utf8_prefix(s, r->blen, p.off);
      uint32_t bytes = r->blen == r->len ? k : txt_utf8_prefix(s + from, r->blen - from, k);
      ut_buf_put(content, s + from, bytes);
    }
    if (del != segdel && segdel >= 0) {
      ut_buf_put_varint(segs, seglen << 1 | (uint64_t)segdel);
      nseg++;
      seglen = 0;
    }
    anydel |= del;
    segdel = del;
    seglen += k;
    seq += k;
    len -= k;
  }
  ut_buf_put_varint(segs, seglen << 1 | (uint64_t)segdel);
  return anydel ? -(nseg + 1) : nseg + 1;
}

static void put_id_insert(const txt_op *op, const uint32_t *wire, ut_buf *b) {
  if (op->ol.agent == TXT_NONE) {
    ut_buf_put_varint(b, OL_NONE);
  } else if (op->ol.agent == op->agent && op->ol.seq + 1 == op->seq) {
    ut_buf_put_varint(b, OL_PREV);
  } else {
    ut_buf_put_varint(b, OL_ID + (uint64_t)wire[op->ol.agent]);
    ut_buf_put_varint(b, op->ol.seq);
  }
  ut_buf_put_varint(b, op->orr.agent == TXT_NONE ? 0 : 1 + (uint64_t)wire[op->orr.agent]);
  if (op->orr.agent != TXT_NONE) ut_buf_put_varint(b, op->orr.seq);
}

static void put_op(const crdt_text *t, const txt_op *op, int full, codec *c, ut_buf *body,
                   ut_buf *segs, ut_buf *content) {
  int positional = full && (op->flags & TXT_POSITIONAL);
  int del = op->kind == TXT_DEL;
  unsigned flags = (del ? OP_DEL : 0) | (del && op->dir < 0 ? OP_BACK : 0) |
                   (positional ? OP_POS : 0) | (op->agent == c->last ? OP_SAME : 0) |
                   (op->seq == c->expect[op->agent] ? OP_NEXT : 0) |
                   (positional && op->pos == c->cursor[op->agent] ? OP_CURSOR : 0);
  int64_t nseg = 0;
  segs->len = 0;
  if (op->kind == TXT_INS) nseg = put_segments(t, op->agent, op->seq, op->len, segs, content);
  if (nseg < 0) flags |= OP_GHOSTS;
  ut_buf_put_u8(body, flags);
  ut_buf_put_varint(body, op->len);
  if (!(flags & OP_SAME) && !agent_implied(c)) ut_buf_put_varint(body, c->wire[op->agent]);
  if (!(flags & OP_NEXT)) ut_buf_put_varint(body, op->seq - c->expect[op->agent]);
  c->expect[op->agent] = op->seq + op->len;
  c->last = op->agent;
  if (positional) {
    if (!(flags & OP_CURSOR))
      ut_buf_put_varint(body, zigzag((int64_t)op->pos - (int64_t)c->cursor[op->agent]));
    c->cursor[op->agent] = op->kind == TXT_INS ? op->pos + op->len : op->pos;
  } else if (op->kind == TXT_INS) {
    put_id_insert(op, c->wire, body);
  } else {
    ut_buf_put_varint(body, c->wire[op->target.agent]);
    ut_buf_put_varint(body, op->target.seq);
  }
  if (flags & OP_GHOSTS) {
    ut_buf_put_varint(body, (uint64_t)-nseg);
    ut_buf_put(body, segs->p, segs->len);
    if (segs->oom) body->oom = 1;
  }
}

static int u32_cmp(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return a < b ? -1 : a > b;
}

/* The log entries with operations past from[], in log order (which is causal), found through
 * each agent's list of entries so that a recent version costs little. */
static int entries_since(const crdt_text *t, const uint32_t *from, uint32_t **out, size_t *n) {
  size_t total = 0;
  uint32_t *first = malloc(t->nagents * sizeof *first);
  if (!first) return ADB_NOMEM;
  for (uint32_t a = 0; a < t->nagents; a++) {
    const txt_agent *ag = &t->ag[a];
    uint32_t lo = 0, hi = ag->nops;
    while (lo < hi) { /* the first entry ending past from[a] */
      uint32_t mid = (lo + hi) / 2;
      const txt_op *e = &t->log[ag->ops[mid]];
      if (e->seq + e->len <= from[a])
        lo = mid + 1;
      else
        hi = mid;
    }
    first[a] = lo;
    total += ag->nops - lo;
  }
  uint32_t *idx = malloc((total ? total : 1) * sizeof *idx);
  if (!idx) {
    free(first);
    return ADB_NOMEM;
  }
  size_t k = 0;
  for (uint32_t a = 0; a < t->nagents; a++)
    for (uint32_t i = first[a]; i < t->ag[a].nops; i++) idx[k++] = t->ag[a].ops[i];
  free(first);
  qsort(idx, total, sizeof *idx, u32_cmp);
  *out = idx;
  *n = total;
  return ADB_OK;
}

/* Numbers the agents the operations name, in document order, for the bytes' agent table. */
static void number_agents(const crdt_text *t, const uint32_t *idx, size_t n, int full, codec *c) {
  for (uint32_t a = 0; a < t->nagents; a++) c->wire[a] = TXT_NONE;
  for (size_t i = 0; i < n; i++) {
    const txt_op *e = &t->log[idx[i]];
    c->wire[e->agent] = 0;
    if (full && (e->flags & TXT_POSITIONAL)) continue;
    if (e->kind == TXT_DEL) c->wire[e->target.agent] = 0;
    if (e->kind == TXT_INS && e->ol.agent != TXT_NONE) c->wire[e->ol.agent] = 0;
    if (e->kind == TXT_INS && e->orr.agent != TXT_NONE) c->wire[e->orr.agent] = 0;
  }
  for (uint32_t a = 0; a < t->nagents; a++)
    if (c->wire[a] != TXT_NONE) c->wire[a] = c->nwire++;
}

/* Writes the log entries idx[] past from[] (trimmed to what from lacks) as encoded bytes.
 * Positions hold only for a decoder that replays from the empty document, so `full` says
 * whether the receiver's version is empty. */
static int encode_entries(const crdt_text *t, const uint32_t *from, const uint32_t *idx,
                          size_t nidx, int full, codec *c, unsigned char **out, size_t *n) {
  number_agents(t, idx, nidx, full, c);
  ut_buf body, segs, content;
  ut_buf_init(&body);
  ut_buf_init(&segs);
  ut_buf_init(&content);
  for (size_t i = 0; i < nidx; i++) {
    const txt_op *e = &t->log[idx[i]];
    txt_op op = trim_op(e, from[e->agent] > e->seq ? from[e->agent] - e->seq : 0);
    put_op(t, &op, full, c, &body, &segs, &content);
  }
  /* The inserted bytes of every operation, in one string after them. */
  ut_buf_put_str(&body, (const char *)content.p, content.len);
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put(&b, OPS_MAGIC, sizeof OPS_MAGIC);
  ut_buf_put_u8(&b, (unsigned)full);
  ut_buf_put_varint(&b, c->nwire);
  for (uint32_t a = 0; a < t->nagents; a++)
    if (c->wire[a] != TXT_NONE) ut_buf_put(&b, t->ag[a].id, 16);
  ut_buf_put_varint(&b, nidx);
  ut_buf_put(&b, body.p, body.len);
  if (body.oom || segs.oom || content.oom) b.oom = 1;
  ut_buf_free(&body);
  ut_buf_free(&segs);
  ut_buf_free(&content);
  return take(&b, out, n);
}

int crdt_text_encode(const crdt_text *t, const unsigned char *since, size_t since_len,
                     unsigned char **out, size_t *n) {
  uint32_t na = t->nagents, *idx = NULL;
  size_t nidx = 0;
  uint32_t *from = calloc(na, 3 * sizeof *from); /* from, then the codec's expect and wire */
  uint64_t *cursor = calloc(na, sizeof *cursor);
  int full, rc = from && cursor ? decode_version(t, since, since_len, from, &full) : ADB_NOMEM;
  if (!rc) rc = entries_since(t, from, &idx, &nidx);
  if (!rc) {
    codec c = {from + na, cursor, TXT_NONE, from + 2 * na, 0};
    rc = encode_entries(t, from, idx, nidx, full, &c, out, n);
  }
  free(from);
  free(cursor);
  free(idx);
  return rc;
}
