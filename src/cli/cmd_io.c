/* cmd_io.c — import and export of graph data as JSON Lines. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

typedef struct progress {
  int on;
  long long total; /* bytes, 0 when unknown */
  long long done;
  long records;
} progress;

static void progress_show(progress *p, const char *what, int last) {
  if (!p->on || (!last && p->records % 20000)) return;
  if (p->total)
    fprintf(stderr, "\r%s %ld records (%lld%%)%s", what, p->records, p->done * 100 / p->total,
            last ? "\n" : "");
  else
    fprintf(stderr, "\r%s %ld records%s", what, p->records, last ? "\n" : "");
}

static const char *str_field(json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* Imports one record of kind want ("node" or "edge"); others are skipped in this pass. */
static int import_line(adb *db, const char *line, size_t len, long lineno, const char *want,
                       int *imported) {
  json_t *o;
  char why[200];
  *imported = 0;
  if (ut_json_parse(line, len, &o, why, sizeof why))
    return cli_fail("line %ld: %s", lineno, why);
  const char *type = str_field(o, "type");
  int status = CLI_OK;
  if (!json_is_object(o) || !type || (strcmp(type, "node") && strcmp(type, "edge"))) {
    status = cli_fail("line %ld: a record must be an object with \"type\": \"node\" or \"edge\"",
                      lineno);
  } else if (json_object_get(o, "vector") && !json_is_null(json_object_get(o, "vector")) &&
             strcmp(type, "node")) {
    status = cli_fail("line %ld: only nodes have a \"vector\"", lineno);
  } else if (!strcmp(type, want)) {
    json_t *props = json_object_get(o, "properties");
    char *ptext = NULL;
    if (props && !json_is_null(props)) ptext = ut_json_text(props);
    char *made = NULL;
    json_t *vec = json_object_get(o, "vector");
    if (vec && json_is_null(vec)) vec = NULL;
    int rc = !strcmp(type, "node")
                 ? adb_node_create(db, str_field(o, "id"), str_field(o, "label"), ptext, &made)
                 : adb_edge_create(db, str_field(o, "id"), str_field(o, "source_node_id"),
                                   str_field(o, "label"), str_field(o, "target_node_id"), ptext,
                                   NULL);
    free(ptext);
    if (rc == ADB_OK && vec) { /* a node's vector: "vector": [numbers] */
      char *vtext = ut_json_text(vec);
      rc = vtext ? adb_vector_set_json(db, made, vtext) : ADB_NOMEM;
      free(vtext);
    }
    adb_free(made);
    if (rc) status = cli_fail("line %ld: %s (%s)", lineno, adb_errmsg(db), adb_strerror(rc));
    else *imported = 1;
  }
  json_decref(o);
  return status;
}

/* Nodes come first, so that an edge may appear before the nodes it joins. */
static int import_pass(adb *db, FILE *f, const char *want, progress *p) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  int status = CLI_OK;
  while (status == CLI_OK && (n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    p->done += n;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n == 0) continue;
    int imported;
    status = import_line(db, line, (size_t)n, lineno, want, &imported);
    p->records += imported;
    if (imported) progress_show(p, "imported", 0);
  }
  free(line);
  return status;
}

static int cmd_import(cli_ctx *cx) {
  int show = 0;
  cli_opt opts[] = {{"--progress", NULL, NULL, &show}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  FILE *f = fopen(cx->argv[0], "r");
  if (!f) return cli_fail("cannot read '%s': %s", cx->argv[0], strerror(errno));
  struct stat sb;
  progress p = {.on = show || isatty(2)};
  if (fstat(fileno(f), &sb) == 0) p.total = 2 * (long long)sb.st_size;
  adb *db = cli_open(cx, 0);
  int status = CLI_FAIL;
  if (db && (rc = adb_begin(db)) != ADB_OK) status = cli_fail_db(db, rc, "import");
  else if (db) {
    status = import_pass(db, f, "node", &p);
    rewind(f);
    if (status == CLI_OK) status = import_pass(db, f, "edge", &p);
    if (status == CLI_OK && (rc = adb_commit(db))) status = cli_fail_db(db, rc, "import");
    if (status != CLI_OK) {
      adb_rollback(db);
      fprintf(stderr, "arenadb: nothing was imported\n");
    } else {
      progress_show(&p, "imported", 1);
      printf("imported %ld records\n", p.records);
    }
  }
  adb_close(db);
  fclose(f);
  return status;
}

/* Writes one record; a node's vector, when it has one, as "vector" (%.9g keeps every float32). */
static void put_line(adb *db, FILE *out, const adb_element *e) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_puts(&b, e->source_id ? "{\"type\":\"edge\",\"id\":" : "{\"type\":\"node\",\"id\":");
  ut_json_put_string(&b, e->id, strlen(e->id));
  if (e->source_id) {
    ut_buf_puts(&b, ",\"source_node_id\":");
    ut_json_put_string(&b, e->source_id, strlen(e->source_id));
    ut_buf_puts(&b, ",\"target_node_id\":");
    ut_json_put_string(&b, e->target_id, strlen(e->target_id));
  }
  ut_buf_puts(&b, ",\"label\":");
  ut_json_put_string(&b, e->label ? e->label : "", e->label ? strlen(e->label) : 0);
  ut_buf_puts(&b, ",\"properties\":");
  ut_buf_puts(&b, e->properties);
  float *v;
  size_t n;
  if (!e->source_id && adb_vector_get(db, e->id, &v, &n) == ADB_OK) {
    ut_buf_puts(&b, ",\"vector\":[");
    for (size_t i = 0; i < n; i++) {
      char num[32];
      snprintf(num, sizeof num, "%s%.9g", i ? "," : "", (double)v[i]);
      ut_buf_puts(&b, num);
    }
    ut_buf_puts(&b, "]");
    adb_free(v);
  }
  ut_buf_puts(&b, "}\n");
  fwrite(b.p, 1, b.len, out);
  ut_buf_free(&b);
}

static int cmd_export(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  const char *path = cx->argv[0];
  FILE *out = strcmp(path, "-") ? fopen(path, "w") : stdout;
  if (!out) {
    adb_close(db);
    return cli_fail("cannot write '%s': %s", path, strerror(errno));
  }
  long count = 0;
  for (int pass = 0; pass < 2 && rc == ADB_OK; pass++) {
    adb_iter *it;
    rc = pass ? adb_edge_list(db, NULL, NULL, NULL, &it) : adb_node_list(db, NULL, &it);
    adb_element e;
    while (rc == ADB_OK && (rc = adb_iter_next(it, &e)) == ADB_ROW) {
      put_line(db, out, &e);
      adb_element_clear(&e);
      count++;
      rc = ADB_OK;
    }
    if (rc == ADB_DONE) rc = ADB_OK;
    adb_iter_free(it);
  }
  int status = rc ? cli_fail_db(db, rc, "export") : CLI_OK;
  if (out != stdout && fclose(out) != 0) status = cli_fail("cannot write '%s'", path);
  if (status == CLI_OK && out != stdout) printf("exported %ld records to %s\n", count, path);
  adb_close(db);
  return status;
}

const cli_cmd cli_cmds_io[] = {
    {"import", "FILE.jsonl [--progress]", "add nodes and edges from JSON Lines, in one transaction",
     cmd_import, 1, 1,
     .arguments = "FILE.jsonl   one record a line, as 'export' writes them, e.g.\n"
                  "             {\"type\": \"node\", \"id\": \"ada\", \"label\": \"Person\", "
                  "\"properties\": {}, \"vector\": [1]}\n"
                  "             {\"type\": \"edge\", \"source_node_id\": \"ada\", "
                  "\"label\": \"KNOWS\", \"target_node_id\": \"bob\"}\n"
                  "             where \"id\" (default: a new one), \"properties\" and \"vector\" "
                  "may be left out;\n"
                  "             an edge may come before its nodes; a bad line imports nothing",
     .options = "--progress   show the count of records imported on standard error (default: only\n"
                "             when it is a terminal)",
     .example = "arenadb --db copy.db import graph.jsonl --progress"},
    {"export", "FILE.jsonl", "write all nodes and edges as JSON Lines ('-': standard output)",
     cmd_export, 1, 1,
     .arguments = "FILE.jsonl   one record a line, nodes first, each node's vector with it;\n"
                  "             'import' reads it back",
     .example = "arenadb export graph.jsonl\n"
                "arenadb export - | grep '\"type\":\"edge\"'"},
    {0}};
