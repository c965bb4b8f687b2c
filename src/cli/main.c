/* main.c — the arenadb command: global options and dispatch to the command table. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv) {
  cli_ctx cx = {.db_path = getenv("ARENADB_DB")};
  if (!cx.db_path || !*cx.db_path) cx.db_path = "./arena.db";
  int help = 0, version = 0;
  cli_opt global[] = {{"--db", NULL, &cx.db_path, NULL},
                      {"--format", NULL, &cx.format, NULL},
                      {"--help", "-h", NULL, &help},
                      {"--version", NULL, NULL, &version},
                      {0}};
  cx.cmd = "";
  cx.argc = argc - 1;
  cx.argv = argv + 1;
  if (cli_parse(&cx, global, 1)) return CLI_USAGE;
  if (version) {
    printf("arenadb %s\n", ADB_VERSION);
    return CLI_OK;
  }
  /* "arenadb help [COMMAND...]" is "arenadb [COMMAND...] --help". */
  for (; cx.argc > 0 && !strcmp(cx.argv[0], "help"); cx.argc--, cx.argv++) help = 1;
  if (cx.argc == 0) {
    cli_usage(help ? stdout : stderr);
    return help ? CLI_OK : CLI_USAGE;
  }
  int used;
  const cli_cmd *c = cli_cmd_find(cx.argc, cx.argv, &used);
  if (!c && cli_group_usage(cx.argv[0], help ? stdout : stderr)) return help ? CLI_OK : CLI_USAGE;
  if (!c) {
    fprintf(stderr, "arenadb: unknown command '%s' (see 'arenadb --help')\n", cx.argv[0]);
    return CLI_USAGE;
  }
  /* cypher has a format of its own (tck) and checks --format itself. */
  if (c != cli_cmds_cypher && cli_format_check(cx.format)) return CLI_USAGE;
  cx.cmd = c->name;
  cx.argc -= used;
  cx.argv += used;
  if (help) {
    cli_help(c, stdout);
    return CLI_OK;
  }
  cx.self = c;
  return c->run(&cx);
}
