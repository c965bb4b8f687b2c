/* cmd_element.c — node and edge commands: add, get, set, unset, del, list. */
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

static int is_edge(cli_ctx *cx) { return cx->self->name[0] == 'e'; }

/* Runs a write through the library: opens, calls, reports. */
#define RUN_WRITE(cx, doing, call)                                                               \
  do {                                                                                          \
    adb *db = cli_open((cx), 0);                                                                \
    if (!db) return CLI_FAIL;                                                                   \
    int rc_ = (call);                                                                           \
    int st_ = rc_ ? cli_fail_db(db, rc_, (doing)) : CLI_OK;                                     \
    adb_close(db);                                                                              \
    return st_;                                                                                 \
  } while (0)

static int cmd_add(cli_ctx *cx) {
  const char *id = NULL;
  cli_opt opts[] = {{"--id", NULL, &id, NULL}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  char *out = NULL;
  char **a = cx->argv;
  if (is_edge(cx))
    rc = adb_edge_create(db, id, a[0], a[1], a[2], cx->argc > 3 ? a[3] : NULL, &out);
  else
    rc = adb_node_create(db, id, a[0], cx->argc > 1 ? a[1] : NULL, &out);
  int status = rc ? cli_fail_db(db, rc, is_edge(cx) ? "edge add" : "node add") : CLI_OK;
  if (!rc && out) printf("%s\n", out);
  adb_free(out);
  adb_close(db);
  return status;
}

static void put_field(ut_buf *b, const char *name, const char *value, int raw) {
  if (b->len > 1) ut_buf_put_u8(b, ',');
  ut_json_put_string(b, name, strlen(name));
  ut_buf_put_u8(b, ':');
  if (raw) ut_buf_puts(b, value);
  else ut_json_put_string(b, value, strlen(value));
}

static int cmd_get(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  adb_element e;
  rc = is_edge(cx) ? adb_edge_get(db, cx->argv[0], &e) : adb_node_get(db, cx->argv[0], &e);
  int status = rc ? cli_fail_db(db, rc, cx->self->name) : CLI_OK;
  if (rc == ADB_OK) {
    ut_buf b;
    ut_buf_init(&b);
    ut_buf_put_u8(&b, '{');
    put_field(&b, "id", e.id, 0);
    if (e.source_id) put_field(&b, "source_node_id", e.source_id, 0);
    if (e.target_id) put_field(&b, "target_node_id", e.target_id, 0);
    put_field(&b, "label", e.label ? e.label : "", 0);
    put_field(&b, "properties", e.properties, 1);
    ut_buf_puts(&b, "}\n");
    fwrite(b.p, 1, b.len, stdout);
    ut_buf_free(&b);
  }
  adb_element_clear(&e);
  adb_close(db);
  return status;
}

static int cmd_set(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  char **a = cx->argv;
  RUN_WRITE(cx, cx->self->name,
            is_edge(cx) ? adb_edge_set(db, a[0], a[1], a[2]) : adb_node_set(db, a[0], a[1], a[2]));
}

static int cmd_unset(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  char **a = cx->argv;
  RUN_WRITE(cx, cx->self->name,
            is_edge(cx) ? adb_edge_unset(db, a[0], a[1]) : adb_node_unset(db, a[0], a[1]));
}

static int cmd_del(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  char **a = cx->argv;
  RUN_WRITE(cx, cx->self->name,
            is_edge(cx) ? adb_edge_delete(db, a[0]) : adb_node_delete(db, a[0]));
}

static int cmd_list(cli_ctx *cx) {
  const char *label = NULL, *from = NULL, *to = NULL, *node = NULL, *after = NULL, *limit = NULL;
  cli_opt node_opts[] = {{"--label", NULL, &label, NULL},
                         {"--limit", NULL, &limit, NULL},
                         {"--after", NULL, &after, NULL},
                         {0}};
  cli_opt edge_opts[] = {{"--label", NULL, &label, NULL}, {"--from", NULL, &from, NULL},
                         {"--to", NULL, &to, NULL},       {"--node", NULL, &node, NULL},
                         {"--limit", NULL, &limit, NULL}, {"--after", NULL, &after, NULL},
                         {0}};
  int rc = cli_args(cx, is_edge(cx) ? edge_opts : node_opts);
  int n = -1;
  if (rc || (rc = cli_int_opt("--limit", limit, &n))) return rc;
  if (limit && n < 1) {
    fprintf(stderr, "arenadb: --limit must be at least 1, not %d\n", n);
    return CLI_USAGE;
  }
  if (node && (from || to)) {
    fprintf(stderr, "arenadb: --node (either end) goes without --from and --to\n");
    return CLI_USAGE;
  }
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  /* Unused filters bind NULL and match everything; no --limit is LIMIT -1, no limit. */
  const char *bind[6] = {label, after, limit, from, to, node};
  int status = cli_query(
      db,
      is_edge(cx)
          ? "SELECT id, source_node_id, label, target_node_id, properties FROM edges"
            " WHERE (?1 IS NULL OR label = ?1) AND (?2 IS NULL OR id > ?2)"
            " AND (?4 IS NULL OR source_node_id = ?4) AND (?5 IS NULL OR target_node_id = ?5)"
            " AND (?6 IS NULL OR source_node_id = ?6 OR target_node_id = ?6)"
            " ORDER BY id LIMIT coalesce(?3, -1)"
          : "SELECT id, label, properties FROM nodes WHERE (?1 IS NULL OR label = ?1)"
            " AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT coalesce(?3, -1)",
      bind, is_edge(cx) ? 6 : 3, cx->format, stdout);
  adb_close(db);
  return status;
}

/* What the help of set says about its value, for nodes and edges. */
#define VALUE_JSON_HELP                                                                          \
  "VALUE_JSON   the value as JSON: 36, true, null, '\"a string\"' (with its quotes), '[1, 2]'"

const cli_cmd cli_cmds_element[] = {
    {"node add", "LABEL [PROPS_JSON] [--id ID]", "create a node; prints its id", cmd_add, 1, 2,
     .arguments = "LABEL        the node's label, e.g. Person (Cypher's labels A and B are stored\n"
                  "             as A:B)\n"
                  "PROPS_JSON   its properties, a JSON object (default: {})",
     .options = "--id ID   the node's id, e.g. user:ada (default: a new time-ordered id); an id\n"
                "          that exists is refused, but one created on two replicas is one node",
     .example = "arenadb node add Person '{\"name\": \"Ada\"}' --id ada\n"
                "arenadb node add City '{\"name\": \"London\"}'"},
    {"node get", "ID", "print a node as JSON", cmd_get, 1, 1, .example = "arenadb node get ada"},
    {"node set", "ID KEY VALUE_JSON", "set one property of a node", cmd_set, 3, 3,
     .arguments = VALUE_JSON_HELP,
     .example = "arenadb node set ada born 1815\n"
                "arenadb node set ada tags '[\"math\", \"poetry\"]'"},
    {"node unset", "ID KEY", "remove one property of a node", cmd_unset, 2, 2,
     .example = "arenadb node unset ada tags"},
    {"node del", "ID", "delete a node (its edges are hidden until it returns)", cmd_del, 1, 1,
     .example = "arenadb node del ada"},
    {"node list", "[--label L] [--limit N] [--after ID]", "list nodes, by id", cmd_list, 0, 0,
     .options = "--label L    only the nodes whose label is exactly L (default: every node)\n"
                "--limit N    at most N of them (default: all)\n"
                "--after ID   those after ID: the next page begins after the last id printed\n"
                "--format F   table (default), json, jsonl or csv",
     .example = "arenadb node list --label Person --format csv\n"
                "arenadb node list --limit 100 --after ada"},
    {"edge add", "SRC LABEL DST [PROPS_JSON] [--id ID]", "create an edge; prints its id", cmd_add,
     3, 4,
     .arguments = "SRC, DST     the ids of the existing nodes it goes from and to\n"
                  "LABEL        the edge's label (its type in Cypher), e.g. KNOWS\n"
                  "PROPS_JSON   its properties, a JSON object (default: {})",
     .options = "--id ID   the edge's id (default: a new time-ordered id)",
     .example = "arenadb edge add ada KNOWS bob '{\"since\": 1833}' --id ada-knows-bob"},
    {"edge get", "ID", "print an edge as JSON", cmd_get, 1, 1,
     .example = "arenadb edge get ada-knows-bob"},
    {"edge set", "ID KEY VALUE_JSON", "set one property of an edge", cmd_set, 3, 3,
     .arguments = VALUE_JSON_HELP,
     .example = "arenadb edge set ada-knows-bob where '\"London\"'"},
    {"edge unset", "ID KEY", "remove one property of an edge", cmd_unset, 2, 2,
     .example = "arenadb edge unset ada-knows-bob where"},
    {"edge del", "ID", "delete an edge", cmd_del, 1, 1,
     .example = "arenadb edge del ada-knows-bob"},
    {"edge list", "[--from ID] [--to ID] [--node ID] [--label L] [--limit N] [--after ID]",
     "list edges, by id", cmd_list, 0, 0,
     .options = "--from ID    only the edges from node ID (default: from any)\n"
                "--to ID      only the edges to node ID (default: to any)\n"
                "--node ID    only the edges at either end of node ID (not with --from, --to)\n"
                "--label L    only the edges whose label is exactly L (default: any)\n"
                "--limit N    at most N of them (default: all)\n"
                "--after ID   those after ID: the next page begins after the last id printed\n"
                "--format F   table (default), json, jsonl or csv",
     .example = "arenadb edge list --from ada --label KNOWS\n"
                "arenadb edge list --node ada --limit 10"},
    {0}};
