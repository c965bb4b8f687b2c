/* commands.c — the command table: every command, in the order help lists them. */
#include <string.h>

#include "cli/cli.h"

static const cli_cmd *const tables[] = {cli_cmds_misc,  cli_cmds_element, cli_cmds_sync,
                                        cli_cmds_io,    cli_cmds_net,     cli_cmds_graph,
                                        cli_cmds_text,  cli_cmds_vector,  cli_cmds_cypher,
                                        cli_cmds_token, cli_cmds_help};

const cli_cmd *cli_cmd_at(size_t i) {
  for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
    for (const cli_cmd *c = tables[t]; c->name; c++)
      if (i-- == 0) return c;
  return NULL;
}

const cli_cmd *cli_cmd_find(int argc, char **argv, int *used) {
  size_t n = strlen(argv[0]);
  const cli_cmd *c;
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) {
    if (!strcmp(c->name, argv[0])) {
      *used = 1;
      return c;
    }
    if (argc > 1 && !strncmp(c->name, argv[0], n) && c->name[n] == ' ' &&
        !strcmp(c->name + n + 1, argv[1])) {
      *used = 2;
      return c;
    }
  }
  return NULL;
}
