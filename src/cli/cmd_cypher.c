/* cmd_cypher.c — `arenadb cypher`: run one Cypher query and print its rows or its error. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

static void put_str(ut_buf *b, const char *s) { ut_json_put_string(b, s, strlen(s)); }

static int print_tck(adb_cypher *r) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_puts(&b, "{\"columns\":[");
  int n = adb_cypher_columns(r);
  for (int i = 0; i < n; i++) {
    if (i) ut_buf_put_u8(&b, ',');
    put_str(&b, adb_cypher_column_name(r, i));
  }
  ut_buf_puts(&b, "],\"rows\":[");
  for (int row = 0; adb_cypher_next(r) == ADB_ROW; row++) {
    ut_buf_puts(&b, row ? ",[" : "[");
    for (int i = 0; i < n; i++) {
      if (i) ut_buf_put_u8(&b, ',');
      put_str(&b, adb_cypher_text(r, i, ADB_CYPHER_TCK));
    }
    ut_buf_put_u8(&b, ']');
  }
  adb_cypher_stats s;
  adb_cypher_get_stats(r, &s);
  char tail[400];
  snprintf(tail, sizeof tail,
           "],\"stats\":{\"+nodes\":%lld,\"-nodes\":%lld,\"+relationships\":%lld,"
           "\"-relationships\":%lld,\"+properties\":%lld,\"-properties\":%lld,"
           "\"+labels\":%lld,\"-labels\":%lld}}\n",
           (long long)s.nodes_created, (long long)s.nodes_deleted,
           (long long)s.relationships_created, (long long)s.relationships_deleted,
           (long long)s.properties_set, (long long)s.properties_removed,
           (long long)s.labels_added, (long long)s.labels_removed);
  ut_buf_puts(&b, tail);
  int ok = !b.oom && fwrite(b.p, 1, b.len, stdout) == b.len;
  ut_buf_free(&b);
  return ok ? CLI_OK : cli_fail("cannot write the result");
}

static void print_tck_error(adb_cypher *r, int rc) {
  const char *type = "Error", *phase = "runtime", *detail = "", *msg = adb_strerror(rc);
  adb_cypher_error(r, &type, &phase, &detail, &msg);
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_puts(&b, "{\"error\":{\"type\":");
  put_str(&b, type);
  ut_buf_puts(&b, ",\"phase\":");
  put_str(&b, phase);
  ut_buf_puts(&b, ",\"detail\":");
  put_str(&b, detail);
  ut_buf_puts(&b, ",\"message\":");
  put_str(&b, msg);
  ut_buf_puts(&b, "}}\n");
  if (!b.oom) fwrite(b.p, 1, b.len, stdout);
  ut_buf_free(&b);
}

/* Table, JSON (one array of row objects), JSON Lines (one row object per line) or CSV; strings
 * print bare in table and CSV. */
static int print_rows(adb_cypher *r, const char *format) {
  int n = adb_cypher_columns(r);
  int array = !strcmp(format, "json"), json = array || !strcmp(format, "jsonl");
  int csv = !strcmp(format, "csv");
  if (!json) {
    for (int i = 0; i < n; i++) {
      if (i) fputs(csv ? "," : " | ", stdout);
      if (csv) cli_put_csv(stdout, adb_cypher_column_name(r, i));
      else fputs(adb_cypher_column_name(r, i), stdout);
    }
    if (n) fputc('\n', stdout);
  }
  int rows = 0;
  while (adb_cypher_next(r) == ADB_ROW) {
    if (array) fputs(rows ? ",\n" : "[\n", stdout);
    rows++;
    if (json) fputc('{', stdout);
    for (int i = 0; i < n; i++) {
      if (json) {
        ut_buf b;
        ut_buf_init(&b);
        if (i) ut_buf_put_u8(&b, ',');
        put_str(&b, adb_cypher_column_name(r, i));
        ut_buf_put_u8(&b, ':');
        ut_buf_puts(&b, adb_cypher_text(r, i, ADB_CYPHER_JSON));
        if (!b.oom) fwrite(b.p, 1, b.len, stdout);
        ut_buf_free(&b);
        continue;
      }
      if (i) fputs(csv ? "," : " | ", stdout);
      const char *s = adb_cypher_string(r, i);
      if (!s) s = adb_cypher_text(r, i, ADB_CYPHER_TCK);
      if (csv) cli_put_csv(stdout, s);
      else fputs(s, stdout);
    }
    fputs(array ? "}" : json ? "}\n" : "\n", stdout);
  }
  if (array) fputs(rows ? "\n]\n" : "[]\n", stdout);
  if (!json && !csv) {
    adb_cypher_stats s;
    adb_cypher_get_stats(r, &s);
    fprintf(stdout, "(%d row%s", rows, rows == 1 ? "" : "s");
    if (s.nodes_created || s.nodes_deleted || s.relationships_created ||
        s.relationships_deleted || s.properties_set || s.properties_removed || s.labels_added ||
        s.labels_removed)
      fprintf(stdout, "; nodes +%lld -%lld, relationships +%lld -%lld, properties +%lld -%lld,"
              " labels +%lld -%lld", (long long)s.nodes_created, (long long)s.nodes_deleted,
              (long long)s.relationships_created, (long long)s.relationships_deleted,
              (long long)s.properties_set, (long long)s.properties_removed,
              (long long)s.labels_added, (long long)s.labels_removed);
    fputs(")\n", stdout);
  }
  return fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write the result");
}

int cli_cypher_run(adb *db, const char *query, const char *params, const char *format) {
  adb_cypher *r = NULL;
  int tck = !strcmp(format, "tck");
  int rc = adb_cypher_run(db, query, params, &r);
  int ret;
  if (rc) {
    if (tck) print_tck_error(r, rc);
    else fprintf(stderr, "arenadb: cypher: %s\n", adb_errmsg(db));
    ret = CLI_FAIL;
  } else {
    ret = tck ? print_tck(r) : print_rows(r, format);
  }
  adb_cypher_free(r);
  return ret;
}

/* The command once the --procedure options are taken out. */
static int cypher(cli_ctx *cx, const char **procs, int nprocs) {
  const char *params = NULL, *format = cx->format, *timeout = NULL, *import_dir = NULL;
  int help = 0;
  cli_opt opts[] = {{"--params", NULL, &params, NULL},
                    {"--format", NULL, &format, NULL},
                    {"--timeout", NULL, &timeout, NULL},
                    {"--import-dir", NULL, &import_dir, NULL},
                    {"--help", "-h", NULL, &help},
                    {0}};
  if (cli_parse(cx, opts, 0)) return CLI_USAGE;
  if (help) {
    cli_help(cx->self, stdout);
    return CLI_OK;
  }
  if (cx->argc != 1) {
    cli_help(cx->self, stderr);
    return CLI_USAGE;
  }
  if (!format) format = "table";
  if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "jsonl") &&
      strcmp(format, "csv") && strcmp(format, "tck")) {
    fprintf(stderr, "arenadb cypher: unknown format '%s': use table, json, jsonl, csv or tck\n",
            format);
    return CLI_USAGE;
  }
  int64_t limit_ms = 0;
  if (timeout && cli_ms(timeout, 1000, &limit_ms)) {
    fprintf(stderr, "arenadb cypher: --timeout takes a positive number of seconds, not '%s'\n",
            timeout);
    return CLI_USAGE;
  }
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  adb_set_time_limit(db, limit_ms);
  if (import_dir && adb_set_import_dir(db, import_dir)) {
    fprintf(stderr, "arenadb cypher: %s\n", adb_errmsg(db));
    adb_close(db);
    return CLI_USAGE;
  }
  int rc = cli_procedures_add(db, procs, nprocs);
  if (rc == CLI_OK) rc = cli_cypher_run(db, cx->argv[0], params, format);
  adb_close(db);
  return rc;
}

static int cmd_cypher(cli_ctx *cx) {
  const char **procs;
  int nprocs;
  int rc = cli_procedure_options(cx, &procs, &nprocs);
  if (rc == CLI_OK) rc = cypher(cx, procs, nprocs);
  free(procs);
  return rc;
}

const cli_cmd cli_cmds_cypher[] = {
    {"cypher",
     "QUERY [--params JSON] [--format table|json|jsonl|csv|tck] [--timeout SECONDS]"
     " [--import-dir DIR] [--procedure SIGNATURE ROWS_JSON]...",
     "run a Cypher query (docs/cypher.md); each --procedure defines a procedure for this run, "
     "answered from ROWS_JSON: an array of row objects keyed by argument and output name",
     cmd_cypher, 0, -1,
     .arguments = "QUERY   one Cypher query, run in one transaction: its writes replicate, and a\n"
                  "        query that fails changes nothing and exits with status 1",
     .options =
         "--params JSON   a JSON object of parameter values, read as $name in the query\n"
         "--timeout S     stop the query after S seconds (fractions allowed): it fails,\n"
         "                changes nothing and exits with status 1; no limit by default\n"
         "--import-dir DIR\n"
         "                LOAD CSV may read the files under DIR ('file:///people.csv' is\n"
         "                DIR/people.csv); without it LOAD CSV reads nothing\n"
         "--format F      table (default), json (an array of row objects), jsonl (one\n"
         "                row object per line), csv, or tck: one\n"
         "                JSON object {\"columns\",\"rows\",\"stats\"} with every value in\n"
         "                openCypher's literal form; with tck an error is printed on\n"
         "                standard output as\n"
         "                {\"error\":{\"type\",\"phase\",\"detail\",\"message\"}}\n"
         "--procedure SIGNATURE ROWS_JSON\n"
         "                defines a procedure for this run, answered from a fixed table:\n"
         "                SIGNATURE as 'ns.name(in :: INTEGER?) :: (out :: STRING?)',\n"
         "                ROWS_JSON an array of row objects keyed by column name\n"
         "                ([{\"in\": 1, \"out\": \"a\"}]); CALL ns.name(1) returns the outputs\n"
         "                of the rows whose inputs equal the arguments (repeatable)",
     .example = "arenadb cypher 'MATCH (a:Person)-[:KNOWS]->(b) RETURN a.name, b.name'\n"
                "arenadb cypher 'MATCH (p {name: $name}) RETURN p.born'"
                " --params '{\"name\": \"Ada\"}' --format json"},
    {0}};
