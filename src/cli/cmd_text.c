/* cmd_text.c — text property commands: insert, delete, replace, get. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Reads a position or length: a non-negative decimal integer. Prints why and returns CLI_USAGE
 * when it is not one. */
static int parse_count(cli_ctx *cx, const char *what, const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *s == '-' || *s == '+' || *end || errno || v > SIZE_MAX) {
    fprintf(stderr, "arenadb %s: %s must be a non-negative integer, not '%s'\n", cx->cmd, what, s);
    return CLI_USAGE;
  }
  *out = (size_t)v;
  return CLI_OK;
}

/* The edit commands: insert (ID KEY POS STRING), delete (ID KEY POS LEN) and replace (ID KEY
 * POS LEN STRING). */
static int cmd_edit(cli_ctx *cx) {
  int edge = 0;
  cli_opt opts[] = {{"--edge", NULL, NULL, &edge}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  char **a = cx->argv;
  const char *verb = cx->self->name + strlen("text ");
  size_t pos, len = 0;
  const char *s = "";
  if ((rc = parse_count(cx, "POS", a[2], &pos))) return rc;
  if (strcmp(verb, "insert") == 0) s = a[3];
  else if ((rc = parse_count(cx, "LEN", a[3], &len))) return rc;
  else if (strcmp(verb, "replace") == 0) s = a[4];
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  rc = edge ? adb_edge_text_replace(db, a[0], a[1], pos, len, s)
            : adb_text_replace(db, a[0], a[1], pos, len, s);
  int status = rc ? cli_fail_db(db, rc, cx->cmd) : CLI_OK;
  adb_close(db);
  return status;
}

static int cmd_get(cli_ctx *cx) {
  int edge = 0;
  cli_opt opts[] = {{"--edge", NULL, NULL, &edge}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  char *s = NULL;
  rc = edge ? adb_edge_text_get(db, cx->argv[0], cx->argv[1], &s)
            : adb_text_get(db, cx->argv[0], cx->argv[1], &s);
  int status = rc ? cli_fail_db(db, rc, cx->cmd) : CLI_OK;
  if (rc == ADB_OK) printf("%s\n", s);
  adb_free(s);
  adb_close(db);
  return status;
}

/* What the help of every text command says about the property and --edge. */
#define TEXT_ARGS_HELP                                                                           \
  "ID KEY   the node (with --edge, the edge) and its property; a missing or plain string\n"     \
  "         property becomes collaborative text, which replicas edit at once and merge\n"       \
  "POS      where, in code points from 0 (at most the text's length)"
#define TEXT_OPTIONS_HELP "--edge   ID names an edge, not a node"

const cli_cmd cli_cmds_text[] = {
    {"text insert", "ID KEY POS STRING [--edge]",
     "insert STRING at code point POS of the text property KEY of a node (or edge)", cmd_edit, 4,
     4, .arguments = TEXT_ARGS_HELP, .options = TEXT_OPTIONS_HELP,
     .example = "arenadb text insert ada bio 0 \"Wrote the first program.\""},
    {"text delete", "ID KEY POS LEN [--edge]", "delete LEN code points from POS of a text",
     cmd_edit, 4, 4, .arguments = TEXT_ARGS_HELP, .options = TEXT_OPTIONS_HELP,
     .example = "arenadb text delete ada bio 9 9"},
    {"text replace", "ID KEY POS LEN STRING [--edge]",
     "replace LEN code points from POS of a text with STRING", cmd_edit, 5, 5,
     .arguments = TEXT_ARGS_HELP, .options = TEXT_OPTIONS_HELP,
     .example = "arenadb text replace ada bio 10 5 \"earliest\""},
    {"text get", "ID KEY [--edge]", "print a text property (or any string property)", cmd_get, 2,
     2, .options = TEXT_OPTIONS_HELP, .example = "arenadb text get ada bio"},
    {0}};
