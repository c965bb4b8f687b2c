/* textprop.c — `make bench-text-prop`: text properties end to end. Replica A types a paragraph
 * into a node's text one keystroke (one transaction) at a time; after each keystroke it sends
 * replica B a change set made for B's version vector, as live sync does. Prints the medians of
 * the keystroke's local write, its change-set size and B's apply; then the time for B to apply
 * N keystrokes at once, and the keystroke cost once the text is long. Usage:
 *   bench-text-prop DIR [KEYSTROKES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arenadb.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_d);
  return v[n / 2];
}

static void check(adb *db, int rc, const char *what) {
  if (rc == ADB_OK) return;
  fprintf(stderr, "bench-text-prop: %s: %s\n", what, adb_errmsg(db));
  exit(1);
}

static adb *open_db(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  remove(path);
  /* Each keystroke is a transaction: sync at checkpoints only (docs/storage.md), as an editor
   * that commits every keystroke would choose. */
  adb_options o = {.db_id = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", .synchronous = ADB_SYNC_NORMAL};
  adb *db;
  if (adb_open(path, &o, &db) != ADB_OK) {
    fprintf(stderr, "bench-text-prop: cannot open %s\n", path);
    exit(1);
  }
  return db;
}

/* Sends b what it lacks from a; returns the change set's size; adds the apply time to *apply. */
static size_t send(adb *a, adb *b, double *apply_us) {
  void *vv, *cs;
  size_t vvlen, cslen;
  check(b, adb_vv(b, &vv, &vvlen), "vv");
  check(a, adb_changes(a, vv, vvlen, &cs, &cslen), "changes");
  double t0 = now_us();
  check(b, adb_apply(b, cs, cslen, NULL), "apply");
  if (apply_us) *apply_us = now_us() - t0;
  free(vv);
  free(cs);
  return cslen;
}

static const char para[] =
    "Local-first software keeps the primary copy of the data on the device, so that it works "
    "offline and answers at once; replicas exchange their changes when they can, and merge "
    "them without asking anyone to resolve a conflict by hand. ";

/* Types n keystrokes of the paragraph (repeated) at the end of the text on a. */
static void type_at_end(adb *a, size_t *len, size_t n, double *write_us) {
  for (size_t i = 0; i < n; i++) {
    char c[2] = {para[(*len) % (sizeof para - 1)], 0};
    double t0 = now_us();
    check(a, adb_text_insert(a, "doc", "body", *len, c), "insert");
    if (write_us) write_us[i] = now_us() - t0;
    (*len)++;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench-text-prop DIR [KEYSTROKES]\n");
    return 2;
  }
  size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
  adb *a = open_db(argv[1], "a.db"), *b = open_db(argv[1], "b.db");
  check(a, adb_node_create(a, "doc", "Note", NULL, NULL), "create");
  send(a, b, NULL);
  double *write = malloc(n * sizeof *write), *apply = malloc(n * sizeof *apply),
         *bytes = malloc(n * sizeof *bytes);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    type_at_end(a, &len, 1, &write[i]);
    bytes[i] = (double)send(a, b, &apply[i]);
  }
  char *sa, *sb;
  check(a, adb_text_get(a, "doc", "body", &sa), "get");
  check(b, adb_text_get(b, "doc", "body", &sb), "get");
  if (strcmp(sa, sb) != 0) {
    fprintf(stderr, "bench-text-prop: the replicas differ\n");
    return 1;
  }
  adb_free(sa);
  adb_free(sb);
  printf("live typing, %zu keystrokes, one transaction and one change set each:\n", n);
  printf("  local write (adb_text_insert)   median %8.1f us\n", median(write, n));
  printf("  change set per keystroke        median %8.0f bytes\n", median(bytes, n));
  printf("  apply on the peer (adb_apply)   median %8.1f us\n", median(apply, n));

  /* B catches up on n keystrokes in one change set. */
  type_at_end(a, &len, n, NULL);
  double apply_all;
  size_t cs = send(a, b, &apply_all);
  printf("catching up: %zu keystrokes in one change set of %zu bytes, applied in %.1f ms\n", n,
         cs, apply_all / 1e3);

  /* Everything, for an empty replica. */
  adb *c = open_db(argv[1], "c.db");
  double full_us;
  size_t full = send(a, c, &full_us);
  printf("whole text (%zu characters) to an empty replica: %zu bytes, applied in %.1f ms\n", len,
         full, full_us / 1e3);

  /* The keystroke cost grows with the text: each write re-encodes the document. */
  type_at_end(a, &len, 20000 - len, NULL);
  type_at_end(a, &len, n, write);
  printf("local write once the text has %zu characters: median %.1f us\n", len - n,
         median(write, n));
  free(write);
  free(apply);
  free(bytes);
  adb_close(a);
  adb_close(b);
  adb_close(c);
  return 0;
}
