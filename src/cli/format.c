/* format.c — printing query results as a table, JSON or CSV. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

int cli_format_check(const char *format) {
  if (!format || !strcmp(format, "table") || !strcmp(format, "json") ||
      !strcmp(format, "jsonl") || !strcmp(format, "csv"))
    return CLI_OK;
  fprintf(stderr, "arenadb: unknown format '%s': use table, json, jsonl or csv\n", format);
  return CLI_USAGE;
}

/* The text of a cell; blobs as X'hex', which is how SQL writes them. Returns a pointer into
 * scratch (freed by the caller) or into the statement. */
static const char *cell_text(adb_stmt *st, int i, char **scratch) {
  *scratch = NULL;
  if (adb_column_type(st, i) != ADB_TYPE_BLOB) return adb_column_text(st, i);
  int n = adb_column_bytes(st, i);
  const unsigned char *p = adb_column_blob(st, i);
  char *s = malloc(2 * (size_t)n + 4);
  if (!s) return "";
  strcpy(s, "X'");
  ut_hex_encode(p, (size_t)n, s + 2);
  strcat(s, "'");
  *scratch = s;
  return s;
}

void cli_put_csv(FILE *out, const char *s) {
  if (!s) return;
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

static void put_csv_header(FILE *out, adb_stmt *st, int ncols) {
  for (int i = 0; i < ncols; i++) {
    if (i) fputc(',', out);
    cli_put_csv(out, adb_column_name(st, i));
  }
  fputc('\n', out);
}

/* Display width of UTF-8 text: one column per code point. */
static size_t width(const char *s) {
  size_t w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xc0) != 0x80;
  return w;
}

typedef struct table {
  int ncols;
  size_t nrows, cap;
  char **cells; /* row-major, ncols per row; the header is row 0 */
} table;

static int table_add(table *t, adb_stmt *st, int header) {
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **c = realloc(t->cells, cap * (size_t)t->ncols * sizeof *c);
    if (!c) return -1;
    t->cells = c;
    t->cap = cap;
  }
  for (int i = 0; i < t->ncols; i++) {
    char *scratch = NULL;
    const char *v = header ? adb_column_name(st, i) : cell_text(st, i, &scratch);
    t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = strdup(v ? v : "NULL");
    free(scratch);
  }
  t->nrows++;
  return 0;
}

static void table_print(table *t, FILE *out) {
  size_t *w = calloc((size_t)t->ncols, sizeof *w);
  if (!w) return;
  for (size_t r = 0; r < t->nrows; r++)
    for (int c = 0; c < t->ncols; c++) {
      const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
      size_t cw = s ? width(s) : 0;
      if (cw > w[c]) w[c] = cw;
    }
  for (size_t r = 0; r < t->nrows; r++) {
    for (int c = 0; c < t->ncols; c++) {
      const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
      if (!s) s = "";
      fputs(s, out);
      if (c + 1 < t->ncols) fprintf(out, "%*s", (int)(w[c] - width(s) + 2), "");
    }
    fputc('\n', out);
    if (r == 0) {
      for (int c = 0; c < t->ncols; c++) {
        for (size_t k = 0; k < w[c]; k++) fputc('-', out);
        if (c + 1 < t->ncols) fputs("  ", out);
      }
      fputc('\n', out);
    }
  }
  free(w);
}

static void table_free(table *t) {
  for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++) free(t->cells[i]);
  free(t->cells);
}

static void put_json_value(FILE *out, adb_stmt *st, int i) {
  char tmp[40];
  switch (adb_column_type(st, i)) {
  case ADB_TYPE_INTEGER:
    fprintf(out, "%lld", (long long)adb_column_int(st, i));
    break;
  case ADB_TYPE_FLOAT: {
    double d = adb_column_double(st, i);
    snprintf(tmp, sizeof tmp, "%.17g", d);
    fputs(strpbrk(tmp, "0123456789") ? tmp : "null", out); /* inf and nan are not JSON */
    break;
  }
  case ADB_TYPE_NULL: fputs("null", out); break;
  default: {
    if (adb_column_type(st, i) == ADB_TYPE_TEXT && adb_column_is_json(st, i)) {
      fputs(adb_column_text(st, i), out); /* a properties object, embedded */
      break;
    }
    char *scratch;
    const char *s = cell_text(st, i, &scratch);
    ut_buf b;
    ut_buf_init(&b);
    ut_json_put_string(&b, s, strlen(s));
    free(scratch);
    fwrite(b.p, 1, b.len, out);
    ut_buf_free(&b);
  }
  }
}

int cli_query(adb *db, const char *sql, const char *const *bind, int nbind, const char *format,
              FILE *out) {
  if (!format) format = "table";
  const char *tail = sql;
  int status = CLI_OK;
  while (*tail && status == CLI_OK) {
    adb_stmt *st;
    int rc = adb_prepare(db, tail, &st, &tail);
    if (rc) return cli_fail_db(db, rc, "SQL");
    if (!st) break;
    for (int i = 0; i < nbind; i++) adb_bind_text(st, i + 1, bind[i]);
    int ncols = adb_column_count(st);
    table t = {.ncols = ncols};
    long rows = 0;
    int array = !strcmp(format, "json"), json = array || !strcmp(format, "jsonl");
    int csv = !strcmp(format, "csv");
    while ((rc = adb_step(st)) == ADB_ROW) {
      if (json) {
        if (array) fputs(rows ? ",\n{" : "[\n{", out);
        else fputc('{', out);
        for (int i = 0; i < ncols; i++) {
          const char *name = adb_column_name(st, i);
          ut_buf b;
          ut_buf_init(&b);
          ut_json_put_string(&b, name, strlen(name));
          fprintf(out, "%s%.*s:", i ? "," : "", (int)b.len, (const char *)b.p);
          ut_buf_free(&b);
          put_json_value(out, st, i);
        }
        fputs(array ? "}" : "}\n", out);
      } else if (csv) {
        if (rows == 0) put_csv_header(out, st, ncols);
        for (int i = 0; i < ncols; i++) {
          char *scratch;
          if (i) fputc(',', out);
          cli_put_csv(out, cell_text(st, i, &scratch));
          free(scratch);
        }
        fputc('\n', out);
      } else {
        if (rows == 0 && table_add(&t, st, 1)) rc = ADB_NOMEM;
        if (table_add(&t, st, 0)) rc = ADB_NOMEM;
      }
      rows++;
    }
    if (array && ncols > 0) fputs(rows ? "\n]\n" : "[]\n", out);
    if (csv && ncols > 0 && rows == 0 && rc == ADB_DONE) put_csv_header(out, st, ncols);
    if (!json && !csv) table_print(&t, out);
    /* A statement without columns (a write) says what it did, in the table format a person
     * reads; json and csv stay exactly the rows. */
    if (!json && !csv && ncols == 0 && rc == ADB_DONE) {
      long long n = (long long)adb_stmt_changes(st);
      fprintf(out, "%lld row%s changed\n", n, n == 1 ? "" : "s");
    }
    table_free(&t);
    if (rc != ADB_DONE) status = cli_fail_db(db, rc, "SQL");
    adb_finalize(st);
  }
  return status;
}
