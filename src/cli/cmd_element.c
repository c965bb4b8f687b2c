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

static void put_field(buf *b, const char *name, const char *value, int raw) {
  if (b->len > 1) buf_put_u8(b, ',');
  jsonc_put_string(b, name, strlen(name));
  buf_put_u8(b, ':');
  if (raw) buf_puts(b, value);
  else jsonc_put_string(b, value, strlen(value));
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
    buf b;
    buf_init(&b);
    buf_put_u8(&b, '{');
    put_field(&b, "id", e.id, 0);
    if (e.source_id) put_field(&b, "source_node_id", e.source_id, 0);
    if (e.target_id) put_field(&b, "target_node_id", e.target_id, 0);
    put_field(&b, "label", e.label ? e.label : "", 0);
    put_field(&b, "properties", e.properties, 1);
    buf_puts(&b, "}\n");
    fwrite(b.p, 1, b.len, stdout);
    buf_free(&b);
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
  RUN_WRITE(cx, cx->self->name, is_edge(cx) ? adb_edge_delete(db, a[0]) : adb_node_delete(db, a[0]));
}

static int cmd_list(cli_ctx *cx) {
  const char *label = NULL, *from = NULL, *to = NULL;
  cli_opt node_opts[] = {{"--label", NULL, &label, NULL}, {0}};
  cli_opt edge_opts[] = {{"--label", NULL, &label, NULL},
                         {"--from", NULL, &from, NULL},
                         {"--to", NULL, &to, NULL},
                         {0}};
  int rc = cli_args(cx, is_edge(cx) ? edge_opts : node_opts);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  /* Unused filters bind NULL and match everything. */
  const char *bind[3] = {label, from, to};
  int status = cli_query(
      db,
      is_edge(cx) ? "SELECT id, source_node_id, label, target_node_id, properties FROM edges"
                    " WHERE (?1 IS NULL OR label = ?1) AND (?2 IS NULL OR source_node_id = ?2)"
                    " AND (?3 IS NULL OR target_node_id = ?3) ORDER BY id"
                  : "SELECT id, label, properties FROM nodes WHERE (?1 IS NULL OR label = ?1)"
                    " ORDER BY id",
      bind, 3, cx->format, stdout);
  adb_close(db);
  return status;
}

const cli_cmd cli_cmds_element[] = {
    {"node add", "LABEL [PROPS_JSON] [--id ID]", "create a node; prints its id", cmd_add, 1, 2},
    {"node get", "ID", "print a node as JSON", cmd_get, 1, 1},
    {"node set", "ID KEY VALUE_JSON", "set one property of a node", cmd_set, 3, 3},
    {"node unset", "ID KEY", "remove one property of a node", cmd_unset, 2, 2},
    {"node del", "ID", "delete a node (its edges are hidden until it returns)", cmd_del, 1, 1},
    {"node list", "[--label L]", "list nodes", cmd_list, 0, 0},
    {"edge add", "SRC LABEL DST [PROPS_JSON] [--id ID]", "create an edge; prints its id", cmd_add,
     3, 4},
    {"edge get", "ID", "print an edge as JSON", cmd_get, 1, 1},
    {"edge set", "ID KEY VALUE_JSON", "set one property of an edge", cmd_set, 3, 3},
    {"edge unset", "ID KEY", "remove one property of an edge", cmd_unset, 2, 2},
    {"edge del", "ID", "delete an edge", cmd_del, 1, 1},
    {"edge list", "[--from ID] [--to ID] [--label L]", "list edges", cmd_list, 0, 0},
    {0}};
