/* test_vector.c — vector search: HNSW recall against exact ground truth, index maintenance
 * under insert/update/delete, persistence, replication, filters, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "adb_int.h"
#include "vector/hnsw.h"
#include "vector/vec_int.h"

#define DATA "../shared/data/vectors/"

/* ---- Helpers ----------------------------------------------------------------------------- */

/* A TEXMEX file as floats (elem 1: .bvecs bytes, 4: .fvecs floats) or ints (.ivecs). */
typedef struct vecs {
  int n, dim;
  float *f;
  int *i;
} vecs;

static vecs read_vecs(const char *path, int elem, int as_int) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  int32_t d;
  cr_assert_eq(fread(&d, 4, 1, f), 1);
  vecs v = {.dim = d, .n = (int)(size / (4 + (long)d * elem))};
  fseek(f, 0, SEEK_SET);
  if (as_int)
    v.i = malloc((size_t)v.n * d * sizeof *v.i);
  else
    v.f = malloc((size_t)v.n * d * sizeof *v.f);
  unsigned char *row = malloc(4 + (size_t)d * elem);
  for (int r = 0; r < v.n; r++) {
    cr_assert_eq(fread(row, 1, 4 + (size_t)d * elem, f), 4 + (size_t)d * elem);
    for (int j = 0; j < d; j++) {
      const unsigned char *p = row + 4 + (size_t)j * elem;
      if (elem == 1)
        v.f[(size_t)r * d + j] = p[0];
      else if (as_int)
        memcpy(&v.i[(size_t)r * d + j], p, 4);
      else
        memcpy(&v.f[(size_t)r * d + j], p, 4);
    }
  }
  free(row);
  fclose(f);
  return v;
}

static void vecs_free(vecs *v) {
  free(v->f);
  free(v->i);
}

/* Fraction of the true 10 nearest (gt row q, 0-based base ids) among ids found. */
static double recall10(const vecs *gt, int q, const int64_t *found, int n) {
  int hit = 0;
  for (int i = 0; i < n && i < 10; i++)
    for (int j = 0; j < 10; j++)
      if (found[i] == gt->i[(size_t)q * gt->dim + j]) {
        hit++;
        break;
      }
  return hit / 10.0;
}

/* Recall@10 of the in-memory index over a whole set, keys being base ids + 1. */
static double core_recall(const char *base, const char *query, const char *truth, int elem,
                          int ef) {
  vecs b = read_vecs(base, elem, 0), q = read_vecs(query, elem, 0), gt = read_vecs(truth, 4, 1);
  hnsw h;
  cr_assert_eq(hnsw_init(&h, b.dim, HNSW_L2, 16, 100), 0);
  for (int i = 0; i < b.n; i++)
    cr_assert_neq(hnsw_add(&h, i + 1, b.f + (size_t)i * b.dim), HNSW_NONE);
  double sum = 0;
  for (int i = 0; i < q.n; i++) {
    hnsw_hit hits[10];
    int n = hnsw_search(&h, q.f + (size_t)i * q.dim, 10, ef, NULL, NULL, hits);
    int64_t ids[10];
    for (int j = 0; j < n; j++) ids[j] = hits[j].key - 1;
    sum += recall10(&gt, i, ids, n);
  }
  hnsw_free(&h);
  int nq = q.n;
  vecs_free(&b), vecs_free(&q), vecs_free(&gt);
  return sum / nq;
}

static void node_with_vector(adb *db, const char *id, const char *label, const float *v, int dim) {
  OK(db, adb_node_create(db, id, label, "{}", NULL));
  OK(db, adb_vector_set(db, id, v, (size_t)dim));
}

static size_t search_ids(adb *db, const float *q, int dim, int k, int metric, const char *label,
                         int exact, char ids[][32]) {
  adb_vector_query vq = {
      .vector = q, .dim = (size_t)dim, .k = k, .metric = metric, .label = label, .exact = exact};
  adb_vector_hit *hits;
  size_t n;
  OK(db, adb_vector_search(db, &vq, &hits, &n));
  for (size_t i = 0; i < n; i++) {
    snprintf(ids[i], 32, "%s", hits[i].id);
    if (i) cr_assert_leq(hits[i - 1].distance, hits[i].distance, "nearest first");
  }
  adb_vector_hits_free(hits, n);
  return n;
}

/* ---- Recall ---------------------------------------------------------------------------- */

Test(vector, recall_bigann10k) {
  double r =
      core_recall(DATA "bigann10k/bigann10k_base.bvecs", DATA "bigann10k/bigann10k_query.bvecs",
                  DATA "bigann10k/bigann10k_groundtruth.ivecs", 1, 64);
  cr_assert_geq(r, 0.95, "recall@10 %.3f", r);
}

Test(vector, recall_fashion_mnist) {
  double r = core_recall(DATA "fashion-mnist-1k/fmnist1k_base.fvecs",
                         DATA "fashion-mnist-1k/fmnist1k_query.fvecs",
                         DATA "fashion-mnist-1k/fmnist1k_groundtruth.ivecs", 4, 64);
  cr_assert_geq(r, 0.95, "recall@10 %.3f", r);
}

/* Through the database: nodes with vectors, an L2 index, search by the public API. Exact search
 * must reproduce the ground truth; the graph must reach the recall floor. */
Test(vector, recall_through_database, .timeout = 120) {
  vecs b = read_vecs(DATA "fashion-mnist-1k/fmnist1k_base.fvecs", 4, 0);
  vecs q = read_vecs(DATA "fashion-mnist-1k/fmnist1k_query.fvecs", 4, 0);
  vecs gt = read_vecs(DATA "fashion-mnist-1k/fmnist1k_groundtruth.ivecs", 4, 1);
  adb *db = open_tmp(0, &(adb_options){.synchronous = ADB_SYNC_NORMAL});
  OK(db, adb_vector_index(db, &(adb_vector_params){.metric = ADB_METRIC_L2}));
  OK(db, adb_begin(db));
  for (int i = 0; i < b.n; i++) {
    char id[32];
    snprintf(id, sizeof id, "%d", i);
    node_with_vector(db, id, "Img", b.f + (size_t)i * b.dim, b.dim);
  }
  OK(db, adb_commit(db));
  double graph = 0, exact = 0;
  int nq = 100;
  for (int i = 0; i < nq; i++) {
    char ids[10][32];
    int64_t found[10];
    for (int e = 0; e < 2; e++) {
      size_t n = search_ids(db, q.f + (size_t)i * q.dim, q.dim, 10, ADB_METRIC_L2, NULL, e, ids);
      cr_assert_eq(n, 10);
      for (size_t j = 0; j < n; j++) found[j] = atoll(ids[j]);
      *(e ? &exact : &graph) += recall10(&gt, i, found, (int)n);
    }
  }
  cr_assert_eq(exact / nq, 1.0, "exact search recall %.3f", exact / nq);
  cr_assert_geq(graph / nq, 0.95, "graph search recall %.3f", graph / nq);
  adb_close(db);
  vecs_free(&b), vecs_free(&q), vecs_free(&gt);
}

/* ---- Maintenance ----------------------------------------------------------------------- */

/* Random inserts, updates, deletes, clears and re-creations of 200 nodes in 4 dimensions; after
 * each round the graph search (with a candidate list as large as the set) equals brute force
 * over a model kept here, and deleted nodes are never returned. */
Test(vector, interleaved_writes_match_brute_force, .timeout = 120) {
  enum { N = 200, D = 4, ROUNDS = 12 };
  float model[N][D];
  int has[N] = {0}, alive[N] = {0};
  adb *db = open_tmp(0, &(adb_options){.synchronous = ADB_SYNC_NORMAL});
  OK(db, adb_vector_index(db, &(adb_vector_params){.dim = D, .metric = ADB_METRIC_L2, .m = 4}));
  uint64_t x = 12345;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  for (int round = 0; round < ROUNDS; round++) {
    OK(db, adb_begin(db));
    for (int op = 0; op < 150; op++) {
      int i = (int)(RND() % N);
      char id[16];
      snprintf(id, sizeof id, "n%d", i);
      int what = (int)(RND() % 10);
      if (!alive[i]) {
        OK(db, adb_node_create(db, id, i % 3 ? "A" : "B", "{}", NULL));
        alive[i] = 1;
        has[i] = 0;
      } else if (what < 5) {
        for (int j = 0; j < D; j++) model[i][j] = (float)(RND() % 1000) / 100.0f;
        OK(db, adb_vector_set(db, id, model[i], D));
        has[i] = 1;
      } else if (what < 7) {
        OK(db, adb_node_delete(db, id));
        alive[i] = has[i] = 0;
      } else if (what < 8) {
        OK(db, adb_vector_clear(db, id));
        has[i] = 0;
      } else {
        OK(db, adb_node_update(db, id, NULL, "{\"touched\": true}"));
      }
    }
    OK(db, adb_commit(db));
    for (int t = 0; t < 10; t++) {
      float qv[D];
      for (int j = 0; j < D; j++) qv[j] = (float)(RND() % 1000) / 100.0f;
      /* the model's answer: distances of every live vector */
      float best[N];
      int nlive = 0;
      for (int i = 0; i < N; i++)
        if (alive[i] && has[i])
          best[nlive++] = sqrtf((qv[0] - model[i][0]) * (qv[0] - model[i][0]) +
                                (qv[1] - model[i][1]) * (qv[1] - model[i][1]) +
                                (qv[2] - model[i][2]) * (qv[2] - model[i][2]) +
                                (qv[3] - model[i][3]) * (qv[3] - model[i][3]));
      adb_vector_query vq = {
          .vector = qv, .dim = D, .k = 10, .metric = ADB_METRIC_L2, .ef_search = N};
      adb_vector_hit *hits;
      size_t n;
      OK(db, adb_vector_search(db, &vq, &hits, &n));
      cr_assert_eq(n, (size_t)(nlive < 10 ? nlive : 10));
      int below = 0;
      for (size_t h = 0; h < n; h++) {
        int i = atoi(hits[h].id + 1);
        cr_assert(alive[i] && has[i], "round %d: %s has no live vector but was returned", round,
                  hits[h].id);
        below = 0;
        for (int j = 0; j < nlive; j++) below += best[j] < (float)hits[h].distance - 1e-4f;
        cr_assert_leq(below, (int)h, "round %d: hit %zu is not among the nearest", round, h);
      }
      adb_vector_hits_free(hits, n);
    }
  }
#undef RND
  adb_close(db);
}

Test(vector, rollback_and_other_connections) {
  adb *db = open_tmp(0, NULL), *other = open_tmp(0, NULL);
  float a[2] = {1, 0}, b[2] = {0, 1};
  node_with_vector(db, "a", "P", a, 2);
  OK(db, adb_node_create(db, "b", "P", "{}", NULL));
  OK(db, adb_begin(db));
  OK(db, adb_vector_set(db, "b", b, 2));
  OK(db, adb_rollback(db));
  char ids[10][32];
  cr_assert_eq(search_ids(db, b, 2, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "a");
  /* Another connection to the same file sees writes made here, and here sees its writes. */
  cr_assert_eq(search_ids(other, b, 2, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  OK(db, adb_vector_set(db, "b", b, 2));
  cr_assert_eq(search_ids(other, b, 2, 10, ADB_METRIC_COSINE, NULL, 0, ids), 2);
  cr_assert_str_eq(ids[0], "b");
  OK(other, adb_node_delete(other, "b"));
  cr_assert_eq(search_ids(db, b, 2, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "a");
  adb_close(other);
  adb_close(db);
}

/* The vector is not a property: properties JSON leaves it out, and replacing every property
 * keeps it. */
Test(vector, separate_from_properties) {
  adb *db = open_tmp(0, NULL);
  float v[3] = {0.5f, -1, 2};
  OK(db, adb_node_create(db, "n", "L", "{\"a\": 1}", NULL));
  OK(db, adb_vector_set(db, "n", v, 3));
  adb_element e;
  OK(db, adb_node_get(db, "n", &e));
  cr_assert_str_eq(e.properties, "{\"a\":1}");
  adb_element_clear(&e);
  adb_stmt *st;
  OK(db, adb_prepare(db, "UPDATE nodes SET properties = '{\"b\":2}' WHERE id = 'n'", &st, NULL));
  cr_assert_eq(adb_step(st), ADB_DONE, "%s", adb_errmsg(db));
  adb_finalize(st);
  float *got;
  size_t dim;
  OK(db, adb_vector_get(db, "n", &got, &dim));
  cr_assert_eq(dim, 3);
  cr_assert(got[0] == 0.5f && got[1] == -1 && got[2] == 2);
  adb_free(got);
  OK(db, adb_vector_clear(db, "n"));
  cr_assert_eq(adb_vector_get(db, "n", &got, &dim), ADB_NOTFOUND);
  adb_close(db);
}

/* ---- Persistence and replication ------------------------------------------------------- */

Test(vector, persists_across_reopen) {
  adb *db = open_tmp(0, NULL);
  OK(db,
     adb_vector_index(db, &(adb_vector_params){.metric = ADB_METRIC_L2, .m = 8, .ef_search = 32}));
  OK(db, adb_begin(db));
  for (int i = 0; i < 300; i++) {
    char id[16];
    float v[8];
    for (int j = 0; j < 8; j++) v[j] = (float)((i * 7 + j * 13) % 31);
    snprintf(id, sizeof id, "v%d", i);
    node_with_vector(db, id, "V", v, 8);
  }
  OK(db, adb_commit(db));
  OK(db, adb_node_delete(db, "v5"));
  float q[8] = {3, 1, 4, 1, 5, 9, 2, 6};
  char before[10][32], after[10][32];
  size_t n1 = search_ids(db, q, 8, 10, ADB_METRIC_L2, NULL, 0, before);
  adb_close(db);
  db = open_tmp(0, NULL);
  adb_vector_params p;
  size_t count;
  OK(db, adb_vector_index_info(db, &p, &count));
  cr_assert_eq(count, 299);
  cr_assert_eq(p.dim, 8);
  cr_assert_eq(p.metric, ADB_METRIC_L2);
  cr_assert_eq(p.m, 8);
  cr_assert_eq(p.ef_search, 32);
  size_t n2 = search_ids(db, q, 8, 10, ADB_METRIC_L2, NULL, 0, after);
  cr_assert_eq(n1, n2);
  for (size_t i = 0; i < n1; i++) cr_assert_str_eq(before[i], after[i]);
  /* the graph read back is the graph written: one row per slot, none rebuilt */
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_vec"), 300);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_vec WHERE live"), 299);
  adb_close(db);
}

static int index_loaded(adb *db) {
  vec_state *vs = adb__slot_peek(db, ADB_SLOT_VECTOR);
  return vs && vs->loaded;
}

/* Writes that leave every vector as it is read one row of the index, not the whole of it. */
Test(vector, writes_that_keep_vectors_do_not_load_the_index) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_vector_index(db, &(adb_vector_params){.metric = ADB_METRIC_L2}));
  float v[4] = {1, 2, 3, 4}, w[4] = {4, 3, 2, 1};
  node_with_vector(db, "a", "V", v, 4);
  node_with_vector(db, "b", "V", w, 4);
  OK(db, adb_node_create(db, "plain", "P", "{}", NULL));
  adb_close(db);
  db = open_tmp(0, NULL);
  OK(db, adb_node_set(db, "a", "name", "\"alpha\""));
  OK(db, adb_node_set(db, "plain", "name", "\"p\""));
  OK(db, adb_node_create(db, "more", "P", "{}", NULL));
  OK(db, adb_node_delete(db, "plain"));
  OK(db, adb_node_update(db, "b", "W", "{\"x\": 1}"));
  cr_assert(!index_loaded(db), "a write that keeps every vector loaded the index");
  OK(db, adb_vector_set(db, "a", w, 4));
  cr_assert(index_loaded(db), "a changed vector must reach the index");
  adb_close(db);
  db = open_tmp(0, NULL);
  OK(db, adb_node_delete(db, "b"));
  cr_assert(index_loaded(db), "deleting a node with a vector must reach the index");
  char ids[10][32];
  cr_assert_eq(search_ids(db, v, 4, 10, ADB_METRIC_L2, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "a");
  adb_close(db);
}

Test(vector, vectors_arriving_by_sync_are_indexed) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, &(adb_options){.db_id = adb_db_id(a)});
  float x[3] = {1, 0, 0}, y[3] = {0, 1, 0}, z[3] = {0, 0, 1};
  node_with_vector(a, "x", "P", x, 3);
  node_with_vector(a, "y", "P", y, 3);
  OK(b, adb_node_create(b, "z", "P", "{}", NULL));
  OK(b, adb_vector_set(b, "z", z, 3));
  OK(a, adb_sync_local(a, b));
  char ids[10][32];
  cr_assert_eq(search_ids(b, y, 3, 10, ADB_METRIC_COSINE, NULL, 0, ids), 3);
  cr_assert_str_eq(ids[0], "y");
  cr_assert_eq(search_ids(a, z, 3, 1, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "z");
  /* a moved vector, a deleted node and a cleared vector all travel */
  OK(a, adb_vector_set(a, "x", z, 3));
  OK(a, adb_node_delete(a, "y"));
  OK(b, adb_vector_clear(b, "z"));
  send_changes(a, b);
  send_changes(b, a);
  for (int side = 0; side < 2; side++) {
    adb *db = side ? b : a;
    cr_assert_eq(search_ids(db, z, 3, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
    cr_assert_str_eq(ids[0], "x");
    float *got;
    size_t dim;
    OK(db, adb_vector_get(db, "x", &got, &dim));
    cr_assert(dim == 3 && got[2] == 1);
    adb_free(got);
  }
  adb_close(a);
  adb_close(b);
}

/* ---- Filters ----------------------------------------------------------------------------- */

Test(vector, filtered_search_returns_k) {
  adb *db = open_tmp(0, &(adb_options){.synchronous = ADB_SYNC_NORMAL});
  OK(db, adb_begin(db));
  for (int i = 0; i < 2000; i++) {
    char id[16], props[32];
    float v[2] = {cosf((float)i), sinf((float)i)};
    snprintf(id, sizeof id, "p%d", i);
    snprintf(props, sizeof props, "{\"i\": %d}", i);
    /* a few rare nodes, far away from the query in the graph's sense */
    OK(db, adb_node_create(db, id, i % 50 == 0 ? "Rare" : "Common", props, NULL));
    OK(db, adb_vector_set(db, id, v, 2));
  }
  OK(db, adb_commit(db));
  float q[2] = {1, 0};
  char ids[40][32];
  cr_assert_eq(search_ids(db, q, 2, 40, ADB_METRIC_COSINE, "Rare", 0, ids), 40);
  for (int i = 0; i < 40; i++) cr_assert(atoi(ids[i] + 1) % 50 == 0, "%s is not Rare", ids[i]);
  /* a larger filtered set goes through the graph and still returns k */
  cr_assert_eq(search_ids(db, q, 2, 15, ADB_METRIC_COSINE, "Common", 0, ids), 15);
  adb_vector_query vq = {
      .vector = q, .dim = 2, .k = 5, .where = "json_extract(properties, '$.i') < 100"};
  adb_vector_hit *hits;
  size_t n;
  OK(db, adb_vector_search(db, &vq, &hits, &n));
  cr_assert_eq(n, 5);
  for (size_t i = 0; i < n; i++) cr_assert_lt(atoi(hits[i].id + 1), 100);
  adb_vector_hits_free(hits, n);
  vq.where = "1) ; DELETE FROM nodes; SELECT (1";
  cr_assert_eq(adb_vector_search(db, &vq, &hits, &n), ADB_INVALID);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 2000);
  adb_close(db);
}

/* ---- Bad input ------------------------------------------------------------------------- */

Test(vector, bad_input_changes_nothing) {
  adb *db = open_tmp(0, NULL);
  float v[3] = {1, 2, 3};
  node_with_vector(db, "n", "L", v, 3);
  OK(db, adb_node_create(db, "m", "L", "{}", NULL));
  char *before = dump_state(db);
  float nan3[3] = {1, NAN, 3}, inf3[3] = {INFINITY, 0, 0}, four[4] = {1, 2, 3, 4};
  cr_assert_eq(adb_vector_set(db, "m", four, 4), ADB_INVALID);
  cr_assert(strstr(adb_errmsg(db), "3"), "%s", adb_errmsg(db));
  cr_assert_eq(adb_vector_set(db, "m", nan3, 3), ADB_INVALID);
  cr_assert_eq(adb_vector_set(db, "m", inf3, 3), ADB_INVALID);
  cr_assert_eq(adb_vector_set(db, "m", v, 0), ADB_INVALID);
  cr_assert_eq(adb_vector_set(db, "nobody", v, 3), ADB_NOTFOUND);
  const char *bad_json[] = {
      "[]",       "{\"a\": 1}", "[1, \"2\", 3]", "[1, 2, null]", "[1e39, 0, 0]",
      "not json", "3",          "[[1], 2, 3]"};
  for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++)
    cr_assert_eq(adb_vector_set_json(db, "n", bad_json[i]), ADB_INVALID, "%s accepted",
                 bad_json[i]);
  adb_vector_hit *hits;
  size_t n;
  adb_vector_query q = {.vector = v, .dim = 3, .k = 0};
  cr_assert_eq(adb_vector_search(db, &q, &hits, &n), ADB_INVALID);
  q.k = 10001;
  cr_assert_eq(adb_vector_search(db, &q, &hits, &n), ADB_INVALID);
  q.k = 1;
  q.dim = 2;
  cr_assert_eq(adb_vector_search(db, &q, &hits, &n), ADB_INVALID);
  q = (adb_vector_query){.vector = nan3, .dim = 3, .k = 1};
  cr_assert_eq(adb_vector_search(db, &q, &hits, &n), ADB_INVALID);
  q = (adb_vector_query){.vector = v, .dim = 3, .k = 1, .metric = 7};
  cr_assert_eq(adb_vector_search(db, &q, &hits, &n), ADB_INVALID);
  cr_assert_eq(adb_vector_index(db, &(adb_vector_params){.m = 1}), ADB_INVALID);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after);
  float *got;
  size_t dim;
  OK(db, adb_vector_get(db, "n", &got, &dim));
  cr_assert(dim == 3 && got[0] == 1 && got[1] == 2 && got[2] == 3);
  adb_free(got);
  cr_assert_eq(adb_vector_get(db, "m", &got, &dim), ADB_NOTFOUND);
  free(before);
  free(after);
  adb_close(db);
}

/* Exact search under each metric against distances computed here. */
Test(vector, metrics) {
  adb *db = open_tmp(0, NULL);
  float a[2] = {3, 4}, b[2] = {-5, 0};
  node_with_vector(db, "a", "P", a, 2);
  node_with_vector(db, "b", "P", b, 2);
  float q[2] = {1, 0};
  int metrics[3] = {ADB_METRIC_COSINE, ADB_METRIC_L2, ADB_METRIC_DOT};
  double want_a[3] = {1 - 0.6, sqrt(4 + 16), -3};
  for (int m = 0; m < 3; m++) {
    adb_vector_query vq = {.vector = q, .dim = 2, .k = 2, .metric = metrics[m]};
    adb_vector_hit *hits;
    size_t n;
    OK(db, adb_vector_search(db, &vq, &hits, &n));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(hits[0].id, "a", "metric %d", m);
    cr_assert_float_eq(hits[0].distance, want_a[m], 1e-5, "metric %d: %f", m, hits[0].distance);
    adb_vector_hits_free(hits, n);
  }
  adb_close(db);
}

/* ---- SQL ----------------------------------------------------------------------------------- */

/* node_vectors writes vectors like the API (and they replicate); vector_search joins with
 * nodes and takes the same filters; bad arguments fail the statement. */
Test(vector, sql_view_and_table_function) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_exec(
             db, "INSERT INTO nodes(id, label) VALUES ('a', 'P'), ('b', 'P'), ('c', 'Q');"
                 "INSERT INTO node_vectors(id, vector) VALUES ('a', '[1, 0]'), ('b', '[0.5, 0.5]'),"
                 "  ('c', '[0.9, 0.1]');"
                 "UPDATE node_vectors SET vector = '[0, 1]' WHERE id = 'b';"));
  float *v;
  size_t dim;
  OK(db, adb_vector_get(db, "b", &v, &dim));
  cr_assert(dim == 2 && v[0] == 0 && v[1] == 1);
  adb_free(v);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM node_vectors"), 3);
  adb_stmt *st;
  OK(db, adb_prepare(db,
                     "SELECT v.id, n.label FROM vector_search('[1, 0]', 2) v"
                     " JOIN nodes n ON n.id = v.id ORDER BY v.distance",
                     &st, NULL));
  cr_assert_eq(adb_step(st), ADB_ROW);
  cr_assert_str_eq(adb_column_text(st, 0), "a");
  cr_assert_eq(adb_step(st), ADB_ROW);
  cr_assert_str_eq(adb_column_text(st, 0), "c");
  cr_assert_eq(adb_step(st), ADB_DONE);
  adb_finalize(st);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM vector_search('[1, 0]', 5, 'cosine', 'P')"), 2);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM vector_search('[1, 0]', 5, 'l2', NULL,"
                           " 'id != ''a''')"),
               2);
  const char *bad[] = {"SELECT * FROM vector_search('[1, 0, 0]', 2)",
                       "SELECT * FROM vector_search('[1, 0]', 0)",
                       "SELECT * FROM vector_search('[1, 0]', 2, 'hamming')",
                       "SELECT * FROM vector_search('oops', 2)"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    OK(db, adb_prepare(db, bad[i], &st, NULL));
    cr_assert_eq(adb_step(st), ADB_INVALID, "%s", bad[i]);
    cr_assert(strstr(adb_errmsg(db), "vector_search"), "%s", adb_errmsg(db));
    adb_finalize(st);
  }
  /* a bad vector written through SQL fails the statement and changes nothing */
  cr_assert_neq(adb_exec(db, "UPDATE node_vectors SET vector = '[1, \"x\"]' WHERE id = 'a'"),
                ADB_OK);
  OK(db, adb_vector_get(db, "a", &v, &dim));
  cr_assert(dim == 2 && v[0] == 1 && v[1] == 0);
  adb_free(v);
  OK(db, adb_exec(db, "DELETE FROM node_vectors WHERE id = 'c'"));
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM vector_search('[1, 0]', 5)"), 2);
  adb *peer = open_tmp(1, NULL);
  OK(db, adb_sync_local(db, peer));
  cr_assert_eq(sql_int(peer, "SELECT count(*) FROM vector_search('[1, 0]', 5)"), 2);
  adb_close(peer);
  adb_close(db);
}

/* A vector of another dimension than the local index's, arriving by sync, is stored and passed
 * on but not indexed; rebuilding the index for that dimension indexes it. */
Test(vector, other_dimension_by_sync_is_kept_not_indexed) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, &(adb_options){.db_id = adb_db_id(a)});
  float two[2] = {1, 0}, three[3] = {0, 0, 1};
  node_with_vector(a, "x", "P", two, 2);
  node_with_vector(b, "y", "P", three, 3);
  send_changes(b, a);
  char ids[10][32];
  cr_assert_eq(search_ids(a, two, 2, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "x");
  float *got;
  size_t dim;
  OK(a, adb_vector_get(a, "y", &got, &dim));
  cr_assert_eq(dim, 3);
  adb_free(got);
  OK(a, adb_vector_index(a, &(adb_vector_params){.dim = 3}));
  cr_assert_eq(search_ids(a, three, 3, 10, ADB_METRIC_COSINE, NULL, 0, ids), 1);
  cr_assert_str_eq(ids[0], "y");
  adb_close(a);
  adb_close(b);
}

/* A graph built by hand, in one dimension, where only the walk on level 1 leads from the entry
 * point to the part of level 0 that holds the query's nearest vector: a search that skips any
 * upper level returns the wrong one even with ef 1. */
Test(vector, a_search_descends_through_every_upper_level) {
  hnsw h;
  cr_assert_eq(hnsw_init(&h, 1, HNSW_L2, 4, 16), 0);
  /* slot 0 (key 1, at 0): levels 0-2, the entry point; linked to slot 1 on level 1, slot 3 on 0.
   * slot 1 (key 2, at 10): levels 0-1; linked to slot 0 on level 1, slot 2 on level 0.
   * slot 2 (key 3, at 11): level 0 only, next to slot 1. slot 3 (key 4, at 1): next to slot 0. */
  const float at[4] = {0, 10, 11, 1};
  const uint32_t l0[] = {1, 3, 1, 1, 0}, l1[] = {1, 2, 1, 0}, l2[] = {1, 1}, l3[] = {1, 0};
  cr_assert_eq(hnsw_restore(&h, 0, 1, 0, 2, &at[0], l0, 5), 0);
  cr_assert_eq(hnsw_restore(&h, 1, 2, 0, 1, &at[1], l1, 4), 0);
  cr_assert_eq(hnsw_restore(&h, 2, 3, 0, 0, &at[2], l2, 2), 0);
  cr_assert_eq(hnsw_restore(&h, 3, 4, 0, 0, &at[3], l3, 2), 0);
  cr_assert_eq(hnsw_check(&h), 0);
  const float q = 11.5f;
  hnsw_hit hit;
  cr_assert_eq(hnsw_search(&h, &q, 1, 1, NULL, NULL, &hit), 1);
  cr_assert_eq(hit.key, 3, "the search ended at key %lld", (long long)hit.key);
  hnsw_free(&h);
}

/* Changing a row's id in the node_vectors view moves the vector: afterwards the old node has
 * none and the new one has it, in the view, in adb_vector_get and in searches. */
Test(vector, sql_view_update_of_the_id_moves_the_vector) {
  adb *db = open_tmp(0, NULL);
  OK(db, adb_exec(db, "INSERT INTO nodes(id, label) VALUES ('a', 'P'), ('b', 'P');"
                      "INSERT INTO node_vectors(id, vector) VALUES ('a', '[1, 0]');"
                      "UPDATE node_vectors SET id = 'b' WHERE id = 'a';"));
  float *v;
  size_t dim;
  cr_assert_eq(adb_vector_get(db, "a", &v, &dim), ADB_NOTFOUND);
  OK(db, adb_vector_get(db, "b", &v, &dim));
  cr_assert(dim == 2 && v[0] == 1 && v[1] == 0);
  adb_free(v);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM node_vectors"), 1);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM vector_search('[1, 0]', 5) WHERE id = 'b'"), 1);
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM vector_search('[1, 0]', 5)"), 1);
  adb_close(db);
}

/* vector_search's last argument, exact, answers by brute force (docs/vector.md): the true
 * nearest, whatever ef_search says, the same as adb_vector_search with exact set. An
 * ef_search of 1 makes the graph search stop at the first local minimum it meets. */
Test(vector, sql_exact_search_finds_the_true_nearest_whatever_ef_search) {
  enum { N = 2000, D = 24, Q = 60 };
  adb *db = open_tmp(0, &(adb_options){.synchronous = ADB_SYNC_NORMAL});
  OK(db, adb_vector_index(db, &(adb_vector_params){.dim = D, .metric = ADB_METRIC_L2, .m = 4,
                                                   .ef_construction = 8}));
  uint64_t x = 777;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  float v[D];
  OK(db, adb_begin(db));
  for (int i = 0; i < N; i++) {
    char id[16];
    snprintf(id, sizeof id, "n%d", i);
    for (int j = 0; j < D; j++) v[j] = (float)(RND() % 1000) / 100.0f;
    node_with_vector(db, id, "P", v, D);
  }
  OK(db, adb_commit(db));
  for (int t = 0; t < Q; t++) {
    char json[D * 16 + 2] = "[", want[1][32], sql[D * 16 + 128];
    for (int j = 0; j < D; j++) {
      v[j] = (float)(RND() % 1000) / 100.0f;
      snprintf(json + strlen(json), sizeof json - strlen(json), "%s%g", j ? "," : "", v[j]);
    }
    strcat(json, "]");
    cr_assert_eq(search_ids(db, v, D, 1, ADB_METRIC_L2, NULL, 1, want), 1);
    adb_stmt *st;
    snprintf(sql, sizeof sql, "SELECT id FROM vector_search('%s', 1, 'l2', NULL, NULL, 1, 1)",
             json);
    OK(db, adb_prepare(db, sql, &st, NULL));
    cr_assert_eq(adb_step(st), ADB_ROW, "%s", adb_errmsg(db));
    cr_assert_str_eq(adb_column_text(st, 0), want[0], "query %d", t);
    adb_finalize(st);
  }
#undef RND
  adb_close(db);
}
