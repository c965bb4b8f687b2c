/* text_map.c — per-agent id maps of the text CRDT: which leaf holds a character id. */
#include <stdlib.h>
#include <string.h>

#include "crdt/text_int.h"

/* The chunk that holds seq's entry: the last chunk whose first entry is <= seq (0 if none). */
static uint32_t chunk_for(const txt_map *m, uint32_t seq) {
  uint32_t lo = 0, hi = m->nc;
  while (hi - lo > 1) {
    uint32_t mid = (lo + hi) / 2;
    if (m->c[mid]->e[0].seq <= seq)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* The number of entries of chunk c with seq <= s. */
static uint32_t count_le(const txt_mchunk *c, uint32_t s) {
  uint32_t lo = 0, hi = c->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (c->e[mid].seq <= s)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

txt_leaf *txt_map_get(const txt_map *m, uint32_t seq) {
  if (m->nc == 0) return NULL;
  const txt_mchunk *c = m->c[chunk_for(m, seq)];
  uint32_t k = count_le(c, seq);
  return k ? c->e[k - 1].leaf : NULL;
}

static int add_chunk(txt_map *m, uint32_t at) {
  if (m->nc == m->capc) {
    uint32_t cap = m->capc ? m->capc * 2 : 4;
    txt_mchunk **c = realloc(m->c, cap * sizeof *c);
    if (!c) return -1;
    m->c = c;
    m->capc = cap;
  }
  txt_mchunk *nc = malloc(sizeof *nc);
  if (!nc) return -1;
  nc->n = 0;
  memmove(m->c + at + 1, m->c + at, (m->nc - at) * sizeof *m->c);
  m->c[at] = nc;
  m->nc++;
  return 0;
}

/* Sets the entry for exactly seq, adding it when absent. */
static int put(txt_map *m, uint32_t seq, txt_leaf *leaf) {
  if (m->nc == 0 && add_chunk(m, 0)) return -1;
  uint32_t ci = chunk_for(m, seq);
  txt_mchunk *c = m->c[ci];
  uint32_t k = count_le(c, seq);
  if (k && c->e[k - 1].seq == seq) {
    c->e[k - 1].leaf = leaf;
    return 0;
  }
  if (c->n == TXT_MAP_CAP) {
    if (add_chunk(m, ci + 1)) return -1;
    txt_mchunk *right = m->c[ci + 1];
    right->n = TXT_MAP_CAP / 2;
    memcpy(right->e, c->e + TXT_MAP_CAP / 2, right->n * sizeof *c->e);
    c->n = TXT_MAP_CAP / 2;
    if (k > c->n) {
      c = right;
      k -= TXT_MAP_CAP / 2;
    }
  }
  memmove(c->e + k + 1, c->e + k, (c->n - k) * sizeof *c->e);
  c->e[k] = (txt_ment){seq, leaf};
  c->n++;
  return 0;
}

/* Removes every entry with lo < seq < hi. */
static void erase_between(txt_map *m, uint32_t lo, uint32_t hi) {
  while (m->nc) {
    uint32_t ci = chunk_for(m, lo);
    txt_mchunk *c = m->c[ci];
    uint32_t k = count_le(c, lo);
    if (k == c->n) {
      if (ci + 1 == m->nc) return;
      c = m->c[++ci];
      k = 0;
    }
    if (c->e[k].seq >= hi) return;
    memmove(c->e + k, c->e + k + 1, (c->n - k - 1) * sizeof *c->e);
    if (--c->n == 0) {
      free(c);
      memmove(m->c + ci, m->c + ci + 1, (m->nc - ci - 1) * sizeof *m->c);
      m->nc--;
    }
  }
}

int txt_map_set(txt_map *m, uint32_t lo, uint32_t hi, txt_leaf *leaf) {
  if (m->nc) {
    uint32_t ci = chunk_for(m, lo);
    const txt_mchunk *c = m->c[ci];
    uint32_t k = count_le(c, lo);
    /* Already so: the entry covering lo names leaf and the next entry starts at or past hi. */
    if (k && c->e[k - 1].leaf == leaf) {
      uint32_t nextseq = k < c->n ? c->e[k].seq : ci + 1 < m->nc ? m->c[ci + 1]->e[0].seq : hi;
      if (nextseq >= hi) return 0;
    }
  }
  /* In this order every step leaves a usable map, even when an allocation fails. */
  txt_leaf *after = txt_map_get(m, hi);
  if ((after && put(m, hi, after)) || put(m, lo, leaf)) return -1;
  erase_between(m, lo, hi);
  return 0;
}

int txt_map_append(txt_map *m, uint32_t lo, txt_leaf *leaf) {
  if (m->nc == 0) return put(m, lo, leaf);
  txt_mchunk *c = m->c[m->nc - 1];
  txt_ment *e = &c->e[c->n - 1];
  if (e->leaf == leaf) return 0;
  if (e->seq == lo) {
    e->leaf = leaf;
    return 0;
  }
  return put(m, lo, leaf);
}

void txt_map_free(txt_map *m) {
  for (uint32_t i = 0; i < m->nc; i++) free(m->c[i]);
  free(m->c);
  memset(m, 0, sizeof *m);
}

size_t txt_map_mem(const txt_map *m) { return m->capc * sizeof *m->c + m->nc * sizeof(txt_mchunk); }
