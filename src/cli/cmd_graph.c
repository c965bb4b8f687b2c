/* cmd_graph.c — graph commands: traverse (k-hop expansion) and path (shortest path). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The options both graph commands take. */
typedef struct walk_opts {
  const char *depth, *label, *direction;
} walk_opts;

/* Parses and checks the arguments (depth_opt names the depth option); prints why and returns
 * CLI_USAGE when they are wrong. */
static int parse_walk(cli_ctx *cx, const char *depth_opt, walk_opts *w) {
  memset(w, 0, sizeof *w);
  cli_opt opts[] = {{depth_opt, "-k", &w->depth, NULL},
                    {"--label", NULL, &w->label, NULL},
                    {"--direction", NULL, &w->direction, NULL},
                    {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  if (w->depth) {
    char *end;
    long d = strtol(w->depth, &end, 10);
    if (!*w->depth || *end || d < 0 || d > ADB_DEPTH_MAX) {
      fprintf(stderr, "arenadb %s: %s must be a whole number from 0 to %d, not '%s'\n",
              cx->cmd, depth_opt, ADB_DEPTH_MAX, w->depth);
      return CLI_USAGE;
    }
  }
  if (w->direction && strcmp(w->direction, "out") && strcmp(w->direction, "in") &&
      strcmp(w->direction, "both")) {
    fprintf(stderr, "arenadb %s: --direction must be out, in or both, not '%s'\n", cx->cmd,
            w->direction);
    return CLI_USAGE;
  }
  return CLI_OK;
}

static int dir_code(const char *direction) {
  return !direction || !strcmp(direction, "out") ? ADB_OUT
         : !strcmp(direction, "in")              ? ADB_IN
                                                 : ADB_BOTH;
}

static int cmd_traverse(cli_ctx *cx) {
  walk_opts w;
  int rc = parse_walk(cx, "--depth", &w);
  if (rc) return rc;
  const char *depth = w.depth, *label = w.label, *direction = w.direction;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  /* A walk of depth 0 checks the start and explains a missing one as this command's failure. */
  adb_traversal *t = NULL;
  int arc = adb_khop(db, cx->argv[0], 0, dir_code(direction), label, &t);
  adb_traversal_free(t);
  const char *bind[4] = {cx->argv[0], depth, label, direction};
  rc = arc ? cli_fail_db(db, arc, "traverse") : cli_query(db,
                 "SELECT t.id, t.depth, n.label FROM graph_traverse(?1, ?2, ?3, ?4) t"
                 " JOIN nodes n ON n.id = t.id",
                 bind, 4, cx->format, stdout);
  adb_close(db);
  return rc;
}

static int cmd_path(cli_ctx *cx) {
  walk_opts w;
  int rc = parse_walk(cx, "--max-depth", &w);
  if (rc) return rc;
  const char *depth = w.depth, *label = w.label, *direction = w.direction;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  /* The C call says clearly when there is no path; the query prints the one there is. */
  adb_path p;
  int arc = adb_shortest_path(db, cx->argv[0], cx->argv[1], depth ? atoi(depth) : ADB_DEPTH_MAX,
                              dir_code(direction), label, &p);
  adb_path_clear(&p);
  const char *bind[5] = {cx->argv[0], cx->argv[1], label, direction, depth};
  rc = arc ? cli_fail_db(db, arc, "path")
           : cli_query(db, "SELECT step, node_id, edge_id FROM graph_shortest_path(?1,?2,?3,?4,?5)",
                       bind, 5, cx->format, stdout);
  adb_close(db);
  return rc;
}

/* What the help of both commands says about the options they share. */
#define WALK_OPTIONS_HELP                                                                        \
  "--label L                 follow only the edges whose label is exactly L (default: any)\n"    \
  "--direction out|in|both   follow edges from source to target (default: out), against\n"      \
  "                          them (in), or both ways\n"                                           \
  "--format F                table (default), json, jsonl or csv"

const cli_cmd cli_cmds_graph[] = {
    {"traverse", "START [--depth K] [--label L] [--direction out|in|both]",
     "list the nodes within K hops of START (default: all reachable), nearest first",
     cmd_traverse, 1, 1,
     .arguments = "START   the id of the node to start from: the first row, at depth 0",
     .options = "-k, --depth K             at most K hops, 0 to 1000000 (default: no limit)\n"
                WALK_OPTIONS_HELP,
     .example = "arenadb traverse ada --depth 2 --label KNOWS\n"
                "arenadb traverse bob --direction both --format json"},
    {"path", "FROM TO [--max-depth K] [--label L] [--direction out|in|both]",
     "print a shortest path from FROM to TO, one step per row", cmd_path, 2, 2,
     .arguments = "FROM, TO   the ids of the nodes at its ends; no path is a failure (exit 1)",
     .options = "-k, --max-depth K         at most K hops, 0 to 1000000 (default: no limit)\n"
                WALK_OPTIONS_HELP,
     .example = "arenadb path ada carol --max-depth 4"},
    {0}};
