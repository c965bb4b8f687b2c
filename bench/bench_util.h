/* bench_util.h — timing, medians, scratch files and the side-by-side table of `make bench`. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* The median of n values (the mean of the middle two when n is even); sorts v in place. */
double bench_median(double *v, size_t n);

/* BENCH_SCALE (default 1.0) times n, at least min. */
size_t bench_scaled(size_t n, size_t min);
double bench_scale(void);
/* BENCH_REPS (default dflt, at least 1). */
int bench_reps(int dflt);

/* Where scratch databases go: $BENCH_DIR, else build/bench. The directory is created. */
const char *bench_dir(void);
/* Writes "<dir>/<name>" into out and removes any file of that name and its -wal/-shm. */
void bench_path(char *out, size_t n, const char *name);
/* Removes a database file and its -wal and -shm companions. */
void bench_remove_db(const char *path);
/* Size in bytes of the file, 0 if it does not exist. */
uint64_t bench_file_size(const char *path);

/* Exits with a message naming what failed. */
void bench_die(const char *what, const char *detail) __attribute__((noreturn));

/* A deterministic xorshift generator, so both sides get the same data and the same lookups. */
typedef struct bench_rng {
  uint64_t s;
} bench_rng;
uint64_t bench_rand(bench_rng *r);

/* The table: one row per measurement, both sides, their ratio, and the target. */
#define BENCH_HIGHER_BETTER 1 /* rates: ratio = ours / SQLite */
#define BENCH_LOWER_BETTER 0  /* latency, bytes: ratio = ours / SQLite */
typedef struct bench_row {
  char name[64];
  char unit[16];
  double ours, sqlite;
  char target[48];
  int met; /* 1 met, 0 missed, -1 no target */
} bench_row;

void bench_table_add(const char *name, const char *unit, double ours, double sqlite,
                     const char *target, int met);
void bench_table_print(void);

/* Progress line on stderr. */
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
