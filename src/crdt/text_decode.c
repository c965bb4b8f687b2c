/* text_decode.c — merging encoded text operations: parsing, checking, then applying them. */
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "crdt/text_int.h"
#include "crdt/text_wire.h"
#include "util/buf.h"

/* A decoded operation; seg/content are for inserts. skip counts leading operations this
 * document already holds. */
typedef struct dop {
  txt_op op;
  uint32_t seg0, nseg, skip;
  const char *content;
  uint32_t clen;
} dop;

typedef struct seg {
  uint32_t len, del;
} seg;

/* A range of ids of one agent. */
typedef struct brange {
  uint32_t agent, seq, len;
} brange;

typedef struct batch {
  int full; /* the whole history, positions included: replayed on an empty document */
  dop *ops;
  size_t nops;
  seg *segs;
  size_t nsegs;
  brange *ins; /* the inserts of the batch */
  size_t nins;
  int ins_sorted;
  uint32_t *amap; /* agent index in the bytes -> in the document */
  uint32_t *sim;  /* per document agent: operations held once the ops so far are applied */
} batch;

static void batch_free(batch *b) {
  free(b->ops);
  free(b->segs);
  free(b->ins);
  free(b->amap);
  free(b->sim);
}

/* Reads an agent index of the bytes and maps it; sets r->bad when out of range. */
static uint32_t read_agent(ut_rbuf *r, const batch *b, uint64_t nagents) {
  uint64_t a = ut_rbuf_varint(r);
  if (a >= nagents) {
    r->bad = 1;
    return 0;
  }
  return b->amap[a];
}

static int read_seq(ut_rbuf *r, uint32_t *seq) {
  uint64_t s = ut_rbuf_varint(r);
  *seq = (uint32_t)s;
  return r->bad || s >= UINT32_MAX ? ADB_CORRUPT : ADB_OK;
}

static int parse_origins(ut_rbuf *r, const batch *b, txt_op *op, uint64_t nagents) {
  uint64_t ol = ut_rbuf_varint(r);
  op->ol = (txt_id){TXT_NONE, 0};
  if (ol == OL_PREV) {
    if (op->seq == 0) return ADB_CORRUPT;
    op->ol = (txt_id){op->agent, op->seq - 1};
  } else if (ol >= OL_ID) {
    if (ol - OL_ID >= nagents) return ADB_CORRUPT;
    op->ol.agent = b->amap[ol - OL_ID];
    if (read_seq(r, &op->ol.seq)) return ADB_CORRUPT;
  }
  uint64_t orr = ut_rbuf_varint(r);
  op->orr = (txt_id){TXT_NONE, 0};
  if (orr) {
    if (orr - 1 >= nagents) return ADB_CORRUPT;
    op->orr.agent = b->amap[orr - 1];
    if (read_seq(r, &op->orr.seq)) return ADB_CORRUPT;
  }
  return r->bad ? ADB_CORRUPT : ADB_OK;
}

/* The segments of an insert: one visible run, or (OP_GHOSTS) runs of visible characters and
 * of deleted ones. Returns the number of visible characters, or -1 when malformed. */
static int64_t parse_segments(ut_rbuf *r, batch *b, dop *d, unsigned flags) {
  d->seg0 = (uint32_t)b->nsegs;
  if (!(flags & OP_GHOSTS)) {
    d->nseg = 1;
    b->segs[b->nsegs++] = (seg){d->op.len, 0};
    return d->op.len;
  }
  uint64_t nseg = ut_rbuf_varint(r), total = 0, visible = 0;
  if (r->bad || nseg == 0 || nseg > d->op.len) return -1;
  d->nseg = (uint32_t)nseg;
  for (uint64_t i = 0; i < nseg; i++) {
    uint64_t v = ut_rbuf_varint(r);
    seg s = {(uint32_t)(v >> 1), (uint32_t)(v & 1)};
    if (r->bad || s.len == 0 || v >> 1 > d->op.len) return -1;
    total += s.len;
    visible += s.del ? 0 : s.len;
    b->segs[b->nsegs++] = s;
  }
  return total == d->op.len ? (int64_t)visible : -1;
}

static int parse_op(ut_rbuf *r, batch *b, dop *d, uint64_t nagents, codec *c) {
  txt_op *op = &d->op;
  unsigned flags = ut_rbuf_u8(r);
  uint64_t len = ut_rbuf_varint(r);
  op->kind = flags & OP_DEL ? TXT_DEL : TXT_INS;
  op->flags = flags & OP_POS ? TXT_POSITIONAL : 0;
  int ins = op->kind == TXT_INS;
  if (!ins) op->dir = flags & OP_BACK ? -1 : 1;
  if (r->bad || flags >= 128 || len == 0 || len >= UINT32_MAX || (ins && (flags & OP_BACK)) ||
      (!ins && (flags & OP_GHOSTS)) || (op->flags && !b->full) ||
      (!op->flags && (flags & OP_CURSOR)) || ((flags & OP_SAME) && c->last == TXT_NONE))
    return ADB_CORRUPT;
  if (flags & OP_SAME)
    op->agent = c->last;
  else if (agent_implied(c))
    op->agent = b->amap[0] == c->last ? b->amap[1] : b->amap[0];
  else
    op->agent = read_agent(r, b, nagents);
  uint64_t seq = c->expect[op->agent] + (flags & OP_NEXT ? 0 : ut_rbuf_varint(r));
  if (r->bad || seq + len >= UINT32_MAX) return ADB_CORRUPT;
  op->seq = (uint32_t)seq;
  op->len = (uint32_t)len;
  c->expect[op->agent] = (uint32_t)(seq + len);
  c->last = op->agent;
  int rc = ADB_OK;
  if (op->flags) {
    int64_t delta = flags & OP_CURSOR ? 0 : unzigzag(ut_rbuf_varint(r));
    int64_t pos = (int64_t)c->cursor[op->agent] + delta;
    if (r->bad || pos < 0 || pos > UINT32_MAX) return ADB_CORRUPT;
    op->pos = (uint64_t)pos;
    c->cursor[op->agent] = ins ? op->pos + len : op->pos;
  } else if (ins) {
    rc = parse_origins(r, b, op, nagents);
  } else {
    op->target.agent = read_agent(r, b, nagents);
    rc = read_seq(r, &op->target.seq);
    int64_t last = (int64_t)op->target.seq + (int64_t)op->dir * (int64_t)(len - 1);
    if (last < 0 || last >= UINT32_MAX) rc = ADB_CORRUPT;
  }
  if (rc || !ins) return rc;
  int64_t visible = parse_segments(r, b, d, flags);
  d->clen = (uint32_t)visible; /* code points for now: bytes once the string is read */
  return visible < 0 ? ADB_CORRUPT : ADB_OK;
}

/* Hands each insert its bytes from the string after the operations, which holds exactly
 * the visible characters of all of them, in order. */
static int split_content(ut_rbuf *r, batch *b) {
  size_t n;
  const char *s = ut_rbuf_str(r, &n, r->len);
  if (!s || n > UINT32_MAX) return ADB_CORRUPT;
  int64_t cps = txt_utf8_count(s, n), want = 0;
  for (size_t i = 0; i < b->nops; i++)
    if (b->ops[i].op.kind == TXT_INS) want += b->ops[i].clen;
  if (cps != want) return ADB_CORRUPT;
  uint32_t off = 0;
  for (size_t i = 0; i < b->nops; i++) {
    dop *d = &b->ops[i];
    if (d->op.kind != TXT_INS) continue;
    uint32_t bytes = txt_utf8_prefix(s + off, (uint32_t)n - off, d->clen);
    d->content = s + off;
    d->clen = bytes;
    off += bytes;
  }
  return ADB_OK;
}

/* Parses every operation and checks each field on its own. */
static int parse(crdt_text *t, const unsigned char *p, size_t n, batch *b) {
  ut_rbuf r;
  ut_rbuf_init(&r, p, n);
  const unsigned char *magic = ut_rbuf_bytes(&r, sizeof OPS_MAGIC);
  if (!magic || memcmp(magic, OPS_MAGIC, sizeof OPS_MAGIC)) return ADB_CORRUPT;
  unsigned full = ut_rbuf_u8(&r);
  uint64_t nagents = ut_rbuf_varint(&r);
  if (r.bad || full > 1 || nagents > (r.len - r.pos) / 16) return ADB_CORRUPT;
  b->full = (int)full;
  b->amap = malloc((nagents ? nagents : 1) * sizeof *b->amap);
  if (!b->amap) return ADB_NOMEM;
  for (uint64_t i = 0; i < nagents; i++) {
    int rc = txt_agent_index(t, ut_rbuf_bytes(&r, 16), &b->amap[i]);
    if (rc) return rc;
  }
  uint64_t nops = ut_rbuf_varint(&r);
  /* Every operation takes at least 2 bytes, and each segment at least one. */
  if (r.bad || nops > (r.len - r.pos) / 2) return ADB_CORRUPT;
  b->ops = malloc((nops ? nops : 1) * sizeof *b->ops);
  b->segs = malloc((r.len - r.pos + 1) * sizeof *b->segs);
  uint32_t *expect = calloc(t->nagents, sizeof *expect);
  uint64_t *cursor = calloc(t->nagents, sizeof *cursor);
  int rc = b->ops && b->segs && expect && cursor ? ADB_OK : ADB_NOMEM;
  codec c = {expect, cursor, TXT_NONE, NULL, (uint32_t)nagents};
  for (uint64_t i = 0; i < nops && !rc; i++) {
    dop *d = &b->ops[b->nops++];
    memset(d, 0, sizeof *d);
    rc = parse_op(&r, b, d, nagents, &c);
  }
  free(expect);
  free(cursor);
  if (!rc) rc = split_content(&r, b);
  if (!rc && (r.bad || r.pos != r.len)) rc = ADB_CORRUPT;
  return rc;
}

static int brange_cmp(const void *x, const void *y) {
  const brange *a = x, *b = y;
  if (a->agent != b->agent) return a->agent < b->agent ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The last of n sorted ranges starting at or before (agent, seq) if it holds seq, else NULL. */
static const brange *range_find(const brange *v, size_t n, uint32_t agent, uint32_t seq) {
  brange key = {agent, seq, 0};
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (brange_cmp(&v[mid], &key) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return NULL;
  const brange *g = &v[lo - 1];
  return g->agent == agent && seq - g->seq < g->len ? g : NULL;
}

/* How many inserted characters from (agent, seq) on, up to max, exist before the current
 * operation: in the document or earlier in the batch. 0 means none. */
static uint32_t inserted_run(const crdt_text *t, batch *b, uint32_t agent, uint32_t seq,
                             uint32_t max) {
  uint32_t k = 0;
  if (seq < t->ag[agent].next) {
    k = (uint32_t)txt_inserted(t, agent, seq);
  } else {
    /* Sorted on first use: a full history, mostly positional, rarely needs it. */
    if (!b->ins_sorted) qsort(b->ins, b->nins, sizeof *b->ins, brange_cmp);
    b->ins_sorted = 1;
    const brange *g = range_find(b->ins, b->nins, agent, seq);
    if (g) k = g->len - (seq - g->seq);
  }
  return k < max ? k : max;
}

/* Checks that characters (agent, seq .. seq+len-1) all exist: ADB_NOTFOUND when some were not
 * merged yet, ADB_CORRUPT when some are not inserted characters at all. */
static int check_inserted(const crdt_text *t, batch *b, uint32_t agent, uint32_t seq,
                          uint32_t len) {
  while (len) {
    if (seq >= b->sim[agent]) return ADB_NOTFOUND;
    uint32_t k = inserted_run(t, b, agent, seq, len);
    if (!k) return ADB_CORRUPT;
    seq += k;
    len -= k;
  }
  return ADB_OK;
}

static int check_origin(const crdt_text *t, batch *b, txt_id id) {
  return id.agent == TXT_NONE ? ADB_OK : check_inserted(t, b, id.agent, id.seq, 1);
}

/* The ids a delete removes, lowest first. */
static brange del_targets(const txt_op *op) {
  uint32_t lo = op->dir > 0 ? op->target.seq : op->target.seq - (op->len - 1);
  return (brange){op->target.agent, lo, op->len};
}

/* Checks that every operation is applicable after the ones before it, and marks what the
 * document already holds. */
static int check_causal(const crdt_text *t, batch *b) {
  b->sim = malloc(t->nagents * sizeof *b->sim);
  b->ins = malloc((b->nops ? b->nops : 1) * sizeof *b->ins);
  if (!b->sim || !b->ins) return ADB_NOMEM;
  for (size_t i = 0; i < b->nops && !b->full; i++)
    if (b->ops[i].op.kind == TXT_INS)
      b->ins[b->nins++] = (brange){b->ops[i].op.agent, b->ops[i].op.seq, b->ops[i].op.len};
  for (uint32_t a = 0; a < t->nagents; a++) b->sim[a] = t->ag[a].next;
  for (size_t i = 0; i < b->nops; i++) {
    dop *d = &b->ops[i];
    const txt_op *op = &d->op;
    uint32_t held = b->sim[op->agent];
    if (op->seq > held) return ADB_NOTFOUND;
    d->skip = op->seq + op->len <= held ? op->len : held - op->seq;
    /* Positions assume every operation before is applied, so none may be held already. */
    if (op->flags && d->skip) return ADB_CORRUPT;
    if (d->skip == op->len) continue;
    int rc = ADB_OK;
    if (b->full) {
      /* A full history applies to a scratch document (merge_full), checked as it goes: an
       * index out of range, or an origin or target that names no character, is corrupt. */
    } else if (op->kind == TXT_INS) {
      rc = check_origin(t, b, op->ol);
      if (!rc) rc = check_origin(t, b, op->orr);
    } else {
      brange g = del_targets(op);
      rc = check_inserted(t, b, g.agent, g.seq, g.len);
    }
    if (rc) return rc;
    b->sim[op->agent] = op->seq + op->len;
  }
  return ADB_OK;
}

/* Sorts n ranges and joins those that overlap or touch (concurrent deletes of one character
 * overlap); returns how many remain. */
static size_t disjoint(brange *v, size_t n) {
  qsort(v, n, sizeof *v, brange_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    brange *last = k ? &v[k - 1] : NULL;
    if (last && last->agent == v[i].agent && v[i].seq <= last->seq + last->len) {
      uint32_t end = v[i].seq + v[i].len;
      if (end > last->seq + last->len) last->len = end - last->seq;
    } else {
      v[k++] = v[i];
    }
  }
  return k;
}

/* Characters sent without their bytes must be deleted by the same batch, else they would
 * show as text nobody has: checks that the batch's deletes cover every such new character. */
static int check_ghosts(const batch *b) {
  size_t nd = 0, ng = 0;
  for (size_t i = 0; i < b->nops; i++) {
    const dop *d = &b->ops[i];
    if (d->op.kind == TXT_DEL)
      nd++;
    else
      ng += d->nseg;
  }
  brange *del = malloc((nd + ng + 1) * sizeof *del), *ghost = del + nd;
  if (!del) return ADB_NOMEM;
  nd = ng = 0;
  for (size_t i = 0; i < b->nops; i++) {
    const dop *d = &b->ops[i];
    if (d->op.kind == TXT_DEL) {
      del[nd++] = del_targets(&d->op);
      continue;
    }
    uint32_t seq = d->op.seq;
    for (uint32_t k = 0; k < d->nseg; k++) {
      seg s = b->segs[d->seg0 + k];
      uint32_t from = seq < d->op.seq + d->skip ? d->op.seq + d->skip : seq;
      if (s.del && from < seq + s.len)
        ghost[ng++] = (brange){d->op.agent, from, seq + s.len - from};
      seq += s.len;
    }
  }
  nd = disjoint(del, nd);
  int rc = ADB_OK;
  for (size_t i = 0; i < ng && !rc; i++) {
    const brange *c = range_find(del, nd, ghost[i].agent, ghost[i].seq);
    if (!c || ghost[i].seq + ghost[i].len > c->seq + c->len) rc = ADB_CORRUPT;
  }
  free(del);
  return rc;
}

/* Where the next part of an insert goes: its bytes appended to the document's text. */
static int segment_bytes(crdt_text *t, seg s, const char **content, uint32_t *clen, uint32_t drop,
                         txt_run *nr) {
  uint32_t bytes = s.del ? 0 : txt_utf8_prefix(*content, *clen, s.len);
  uint32_t dropb = s.del ? 0 : txt_utf8_prefix(*content, bytes, drop);
  nr->flags = s.del ? TXT_NOCONTENT : 0;
  nr->blen = bytes - dropb;
  nr->off = 0;
  int rc = s.del ? ADB_OK : txt_text_append(t, *content + dropb, bytes - dropb, &nr->off);
  *content += bytes;
  *clen -= bytes;
  return rc;
}

/* Applies the new part of a decoded insert, one segment at a time; *op becomes its log
 * entry, positional when every segment went where a local insert would have put it. */
static int apply_insert(crdt_text *t, const batch *b, const dop *d, txt_op *op) {
  const char *content = d->content;
  uint32_t clen = d->clen, skip = d->skip, seq = d->op.seq, done = 0;
  int64_t pos0 = -1;
  int positional = 1;
  for (uint32_t i = 0; i < d->nseg; i++) {
    seg s = b->segs[d->seg0 + i];
    uint32_t drop = skip < s.len ? skip : s.len;
    skip -= drop;
    txt_run nr = {d->op.agent, seq + drop, s.len - drop, 0, d->op.ol, d->op.orr, 0, 0};
    if (seq + drop != d->op.seq) nr.ol = (txt_id){d->op.agent, seq + drop - 1};
    int rc = segment_bytes(t, s, &content, &clen, drop, &nr);
    seq += s.len;
    if (rc) return rc;
    if (!nr.len) continue;
    txt_op part = {.kind = TXT_INS,
                   .agent = nr.agent,
                   .seq = nr.seq,
                   .len = nr.len,
                   .ol = nr.ol,
                   .orr = nr.orr};
    int64_t vpos;
    if (b->full && d->op.flags) {
      vpos = pos0 < 0 ? (int64_t)d->op.pos : pos0 + done;
      if ((uint64_t)vpos > t->vis) return ADB_CORRUPT;
      rc = txt_insert_at(t, (uint64_t)vpos, &nr);
      if (!done) op->ol = nr.ol, op->orr = nr.orr;
    } else {
      rc = txt_integrate_insert(t, &part, nr.flags, nr.off, nr.blen, &vpos);
    }
    if (rc) return rc;
    if (pos0 < 0 && !done) pos0 = vpos;
    positional &= vpos >= 0 && vpos == pos0 + done;
    done += nr.len;
  }
  op->flags = positional ? TXT_POSITIONAL : 0;
  op->pos = positional ? (uint64_t)pos0 : 0;
  return ADB_OK;
}

/* Applies a positional delete: the visible characters [pos, pos+len), which must be one
 * range of ids. */
static int apply_delete_at(crdt_text *t, txt_op *op) {
  if (op->pos > t->vis || op->len > t->vis - op->pos) return ADB_CORRUPT;
  txt_id lo = {TXT_NONE, 0};
  for (uint32_t done = 0; done < op->len;) {
    txt_id first;
    uint32_t k;
    int rc = txt_delete_at(t, op->pos, op->len - done, &first, &k);
    if (rc) return rc;
    if (!done) lo = first;
    if (first.agent != lo.agent || first.seq != lo.seq + done) return ADB_CORRUPT;
    done += k;
  }
  op->target = (txt_id){lo.agent, op->dir > 0 ? lo.seq : lo.seq + op->len - 1};
  return ADB_OK;
}

static int apply_delete(crdt_text *t, txt_op *op) {
  if (op->flags) return apply_delete_at(t, op);
  int64_t vpos;
  int rc = txt_apply_delete(t, op, &vpos);
  op->flags = vpos >= 0 ? TXT_POSITIONAL : 0;
  op->pos = vpos >= 0 ? (uint64_t)vpos : 0;
  return rc;
}

static int apply(crdt_text *t, const batch *b) {
  for (size_t i = 0; i < b->nops; i++) {
    const dop *d = &b->ops[i];
    if (d->skip == d->op.len) continue;
    txt_op op = trim_op(&d->op, d->skip);
    int rc = op.kind == TXT_INS ? apply_insert(t, b, d, &op) : apply_delete(t, &op);
    if (!rc) rc = txt_log_append(t, &op);
    if (rc) return rc;
    t->ag[op.agent].next = op.seq + op.len;
  }
  return ADB_OK;
}

/* Parses, checks and applies encoded operations to t. */
static int merge_ops(crdt_text *t, const unsigned char *p, size_t n) {
  batch b;
  memset(&b, 0, sizeof b);
  int rc = parse(t, p, n, &b);
  if (!rc) rc = check_causal(t, &b);
  if (!rc && !b.full) rc = check_ghosts(&b);
  if (!rc) rc = apply(t, &b);
  batch_free(&b);
  return rc;
}

/* A full history replays on a scratch document, which becomes t when t is empty, or is merged
 * into t by ids otherwise; a failure anywhere leaves t as it was. */
static int merge_full(crdt_text *t, const unsigned char *p, size_t n) {
  crdt_text *tmp;
  int rc = crdt_text_new(t->ag[t->self].id, &tmp);
  if (rc) return rc;
  rc = merge_ops(tmp, p, n);
  if (!rc && tmp->ghosts) rc = ADB_CORRUPT;
  if (!rc && t->nlog == 0) {
    crdt_text swap = *t;
    *t = *tmp;
    *tmp = swap;
  } else if (!rc) {
    unsigned char *v = NULL, *delta = NULL;
    size_t vn, dn;
    rc = crdt_text_version(t, &v, &vn);
    if (!rc) rc = crdt_text_encode(tmp, v, vn, &delta, &dn);
    if (!rc) rc = merge_ops(t, delta, dn);
    free(v);
    free(delta);
  }
  crdt_text_free(tmp);
  return rc;
}

int crdt_text_merge(crdt_text *t, const unsigned char *p, size_t n) {
  if (!t || (!p && n)) return ADB_INVALID;
  int rc;
  if (n > sizeof OPS_MAGIC && !memcmp(p, OPS_MAGIC, sizeof OPS_MAGIC) && p[sizeof OPS_MAGIC] == 1)
    rc = merge_full(t, p, n);
  else
    rc = merge_ops(t, p, n);
  if (rc == ADB_OK) txt_compact(t);
  return rc;
}
