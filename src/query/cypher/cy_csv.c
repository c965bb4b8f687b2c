/* cy_csv.c — LOAD CSV's reading: a file under the handle's import directory
 * (adb_set_import_dir), parsed with libcsv into lists of strings. The WebAssembly build has
 * neither libcsv nor files: there LOAD CSV fails as not supported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"

#ifdef ADB_HAVE_LIBCSV
#include <csv.h>

#define CSV_FAIL(c, ...) \
  cy_fail(c, "ExternalResourceError", "runtime", "ExternalResourceFailed", __VA_ARGS__)

/* The real path of the file url names under dir (malloc'd); NULL with *why set when it is no
 * file:/// URL, names nothing, or leads outside dir. */
static char *resolve(const char *dir, const char *url, const char **why) {
  if (strncmp(url, "file:///", 8)) {
    *why = "LOAD CSV reads file:/// URLs only";
    return NULL;
  }
  size_t n = strlen(dir) + strlen(url + 8) + 2;
  char *joined = malloc(n), *real = NULL;
  if (joined) {
    snprintf(joined, n, "%s/%s", dir, url + 8);
    real = realpath(joined, NULL);
    free(joined);
  }
  size_t d = strlen(dir);
  if (real && (strncmp(real, dir, d) || (d > 1 && real[d] != '/'))) {
    free(real);
    *why = "it leads outside the import directory";
    return NULL;
  }
  if (!real) *why = "there is no such file in the import directory";
  return real;
}

/* What the parser collects, all in held buffers so that a failure frees it: the fields' bytes,
 * each field's end and nullness, and each record's end in fields. */
typedef struct field {
  size_t end;
  int null;
} field;

typedef struct collect {
  ut_buf *text, *fields, *records;
} collect;

static void on_field(void *s, size_t len, void *data) {
  collect *k = data;
  if (s) ut_buf_put(k->text, s, len);
  field f = {k->text->len, s == NULL};
  ut_buf_put(k->fields, &f, sizeof f);
}

static void on_record(int term, void *data) {
  (void)term;
  collect *k = data;
  size_t n = k->fields->len / sizeof(field);
  ut_buf_put(k->records, &n, sizeof n);
}

/* Reads the whole file into b (held); fails the query when it cannot. */
static void slurp(cy_ctx *c, const char *path, const char *url, ut_buf *b) {
  FILE *f = fopen(path, "rb");
  if (!f) CSV_FAIL(c, "LOAD CSV cannot open '%s'", url);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) ut_buf_put(b, chunk, got);
  int bad = ferror(f);
  fclose(f);
  if (bad) CSV_FAIL(c, "LOAD CSV cannot read '%s'", url);
  if (b->oom) cy_fail(c, "MemoryError", "runtime", "", "out of memory reading '%s'", url);
}

cy_list *cy_csv_read(cy_ctx *c, const char *url, char sep) {
  if (!c->db->import_dir)
    CSV_FAIL(c, "LOAD CSV reads only files under an import directory, and this handle has no "
                "import directory (arenadb cypher --import-dir DIR, adb_set_import_dir)");
  const char *why = NULL;
  char *path = resolve(c->db->import_dir, url, &why);
  if (!path) CSV_FAIL(c, "LOAD CSV cannot read '%s': %s", url, why);
  /* path moves into a held buffer first: its copy is freed however the rest ends. */
  ut_buf *held_path = cy_buf_hold(c);
  ut_buf_puts(held_path, path);
  ut_buf_put(held_path, "", 1);
  free(path);
  ut_buf *file = cy_buf_hold(c);
  collect k;
  k.text = cy_buf_hold(c); /* one at a time: holds are let go in the reverse order */
  k.fields = cy_buf_hold(c);
  k.records = cy_buf_hold(c);
  if (held_path->oom) cy_fail(c, "MemoryError", "runtime", "", "out of memory");
  slurp(c, (const char *)held_path->p, url, file);
  size_t skip = file->len >= 3 && !memcmp(file->p, "\xEF\xBB\xBF", 3) ? 3 : 0; /* a UTF-8 BOM */
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL))
    cy_fail(c, "MemoryError", "runtime", "", "out of memory");
  csv_set_delim(&p, (unsigned char)sep);
  size_t len = file->len - skip;
  int bad = csv_parse(&p, file->p + skip, len, on_field, on_record, &k) != len ||
            csv_fini(&p, on_field, on_record, &k);
  const char *err = bad ? csv_strerror(csv_error(&p)) : NULL;
  csv_free(&p);
  if (err) CSV_FAIL(c, "LOAD CSV: '%s' is not CSV: %s", url, err);
  if (k.text->oom || k.fields->oom || k.records->oom)
    cy_fail(c, "MemoryError", "runtime", "", "out of memory reading '%s'", url);
  const field *f = (const field *)k.fields->p;
  const size_t *rec = (const size_t *)k.records->p;
  size_t nrec = k.records->len / sizeof *rec, at = 0, from = 0;
  cy_list *out = cy_list_new(c, (int)nrec);
  for (size_t r = 0; r < nrec; r++) {
    cy_list *l = cy_list_new(c, (int)(rec[r] - at));
    for (size_t i = at; i < rec[r]; i++) {
      l->v[i - at] = f[i].null ? cy_null
                               : cy_str(cy_strndup(c, (const char *)k.text->p + from, f[i].end - from));
      from = f[i].end;
    }
    at = rec[r];
    out->v[r] = (cy_val){.k = CV_LIST, .l = l};
  }
  cy_buf_drop(c, k.records);
  cy_buf_drop(c, k.fields);
  cy_buf_drop(c, k.text);
  cy_buf_drop(c, file);
  cy_buf_drop(c, held_path);
  return out;
}

#else

cy_list *cy_csv_read(cy_ctx *c, const char *url, char sep) {
  (void)url;
  (void)sep;
  cy_fail(c, CY_UNSUPPORTED, "runtime", "UnsupportedFeature",
          "LOAD CSV: not supported in the WebAssembly build, which has no files to read");
}

#endif
