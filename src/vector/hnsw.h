/* hnsw.h — an in-memory HNSW graph over float32 vectors, with exact search as its reference. */
#ifndef ADB_HNSW_H
#define ADB_HNSW_H

#include <stddef.h>
#include <stdint.h>

#define HNSW_COSINE 0
#define HNSW_L2 1
#define HNSW_DOT 2

#define HNSW_DEFAULT_M 16
#define HNSW_DEFAULT_EFC 200
#define HNSW_DEFAULT_EFS 64
#define HNSW_MAX_LEVEL 15
#define HNSW_NONE UINT32_MAX

/* One vector's place in the graph. Slots are never reused: a deleted vector stays as a
 * waypoint, so that searches keep passing through it, and is never returned. */
typedef struct hnsw {
  int dim, metric, m, m0, efc; /* m links per upper level, m0 = 2m on level 0 */
  uint32_t n, cap, ndeleted;
  float *vecs;     /* cap * dim */
  float *inv_norm; /* 1 / |v|, for cosine on the raw vector */
  int64_t *key;    /* the caller's key of each slot (a node row id) */
  uint8_t *level, *deleted;
  uint32_t *links0;    /* per slot: count, then m0 neighbours */
  uint32_t **links_up; /* per slot: level * (1 + m), levels 1..level; NULL at level 0 */
  uint32_t entry;      /* HNSW_NONE while empty */
  int max_level;
  /* key -> slot of its live vector (open addressing, 0 marks an empty bucket: keys are > 0) */
  int64_t *map_key;
  uint32_t *map_slot;
  size_t map_cap, map_n;
  /* scratch */
  uint32_t *visit;
  uint32_t visit_gen;
  uint8_t *dirty; /* slots whose links changed since hnsw_clear_dirty */
  uint32_t *dirty_list;
  uint32_t ndirty;
} hnsw;

/* A search result: the caller's key and its distance (smaller is nearer). */
typedef struct hnsw_hit {
  int64_t key;
  float dist;
} hnsw_hit;

/* Says whether the caller wants key among the results (filters); NULL accepts every key. */
typedef int (*hnsw_filter)(void *ctx, int64_t key);

/* Sets up an empty index. Returns 0, or -1 on a bad parameter. */
int hnsw_init(hnsw *h, int dim, int metric, int m, int efc);
void hnsw_free(hnsw *h);

/* The distance the index's metric gives between a and b (raw vectors). */
float hnsw_distance(int metric, int dim, const float *a, const float *b);

/* Makes room for cap slots in all; 0, or -1 out of memory (the index is unchanged). */
int hnsw_reserve(hnsw *h, size_t cap);

/* Adds v under key (a live key is first deleted). Returns the new slot, or HNSW_NONE when out
 * of memory (the index is unchanged). */
uint32_t hnsw_add(hnsw *h, int64_t key, const float *v);

/* Restores a slot read back from storage, links included, without searching. Slots must come
 * in order. Returns 0 or -1 (out of memory, or links that name no slot). */
int hnsw_restore(hnsw *h, uint32_t slot, int64_t key, int deleted, int level, const float *v,
                 const uint32_t *links, size_t nlinks);

/* After restoring every slot: 0 when all links name slots that reach their level, else -1. */
int hnsw_check(const hnsw *h);

/* Marks the live vector of key deleted; returns its slot or HNSW_NONE when it has none. */
uint32_t hnsw_remove(hnsw *h, int64_t key);

/* The slot of key's live vector, or HNSW_NONE. */
uint32_t hnsw_find(const hnsw *h, int64_t key);

/* Approximate k nearest live vectors to q that pass the filter, nearest first, with a
 * candidate list of ef. Returns how many it wrote to out (at most k), or -1 out of memory. */
int hnsw_search(hnsw *h, const float *q, int k, int ef, hnsw_filter f, void *ctx, hnsw_hit *out);

/* Exact k nearest live vectors under any metric (the reference). Same return as hnsw_search. */
int hnsw_exact(const hnsw *h, const float *q, int k, int metric, hnsw_filter f, void *ctx,
               hnsw_hit *out);

/* A slot's links, serialized for storage: the level-0 list then each upper level, each as a
 * count followed by that many slots. Returns the number of uint32 written to out, which must
 * hold hnsw_links_max(h, slot). */
size_t hnsw_links_max(const hnsw *h, uint32_t slot);
size_t hnsw_links_get(const hnsw *h, uint32_t slot, uint32_t *out);

void hnsw_clear_dirty(hnsw *h);

/* Bytes of memory the index holds (for benchmarks). */
size_t hnsw_memory(const hnsw *h);

#endif
