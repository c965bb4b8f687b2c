/* bench_core.c — the core's benchmarks, ArenaDB against plain SQLite, side by side in one run.
 *
 * Both sides run on the same machine, in the same directory, with the same data, and with the
 * same durability: WAL mode and synchronous=FULL (ArenaDB's default; the plain SQLite side sets
 * it), SQLite's default page size and cache. The plain SQLite side is the "equivalent table" of
 * the issue: nodes(id TEXT PRIMARY KEY, label TEXT, properties TEXT) with an index on label,
 * written through one prepared statement.
 *
 *   bench_core [--only insert|autocommit|apply|read] [--side both|ours|sqlite]
 *
 * Environment: BENCH_SCALE (default 1; 0.1 for a quick run), BENCH_REPS (default 5),
 * BENCH_DIR (default build/bench). Each figure is the median of the repetitions.
 * --only and --side exist so that a profiler can run one side of one benchmark. */
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arenadb.h"
#include "bench_util.h"

/* ---- The data: the same ids, label and properties for both sides ---- */

typedef struct dataset {
  size_t n;
  char **id;
  char **props;
} dataset;

static void data_make(dataset *d, const char *prefix, size_t n) {
  d->n = n;
  d->id = malloc(n * sizeof *d->id);
  d->props = malloc(n * sizeof *d->props);
  if (!d->id || !d->props) bench_die("out of memory", NULL);
  for (size_t i = 0; i < n; i++) {
    char id[48], props[96];
    /* Ids in insertion order, like ArenaDB's generated (time-ordered) ids; canonical JSON. */
    snprintf(id, sizeof id, "%s:%08zu", prefix, i);
    snprintf(props, sizeof props, "{\"age\":%zu,\"name\":\"Person %zu\"}", 18 + i % 80, i);
    d->id[i] = strdup(id);
    d->props[i] = strdup(props);
    if (!d->id[i] || !d->props[i]) bench_die("out of memory", NULL);
  }
}

static void data_free(dataset *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->id[i]);
    free(d->props[i]);
  }
  free(d->id);
  free(d->props);
  memset(d, 0, sizeof *d);
}

static const char *const LABEL = "Person";

/* ---- ArenaDB side ---- */

static adb *ours_open(const char *path, int synchronous) {
  adb_options o = {0};
  o.synchronous = synchronous;
  adb *db;
  int rc = adb_open(path, &o, &db);
  if (rc) bench_die("adb_open", db ? adb_errmsg(db) : adb_strerror(rc));
  return db;
}

static void ours_check(adb *db, int rc, const char *what) {
  if (rc) bench_die(what, adb_errmsg(db));
}

static void ours_checkpoint(adb *db) {
  ours_check(db, adb_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
}

/* Inserts d[from, to) as nodes, in one transaction (batch) or one per node. */
static double ours_insert(adb *db, const dataset *d, size_t from, size_t to, int batch) {
  uint64_t t0 = bench_now_ns();
  if (batch) ours_check(db, adb_begin(db), "adb_begin");
  for (size_t i = from; i < to; i++)
    ours_check(db, adb_node_create(db, d->id[i], LABEL, d->props[i], NULL), "adb_node_create");
  if (batch) ours_check(db, adb_commit(db), "adb_commit");
  return (double)(bench_now_ns() - t0) / 1e9;
}

/* ---- Plain SQLite side ---- */

typedef struct lite {
  sqlite3 *db;
  sqlite3_stmt *ins, *get;
} lite;

static void lite_check(sqlite3 *db, int rc, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) bench_die(what, sqlite3_errmsg(db));
}

static void lite_exec(sqlite3 *db, const char *sql) {
  lite_check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static void lite_open(lite *l, const char *path, int synchronous) {
  memset(l, 0, sizeof *l);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  lite_check(l->db, sqlite3_open_v2(path, &l->db, flags, NULL), "sqlite3_open");
  lite_exec(l->db, "PRAGMA journal_mode=WAL");
  lite_exec(l->db, synchronous == ADB_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL"
                                                  : "PRAGMA synchronous=FULL");
  lite_exec(l->db, "CREATE TABLE IF NOT EXISTS nodes(id TEXT PRIMARY KEY, label TEXT,"
                   " properties TEXT);"
                   "CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label)");
  lite_check(l->db,
             sqlite3_prepare_v3(l->db, "INSERT INTO nodes(id, label, properties) VALUES(?1,?2,?3)",
                                -1, SQLITE_PREPARE_PERSISTENT, &l->ins, NULL),
             "prepare insert");
  lite_check(l->db,
             sqlite3_prepare_v3(l->db, "SELECT id, label, properties FROM nodes WHERE id=?1", -1,
                                SQLITE_PREPARE_PERSISTENT, &l->get, NULL),
             "prepare select");
}

static void lite_close(lite *l) {
  sqlite3_finalize(l->ins);
  sqlite3_finalize(l->get);
  if (sqlite3_close(l->db) != SQLITE_OK) bench_die("sqlite3_close", "statements still open");
  memset(l, 0, sizeof *l);
}

static void lite_checkpoint(lite *l) { lite_exec(l->db, "PRAGMA wal_checkpoint(TRUNCATE)"); }

static double lite_insert(lite *l, const dataset *d, size_t from, size_t to, int batch) {
  uint64_t t0 = bench_now_ns();
  if (batch) lite_exec(l->db, "BEGIN IMMEDIATE");
  for (size_t i = from; i < to; i++) {
    sqlite3_bind_text(l->ins, 1, d->id[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(l->ins, 2, LABEL, -1, SQLITE_STATIC);
    sqlite3_bind_text(l->ins, 3, d->props[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(l->ins);
    if (rc != SQLITE_DONE) lite_check(l->db, rc, "insert");
    sqlite3_reset(l->ins);
  }
  if (batch) lite_exec(l->db, "COMMIT");
  return (double)(bench_now_ns() - t0) / 1e9;
}

/* ---- Options ---- */

static const char *only;  /* NULL: every benchmark */
static int do_ours = 1, do_lite = 1;
static int reps;

static int selected(const char *name) { return !only || strcmp(only, name) == 0; }

/* Median of a run's per-rep values; NAN when the side did not run. The spread goes to the log. */
static double med(const char *side, double *v, int n, int ran) {
  if (!ran) return NAN;
  double m = bench_median(v, (size_t)n);
  bench_log("   %-7s median %.4g, min %.4g, max %.4g over %d", side, m, v[0], v[n - 1], n);
  return m;
}

/* ---- 1. Batched inserts, and what they leave behind: reads and storage ---- */

static void bench_batch_insert(const dataset *d, int keep_for_reads) {
  double ours_rate[64], lite_rate[64];
  double ours_bytes = NAN, lite_bytes = NAN;
  char po[600], pl[600];
  for (int r = 0; r < reps; r++) {
    bench_log("batch insert: %zu nodes, rep %d/%d", d->n, r + 1, reps);
    /* Alternate which side goes first, so slow drifts of the machine hit both alike. */
    for (int k = 0; k < 2; k++) {
      int side = (k + r) % 2; /* 0 ours, 1 SQLite */
      if (side == 0 && do_ours) {
        bench_path(po, sizeof po, "ours_batch.db");
        adb *db = ours_open(po, ADB_SYNC_FULL);
        ours_rate[r] = (double)d->n / ours_insert(db, d, 0, d->n, 1);
        ours_checkpoint(db);
        ours_bytes = (double)(bench_file_size(po)) / (double)d->n;
        ours_check(db, adb_close(db), "adb_close");
        if (!(keep_for_reads && r == reps - 1)) bench_remove_db(po);
      }
      if (side == 1 && do_lite) {
        lite l;
        bench_path(pl, sizeof pl, "sqlite_batch.db");
        lite_open(&l, pl, ADB_SYNC_FULL);
        lite_rate[r] = (double)d->n / lite_insert(&l, d, 0, d->n, 1);
        lite_checkpoint(&l);
        lite_bytes = (double)bench_file_size(pl) / (double)d->n;
        lite_close(&l);
        if (!(keep_for_reads && r == reps - 1)) bench_remove_db(pl);
      }
    }
  }
  double o = med("ArenaDB", ours_rate, reps, do_ours), s = med("SQLite", lite_rate, reps, do_lite);
  char name[64], target[48];
  snprintf(name, sizeof name, "insert %zu nodes, 1 transaction", d->n);
  snprintf(target, sizeof target, ">=0.7x and >=200000/s");
  int met = do_ours && do_lite ? o >= 0.7 * s && o >= 200000 : -1;
  bench_table_add(name, "nodes/s", o, s, target, met);
  snprintf(name, sizeof name, "storage after %zu inserts", d->n);
  met = do_ours && do_lite ? ours_bytes <= 2 * lite_bytes : -1;
  bench_table_add(name, "B/node", ours_bytes, lite_bytes, "<=2x", met);
}

/* Point reads on the databases bench_batch_insert kept. cache_kib > 0 gives both sides a page
 * cache of that size, warmed by reading every node once, so that no page is read from the file.
 * Either way each read is its own read transaction, as for any caller of adb_node_get. */
static void bench_point_read(const dataset *d, size_t nreads, int cache_kib) {
  char po[600], pl[600];
  snprintf(po, sizeof po, "%s/ours_batch.db", bench_dir());
  snprintf(pl, sizeof pl, "%s/sqlite_batch.db", bench_dir());
  size_t *pick = malloc(nreads * sizeof *pick);
  double *lat = malloc(nreads * sizeof *lat);
  if (!pick || !lat) bench_die("out of memory", NULL);
  bench_rng rng = {0x5eed};
  for (size_t i = 0; i < nreads; i++) pick[i] = bench_rand(&rng) % d->n;

  adb *db = do_ours ? ours_open(po, ADB_SYNC_FULL) : NULL;
  lite l = {0};
  if (do_lite) lite_open(&l, pl, ADB_SYNC_FULL);
  if (cache_kib > 0) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%d", cache_kib);
    if (db) ours_check(db, adb_exec(db, pragma), "cache_size");
    if (do_lite) lite_exec(l.db, pragma);
    for (size_t i = 0; i < d->n; i++) {
      adb_element e;
      if (db) ours_check(db, adb_node_get(db, d->id[i], &e), "adb_node_get");
      if (db) adb_element_clear(&e);
      if (do_lite) {
        sqlite3_bind_text(l.get, 1, d->id[i], -1, SQLITE_STATIC);
        sqlite3_step(l.get);
        sqlite3_reset(l.get);
      }
    }
  }
  double ours_med[64], lite_med[64], ours_mean[64], lite_mean[64];
  for (int r = 0; r < reps; r++) {
    bench_log("point read (cache %d KiB): %zu random ids, rep %d/%d", cache_kib, nreads, r + 1,
              reps);
    for (int k = 0; k < 2; k++) {
      int side = (k + r) % 2;
      if (side == 0 && do_ours) {
        uint64_t t0 = bench_now_ns();
        for (size_t i = 0; i < nreads; i++) {
          adb_element e;
          uint64_t a = bench_now_ns();
          ours_check(db, adb_node_get(db, d->id[pick[i]], &e), "adb_node_get");
          adb_element_clear(&e);
          lat[i] = (double)(bench_now_ns() - a) / 1e3;
        }
        ours_mean[r] = (double)(bench_now_ns() - t0) / 1e3 / (double)nreads;
        ours_med[r] = bench_median(lat, nreads);
      }
      if (side == 1 && do_lite) {
        uint64_t t0 = bench_now_ns();
        for (size_t i = 0; i < nreads; i++) {
          uint64_t a = bench_now_ns();
          sqlite3_bind_text(l.get, 1, d->id[pick[i]], -1, SQLITE_STATIC);
          if (sqlite3_step(l.get) != SQLITE_ROW) bench_die("select", "row missing");
          /* Touch what adb_node_get returns: the three text columns. */
          size_t n = strlen((const char *)sqlite3_column_text(l.get, 0)) +
                     strlen((const char *)sqlite3_column_text(l.get, 1)) +
                     strlen((const char *)sqlite3_column_text(l.get, 2));
          if (n == 0) bench_die("select", "empty row");
          sqlite3_reset(l.get);
          lat[i] = (double)(bench_now_ns() - a) / 1e3;
        }
        lite_mean[r] = (double)(bench_now_ns() - t0) / 1e3 / (double)nreads;
        lite_med[r] = bench_median(lat, nreads);
      }
    }
  }
  if (db) ours_check(db, adb_close(db), "adb_close");
  if (do_lite) lite_close(&l);
  double o = med("ArenaDB", ours_med, reps, do_ours), s = med("SQLite", lite_med, reps, do_lite);
  char name[64], what[48] = "default cache";
  if (cache_kib > 0) snprintf(what, sizeof what, "%d MiB cache", cache_kib / 1024);
  snprintf(name, sizeof name, "point read by id, median, %s", what);
  bench_table_add(name, "us", o, s, "<5 us", do_ours ? o < 5.0 : -1);
  snprintf(name, sizeof name, "point read by id, mean, %s", what);
  bench_table_add(name, "us", med("ArenaDB", ours_mean, reps, do_ours),
                  med("SQLite", lite_mean, reps, do_lite), "", -1);
  free(pick);
  free(lat);
}

/* ---- 2. Single-write transactions ---- */

static void bench_autocommit(const dataset *d, int synchronous) {
  double ours_rate[64], lite_rate[64];
  char po[600], pl[600];
  const char *sync_name = synchronous == ADB_SYNC_FULL ? "FULL" : "NORMAL";
  for (int r = 0; r < reps; r++) {
    bench_log("autocommit (synchronous=%s): %zu transactions, rep %d/%d", sync_name, d->n, r + 1,
              reps);
    for (int k = 0; k < 2; k++) {
      int side = (k + r) % 2;
      if (side == 0 && do_ours) {
        bench_path(po, sizeof po, "ours_auto.db");
        adb *db = ours_open(po, synchronous);
        ours_rate[r] = (double)d->n / ours_insert(db, d, 0, d->n, 0);
        ours_check(db, adb_close(db), "adb_close");
        bench_remove_db(po);
      }
      if (side == 1 && do_lite) {
        lite l;
        bench_path(pl, sizeof pl, "sqlite_auto.db");
        lite_open(&l, pl, synchronous);
        lite_rate[r] = (double)d->n / lite_insert(&l, d, 0, d->n, 0);
        lite_close(&l);
        bench_remove_db(pl);
      }
    }
  }
  char name[64];
  snprintf(name, sizeof name, "%zu single-write txns, sync=%s", d->n, sync_name);
  double o = med("ArenaDB", ours_rate, reps, do_ours), s = med("SQLite", lite_rate, reps, do_lite);
  bench_table_add(name, "writes/s", o, s, "", -1);
}

/* ---- 3. Applying a change set to an empty replica ---- */

static void bench_apply(const dataset *d) {
  char ps[600], pd[600], pl[600];
  void *cs = NULL;
  size_t cslen = 0;
  double export_rate[64], apply_rate[64], lite_rate[64];
  double dst_bytes = NAN, lite_bytes = NAN;
  uint64_t registers = 0;
  if (do_ours) {
    /* The source: every node with existence, label and two property registers. */
    bench_log("apply: building the source, %zu nodes", d->n);
    bench_path(ps, sizeof ps, "ours_apply_src.db");
    adb *src = ours_open(ps, ADB_SYNC_FULL);
    ours_insert(src, d, 0, d->n, 1);
    for (int r = 0; r < reps; r++) {
      free(cs);
      uint64_t t0 = bench_now_ns();
      ours_check(src, adb_changes(src, NULL, 0, &cs, &cslen), "adb_changes");
      export_rate[r] = (double)(bench_now_ns() - t0) / 1e9;
    }
    ours_check(src, adb_close(src), "adb_close");
    bench_remove_db(ps);
  }
  for (int r = 0; r < reps; r++) {
    bench_log("apply: %zu-byte change set, rep %d/%d", cslen, r + 1, reps);
    for (int k = 0; k < 2; k++) {
      int side = (k + r) % 2;
      if (side == 0 && do_ours) {
        bench_path(pd, sizeof pd, "ours_apply_dst.db");
        adb *dst = ours_open(pd, ADB_SYNC_FULL);
        adb_apply_stats st;
        uint64_t t0 = bench_now_ns();
        ours_check(dst, adb_apply(dst, cs, cslen, &st), "adb_apply");
        double t = (double)(bench_now_ns() - t0) / 1e9;
        if (st.elements != d->n || st.changed != st.registers)
          bench_die("adb_apply", "unexpected statistics");
        registers = st.registers;
        apply_rate[r] = (double)st.registers / t;
        export_rate[r] = (double)st.registers / export_rate[r];
        ours_checkpoint(dst);
        dst_bytes = (double)bench_file_size(pd) / (double)d->n;
        ours_check(dst, adb_close(dst), "adb_close");
        bench_remove_db(pd);
      }
      if (side == 1 && do_lite) {
        lite l;
        bench_path(pl, sizeof pl, "sqlite_apply.db");
        lite_open(&l, pl, ADB_SYNC_FULL);
        double t = lite_insert(&l, d, 0, d->n, 1);
        /* The same content: each row carries existence, label and two properties. */
        lite_rate[r] = 4.0 * (double)d->n / t;
        lite_checkpoint(&l);
        lite_bytes = (double)bench_file_size(pl) / (double)d->n;
        lite_close(&l);
        bench_remove_db(pl);
      }
    }
  }
  free(cs);
  char name[64];
  snprintf(name, sizeof name, "apply %" PRIu64 "-change set, empty replica",
           registers ? registers : (uint64_t)(4 * d->n));
  double o = med("ArenaDB", apply_rate, reps, do_ours);
  bench_table_add(name, "changes/s", o, med("SQLite", lite_rate, reps, do_lite), ">=500000/s",
                  do_ours ? o >= 500000 : -1);
  bench_table_add("export the same set (adb_changes)", "changes/s",
                  med("ArenaDB", export_rate, reps, do_ours), NAN, "", -1);
  snprintf(name, sizeof name, "storage of that replica (%zu nodes)", d->n);
  bench_table_add(name, "B/node", dst_bytes, lite_bytes, "<=2x",
                  do_ours && do_lite ? dst_bytes <= 2 * lite_bytes : -1);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else if (!strcmp(argv[i], "--side") && i + 1 < argc) {
      const char *s = argv[++i];
      do_ours = !strcmp(s, "both") || !strcmp(s, "ours");
      do_lite = !strcmp(s, "both") || !strcmp(s, "sqlite");
    } else {
      fprintf(stderr,
              "usage: %s [--only insert|autocommit|apply|read] [--side both|ours|sqlite]\n"
              "environment: BENCH_SCALE (1), BENCH_REPS (5), BENCH_DIR (build/bench)\n",
              argv[0]);
      return 2;
    }
  }
  reps = bench_reps(5);
  if (reps > 64) reps = 64;
  size_t n_batch = bench_scaled(200000, 1000);
  size_t n_auto = bench_scaled(20000, 200);
  size_t n_apply = bench_scaled(250000, 1000);
  size_t n_reads = bench_scaled(200000, 2000);

  printf("ArenaDB %s core benchmarks against plain SQLite %s (system library)\n", ADB_VERSION,
         sqlite3_libversion());
  printf("scale %.3g, %d repetitions (medians), %ld CPUs, files in %s\n", bench_scale(), reps,
         sysconf(_SC_NPROCESSORS_ONLN), bench_dir());
  printf("both sides: WAL, synchronous=FULL unless a row says otherwise, default page size and"
         " cache;\nSQLite side: nodes(id TEXT PRIMARY KEY, label TEXT, properties TEXT) + index on"
         " label, prepared statements\n");
  fflush(stdout);

  uint64_t t0 = bench_now_ns();
  if (selected("insert") || selected("read")) {
    dataset d;
    data_make(&d, "person", n_batch);
    bench_batch_insert(&d, selected("read"));
    if (selected("read")) {
      bench_point_read(&d, n_reads, 0);
      bench_point_read(&d, n_reads, 128 * 1024);
      char p[600];
      snprintf(p, sizeof p, "%s/ours_batch.db", bench_dir());
      bench_remove_db(p);
      snprintf(p, sizeof p, "%s/sqlite_batch.db", bench_dir());
      bench_remove_db(p);
    }
    data_free(&d);
  }
  if (selected("autocommit")) {
    dataset d;
    data_make(&d, "person", n_auto);
    bench_autocommit(&d, ADB_SYNC_FULL);
    bench_autocommit(&d, ADB_SYNC_NORMAL);
    data_free(&d);
  }
  if (selected("apply")) {
    dataset d;
    data_make(&d, "person", n_apply);
    bench_apply(&d);
    data_free(&d);
  }
  bench_table_print();
  printf("\nratio = ArenaDB / SQLite: higher is better for rates, lower for us and bytes.\n"
         "changes = registers in the set (adb_apply_stats.registers): existence, label and two\n"
         "properties per node; SQLite's figure for apply is 4 x its rows/s inserting the same\n"
         "rows.\n"
         "total time %.0f s\n",
         (double)(bench_now_ns() - t0) / 1e9);
  rmdir(bench_dir()); /* only if empty */
  return 0;
}
