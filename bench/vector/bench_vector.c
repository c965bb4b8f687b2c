/* bench_vector.c — the ArenaDB side of `make bench-vector`: HNSW build time, recall@10 and
 * single-thread queries per second at several efSearch values, and exact search, on the shared
 * ANN sets and a generated one. `prepare DIR N` writes the generated set (N x 128: points
 * around 256 random centres, 200 queries drawn the same way, exact L2 ground truth) as
 * .fvecs/.ivecs so usearch reads the same data. `run DATA DIR M EFC` prints one table row per (set,
 * engine, efSearch): the index alone
 * ("arenadb-hnsw", bytes = its memory per vector), the whole database on the two shared sets
 * ("arenadb-db": one transaction of node creations with vectors, then adb_vector_search; bytes =
 * the file per vector), and exact search ("brute-force"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arenadb.h"
#include "vector/hnsw.h"

typedef struct set {
  const char *name;
  int n, nq, dim, gtk;
  float *base, *query;
  int *gt;
} set;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "bench_vector: %s: %s\n", what, detail);
  exit(1);
}

/* Reads a TEXMEX file (fvecs: elem 4 float, bvecs: elem 1 uint8, ivecs: elem 4 int) into
 * floats or ints; returns the vector count and sets *dim. */
static int read_vecs(const char *path, int elem, int as_int, void **out, int *dim) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open", path);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  int32_t d;
  if (fread(&d, 4, 1, f) != 1 || d <= 0) die("bad header", path);
  long rec = 4 + (long)d * elem;
  int n = (int)(size / rec);
  fseek(f, 0, SEEK_SET);
  float *fv = as_int ? NULL : malloc((size_t)n * d * sizeof *fv);
  int *iv = as_int ? malloc((size_t)n * d * sizeof *iv) : NULL;
  unsigned char *row = malloc((size_t)rec);
  for (int i = 0; i < n; i++) {
    if (fread(row, 1, (size_t)rec, f) != (size_t)rec) die("short read", path);
    for (int j = 0; j < d; j++) {
      const unsigned char *p = row + 4 + (size_t)j * elem;
      if (elem == 1)
        fv[(size_t)i * d + j] = p[0];
      else if (as_int)
        memcpy(&iv[(size_t)i * d + j], p, 4);
      else
        memcpy(&fv[(size_t)i * d + j], p, 4);
    }
  }
  free(row);
  fclose(f);
  *out = as_int ? (void *)iv : (void *)fv;
  *dim = d;
  return n;
}

static void load(set *s, const char *base, const char *query, const char *gt, int elem) {
  int d2;
  s->n = read_vecs(base, elem, 0, (void **)&s->base, &s->dim);
  s->nq = read_vecs(query, elem, 0, (void **)&s->query, &d2);
  int ngt = read_vecs(gt, 4, 1, (void **)&s->gt, &s->gtk);
  if (d2 != s->dim || ngt != s->nq) die("mismatched files", base);
}

static void write_vecs(const char *path, const void *data, int n, int d) {
  FILE *f = fopen(path, "wb");
  if (!f) die("cannot write", path);
  for (int i = 0; i < n; i++) {
    int32_t dd = d;
    fwrite(&dd, 4, 1, f);
    fwrite((const char *)data + (size_t)i * d * 4, 4, (size_t)d, f);
  }
  fclose(f);
}

static int prepare(const char *dir, int n) {
  const int nq = 200, d = 128, k = 100;
  float *base = malloc((size_t)n * d * sizeof *base), *q = malloc((size_t)nq * d * sizeof *q);
  enum { NC = 256 };
  static float centre[NC][128];
  uint64_t x = 88172645463325252ull;
#define UNIT()                                                                                     \
  (x ^= x << 13, x ^= x >> 7, x ^= x << 17, (float)((x >> 11) * (1.0 / 9007199254740992.0)))
  for (int c = 0; c < NC; c++)
    for (int j = 0; j < d; j++) centre[c][j] = UNIT();
  for (int i = 0; i < n + nq; i++) {
    float *v = i < n ? base + (size_t)i * d : q + (size_t)(i - n) * d;
    int c = (int)(UNIT() * NC) % NC;
    for (int j = 0; j < d; j++) v[j] = centre[c][j] + 0.6f * (UNIT() - 0.5f);
  }
#undef UNIT
  hnsw h;
  hnsw_init(&h, d, HNSW_L2, 16, 100);
  int *gt = malloc((size_t)nq * k * sizeof *gt);
  hnsw_hit *hits = malloc(k * sizeof *hits);
  for (int i = 0; i < n; i++)
    if (hnsw_restore(&h, (uint32_t)i, i + 1, 0, 0, base + (size_t)i * d, (uint32_t[]){0}, 1))
      die("out of memory", "prepare");
  for (int j = 0; j < nq; j++) {
    hnsw_exact(&h, q + (size_t)j * d, k, HNSW_L2, NULL, NULL, hits);
    for (int i = 0; i < k; i++) gt[j * k + i] = (int)hits[i].key - 1;
  }
  char p[1024];
  snprintf(p, sizeof p, "%s/gen_base.fvecs", dir);
  write_vecs(p, base, n, d);
  snprintf(p, sizeof p, "%s/gen_query.fvecs", dir);
  write_vecs(p, q, nq, d);
  snprintf(p, sizeof p, "%s/gen_groundtruth.ivecs", dir);
  write_vecs(p, gt, nq, k);
  hnsw_free(&h);
  free(base), free(q), free(gt), free(hits);
  return 0;
}

static double recall_at(const set *s, int qi, const hnsw_hit *hits, int n, int k) {
  int found = 0;
  for (int i = 0; i < n && i < k; i++)
    for (int j = 0; j < k; j++)
      if (hits[i].key - 1 == s->gt[(size_t)qi * s->gtk + j]) {
        found++;
        break;
      }
  return (double)found / k;
}

static void row(const char *name, const char *engine, const char *ef, double recall, double qps,
                double build, double bytes) {
  printf("| %-16s | %-12s | %5s | %6.4f | %9.0f | %8.2f | %7.0f |\n", name, engine, ef, recall, qps,
         build, bytes);
}

static void run_set(set *s, int m, int efc) {
  const int k = 10;
  hnsw h;
  if (hnsw_init(&h, s->dim, HNSW_L2, m, efc)) die("bad parameters", s->name);
  double t0 = now_s();
  if (hnsw_reserve(&h, (size_t)s->n)) die("out of memory", s->name);
  for (int i = 0; i < s->n; i++)
    if (hnsw_add(&h, i + 1, s->base + (size_t)i * s->dim) == HNSW_NONE)
      die("out of memory", s->name);
  double build = now_s() - t0;
  double bytes = (double)hnsw_memory(&h) / s->n;
  hnsw_hit hits[10];
  static const int efs[] = {10, 20, 40, 80, 160};
  for (size_t e = 0; e < sizeof efs / sizeof *efs; e++) {
    /* Repeat the query set until a quarter second passed, so fast sets are timed reliably. */
    double rsum = 0, elapsed = 0;
    long nqueries = 0;
    t0 = now_s();
    do {
      for (int q = 0; q < s->nq; q++) {
        int n = hnsw_search(&h, s->query + (size_t)q * s->dim, k, efs[e], NULL, NULL, hits);
        if (nqueries < s->nq) rsum += recall_at(s, q, hits, n, k);
        nqueries++;
      }
      elapsed = now_s() - t0;
    } while (elapsed < 0.25);
    char ef[16];
    snprintf(ef, sizeof ef, "%d", efs[e]);
    row(s->name, "arenadb-hnsw", ef, rsum / s->nq, nqueries / elapsed, e ? 0 : build, bytes);
  }
  double rsum = 0;
  t0 = now_s();
  for (int q = 0; q < s->nq; q++) {
    int n = hnsw_exact(&h, s->query + (size_t)q * s->dim, k, HNSW_L2, NULL, NULL, hits);
    rsum += recall_at(s, q, hits, n, k);
  }
  row(s->name, "brute-force", "-", rsum / s->nq, s->nq / (now_s() - t0), 0, (double)s->dim * 4);
  hnsw_free(&h);
  fflush(stdout);
}

/* Through the database: nodes created with their vectors in one transaction (the index kept in
 * step on every write and stored), then adb_vector_search; bytes are the file's per vector. */
static void run_db(set *s, const char *dir, int m, int efc) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.adb", dir, s->name);
  const char *suffix[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char p[1100];
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    remove(p);
  }
  adb *db;
  adb_options opt = {.synchronous = ADB_SYNC_NORMAL};
  if (adb_open(path, &opt, &db)) die("cannot open", path);
  adb_vector_params p = {.dim = s->dim, .metric = ADB_METRIC_L2, .m = m, .ef_construction = efc};
  double t0 = now_s();
  if (adb_vector_index(db, &p) || adb_begin(db)) die("index", adb_errmsg(db));
  for (int i = 0; i < s->n; i++) {
    char id[32];
    snprintf(id, sizeof id, "%d", i);
    if (adb_node_create(db, id, "V", NULL, NULL) ||
        adb_vector_set(db, id, s->base + (size_t)i * s->dim, (size_t)s->dim))
      die("insert", adb_errmsg(db));
  }
  if (adb_commit(db)) die("commit", adb_errmsg(db));
  double build = now_s() - t0;
  adb_close(db);
  if (adb_open(path, &opt, &db)) die("cannot reopen", path);
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  double bytes = (double)ftell(f) / s->n;
  fclose(f);
  static const int efs[] = {10, 40, 160};
  for (size_t e = 0; e < sizeof efs / sizeof *efs; e++) {
    double rsum = 0, elapsed;
    long nq = 0;
    t0 = now_s();
    do {
      for (int q = 0; q < s->nq; q++) {
        adb_vector_query vq = {.vector = s->query + (size_t)q * s->dim,
                               .dim = (size_t)s->dim,
                               .k = 10,
                               .metric = ADB_METRIC_L2,
                               .ef_search = efs[e]};
        adb_vector_hit *hits;
        size_t n;
        if (adb_vector_search(db, &vq, &hits, &n)) die("search", adb_errmsg(db));
        if (nq < s->nq) {
          hnsw_hit h[10];
          for (size_t i = 0; i < n; i++) h[i].key = atoll(hits[i].id) + 1;
          rsum += recall_at(s, q, h, (int)n, 10);
        }
        adb_vector_hits_free(hits, n);
        nq++;
      }
      elapsed = now_s() - t0;
    } while (elapsed < 0.25);
    char ef[16];
    snprintf(ef, sizeof ef, "%d", efs[e]);
    row(s->name, "arenadb-db", ef, rsum / s->nq, nq / elapsed, e ? 0 : build, bytes);
  }
  adb_close(db);
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "prepare")) return prepare(argv[2], atoi(argv[3]));
  if (argc != 6 || strcmp(argv[1], "run")) {
    fprintf(stderr, "usage: bench_vector prepare DIR N | run DATA DIR M EFC\n");
    return 2;
  }
  const char *data = argv[2], *dir = argv[3];
  int m = atoi(argv[4]), efc = atoi(argv[5]);
  char b[1024], q[1024], g[1024];
  struct {
    const char *name, *fmt, *b, *q, *g;
    int elem;
  } sets[] = {
      {"bigann10k", "%s/bigann10k/%s", "bigann10k_base.bvecs", "bigann10k_query.bvecs",
       "bigann10k_groundtruth.ivecs", 1},
      {"fashion-mnist-1k", "%s/fashion-mnist-1k/%s", "fmnist1k_base.fvecs", "fmnist1k_query.fvecs",
       "fmnist1k_groundtruth.ivecs", 4},
      {"generated", "%s/%s", "gen_base.fvecs", "gen_query.fvecs", "gen_groundtruth.ivecs", 4},
  };
  for (size_t i = 0; i < 3; i++) {
    const char *root = i == 2 ? dir : data;
    snprintf(b, sizeof b, sets[i].fmt, root, sets[i].b);
    snprintf(q, sizeof q, sets[i].fmt, root, sets[i].q);
    snprintf(g, sizeof g, sets[i].fmt, root, sets[i].g);
    set s = {.name = sets[i].name};
    load(&s, b, q, g, sets[i].elem);
    char name[64];
    if (i == 2) snprintf(name, sizeof name, "gen-%dx128", s.n), s.name = name;
    run_set(&s, m, efc);
    if (i < 2) run_db(&s, dir, m, efc);
    free(s.base), free(s.query), free(s.gt);
  }
  return 0;
}
