/* trace_replay.c — replaying sequential and concurrent editing traces into the text CRDT. */
#include "tools/trace_replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return ADB_INVALID;
}

/* Agent ids are the trace's agent numbers, big-endian, so that ids sort like the numbers. */
static void agent_id(unsigned char id[16], size_t n) {
  memset(id, 0, 16);
  for (int i = 15; i >= 8; i--, n >>= 8) id[i] = (unsigned char)n;
}

static size_t code_points(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xc0) != 0x80;
  return k;
}

/* Applies a transaction's patches [pos, delete count, inserted string] in order; adds the
 * number of operations made to *ops. */
static int apply_patches(crdt_text *d, json_t *txn, size_t ti, size_t *ops, char *err,
                         size_t errlen) {
  json_t *patches = json_object_get(txn, "patches");
  if (!json_is_array(patches)) return fail(err, errlen, "txn %zu: no patches array", ti);
  for (size_t i = 0; i < json_array_size(patches); i++) {
    json_t *p = json_array_get(patches, i);
    json_t *pos = json_array_get(p, 0), *del = json_array_get(p, 1), *ins = json_array_get(p, 2);
    if (!json_is_integer(pos) || !json_is_integer(del) || !json_is_string(ins) ||
        json_integer_value(pos) < 0 || json_integer_value(del) < 0)
      return fail(err, errlen, "txn %zu patch %zu: not [pos, del, string]", ti, i);
    size_t at = (size_t)json_integer_value(pos), n = (size_t)json_integer_value(del);
    const char *s = json_string_value(ins);
    size_t len = json_string_length(ins);
    int rc = n ? crdt_text_delete(d, at, n) : ADB_OK;
    if (!rc) rc = crdt_text_insert(d, at, s, len);
    if (rc == ADB_INVALID)
      return fail(err, errlen, "txn %zu patch %zu: position %zu + %zu is past the end (%zu)", ti, i,
                  at, n, crdt_text_len(d));
    if (rc) return fail(err, errlen, "txn %zu patch %zu: status %d", ti, i, rc);
    *ops += n + code_points(s, len);
  }
  return ADB_OK;
}

static int replay_sequential(json_t *root, crdt_text **out, char *err, size_t errlen) {
  unsigned char id[16];
  agent_id(id, 0);
  crdt_text *d;
  if (crdt_text_new(id, &d)) return ADB_NOMEM;
  json_t *start = json_object_get(root, "startContent"), *txns = json_object_get(root, "txns");
  size_t ops = 0;
  int rc = ADB_OK;
  if (json_is_string(start))
    rc = crdt_text_insert(d, 0, json_string_value(start), json_string_length(start));
  for (size_t i = 0; !rc && i < json_array_size(txns); i++)
    rc = apply_patches(d, json_array_get(txns, i), i, &ops, err, errlen);
  if (rc) {
    crdt_text_free(d);
    return rc;
  }
  *out = d;
  return ADB_OK;
}

/* A chain is one document typing as one CRDT agent: a trace agent's transactions while each
 * descends from the one before (a trace agent that forks gets another chain). */
typedef struct chain {
  crdt_text *doc;
  uint32_t *vv; /* per chain: its operations the document holds */
} chain;

/* A transaction as replayed: the chain that typed it, the chain's operation count after it,
 * its operations encoded, and the version it produced (per chain, nvv entries). */
typedef struct txn {
  uint32_t chain, own, nvv;
  unsigned char *delta;
  size_t dlen;
  uint32_t *vv;
} txn;

typedef struct concurrent {
  json_t *txns;
  size_t n, nagents;
  txn *tx;
  chain *ch;
  uint32_t nch;
  long *cur; /* per trace agent: its current chain, -1 before its first transaction */
  size_t *stack, *missing;
  size_t *stamp; /* per transaction: the transaction whose walk visited it last, plus one */
  uint32_t *V;   /* scratch: the version a transaction was typed on */
} concurrent;

static void concurrent_free(concurrent *c) {
  for (size_t i = 0; i < c->n; i++) free(c->tx[i].delta), free(c->tx[i].vv);
  for (uint32_t i = 0; i < c->nch; i++) crdt_text_free(c->ch[i].doc), free(c->ch[i].vv);
  free(c->tx);
  free(c->ch);
  free(c->cur);
  free(c->stack);
  free(c->missing);
  free(c->stamp);
  free(c->V);
}

static int u_cmp(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return a < b ? -1 : a > b;
}

/* The version transaction ti was typed on: the join of its parents' versions, into c->V. */
static int parents_version(concurrent *c, size_t ti, json_t *parents, char *err, size_t errlen) {
  memset(c->V, 0, c->n * sizeof *c->V);
  for (size_t k = 0; k < json_array_size(parents); k++) {
    json_t *p = json_array_get(parents, k);
    if (!json_is_integer(p) || json_integer_value(p) < 0 || (size_t)json_integer_value(p) >= ti)
      return fail(err, errlen, "txn %zu: parent is not an earlier transaction", ti);
    const txn *pt = &c->tx[json_integer_value(p)];
    for (uint32_t i = 0; i < pt->nvv; i++)
      if (pt->vv[i] > c->V[i]) c->V[i] = pt->vv[i];
  }
  return ADB_OK;
}

/* Picks the chain for agent g's next transaction: its current one when that document holds
 * nothing outside the transaction's history, else a new one. */
static int pick_chain(concurrent *c, size_t g, uint32_t *out) {
  long cur = c->cur[g];
  if (cur >= 0) {
    const chain *ch = &c->ch[cur];
    uint32_t i = 0;
    while (i < c->nch && ch->vv[i] <= c->V[i]) i++;
    if (i == c->nch) return *out = (uint32_t)cur, ADB_OK;
  }
  chain *nc = &c->ch[c->nch];
  unsigned char id[16];
  agent_id(id, cur < 0 ? g : c->nagents + c->nch);
  nc->vv = calloc(c->n, sizeof *nc->vv);
  if (!nc->vv || crdt_text_new(id, &nc->doc)) return ADB_NOMEM;
  c->cur[g] = c->nch;
  *out = c->nch++;
  return ADB_OK;
}

/* Merges into chain ch every transaction of ti's history it lacks, oldest first. */
static int catch_up(concurrent *c, size_t ti, json_t *parents, chain *ch) {
  size_t sp = 0, nm = 0;
  for (size_t k = 0; k < json_array_size(parents); k++)
    c->stack[sp++] = (size_t)json_integer_value(json_array_get(parents, k));
  while (sp) {
    size_t x = c->stack[--sp];
    const txn *tx = &c->tx[x];
    if (c->stamp[x] == ti + 1) continue;
    c->stamp[x] = ti + 1;
    /* Held when the chain has x's own operations; a transaction with none is walked through. */
    if (tx->dlen && ch->vv[tx->chain] >= tx->own) continue;
    c->missing[nm++] = x;
    json_t *ps = json_object_get(json_array_get(c->txns, x), "parents");
    for (size_t k = 0; k < json_array_size(ps); k++)
      c->stack[sp++] = (size_t)json_integer_value(json_array_get(ps, k));
  }
  qsort(c->missing, nm, sizeof *c->missing, u_cmp);
  for (size_t k = 0; k < nm; k++) {
    const txn *tx = &c->tx[c->missing[k]];
    int rc = tx->dlen ? crdt_text_merge(ch->doc, tx->delta, tx->dlen) : ADB_OK;
    if (rc) return rc;
  }
  memcpy(ch->vv, c->V, c->nch * sizeof *c->V);
  return ADB_OK;
}

static int replay_txn(concurrent *c, size_t ti, char *err, size_t errlen) {
  json_t *tj = json_array_get(c->txns, ti), *parents = json_object_get(tj, "parents");
  json_t *agent = json_object_get(tj, "agent");
  if (!json_is_array(parents) || !json_is_integer(agent) || json_integer_value(agent) < 0 ||
      (size_t)json_integer_value(agent) >= c->nagents)
    return fail(err, errlen, "txn %zu: needs parents and an agent below numAgents", ti);
  int rc = parents_version(c, ti, parents, err, errlen);
  uint32_t ci = 0;
  if (!rc) rc = pick_chain(c, (size_t)json_integer_value(agent), &ci);
  chain *ch = &c->ch[ci];
  if (!rc) rc = catch_up(c, ti, parents, ch);
  if (rc) return rc;
  unsigned char *since;
  size_t slen, ops = 0;
  if (crdt_text_version(ch->doc, &since, &slen)) return ADB_NOMEM;
  rc = apply_patches(ch->doc, tj, ti, &ops, err, errlen);
  txn *tx = &c->tx[ti];
  if (!rc) rc = crdt_text_encode(ch->doc, since, slen, &tx->delta, &tx->dlen);
  free(since);
  if (rc) return rc;
  if (!ops) tx->dlen = 0;
  ch->vv[ci] += (uint32_t)ops;
  tx->chain = ci;
  tx->own = ch->vv[ci];
  tx->nvv = c->nch;
  tx->vv = malloc(c->nch * sizeof *tx->vv);
  if (!tx->vv) return ADB_NOMEM;
  memcpy(tx->vv, ch->vv, c->nch * sizeof *tx->vv);
  return ADB_OK;
}

/* Merges every chain's operations into one new document. */
static int merge_chains(concurrent *c, crdt_text **out) {
  unsigned char id[16];
  agent_id(id, c->nagents + c->nch);
  crdt_text *all;
  if (crdt_text_new(id, &all)) return ADB_NOMEM;
  int rc = ADB_OK;
  for (uint32_t i = 0; !rc && i < c->nch; i++) {
    unsigned char *p;
    size_t n;
    rc = crdt_text_encode(c->ch[i].doc, NULL, 0, &p, &n);
    if (!rc) rc = crdt_text_merge(all, p, n);
    if (!rc) free(p);
  }
  if (rc)
    crdt_text_free(all);
  else
    *out = all;
  return rc;
}

static int replay_concurrent(json_t *root, crdt_text **out, char *err, size_t errlen) {
  concurrent c;
  memset(&c, 0, sizeof c);
  c.txns = json_object_get(root, "txns");
  c.n = json_array_size(c.txns);
  json_t *na = json_object_get(root, "numAgents");
  if (!json_is_integer(na) || json_integer_value(na) < 1)
    return fail(err, errlen, "a concurrent trace needs numAgents");
  c.nagents = (size_t)json_integer_value(na);
  size_t n1 = c.n + 1, edges = n1;
  for (size_t i = 0; i < c.n; i++)
    edges += json_array_size(json_object_get(json_array_get(c.txns, i), "parents"));
  c.tx = calloc(n1, sizeof *c.tx);
  c.ch = calloc(n1, sizeof *c.ch);
  c.cur = malloc(c.nagents * sizeof *c.cur);
  c.stack = malloc(edges * sizeof *c.stack); /* a walk pushes each edge at most once */
  c.missing = malloc(n1 * sizeof *c.missing);
  c.stamp = calloc(n1, sizeof *c.stamp);
  c.V = calloc(n1, sizeof *c.V);
  int rc = ADB_NOMEM;
  if (c.tx && c.ch && c.cur && c.stack && c.missing && c.stamp && c.V) {
    for (size_t g = 0; g < c.nagents; g++) c.cur[g] = -1;
    rc = ADB_OK;
    for (size_t i = 0; !rc && i < c.n; i++) rc = replay_txn(&c, i, err, errlen);
    if (!rc) rc = merge_chains(&c, out);
  }
  concurrent_free(&c);
  return rc;
}

int trace_replay(json_t *root, crdt_text **out, char *err, size_t errlen) {
  if (!json_is_object(root) || !json_is_array(json_object_get(root, "txns")))
    return fail(err, errlen, "not an editing trace: no txns array");
  const char *kind = json_string_value(json_object_get(root, "kind"));
  if (kind && !strcmp(kind, "concurrent")) return replay_concurrent(root, out, err, errlen);
  return replay_sequential(root, out, err, errlen);
}

/* Length of the UTF-8 sequence starting with byte c. */
static size_t seq_len(unsigned char c) { return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; }

long trace_compare(const crdt_text *doc, json_t *root, char *msg, size_t msglen) {
  json_t *end = json_object_get(root, "endContent");
  const char *want = json_string_value(end);
  size_t wn = json_string_length(end), gn;
  char *got;
  if (!want) {
    snprintf(msg, msglen, "the trace has no endContent");
    return 0;
  }
  if (crdt_text_read(doc, &got, &gn)) {
    snprintf(msg, msglen, "out of memory reading the text");
    return 0;
  }
  size_t i = 0;
  long cp = 0;
  while (i < wn && i < gn && want[i] == got[i]) {
    size_t k = seq_len((unsigned char)want[i]);
    if (i + k > wn || i + k > gn || memcmp(want + i, got + i, k)) break;
    i += k;
    cp++;
  }
  if (i == wn && i == gn) {
    free(got);
    return -1;
  }
  snprintf(msg, msglen,
           "text differs from endContent at code point %ld (byte %zu; lengths %zu and %zu "
           "bytes):\n  expected: \"%.40s\"\n  got:      \"%.40s\"",
           cp, i, wn, gn, want + i, got + i);
  free(got);
  return cp;
}
