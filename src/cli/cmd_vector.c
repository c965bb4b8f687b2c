/* cmd_vector.c — vector commands: set, get and clear a node's vector, configure the index, and
 * k-nearest search printed as a table, JSON or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int metric_opt(const char *s, int *out) {
  if (!s || !strcmp(s, "cosine"))
    *out = ADB_METRIC_COSINE;
  else if (!strcmp(s, "l2"))
    *out = ADB_METRIC_L2;
  else if (!strcmp(s, "dot"))
    *out = ADB_METRIC_DOT;
  else {
    fprintf(stderr, "arenadb: unknown metric '%s': use cosine, l2 or dot\n", s);
    return CLI_USAGE;
  }
  return CLI_OK;
}

static const char *metric_name(int m) {
  return m == ADB_METRIC_L2 ? "l2" : m == ADB_METRIC_DOT ? "dot" : "cosine";
}

static int cmd_set(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  rc = adb_vector_set_json(db, cx->argv[0], cx->argv[1]);
  int status = rc ? cli_fail_db(db, rc, "vector set") : CLI_OK;
  adb_close(db);
  return status;
}

static int cmd_clear(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  rc = adb_vector_clear(db, cx->argv[0]);
  int status = rc ? cli_fail_db(db, rc, "vector clear") : CLI_OK;
  adb_close(db);
  return status;
}

static int cmd_get(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  float *v;
  size_t n;
  rc = adb_vector_get(db, cx->argv[0], &v, &n);
  int status = rc ? cli_fail_db(db, rc, "vector get") : CLI_OK;
  if (rc == ADB_OK) {
    /* %.9g gives back every float32 exactly */
    for (size_t i = 0; i < n; i++) printf("%s%.9g", i ? "," : "[", (double)v[i]);
    printf("]\n");
  }
  adb_free(v);
  adb_close(db);
  return status;
}

static void print_info(adb_vector_params *p, size_t count) {
  printf("{\"dim\":%d,\"metric\":\"%s\",\"m\":%d,\"ef_construction\":%d,\"ef_search\":%d,"
         "\"vectors\":%zu}\n",
         p->dim, metric_name(p->metric), p->m, p->ef_construction, p->ef_search, count);
}

static int cmd_index(cli_ctx *cx) {
  const char *dim = NULL, *metric = NULL, *m = NULL, *efc = NULL, *efs = NULL;
  cli_opt opts[] = {{"--dim", NULL, &dim, NULL},       {"--metric", NULL, &metric, NULL},
                    {"--m", "-m", &m, NULL},           {"--ef-construction", NULL, &efc, NULL},
                    {"--ef-search", NULL, &efs, NULL}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  adb_vector_params p = {0};
  if (cli_int_opt("--dim", dim, &p.dim) || metric_opt(metric, &p.metric) || cli_int_opt("--m", m, &p.m) ||
      cli_int_opt("--ef-construction", efc, &p.ef_construction) ||
      cli_int_opt("--ef-search", efs, &p.ef_search))
    return CLI_USAGE;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  size_t count = 0;
  rc = adb_vector_index(db, &p);
  if (rc == ADB_OK) rc = adb_vector_index_info(db, &p, &count);
  int status = rc ? cli_fail_db(db, rc, "vector index") : CLI_OK;
  if (rc == ADB_OK) print_info(&p, count);
  adb_close(db);
  return status;
}

static int cmd_info(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  adb_vector_params p;
  size_t count;
  rc = adb_vector_index_info(db, &p, &count);
  int status = rc ? cli_fail_db(db, rc, "vector info") : CLI_OK;
  if (rc == ADB_OK) print_info(&p, count);
  adb_close(db);
  return status;
}

/* Runs through SQL's vector_search, so the three output formats come from one printer. */
static int cmd_search(cli_ctx *cx) {
  const char *k = "10", *metric = NULL, *label = NULL, *where = NULL, *ef = NULL;
  int exact = 0;
  cli_opt opts[] = {{"-k", "--k", &k, NULL},
                    {"--metric", NULL, &metric, NULL},
                    {"--label", NULL, &label, NULL},
                    {"--where", NULL, &where, NULL},
                    {"--ef", NULL, &ef, NULL},
                    {"--exact", NULL, NULL, &exact},
                    {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  int kv = 0, efv = 0, mv; /* checked here for a usage error; passed on as text */
  if (cli_int_opt("-k", k, &kv) || cli_int_opt("--ef", ef, &efv) || metric_opt(metric, &mv))
    return CLI_USAGE;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  const char *bind[7] = {cx->argv[0],      k, metric_name(mv), label, where, ef ? ef : "0",
                         exact ? "1" : "0"};
  int status = cli_query(db,
                         "SELECT v.id, v.distance, n.label, n.properties"
                         " FROM vector_search(?1, ?2, ?3, ?4, ?5, ?6, ?7) v"
                         " JOIN nodes n ON n.id = v.id ORDER BY v.distance, v.id",
                         bind, 7, cx->format, stdout);
  adb_close(db);
  return status;
}

const cli_cmd cli_cmds_vector[] = {
    {"vector set", "ID VECTOR_JSON", "set a node's vector, e.g. '[0.1, 0.2]'", cmd_set, 2, 2,
     .arguments = "VECTOR_JSON   a JSON array of 1 to 16384 numbers, as many as the index's\n"
                  "              dimension",
     .example = "arenadb vector set ada '[0.1, 0.2, 0.3]'"},
    {"vector get", "ID", "print a node's vector as JSON", cmd_get, 1, 1,
     .example = "arenadb vector get ada"},
    {"vector clear", "ID", "remove a node's vector", cmd_clear, 1, 1,
     .example = "arenadb vector clear ada"},
    {"vector search", "VECTOR_JSON [-k N] [--metric M] [FILTERS]",
     "the k nearest nodes; --metric cosine|l2|dot, --label L, --where SQL, --ef N, --exact",
     cmd_search, 1, 1,
     .arguments = "VECTOR_JSON   the query, a JSON array of the index's dimension; prints id,\n"
                  "              distance, label and properties, nearest first",
     .options = "-k, --k N     how many nodes, 1 to 10000 (default: 10)\n"
                "--metric M    cosine (default), l2 or dot; another than the index's searches\n"
                "              exactly\n"
                "--ef N        candidate list of the graph search, at least k (default: the\n"
                "              index's ef-search)\n"
                "--exact       compare with every vector instead of searching the graph\n"
                "--format F    table (default), json, jsonl or csv\n"
                "--label L     only the nodes whose label is exactly L (default: any)\n"
                "--where SQL   only the nodes for which this SQL expression over id, label and\n"
                "              properties holds, e.g. \"json_extract(properties, '$.born') <"
                " 1900\"\n"
                "              (both filter during the search: k nodes come back if k qualify)",
     .example = "arenadb vector search '[0.1, 0.2, 0.25]' -k 5 --label Person\n"
                "arenadb vector search '[1, 0, 0]' --where \"json_extract(properties, '$.born')"
                " < 1900\""},
    {"vector index", "[--dim D] [--metric M] [-m M] [OPTIONS]",
     "set the index's parameters and rebuild it; --ef-construction N, --ef-search N", cmd_index, 0,
     0,
     .options = "--dim D               components per vector (default: the first vector's)\n"
                "--metric M            what the index is built for: cosine (default), l2 or dot\n"
                "-m, --m M             links per node and level, 2 to 64 (default: 16; twice as\n"
                "                      many on level 0)\n"
                "--ef-construction N   candidate list while inserting: higher builds slower and\n"
                "                      finds better links (default: 200)\n"
                "--ef-search N         candidate list while searching, at least k: higher is\n"
                "                      slower and more exact (default: 64)\n"
                "An option left out takes its default, not the index's current value.",
     .example = "arenadb vector index --dim 3 --metric cosine -m 32 --ef-search 128"},
    {"vector info", "", "print the index's parameters and size", cmd_info, 0, 0,
     .example = "arenadb vector info"},
    {0}};
