/* bench_graph.c — k-hop and pattern counts: ArenaDB against SQLite recursive SQL and Kuzu.
 *
 * Three graphs: the LDBC SNB SF0.1 person `knows` edges, SNAP wiki-Vote, and a generated
 * power-law graph of 1,000,000 edges (preferential attachment, fixed seed, made here).
 * `bench_graph prepare DATA OUT` writes each as plain CSV (OUT/NAME-nodes.csv, OUT/NAME-edges.csv)
 * and its 100 start nodes (OUT/NAME-starts.txt) for the Kuzu script; `bench_graph run DATA OUT`
 * loads each into ArenaDB and into a plain SQLite table, counts the distinct nodes within 1, 2
 * and 3 hops of every start on each side (the start included) and the matches of
 * (a)-[:E]->(b)-[:E]->(c), reads Kuzu's counts and times from OUT/kuzu-NAME.json when the Kuzu
 * script made it, checks that all counts agree, and prints medians and ratios. The same two
 * questions are then asked in Cypher through adb_cypher_run: the pattern count as
 * MATCH (a)-[:E]->(b)-[:E]->(c) RETURN count(*), and from every start the distinct nodes at the
 * end of a 1..3-hop trail, printed beside the C API's and Kuzu's times. `run DATA OUT NAME` runs
 * only the graph called NAME. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arenadb.h"
#include "graph/graph.h"

#define STARTS 100
#define REPS 5
#define REPS_BUDGET_MS 20000.0 /* fewer repetitions when one takes long; at least one */
#define MAX_K 3
#define GEN_EDGES 1000000
#define GEN_OUT 5 /* edges each new node of the generated graph attaches with */

typedef struct dataset {
  const char *name;
  const char *nodes;     /* path under DATA; NULL for the generated graph */
  const char *edges[2];  /* paths under DATA (the second may be NULL) */
  char sep;
  int header;
  int direction;
} dataset;

static const dataset datasets[] = {
    {"ldbc-knows", "ldbc-snb-sf0.1-person-subset/Person.csv",
     {"ldbc-snb-sf0.1-person-subset/Person_knows_Person.csv",
      "ldbc-snb-sf0.1-person-subset/Person_knows_Person_1.csv"},
     '|', 1, ADB_BOTH},
    {"wiki-Vote", "snap-via-kuzu/wiki-Vote/nodes.csv", {"snap-via-kuzu/wiki-Vote/edges.csv", NULL},
     ',', 0, ADB_OUT},
    {"powerlaw-1M", NULL, {NULL, NULL}, ',', 0, ADB_OUT},
};

typedef struct graph {
  long long *nodes, *src, *dst;
  size_t nnodes, nedges;
} graph;

static void die(const char *what) {
  fprintf(stderr, "bench_graph: %s\n", what);
  exit(1);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void push(long long **a, size_t n, long long v) {
  if ((n & (n - 1)) == 0) {
    *a = realloc(*a, (n ? n * 2 : 1) * sizeof **a);
    if (!*a) die("out of memory");
  }
  (*a)[n] = v;
}

/* Reads the first integer of every line as a node, or the first two as an edge. */
static void read_csv(const char *path, char sep, int header, graph *g, int edges) {
  FILE *f = fopen(path, "r");
  if (!f) die(path);
  char line[4096];
  for (int skip = header; fgets(line, sizeof line, f); skip = 0) {
    if (skip || !line[0] || line[0] == '\n') continue;
    char *end;
    long long a = strtoll(line, &end, 10);
    if (!edges) {
      push(&g->nodes, g->nnodes++, a);
      continue;
    }
    if (*end != sep) die("malformed edge line");
    long long b = strtoll(end + 1, NULL, 10);
    push(&g->src, g->nedges, a);
    push(&g->dst, g->nedges++, b);
  }
  fclose(f);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

/* Preferential attachment: node i (from GEN_OUT + 1 on) joins GEN_OUT different earlier nodes,
 * each picked with probability proportional to its degree (a uniform pick among the endpoints
 * of the edges so far), each edge pointing either way at random, until GEN_EDGES edges. In- and
 * out-degrees follow a power law; there are no self-loops and no parallel edges. */
static graph generate(void) {
  graph g = {0};
  uint64_t seed = 20261130;
  long long *ends = malloc(2 * (size_t)GEN_EDGES * sizeof *ends);
  if (!ends) die("out of memory");
  size_t nends = 0;
  for (long long i = 1; g.nedges < GEN_EDGES; i++) {
    push(&g.nodes, g.nnodes++, i);
    long long picked[GEN_OUT];
    int np = 0;
    for (int tries = 0; np < GEN_OUT && np < i - 1 && tries < 100; tries++) {
      long long t = nends ? ends[rnd(&seed) % nends] : 1 + (long long)(rnd(&seed) % (uint64_t)(i - 1));
      int dup = t == i;
      for (int k = 0; k < np; k++) dup |= picked[k] == t;
      if (!dup) picked[np++] = t;
    }
    for (int k = 0; k < np && g.nedges < GEN_EDGES; k++) {
      int fwd = rnd(&seed) & 1;
      push(&g.src, g.nedges, fwd ? i : picked[k]);
      push(&g.dst, g.nedges++, fwd ? picked[k] : i);
      ends[nends++] = i;
      ends[nends++] = picked[k];
    }
  }
  free(ends);
  return g;
}

static graph load(const char *data, const dataset *d) {
  if (!d->nodes) return generate();
  graph g = {0};
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", data, d->nodes);
  read_csv(path, d->sep, d->header, &g, 0);
  for (int i = 0; i < 2 && d->edges[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", data, d->edges[i]);
    read_csv(path, d->sep, d->header, &g, 1);
  }
  return g;
}

/* The fixed start nodes: evenly spaced through the node file. */
static long long start_node(const graph *g, int i) {
  return g->nodes[(size_t)i * g->nnodes / STARTS];
}

static void prepare(const char *data, const char *out, const dataset *d) {
  graph g = load(data, d);
  char path[1024];
  const char *what[3] = {"nodes.csv", "edges.csv", "starts.txt"};
  for (int w = 0; w < 3; w++) {
    snprintf(path, sizeof path, "%s/%s-%s", out, d->name, what[w]);
    FILE *f = fopen(path, "w");
    if (!f) die(path);
    if (w == 0) for (size_t i = 0; i < g.nnodes; i++) fprintf(f, "%lld\n", g.nodes[i]);
    if (w == 1) for (size_t i = 0; i < g.nedges; i++) fprintf(f, "%lld,%lld\n", g.src[i], g.dst[i]);
    if (w == 2) for (int i = 0; i < STARTS; i++) fprintf(f, "%lld\n", start_node(&g, i));
    fclose(f);
  }
  printf("%s: %zu nodes, %zu edges written to %s\n", d->name, g.nnodes, g.nedges, out);
}

/* ---- ArenaDB ----------------------------------------------------------------------------- */

static adb *load_arenadb(const char *out, const dataset *d, const graph *g) {
  char path[1024], id[32], a[32], b[32];
  snprintf(path, sizeof path, "%s/%s.adb", out, d->name);
  unlink(path);
  adb_options opt = {.synchronous = ADB_SYNC_NORMAL};
  adb *db;
  if (adb_open(path, &opt, &db) || adb_begin(db)) die(adb_errmsg(db));
  for (size_t i = 0; i < g->nnodes; i++) {
    snprintf(id, sizeof id, "%lld", g->nodes[i]);
    if (adb_node_create(db, id, "N", NULL, NULL)) die(adb_errmsg(db));
  }
  for (size_t i = 0; i < g->nedges; i++) {
    snprintf(a, sizeof a, "%lld", g->src[i]);
    snprintf(b, sizeof b, "%lld", g->dst[i]);
    snprintf(id, sizeof id, "e%zu", i);
    if (adb_edge_create(db, id, a, "E", b, NULL, NULL)) die(adb_errmsg(db));
  }
  if (adb_commit(db) || adb_exec(db, "ANALYZE")) die(adb_errmsg(db));
  return db;
}

static long long ours(adb *db, const char *id, int k, int dir) {
  adb_traversal *t;
  if (adb_khop(db, id, k, dir, NULL, &t)) die(adb_errmsg(db));
  long long n = (long long)adb_traversal_count(t);
  adb_traversal_free(t);
  return n;
}

/* ---- SQLite ------------------------------------------------------------------------------ */

static sqlite3 *load_sqlite(const char *out, const dataset *d, const graph *g) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.sqlite", out, d->name);
  unlink(path);
  sqlite3 *db;
  sqlite3_stmt *st;
  if (sqlite3_open(path, &db) ||
      sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN; CREATE TABLE e(src INTEGER, dst INTEGER)",
                   NULL, NULL, NULL) ||
      sqlite3_prepare_v2(db, "INSERT INTO e VALUES(?1, ?2)", -1, &st, NULL))
    die(sqlite3_errmsg(db));
  for (size_t i = 0; i < g->nedges; i++) {
    sqlite3_bind_int64(st, 1, g->src[i]);
    sqlite3_bind_int64(st, 2, g->dst[i]);
    if (sqlite3_step(st) != SQLITE_DONE) die(sqlite3_errmsg(db));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (sqlite3_exec(db, "CREATE INDEX e_src ON e(src, dst); CREATE INDEX e_dst ON e(dst, src);"
                       " COMMIT; ANALYZE", NULL, NULL, NULL))
    die(sqlite3_errmsg(db));
  return db;
}

static sqlite3_stmt *cte(sqlite3 *db, int dir) {
  const char *sql =
      dir == ADB_OUT
          ? "WITH RECURSIVE r(id, d) AS (SELECT ?1, 0 UNION SELECT e.dst, r.d + 1 FROM r"
            " JOIN e ON e.src = r.id WHERE r.d < ?2) SELECT count(DISTINCT id) FROM r"
          : "WITH RECURSIVE r(id, d) AS (SELECT ?1, 0 UNION SELECT e.dst, r.d + 1 FROM r"
            " JOIN e ON e.src = r.id WHERE r.d < ?2 UNION SELECT e.src, r.d + 1 FROM r"
            " JOIN e ON e.dst = r.id WHERE r.d < ?2) SELECT count(DISTINCT id) FROM r";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) die(sqlite3_errmsg(db));
  return st;
}

static long long theirs(sqlite3_stmt *st, long long id, int k) {
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int(st, 2, k);
  if (sqlite3_step(st) != SQLITE_ROW) die("recursive query failed");
  long long n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

/* The pattern count by a self-join: two different edges, the first ending where the second
 * starts. */
static long long theirs_pattern(sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM e e1 JOIN e e2 ON e2.src = e1.dst"
                             " AND e2.rowid <> e1.rowid", -1, &st, NULL) ||
      sqlite3_step(st) != SQLITE_ROW)
    die(sqlite3_errmsg(db));
  long long n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static long long ours_pattern(adb *db) {
  int64_t n;
  if (adb_count_two_hop(db, "E", "E", &n)) die(adb_errmsg(db));
  return n;
}

/* ---- ArenaDB through Cypher -------------------------------------------------------------- */

/* Why the last Cypher query failed, for the table (a failure is reported, not fatal). */
static char cypher_error[256];

/* The single integer a Cypher query returns, or -1 when it fails (cypher_error says why). */
static long long cypher_count(adb *db, const char *query, const char *params) {
  adb_cypher *r;
  long long n = -1;
  if (adb_cypher_run(db, query, params, &r) || adb_cypher_next(r) != ADB_ROW)
    snprintf(cypher_error, sizeof cypher_error, "%s", adb_errmsg(db));
  else
    n = adb_cypher_int(r, 0);
  adb_cypher_free(r);
  return n;
}

static long long cypher_pattern(adb *db) {
  return cypher_count(db, "MATCH (a)-[:E]->(b)-[:E]->(c) RETURN count(*)", NULL);
}

/* Distinct nodes ending a trail of 1 to 3 hops from the node with this id (in the direction the
 * graph's k-hop rows use). */
static long long cypher_trails(adb *db, const char *id, int dir) {
  char params[64];
  snprintf(params, sizeof params, "{\"id\": \"%s\"}", id);
  return cypher_count(db, dir == ADB_BOTH
                              ? "MATCH (a)-[*1..3]-(b) WHERE elementId(a) = $id RETURN count(DISTINCT b)"
                              : "MATCH (a)-[*1..3]->(b) WHERE elementId(a) = $id RETURN count(DISTINCT b)",
                      params);
}

/* ---- Kuzu's results, made by kuzu.mjs ---------------------------------------------------- */

typedef struct kuzu_side {
  int have;
  double ms[MAX_K + 1], pattern_ms;
  long long counts[MAX_K + 1][STARTS], pattern;
} kuzu_side;

static kuzu_side read_kuzu(const char *out, const dataset *d) {
  kuzu_side k = {0};
  char path[1024];
  snprintf(path, sizeof path, "%s/kuzu-%s.json", out, d->name);
  json_t *j = json_load_file(path, 0, NULL);
  if (!j) return k;
  k.have = 1;
  for (int h = 1; h <= MAX_K; h++) {
    char key[8];
    snprintf(key, sizeof key, "%d", h);
    json_t *ms = json_object_get(json_object_get(j, "ms"), key);
    json_t *c = json_object_get(json_object_get(j, "counts"), key);
    k.ms[h] = json_number_value(ms);
    if (json_array_size(c) != STARTS) k.have = 0;
    for (int i = 0; i < STARTS && k.have; i++)
      k.counts[h][i] = json_integer_value(json_array_get(c, i));
  }
  json_t *p = json_object_get(j, "pattern");
  if (!json_is_object(p)) k.have = 0;
  k.pattern = json_integer_value(json_object_get(p, "count"));
  k.pattern_ms = json_number_value(json_object_get(p, "ms"));
  json_decref(j);
  return k;
}

/* ---- Running ----------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* What one side of a comparison runs: all 100 starts at depth k, or the pattern count (k 0). */
typedef struct side {
  const graph *g;
  const dataset *d;
  adb *db;
  sqlite3_stmt *cte;
  sqlite3 *sq;
} side;

static void run_ours(const side *s, int k, long long *out) {
  if (k == 0) {
    out[0] = ours_pattern(s->db);
    return;
  }
  for (int i = 0; i < STARTS; i++) {
    char id[32];
    snprintf(id, sizeof id, "%lld", start_node(s->g, i));
    out[i] = ours(s->db, id, k, s->d->direction);
  }
}

/* Cypher: the pattern count (k 0), or the 1..3-hop trails of every start (k 3). */
static void run_cypher(const side *s, int k, long long *out) {
  if (k == 0) {
    out[0] = cypher_pattern(s->db);
    return;
  }
  for (int i = 0; i < STARTS; i++) {
    char id[32];
    snprintf(id, sizeof id, "%lld", start_node(s->g, i));
    if ((out[i] = cypher_trails(s->db, id, s->d->direction)) < 0) return;
  }
}

static void run_theirs(const side *s, int k, long long *out) {
  if (k == 0) {
    out[0] = theirs_pattern(s->sq);
    return;
  }
  for (int i = 0; i < STARTS; i++) out[i] = theirs(s->cte, start_node(s->g, i), k);
}

/* Runs fn up to REPS times (fewer once REPS_BUDGET_MS is spent); the median time. */
static double timed(void (*fn)(const side *, int, long long *), const side *s, int k,
                    long long *out, int *reps) {
  double t[REPS], spent = 0;
  int r = 0;
  while (r < REPS && (r == 0 || spent < REPS_BUDGET_MS)) {
    double x = now_ms();
    fn(s, k, out);
    t[r] = now_ms() - x;
    spent += t[r++];
  }
  *reps = r;
  return median(t, r);
}

static void print_row(const char *what, long long total, double ma, int ra, double ms, int rs,
                      const kuzu_side *kz, double kms, int agree) {
  char kt[16] = "-", kr[16] = "-";
  if (kz->have) {
    snprintf(kt, sizeof kt, "%.1f", kms);
    snprintf(kr, sizeof kr, "%.1fx", kms / ma);
  }
  printf("%-8s %14lld %10.2f%s %11.1f%s %9.1fx %10s %9s  %s\n", what, total, ma, ra < REPS ? "*" : " ",
         ms, rs < REPS ? "*" : " ", ms / ma, kt, kr,
         agree ? (kz->have ? "agree (ours, SQLite, Kuzu)" : "agree (ours, SQLite)") : "DIFFER");
}

static void run(const char *data, const char *out, const dataset *d) {
  graph g = load(data, d);
  double t0 = now_ms();
  adb *db = load_arenadb(out, d, &g);
  double t1 = now_ms();
  sqlite3 *sq = load_sqlite(out, d, &g);
  side s = {&g, d, db, cte(sq, d->direction), sq};
  kuzu_side kz = read_kuzu(out, d);
  /* A handle walks on the indexes until its walks have read a share of the edges; the rows
   * below time walks on the adjacency cache, built here (internal calls, for the figures). */
  double t2 = now_ms();
  graph_cache *cache;
  if (graph_cache_get(db, &cache)) die(adb_errmsg(db));
  double build = now_ms() - t2;
  size_t bytes = graph_cache_bytes(cache);
  printf("\n%s: %zu nodes, %zu edges (%s); ArenaDB load %.0f ms, adjacency cache built in %.0f ms,"
         " %.1f MB (%.1f bytes per edge); %d start nodes, median of %d runs (* fewer: %.0f s"
         " budget)\n",
         d->name, g.nnodes, g.nedges, d->direction == ADB_BOTH ? "both directions" : "directed",
         t1 - t0, build, bytes / 1e6, (double)bytes / (double)g.nedges, STARTS, REPS,
         REPS_BUDGET_MS / 1000);
  printf("%-8s %14s %11s %12s %10s %10s %9s  %s\n", "query", "count", "ArenaDB ms", "SQLite ms",
         "SQLite/us", "Kuzu ms", "Kuzu/us", "counts");
  double api_ms[MAX_K + 1];
  long long api[MAX_K + 1][STARTS];
  for (int k = 1; k <= MAX_K + 1; k++) {
    int q = k <= MAX_K ? k : 0, ra, rs;
    long long *mine = api[q], sql[STARTS], total = 0;
    double ma = timed(run_ours, &s, q, mine, &ra);
    api_ms[q] = ma;
    double ms = timed(run_theirs, &s, q, sql, &rs);
    int agree = 1, n = q ? STARTS : 1;
    for (int i = 0; i < n; i++) {
      total += mine[i];
      if (sql[i] != mine[i]) agree = 0;
      if (kz.have && (q ? kz.counts[q][i] : kz.pattern) != mine[i]) agree = 0;
    }
    char what[16];
    snprintf(what, sizeof what, q ? "%d-hop" : "a->b->c", q);
    print_row(what, total, ma, ra, ms, rs, &kz, q ? kz.ms[q] : kz.pattern_ms, agree);
  }
  /* Cypher beside the C API: the same pattern count, and trails of 1..3 hops against the 3-hop
   * k-hop (which counts the start too, so the trail count is that or one less). */
  printf("%-8s %14s %11s %12s %13s %10s %12s  %s\n", "cypher", "count", "Cypher ms", "C API ms",
         "Cypher/C API", "Kuzu ms", "Kuzu/Cypher", "counts");
  for (int q = 0; q <= MAX_K; q += MAX_K) {
    long long cy[STARTS], total = 0;
    int rc, agree = 1, n = q ? STARTS : 1;
    double mc = timed(run_cypher, &s, q, cy, &rc);
    int failed = 0;
    for (int i = 0; i < n && !failed; i++) failed = cy[i] < 0;
    if (failed) {
      printf("%-8s failed: %s\n", q ? "1..3" : "a->b->c", cypher_error);
      continue;
    }
    for (int i = 0; i < n; i++) {
      total += cy[i];
      if (q ? cy[i] != api[q][i] && cy[i] != api[q][i] - 1 : cy[i] != api[0][0]) agree = 0;
    }
    double kms = q ? kz.ms[q] : kz.pattern_ms;
    char kt[16] = "-", kr[16] = "-";
    if (kz.have) {
      snprintf(kt, sizeof kt, "%.1f", kms);
      snprintf(kr, sizeof kr, "%.1fx", kms / mc);
    }
    printf("%-8s %14lld %10.2f%s %12.2f %12.1fx %10s %12s  %s\n", q ? "1..3" : "a->b->c", total, mc,
           rc < REPS ? "*" : " ", api_ms[q], mc / api_ms[q], kt, kr,
           agree ? (q ? "agree with 3-hop" : "agree with the C API") : "DIFFER");
  }
  sqlite3_finalize(s.cte);
  sqlite3_close(sq);
  adb_close(db);
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5 || (strcmp(argv[1], "prepare") && strcmp(argv[1], "run"))) {
    fprintf(stderr, "usage: bench_graph prepare|run DATA_DIR OUT_DIR [GRAPH_NAME]\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof datasets / sizeof *datasets; i++)
    if (argc == 5 && strcmp(argv[4], datasets[i].name)) continue;
    else if (!strcmp(argv[1], "prepare")) prepare(argv[2], argv[3], &datasets[i]);
    else run(argv[2], argv[3], &datasets[i]);
  return 0;
}
