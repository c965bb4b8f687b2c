/* trace.c — arenadb-trace: replays an editing trace (.json or .json.gz) through the text CRDT,
 * checks the result against endContent, and reports times, encoded size and memory. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

#include "arenadb.h"
#include "crdt/text.h"
#include "tools/trace_replay.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Reads a whole file, gunzipping it when compressed (gzread passes plain files through). */
static char *read_file(const char *path, size_t *n) {
  gzFile f = gzopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 20, len = 0;
  char *p = malloc(cap);
  int r = 0;
  while (p && (r = gzread(f, p + len, (unsigned)(cap - len))) > 0) {
    len += (size_t)r;
    if (len == cap) {
      char *q = realloc(p, cap *= 2);
      if (!q) free(p);
      p = q;
    }
  }
  gzclose(f);
  if (r < 0) {
    free(p);
    return NULL;
  }
  *n = len;
  return p;
}

static int dbl_cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, dbl_cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int check(const crdt_text *doc, json_t *root, const char *what) {
  char msg[512];
  if (trace_compare(doc, root, msg, sizeof msg) < 0) return 0;
  fprintf(stderr, "arenadb-trace: %s: %s\n", what, msg);
  return 1;
}

/* Replays the trace reps times; keeps the last document. Returns the median time. */
static int time_replay(json_t *root, int reps, crdt_text **doc, double *ms) {
  double t[reps];
  char err[256] = "";
  for (int i = 0; i < reps; i++) {
    crdt_text_free(*doc);
    *doc = NULL;
    double t0 = now_ms();
    int rc = trace_replay(root, doc, err, sizeof err);
    t[i] = now_ms() - t0;
    if (rc) {
      fprintf(stderr, "arenadb-trace: replay failed (%d): %s\n", rc, err);
      return rc;
    }
  }
  *ms = median(t, reps);
  return ADB_OK;
}

/* Merges the encoded history into a new empty document reps times; keeps the last one. */
static int time_merge(const unsigned char *enc, size_t n, int reps, crdt_text **doc, double *ms) {
  double t[reps];
  unsigned char id[16] = {0xff};
  for (int i = 0; i < reps; i++) {
    crdt_text_free(*doc);
    *doc = NULL;
    double t0 = now_ms();
    int rc = crdt_text_new(id, doc);
    if (!rc) rc = crdt_text_merge(*doc, enc, n);
    t[i] = now_ms() - t0;
    if (rc) {
      fprintf(stderr, "arenadb-trace: merging the encoded history failed (%d)\n", rc);
      return rc;
    }
  }
  *ms = median(t, reps);
  return ADB_OK;
}

int main(int argc, char **argv) {
  int reps = 1;
  if (argc == 4 && !strcmp(argv[1], "--reps")) {
    reps = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc != 2 || reps < 1) {
    fprintf(stderr,
            "usage: arenadb-trace [--reps N] FILE.json[.gz]\n"
            "  replays an editing trace, checks endContent, prints medians of N runs\n");
    return 2;
  }
  size_t n;
  char *raw = read_file(argv[1], &n);
  if (!raw) {
    fprintf(stderr, "arenadb-trace: cannot read %s\n", argv[1]);
    return 2;
  }
  json_error_t jerr;
  json_t *root = json_loadb(raw, n, 0, &jerr);
  free(raw);
  if (!root) {
    fprintf(stderr, "arenadb-trace: %s: line %d: %s\n", argv[1], jerr.line, jerr.text);
    return 2;
  }
  long rss_loaded = maxrss_kb();
  crdt_text *doc = NULL, *remote = NULL;
  double local, merge;
  if (time_replay(root, reps, &doc, &local)) return 1;
  if (check(doc, root, "local replay")) return 1;
  unsigned char *enc;
  size_t enclen;
  if (crdt_text_encode(doc, NULL, 0, &enc, &enclen)) {
    fprintf(stderr, "arenadb-trace: out of memory\n");
    return 1;
  }
  if (time_merge(enc, enclen, reps, &remote, &merge)) return 1;
  if (check(remote, root, "remote merge")) return 1;
  json_t *txns = json_object_get(root, "txns");
  size_t patches = 0;
  for (size_t i = 0; i < json_array_size(txns); i++)
    patches += json_array_size(json_object_get(json_array_get(txns, i), "patches"));
  printf("trace          %s\n", argv[1]);
  printf("transactions   %zu (%zu patches)\n", json_array_size(txns), patches);
  printf("final text     %zu code points, %zu bytes: matches endContent\n", crdt_text_len(remote),
         crdt_text_bytes(remote));
  printf("local replay   %.3f ms\n", local);
  printf("remote merge   %.3f ms (empty replica, whole encoded history)\n", merge);
  printf("encoded size   %zu bytes\n", enclen);
  printf("document mem   %zu bytes (CRDT allocations after the replay)\n", crdt_text_mem(doc));
  printf("peak RSS       %ld KiB (%ld KiB of it the parsed trace)\n", maxrss_kb(), rss_loaded);
  free(enc);
  crdt_text_free(doc);
  crdt_text_free(remote);
  json_decref(root);
  return 0;
}
