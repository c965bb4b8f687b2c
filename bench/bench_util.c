/* bench_util.c — timing, medians, scratch files and the side-by-side table of `make bench`. */
#include "bench_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int dbl_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, size_t n) {
  if (n == 0) return 0;
  qsort(v, n, sizeof *v, dbl_cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_scale(void) {
  const char *s = getenv("BENCH_SCALE");
  double f = s && *s ? strtod(s, NULL) : 1.0;
  return f > 0 ? f : 1.0;
}

size_t bench_scaled(size_t n, size_t min) {
  double v = (double)n * bench_scale();
  size_t r = (size_t)(v + 0.5);
  return r < min ? min : r;
}

int bench_reps(int dflt) {
  const char *s = getenv("BENCH_REPS");
  int n = s && *s ? atoi(s) : dflt;
  return n < 1 ? 1 : n;
}

const char *bench_dir(void) {
  static char dir[512];
  if (!dir[0]) {
    const char *d = getenv("BENCH_DIR");
    snprintf(dir, sizeof dir, "%s", d && *d ? d : "build/bench");
    /* mkdir -p, one level at a time */
    for (char *p = dir + 1; *p; p++) {
      if (*p != '/') continue;
      *p = 0;
      mkdir(dir, 0755);
      *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) bench_die("cannot create directory", dir);
  }
  return dir;
}

void bench_remove_db(const char *path) {
  char p[1024];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-journal", path);
  unlink(p);
}

void bench_path(char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/%s", bench_dir(), name);
  bench_remove_db(out);
}

uint64_t bench_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void bench_die(const char *what, const char *detail) {
  fprintf(stderr, "bench: %s: %s\n", what, detail ? detail : "");
  exit(1);
}

uint64_t bench_rand(bench_rng *r) {
  uint64_t x = r->s ? r->s : 0x9e3779b97f4a7c15u;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  r->s = x;
  return x;
}

void bench_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("  .. ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- The table ---- */

static bench_row rows[32];
static int nrows;

void bench_table_add(const char *name, const char *unit, double ours, double sqlite,
                     const char *target, int met) {
  if (nrows == (int)(sizeof rows / sizeof *rows)) return;
  bench_row *r = &rows[nrows++];
  snprintf(r->name, sizeof r->name, "%s", name);
  snprintf(r->unit, sizeof r->unit, "%s", unit);
  r->ours = ours;
  r->sqlite = sqlite;
  snprintf(r->target, sizeof r->target, "%s", target ? target : "");
  r->met = met;
}

static void fmt_num(char *out, size_t n, double v) {
  if (v != v) snprintf(out, n, "-");
  else if (v >= 1e5) snprintf(out, n, "%.0f", v);
  else if (v >= 100) snprintf(out, n, "%.1f", v);
  else snprintf(out, n, "%.2f", v);
}

void bench_table_print(void) {
  printf("\n%-40s %-9s %14s %14s %7s  %-26s %s\n", "benchmark", "unit", "ArenaDB", "SQLite",
         "ratio", "target", "");
  for (int i = 0; i < 40 + 1 + 9 + 1 + 14 + 1 + 14 + 1 + 7 + 2 + 26 + 5; i++) putchar('-');
  putchar('\n');
  for (int i = 0; i < nrows; i++) {
    bench_row *r = &rows[i];
    char a[32], b[32], q[32];
    fmt_num(a, sizeof a, r->ours);
    fmt_num(b, sizeof b, r->sqlite);
    if (r->sqlite > 0 && r->ours == r->ours) snprintf(q, sizeof q, "%.2fx", r->ours / r->sqlite);
    else snprintf(q, sizeof q, "-");
    printf("%-40s %-9s %14s %14s %7s  %-26s %s\n", r->name, r->unit, a, b, q, r->target,
           r->met < 0 ? "" : r->met ? "ok" : "MISSED");
  }
  fflush(stdout);
}
