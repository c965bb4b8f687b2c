/* cypher_proc.c — `arenadb cypher --procedure SIGNATURE ROWS_JSON`: a procedure answered from
 * a fixed table, registered through the C API for one run. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

/* Takes the --procedure options out of the arguments; CLI_USAGE for one missing its values,
 * CLI_FAIL when out of memory (cli.h). */
int cli_procedure_options(cli_ctx *cx, const char ***specs, int *nspecs) {
  *specs = NULL;
  *nspecs = 0;
  int npos = 0;
  for (int i = 0; i < cx->argc; i++) {
    if (!strcmp(cx->argv[i], "--")) { /* the rest are positionals, for cli_parse */
      while (i < cx->argc) cx->argv[npos++] = cx->argv[i++];
      break;
    }
    if (strcmp(cx->argv[i], "--procedure")) {
      cx->argv[npos++] = cx->argv[i];
      continue;
    }
    if (i + 2 >= cx->argc) {
      fprintf(stderr, "arenadb cypher: --procedure needs a signature and a JSON array of rows\n");
      free(*specs);
      *specs = NULL;
      return CLI_USAGE;
    }
    const char **ns = realloc(*specs, (size_t)(*nspecs + 1) * 2 * sizeof *ns);
    if (!ns) {
      free(*specs);
      *specs = NULL;
      return cli_fail("out of memory");
    }
    *specs = ns;
    ns[2 * *nspecs] = cx->argv[i + 1];
    ns[2 * *nspecs + 1] = cx->argv[i + 2];
    (*nspecs)++;
    i += 2;
  }
  cx->argc = npos;
  return CLI_OK;
}

/* Cypher equality of two JSON values: numbers by value (an integer argument given to a FLOAT
 * argument arrives as a float), anything else exactly. */
static int same_value(const json_t *a, const json_t *b) {
  if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
  return json_equal(a, b);
}

/* The callback: emits the outputs of every row whose argument columns equal the arguments;
 * ADB_INVALID when the arguments are not JSON or a row is refused, ADB_NOMEM. */
static int table_call(void *ctx, const char *args, adb_procedure_rows *rows) {
  const json_t *table = ctx;
  json_t *a;
  char why[200];
  if (ut_json_parse(args, strlen(args), &a, why, sizeof why)) {
    adb_procedure_error(rows, "the arguments are not JSON");
    return ADB_INVALID;
  }
  int rc = ADB_OK;
  size_t i;
  json_t *row;
  json_array_foreach(table, i, row) {
    const char *key;
    json_t *v;
    int match = 1;
    json_object_foreach(a, key, v) match = match && same_value(json_object_get(row, key), v);
    if (!match) continue;
    ut_buf b;
    ut_buf_init(&b);
    ut_buf_put_u8(&b, '{');
    int first = 1;
    json_object_foreach(row, key, v) {
      if (json_object_get(a, key)) continue;
      if (!first) ut_buf_put_u8(&b, ',');
      first = 0;
      ut_json_put_string(&b, key, strlen(key));
      ut_buf_put_u8(&b, ':');
      ut_json_write(&b, v);
    }
    ut_buf_put_u8(&b, '}');
    ut_buf_put_u8(&b, 0);
    rc = b.oom ? ADB_NOMEM : adb_procedure_emit(rows, (const char *)b.p);
    ut_buf_free(&b);
    if (rc) break;
  }
  json_decref(a);
  return rc;
}

/* Releases a procedure's table when the handle closes. */
static void table_free(void *ctx) { json_decref(ctx); }

/* Registers one fixed-table procedure; returns CLI_OK or CLI_FAIL after printing why. */
static int add_one(adb *db, const char *signature, const char *rows_json) {
  json_t *table;
  char why[200];
  if (ut_json_parse(rows_json, strlen(rows_json), &table, why, sizeof why))
    return cli_fail("--procedure %s: the rows are not JSON: %s", signature, why);
  if (!json_is_array(table)) {
    json_decref(table);
    return cli_fail("--procedure %s: the rows must be a JSON array of objects", signature);
  }
  /* the table is the procedure's from here on, released by table_free */
  int rc = adb_procedure_create(db, signature, table_call, table, table_free);
  if (rc) return cli_fail("--procedure: %s", adb_errmsg(db));
  const char *open = strchr(signature, '(');
  size_t from = 0, to = (size_t)(open - signature);
  while (isspace((unsigned char)signature[from])) from++;
  while (to > from && isspace((unsigned char)signature[to - 1])) to--;
  char *name = strndup(signature + from, to - from);
  if (!name) return cli_fail("out of memory");
  size_t i;
  json_t *row;
  json_array_foreach(table, i, row) {
    char *text = ut_json_text(row);
    rc = text ? adb_procedure_check_row(db, name, text) : ADB_NOMEM;
    free(text);
    if (rc) {
      cli_fail("--procedure %s: row %zu: %s", name, i + 1, adb_errmsg(db));
      break;
    }
  }
  free(name);
  return rc ? CLI_FAIL : CLI_OK;
}

/* Registers each procedure in turn; CLI_FAIL at the first that is refused (cli.h). */
int cli_procedures_add(adb *db, const char **specs, int nspecs) {
  for (int i = 0; i < nspecs; i++)
    if (add_one(db, specs[2 * i], specs[2 * i + 1])) return CLI_FAIL;
  return CLI_OK;
}
