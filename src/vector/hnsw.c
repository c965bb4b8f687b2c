/* hnsw.c — Hierarchical Navigable Small World graph (Malkov & Yashunin 2016): insert with the
 * neighbour-selection heuristic, layered greedy search, deletion by tombstone, exact search. */
#include "vector/hnsw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vector/hnsw_dist.h"

#define MAX_M 64

/* ---- Heaps of (distance, slot); a min-heap stores negated distances in the same max-heap ---- */

typedef struct cand {
  float d;
  uint32_t id;
} cand;

typedef struct heap {
  cand *a;
  int n, cap;
} heap;

static int heap_push(heap *h, float d, uint32_t id) {
  if (h->n == h->cap) {
    int cap = h->cap ? h->cap * 2 : 64;
    cand *a = realloc(h->a, (size_t)cap * sizeof *a);
    if (!a) return -1;
    h->a = a;
    h->cap = cap;
  }
  int i = h->n++;
  while (i > 0 && h->a[(i - 1) / 2].d < d) {
    h->a[i] = h->a[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->a[i] = (cand){d, id};
  return 0;
}

static cand heap_pop(heap *h) {
  cand top = h->a[0], last = h->a[--h->n];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && h->a[c + 1].d > h->a[c].d) c++;
    if (h->a[c].d <= last.d) break;
    h->a[i] = h->a[c];
    i = c;
  }
  if (h->n) h->a[i] = last;
  return top;
}

/* Empties a max-heap into out in ascending order of distance; returns the count. */
static int heap_drain_sorted(heap *h, cand *out) {
  int n = h->n;
  for (int i = n - 1; i >= 0; i--) out[i] = heap_pop(h);
  return n;
}

/* ---- Setup ---- */

int hnsw_init(hnsw *h, int dim, int metric, int m, int efc) {
  memset(h, 0, sizeof *h);
  if (dim <= 0 || metric < HNSW_COSINE || metric > HNSW_DOT || m < 2 || m > MAX_M || efc < 1)
    return -1;
  h->dim = dim;
  h->metric = metric;
  h->m = m;
  h->m0 = 2 * m;
  h->efc = efc;
  h->entry = HNSW_NONE;
  h->max_level = -1;
  return 0;
}

void hnsw_free(hnsw *h) {
  for (uint32_t i = 0; i < h->n; i++) free(h->links_up[i]);
  free(h->vecs);
  free(h->inv_norm);
  free(h->key);
  free(h->level);
  free(h->deleted);
  free(h->links0);
  free(h->links_up);
  free(h->map_key);
  free(h->map_slot);
  free(h->visit);
  free(h->dirty);
  free(h->dirty_list);
  memset(h, 0, sizeof *h);
}

/* Grows one array to cap elements; 0 or -1. */
static int grow(void **p, size_t cap, size_t size) {
  void *q = realloc(*p, cap * size);
  if (!q) return -1;
  *p = q;
  return 0;
}

int hnsw_reserve(hnsw *h, size_t cap) {
  if (cap <= h->cap) return 0;
  if (cap > UINT32_MAX - 1) return -1;
  if (grow((void **)&h->vecs, cap, (size_t)h->dim * sizeof(float)) ||
      grow((void **)&h->inv_norm, cap, sizeof(float)) ||
      grow((void **)&h->key, cap, sizeof(int64_t)) || grow((void **)&h->level, cap, 1) ||
      grow((void **)&h->deleted, cap, 1) ||
      grow((void **)&h->links0, cap, (size_t)(h->m0 + 1) * sizeof(uint32_t)) ||
      grow((void **)&h->links_up, cap, sizeof(uint32_t *)) ||
      grow((void **)&h->visit, cap, sizeof(uint32_t)) || grow((void **)&h->dirty, cap, 1) ||
      grow((void **)&h->dirty_list, cap, sizeof(uint32_t)))
    return -1;
  memset(h->visit + h->cap, 0, (cap - h->cap) * sizeof(uint32_t));
  memset(h->dirty + h->cap, 0, cap - h->cap);
  h->cap = (uint32_t)cap;
  return 0;
}

/* Makes room for one more slot, growing by half so that spare room stays a third at most. */
static int reserve(hnsw *h) {
  return h->n < h->cap ? 0 : hnsw_reserve(h, (size_t)h->cap + h->cap / 2 + 64);
}

/* ---- key -> live slot ---- */

static size_t map_hash(int64_t key, size_t cap) {
  uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull;
  return (size_t)(x >> 17) & (cap - 1);
}

static int map_put(hnsw *h, int64_t key, uint32_t slot) {
  if ((h->map_n + 1) * 2 > h->map_cap) {
    size_t cap = h->map_cap ? h->map_cap * 2 : 64;
    int64_t *k = calloc(cap, sizeof *k);
    uint32_t *s = malloc(cap * sizeof *s);
    if (!k || !s) {
      free(k);
      free(s);
      return -1;
    }
    for (size_t i = 0; i < h->map_cap; i++) {
      if (!h->map_key[i]) continue;
      size_t j = map_hash(h->map_key[i], cap);
      while (k[j]) j = (j + 1) & (cap - 1);
      k[j] = h->map_key[i];
      s[j] = h->map_slot[i];
    }
    free(h->map_key);
    free(h->map_slot);
    h->map_key = k;
    h->map_slot = s;
    h->map_cap = cap;
  }
  size_t j = map_hash(key, h->map_cap);
  while (h->map_key[j] && h->map_key[j] != key) j = (j + 1) & (h->map_cap - 1);
  if (!h->map_key[j]) h->map_n++;
  h->map_key[j] = key;
  h->map_slot[j] = slot;
  return 0;
}

uint32_t hnsw_find(const hnsw *h, int64_t key) {
  if (!h->map_cap) return HNSW_NONE;
  size_t j = map_hash(key, h->map_cap);
  while (h->map_key[j]) {
    if (h->map_key[j] == key) return h->map_slot[j];
    j = (j + 1) & (h->map_cap - 1);
  }
  return HNSW_NONE;
}

/* Removes key by backward-shift deletion, which keeps every probe chain unbroken. */
static void map_del(hnsw *h, int64_t key) {
  if (!h->map_cap) return;
  size_t mask = h->map_cap - 1, j = map_hash(key, h->map_cap);
  while (h->map_key[j] && h->map_key[j] != key) j = (j + 1) & mask;
  if (!h->map_key[j]) return;
  h->map_key[j] = 0;
  h->map_n--;
  for (size_t i = (j + 1) & mask; h->map_key[i]; i = (i + 1) & mask) {
    size_t home = map_hash(h->map_key[i], h->map_cap);
    /* Move i into the hole j when its home is not cyclically in (j, i]. */
    if (((i - home) & mask) >= ((i - j) & mask)) {
      h->map_key[j] = h->map_key[i];
      h->map_slot[j] = h->map_slot[i];
      h->map_key[i] = 0;
      j = i;
    }
  }
}

/* ---- Distances ---- */

static float dist_raw(int metric, int dim, const float *a, float inva, const float *b, float invb) {
  switch (metric) {
  case HNSW_L2:
    return hnsw_l2sq(a, b, dim);
  case HNSW_DOT:
    return -hnsw_dot(a, b, dim);
  default:
    return 1.0f - hnsw_dot(a, b, dim) * inva * invb;
  }
}

float hnsw_distance(int metric, int dim, const float *a, const float *b) {
  float d = dist_raw(metric, dim, a, hnsw_inv_norm(a, dim), b, hnsw_inv_norm(b, dim));
  return metric == HNSW_L2 ? sqrtf(d) : d;
}

static inline const float *vec(const hnsw *h, uint32_t s) { return h->vecs + (size_t)s * h->dim; }

static inline float dist_q(const hnsw *h, const float *q, float qinv, uint32_t s) {
  return dist_raw(h->metric, h->dim, q, qinv, vec(h, s), h->inv_norm[s]);
}

static inline float dist_ss(const hnsw *h, uint32_t a, uint32_t b) {
  return dist_raw(h->metric, h->dim, vec(h, a), h->inv_norm[a], vec(h, b), h->inv_norm[b]);
}

/* ---- Links ---- */

static inline uint32_t *links(const hnsw *h, uint32_t s, int level) {
  return level == 0 ? h->links0 + (size_t)s * (h->m0 + 1)
                    : h->links_up[s] + (size_t)(level - 1) * (h->m + 1);
}

static void mark_dirty(hnsw *h, uint32_t s) {
  if (h->dirty[s]) return;
  h->dirty[s] = 1;
  h->dirty_list[h->ndirty++] = s;
}

void hnsw_clear_dirty(hnsw *h) {
  for (uint32_t i = 0; i < h->ndirty; i++) h->dirty[h->dirty_list[i]] = 0;
  h->ndirty = 0;
}

/* ---- Search ---- */

static uint32_t visit_begin(hnsw *h) {
  if (++h->visit_gen == 0) {
    memset(h->visit, 0, (size_t)h->cap * sizeof *h->visit);
    h->visit_gen = 1;
  }
  return h->visit_gen;
}

/* Greedy walk on one level from *cur towards q. */
static void greedy(const hnsw *h, const float *q, float qinv, int level, uint32_t *cur,
                   float *curd) {
  for (int changed = 1; changed;) {
    changed = 0;
    const uint32_t *l = links(h, *cur, level);
    for (uint32_t i = 1; i <= l[0]; i++) {
      float d = dist_q(h, q, qinv, l[i]);
      if (d < *curd) {
        *curd = d;
        *cur = l[i];
        changed = 1;
      }
    }
  }
}

/* What counts as a result of a layer search: a live vector that passes the filter. */
typedef struct accept {
  hnsw_filter f;
  void *ctx;
} accept;

static inline int accepted(const hnsw *h, const accept *a, uint32_t s) {
  return !h->deleted[s] && (!a->f || a->f(a->ctx, h->key[s]));
}

/* Best-first search of one level from ep, keeping the ef nearest accepted vectors in res (a
 * max-heap); every vector, accepted or not, is a waypoint. 0, or -1 out of memory. */
static int search_layer(hnsw *h, const float *q, float qinv, uint32_t ep, int ef, int level,
                        const accept *acc, heap *res, heap *cands) {
  uint32_t gen = visit_begin(h);
  res->n = cands->n = 0;
  float d = dist_q(h, q, qinv, ep);
  h->visit[ep] = gen;
  if (heap_push(cands, -d, ep)) return -1;
  if (accepted(h, acc, ep) && heap_push(res, d, ep)) return -1;
  while (cands->n) {
    cand c = heap_pop(cands);
    if (res->n >= ef && -c.d > res->a[0].d) break;
    const uint32_t *l = links(h, c.id, level);
    for (uint32_t i = 1; i <= l[0]; i++) {
      uint32_t nb = l[i];
      if (h->visit[nb] == gen) continue;
      h->visit[nb] = gen;
      float dn = dist_q(h, q, qinv, nb);
      if (res->n < ef || dn < res->a[0].d) {
        if (heap_push(cands, -dn, nb)) return -1;
        if (accepted(h, acc, nb)) {
          if (heap_push(res, dn, nb)) return -1;
          if (res->n > ef) heap_pop(res);
        }
      }
    }
  }
  return 0;
}

/* The distance a caller sees: Euclidean rather than its square. */
static float reported(int metric, float d) { return metric == HNSW_L2 ? sqrtf(d) : d; }

int hnsw_search(hnsw *h, const float *q, int k, int ef, hnsw_filter f, void *ctx, hnsw_hit *out) {
  if (h->entry == HNSW_NONE || k <= 0) return 0;
  if (ef < k) ef = k;
  float qinv = hnsw_inv_norm(q, h->dim);
  uint32_t cur = h->entry;
  float curd = dist_q(h, q, qinv, cur);
  for (int l = h->max_level; l > 0; l--) greedy(h, q, qinv, l, &cur, &curd);
  heap res = {0}, cands = {0};
  accept acc = {f, ctx};
  int n = -1;
  cand *sorted = NULL;
  if (search_layer(h, q, qinv, cur, ef, 0, &acc, &res, &cands) == 0 &&
      (sorted = malloc((size_t)(res.n ? res.n : 1) * sizeof *sorted))) {
    int m = heap_drain_sorted(&res, sorted);
    n = m < k ? m : k;
    for (int i = 0; i < n; i++)
      out[i] = (hnsw_hit){h->key[sorted[i].id], reported(h->metric, sorted[i].d)};
  }
  free(sorted);
  free(res.a);
  free(cands.a);
  return n;
}

int hnsw_exact(const hnsw *h, const float *q, int k, int metric, hnsw_filter f, void *ctx,
               hnsw_hit *out) {
  if (k <= 0) return 0;
  float qinv = hnsw_inv_norm(q, h->dim);
  heap res = {0};
  accept acc = {f, ctx};
  for (uint32_t s = 0; s < h->n; s++) {
    if (!accepted(h, &acc, s)) continue;
    float d = dist_raw(metric, h->dim, q, qinv, vec(h, s), h->inv_norm[s]);
    if (res.n < k || d < res.a[0].d) {
      if (heap_push(&res, d, s)) {
        free(res.a);
        return -1;
      }
      if (res.n > k) heap_pop(&res);
    }
  }
  int n = res.n;
  for (int i = n - 1; i >= 0; i--) {
    cand c = heap_pop(&res);
    out[i] = (hnsw_hit){h->key[c.id], reported(metric, c.d)};
  }
  free(res.a);
  return n;
}

/* ---- Insert ---- */

/* The neighbour-selection heuristic: walking candidates nearest first, keep one only when it is
 * nearer to the base than to every one kept, so links spread in all directions. */
static int select_neighbors(const hnsw *h, const cand *c, int nc, int m, uint32_t *out) {
  int n = 0;
  for (int i = 0; i < nc && n < m; i++) {
    int good = 1;
    for (int j = 0; j < n && good; j++)
      if (dist_ss(h, c[i].id, out[j]) < c[i].d) good = 0;
    if (good) out[n++] = c[i].id;
  }
  return n;
}

static int cand_cmp(const void *a, const void *b) {
  float x = ((const cand *)a)->d, y = ((const cand *)b)->d;
  return x < y ? -1 : x > y;
}

/* Adds a link nb -> s on level, re-selecting nb's neighbours when its list is full. */
static void connect(hnsw *h, uint32_t nb, uint32_t s, int level) {
  uint32_t *l = links(h, nb, level);
  uint32_t max = level ? (uint32_t)h->m : (uint32_t)h->m0;
  mark_dirty(h, nb);
  if (l[0] < max) {
    l[++l[0]] = s;
    return;
  }
  cand c[2 * MAX_M + 1];
  int nc = 0;
  for (uint32_t i = 1; i <= l[0]; i++) c[nc++] = (cand){dist_ss(h, nb, l[i]), l[i]};
  c[nc++] = (cand){dist_ss(h, nb, s), s};
  qsort(c, (size_t)nc, sizeof *c, cand_cmp);
  uint32_t keep[2 * MAX_M + 1];
  int n = select_neighbors(h, c, nc, (int)max, keep);
  l[0] = (uint32_t)n;
  memcpy(l + 1, keep, (size_t)n * sizeof *keep);
}

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* The slot's level, drawn from the geometric distribution with ratio 1/m; a hash of the key and
 * slot rather than a random generator keeps builds reproducible. */
static int draw_level(const hnsw *h, int64_t key, uint32_t slot) {
  uint64_t r = splitmix64((uint64_t)key ^ ((uint64_t)slot << 32));
  double u = ((double)(r >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
  int l = (int)(-log(u) / log((double)h->m));
  return l > HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : l;
}

/* Links a new slot into every level it reaches. 0, or -1 out of memory. */
static int link_slot(hnsw *h, uint32_t s) {
  const float *q = vec(h, s);
  float qinv = h->inv_norm[s];
  int lvl = h->level[s];
  uint32_t cur = h->entry;
  float curd = dist_q(h, q, qinv, cur);
  for (int l = h->max_level; l > lvl; l--) greedy(h, q, qinv, l, &cur, &curd);
  heap res = {0}, cands = {0};
  cand *sorted = malloc((size_t)(h->efc + 1) * sizeof *sorted);
  accept acc = {0};
  int rc = sorted ? 0 : -1;
  for (int l = lvl < h->max_level ? lvl : h->max_level; l >= 0 && rc == 0; l--) {
    if ((rc = search_layer(h, q, qinv, cur, h->efc, l, &acc, &res, &cands))) break;
    int nc = heap_drain_sorted(&res, sorted);
    if (nc == 0) continue; /* every vector met is deleted: stay put */
    uint32_t keep[MAX_M];
    int n = select_neighbors(h, sorted, nc, h->m, keep);
    uint32_t *mine = links(h, s, l);
    mine[0] = (uint32_t)n;
    memcpy(mine + 1, keep, (size_t)n * sizeof *keep);
    for (int i = 0; i < n; i++) connect(h, keep[i], s, l);
    cur = sorted[0].id;
  }
  free(sorted);
  free(res.a);
  free(cands.a);
  return rc;
}

/* Fills a fresh slot's fields; 0 or -1 out of memory (nothing to undo then). */
static int slot_setup(hnsw *h, uint32_t s, int64_t key, int level, const float *v) {
  uint32_t *up = NULL;
  if (level > 0 && !(up = calloc((size_t)level * (h->m + 1), sizeof *up))) return -1;
  h->links_up[s] = up;
  memcpy(h->vecs + (size_t)s * h->dim, v, (size_t)h->dim * sizeof(float));
  h->inv_norm[s] = hnsw_inv_norm(v, h->dim);
  h->key[s] = key;
  h->level[s] = (uint8_t)level;
  h->deleted[s] = 0;
  h->links0[(size_t)s * (h->m0 + 1)] = 0;
  return 0;
}

uint32_t hnsw_add(hnsw *h, int64_t key, const float *v) {
  if (reserve(h)) return HNSW_NONE;
  uint32_t s = h->n;
  int level = draw_level(h, key, s);
  if (slot_setup(h, s, key, level, v)) return HNSW_NONE;
  uint32_t old = hnsw_find(h, key);
  if (map_put(h, key, s)) {
    free(h->links_up[s]);
    return HNSW_NONE;
  }
  h->n++;
  if (old != HNSW_NONE) {
    h->deleted[old] = 1;
    h->ndeleted++;
    mark_dirty(h, old);
  }
  mark_dirty(h, s);
  /* Out of memory half-way leaves the slot linked as far as it got: exact search and the
   * slots it did reach still find it. */
  if (h->entry != HNSW_NONE) link_slot(h, s);
  if (level > h->max_level) {
    h->max_level = level;
    h->entry = s;
  }
  return s;
}

uint32_t hnsw_remove(hnsw *h, int64_t key) {
  uint32_t s = hnsw_find(h, key);
  if (s == HNSW_NONE) return s;
  map_del(h, key);
  h->deleted[s] = 1;
  h->ndeleted++;
  mark_dirty(h, s);
  return s;
}

int hnsw_restore(hnsw *h, uint32_t slot, int64_t key, int deleted, int level, const float *v,
                 const uint32_t *l, size_t nlinks) {
  if (slot != h->n || level < 0 || level > HNSW_MAX_LEVEL || key <= 0) return -1;
  if (reserve(h) || slot_setup(h, slot, key, level, v)) return -1;
  size_t pos = 0;
  int ok = 1;
  for (int lv = 0; lv <= level && ok; lv++) {
    uint32_t max = lv ? (uint32_t)h->m : (uint32_t)h->m0;
    if (pos >= nlinks || l[pos] > max || l[pos] > nlinks - pos - 1) {
      ok = 0;
      break;
    }
    uint32_t *dst = links(h, slot, lv);
    memcpy(dst, l + pos, (l[pos] + 1) * sizeof *l);
    pos += l[pos] + 1;
  }
  if (!ok || pos != nlinks || (!deleted && map_put(h, key, slot))) {
    free(h->links_up[slot]);
    return -1;
  }
  h->n++;
  h->deleted[slot] = (uint8_t)(deleted != 0);
  h->ndeleted += deleted != 0;
  if (level > h->max_level) {
    h->max_level = level;
    h->entry = slot;
  }
  return 0;
}

int hnsw_check(const hnsw *h) {
  for (uint32_t s = 0; s < h->n; s++)
    for (int lv = 0; lv <= h->level[s]; lv++) {
      const uint32_t *l = links(h, s, lv);
      for (uint32_t i = 1; i <= l[0]; i++)
        if (l[i] >= h->n || h->level[l[i]] < lv) return -1;
    }
  return 0;
}

size_t hnsw_links_max(const hnsw *h, uint32_t s) {
  return (size_t)(h->m0 + 1) + (size_t)h->level[s] * (h->m + 1);
}

size_t hnsw_links_get(const hnsw *h, uint32_t s, uint32_t *out) {
  size_t pos = 0;
  for (int lv = 0; lv <= h->level[s]; lv++) {
    const uint32_t *l = links(h, s, lv);
    memcpy(out + pos, l, (l[0] + 1) * sizeof *l);
    pos += l[0] + 1;
  }
  return pos;
}

size_t hnsw_memory(const hnsw *h) {
  size_t per =
      (size_t)h->dim * 4 + 4 + 8 + 1 + 1 + (size_t)(h->m0 + 1) * 4 + sizeof(void *) + 4 + 1 + 4;
  size_t up = 0;
  for (uint32_t s = 0; s < h->n; s++) up += (size_t)h->level[s] * (h->m + 1) * 4;
  return (size_t)h->cap * per + up + h->map_cap * 12;
}
