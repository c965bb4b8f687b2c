/* native.c — the native side of `make bench-wasm`, through the C library on files.
 *
 * The same workloads as the browser's; bench/wasm/run.mjs runs it and reads one JSON object per
 * mode.
 *
 *   native core DIR N SINGLES READS REPS   N inserts in one transaction, SINGLES one-write
 *                                          commits, READS random point reads; REPS times each
 *   native fill PATH N                     a database of N nodes (transactions of 10,000)
 *   native open PATH N REPS                adb_open of PATH then its first nodeGet, REPS times
 *   native live A.db B.db E R              E writes into A, each awaited in B (both replicas
 *                                          synced live by `arenadb sync --live` processes);
 *                                          round R writes ids of its own
 *   native fsync PATH N                    N appends of 4 KiB to PATH, each followed by fsync:
 *                                          the disk's cost, paid once per commit on each side
 *
 * Ids, labels and properties are those of bench/wasm/worker.mjs: "n%08d", "Node",
 * {"i":i,"name":"node i"}; so are the random ids (xorshift32 seeded with 1). Times are in
 * milliseconds (ms) or microseconds (us) as each key says. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arenadb.h"
#include "bench_util.h"

static void node_id(char *out, size_t n, long i) { snprintf(out, n, "n%08ld", i); }

static void node_props(char *out, size_t n, long i) {
  snprintf(out, n, "{\"i\":%ld,\"name\":\"node %ld\"}", i, i);
}

static uint32_t xorshift32(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static adb *open_db(const char *path) {
  adb *db = NULL;
  if (adb_open(path, NULL, &db) != ADB_OK) bench_die("adb_open", db ? adb_errmsg(db) : path);
  return db;
}

static void check(adb *db, int rc, const char *what) {
  if (rc < 0) bench_die(what, adb_errmsg(db));
}

static void create(adb *db, long i) {
  char id[32], props[96];
  node_id(id, sizeof id, i);
  node_props(props, sizeof props, i);
  check(db, adb_node_create(db, id, "Node", props, NULL), "adb_node_create");
}

static void get(adb *db, long i) {
  char id[32];
  adb_element e = {0};
  node_id(id, sizeof id, i);
  check(db, adb_node_get(db, id, &e), "adb_node_get");
  adb_element_clear(&e);
}

static double ms_since(uint64_t t0) { return (double)(bench_now_ns() - t0) / 1e6; }

static void print_array(const char *key, const double *v, size_t n, int last) {
  printf("\"%s\":[", key);
  for (size_t i = 0; i < n; i++) printf("%s%.4f", i ? "," : "", v[i]);
  printf("]%s", last ? "}\n" : ",");
}

/* Rows 1-3: each repetition on a new file, like the browser's. */
static void core(const char *dir, long n, long singles, long reads, int reps) {
  double *insert = malloc(sizeof(double) * (size_t)reps);
  double *single = malloc(sizeof(double) * (size_t)(singles * reps));
  double *read = malloc(sizeof(double) * (size_t)reps);
  if (!insert || !single || !read) bench_die("out of memory", NULL);
  char path[1024];
  snprintf(path, sizeof path, "%s/native-core.db", dir);
  for (int r = 0; r < reps; r++) {
    bench_remove_db(path);
    adb *db = open_db(path);
    uint64_t t0 = bench_now_ns();
    check(db, adb_begin(db), "adb_begin");
    for (long i = 0; i < n; i++) create(db, i);
    check(db, adb_commit(db), "adb_commit");
    insert[r] = ms_since(t0);

    uint32_t s = 1;
    t0 = bench_now_ns();
    for (long k = 0; k < reads; k++) get(db, (long)(xorshift32(&s) % (uint32_t)n));
    read[r] = ms_since(t0) * 1000 / (double)reads;

    for (long k = 0; k < singles; k++) {
      t0 = bench_now_ns();
      create(db, n + k);
      single[r * singles + k] = ms_since(t0) * 1000;
    }
    adb_close(db);
  }
  bench_remove_db(path);
  printf("{");
  print_array("insert_ms", insert, (size_t)reps, 0);
  print_array("single_us", single, (size_t)(singles * reps), 0);
  print_array("read_us", read, (size_t)reps, 1);
  free(insert);
  free(single);
  free(read);
}

static void fill(const char *path, long n) {
  bench_remove_db(path);
  adb *db = open_db(path);
  uint64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i += 10000) {
    check(db, adb_begin(db), "adb_begin");
    for (long j = i; j < n && j < i + 10000; j++) create(db, j);
    check(db, adb_commit(db), "adb_commit");
  }
  printf("{\"ms\":%.3f,\"db\":\"%s\"}\n", ms_since(t0), adb_db_id(db));
  adb_close(db);
}

/* Row 4: the file was written by fill and closed; the page cache is warm, as in the browser. */
static void open_first(const char *path, long n, int reps) {
  double *v = malloc(sizeof(double) * (size_t)reps);
  if (!v) bench_die("out of memory", NULL);
  for (int r = 0; r < reps; r++) {
    uint64_t t0 = bench_now_ns();
    adb *db = open_db(path);
    get(db, n / 2);
    v[r] = ms_since(t0);
    adb_close(db);
  }
  printf("{");
  print_array("open_ms", v, (size_t)reps, 1);
  free(v);
}

/* Row 6's peer: B's sync process applies the change in its own connection, so this one sees it
 * by reading; it reads every 50 us, a small fraction of the latency being measured. */
static void live(const char *a_path, const char *b_path, long edits, long round) {
  adb *a = open_db(a_path), *b = open_db(b_path);
  double *v = malloc(sizeof(double) * (size_t)edits);
  if (!v) bench_die("out of memory", NULL);
  const struct timespec pause = {0, 50000};
  for (long k = 0; k < edits; k++) {
    char id[32];
    long i = 1000000 + round * edits + k;
    node_id(id, sizeof id, i);
    adb_element e = {0};
    uint64_t t0 = bench_now_ns();
    create(a, i);
    for (;;) {
      int rc = adb_node_get(b, id, &e);
      adb_element_clear(&e);
      if (rc == ADB_OK) break;
      if (rc != ADB_NOTFOUND) bench_die("adb_node_get", adb_errmsg(b));
      if (ms_since(t0) > 10000) bench_die("live: a write did not arrive in 10 s", id);
      nanosleep(&pause, NULL);
    }
    v[k] = ms_since(t0);
  }
  printf("{");
  print_array("live_ms", v, (size_t)edits, 1);
  free(v);
  adb_close(a);
  adb_close(b);
}

/* The disk under the bench: a live edit waits for three commits in turn (A, the server, B), so
 * this sets the floor under row 6's tail. */
static void fsync_cost(const char *path, long n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) bench_die("cannot create", path);
  double *v = malloc(sizeof(double) * (size_t)n);
  char page[4096];
  memset(page, 'x', sizeof page);
  if (!v) bench_die("out of memory", NULL);
  for (long k = 0; k < n; k++) {
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page) bench_die("write", path);
    uint64_t t0 = bench_now_ns();
    if (fsync(fd) != 0) bench_die("fsync", path);
    v[k] = ms_since(t0);
  }
  close(fd);
  unlink(path);
  printf("{");
  print_array("fsync_ms", v, (size_t)n, 1);
  free(v);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "core") && argc == 7)
    core(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]), atoi(argv[6]));
  else if (!strcmp(mode, "fill") && argc == 4)
    fill(argv[2], atol(argv[3]));
  else if (!strcmp(mode, "open") && argc == 5)
    open_first(argv[2], atol(argv[3]), atoi(argv[4]));
  else if (!strcmp(mode, "live") && argc == 6)
    live(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
  else if (!strcmp(mode, "fsync") && argc == 4)
    fsync_cost(argv[2], atol(argv[3]));
  else {
    fprintf(stderr, "usage: native core DIR N SINGLES READS REPS | fill PATH N | "
                    "open PATH N REPS | live A.db B.db EDITS ROUND | fsync PATH N\n");
    return 2;
  }
  return 0;
}
