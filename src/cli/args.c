/* args.c — the command line's options and positional arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_parse(cli_ctx *cx, const cli_opt *opts, int keep_unknown) {
  int npos = 0, only_pos = 0;
  for (int i = 0; i < cx->argc; i++) {
    char *a = cx->argv[i];
    if (only_pos || a[0] != '-' || a[1] == 0) {
      cx->argv[npos++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      only_pos = 1;
      continue;
    }
    const cli_opt *o = NULL;
    const char *inl = NULL;
    for (const cli_opt *k = opts; k && k->name; k++) {
      size_t n = strlen(k->name);
      if (!strncmp(a, k->name, n) && (a[n] == 0 || (a[n] == '=' && k->value))) {
        o = k;
        inl = a[n] == '=' ? a + n + 1 : NULL;
      } else if (k->alias && !strcmp(a, k->alias)) {
        o = k;
      }
      if (o) break;
    }
    if (!o) {
      /* "-5" and similar are values, not options. */
      if (keep_unknown || (a[1] != '-' && (a[1] < 'a' || a[1] > 'z'))) {
        cx->argv[npos++] = a;
        continue;
      }
      fprintf(stderr, "arenadb%s%s: unknown option '%s' (see 'arenadb%s%s --help')\n",
              *cx->cmd ? " " : "", cx->cmd, a, *cx->cmd ? " " : "", cx->cmd);
      return CLI_USAGE;
    }
    if (o->flag) {
      *o->flag = 1;
    } else if (inl) {
      *o->value = inl;
    } else if (i + 1 < cx->argc) {
      *o->value = cx->argv[++i];
    } else {
      fprintf(stderr, "arenadb%s%s: option '%s' needs a value\n", *cx->cmd ? " " : "", cx->cmd,
              a);
      return CLI_USAGE;
    }
  }
  cx->argc = npos;
  return CLI_OK;
}

int cli_args(cli_ctx *cx, const cli_opt *opts) {
  if (cli_parse(cx, opts, 0)) return CLI_USAGE;
  const cli_cmd *c = cx->self;
  if (cx->argc < c->min_args || (c->max_args >= 0 && cx->argc > c->max_args)) {
    fprintf(stderr, "usage: arenadb %s %s\n", c->name, c->args);
    return CLI_USAGE;
  }
  return CLI_OK;
}

int cli_ms(const char *s, double scale, int64_t *out) {
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || !(v > 0) || v * scale > 1e12) return -1;
  *out = (int64_t)(v * scale);
  return 0;
}

int cli_int_opt(const char *name, const char *s, int *out) {
  if (!s) return CLI_OK;
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < -1000000000L || v > 1000000000L) {
    fprintf(stderr, "arenadb: %s must be an integer, not '%s'\n", name, s);
    return CLI_USAGE;
  }
  *out = (int)v;
  return CLI_OK;
}
